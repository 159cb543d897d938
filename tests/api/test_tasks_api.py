"""Task inbox and queue from viewflow, and claiming a task."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.housing.models import HousingState
from tests.conftest import upload_all
from workflows import engine

from .conftest import assert_error

pytestmark = pytest.mark.django_db
S = HousingState


def open_task(case):
    return Task.objects.get(
        process_id=case.flow_process_id, flow_task_type="HUMAN", status=STATUS.NEW
    )


def test_new_case_task_is_in_the_officers_queue_and_claimable(api, users, make_case):
    case = make_case()
    client = api(users.officer2)
    r = client.get("/api/v1/tasks/", {"scope": "queue"})
    assert r.status_code == 200
    [task] = r.json()["results"]
    assert task["step"] == "prepare"
    assert task["status"] == "NEW"
    assert task["case"] == {"id": case.pk, "reference": case.reference}
    assert task["commune"] == "00448"
    assert task["created"]
    assert client.get("/api/v1/tasks/").json()["results"] == []  # inbox empty

    r = client.post(f"/api/v1/tasks/{task['id']}/claim/")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "ASSIGNED"
    assert Task.objects.get(pk=task["id"]).owner == users.officer2
    assert [t["id"] for t in client.get("/api/v1/tasks/?scope=inbox").json()["results"]] == [
        task["id"]
    ]
    assert client.get("/api/v1/tasks/?scope=queue").json()["results"] == []


def test_claiming_a_claimed_task_is_409(api, users, make_case):
    case = make_case()
    task = open_task(case)
    assert api(users.officer).post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 200
    r = api(users.officer2).post(f"/api/v1/tasks/{task.pk}/claim/")
    assert_error(r, 409, "already_claimed")
    r = api(users.officer).post(f"/api/v1/tasks/{task.pk}/claim/")
    assert_error(r, 409, "already_claimed")
    assert Task.objects.get(pk=task.pk).owner == users.officer


def test_tasks_follow_the_case_to_the_next_role(api, users, make_case):
    case = make_case(S.SUBMITTED)
    leader_queue = api(users.leader).get("/api/v1/tasks/?scope=queue").json()["results"]
    assert [(t["step"], t["case"]["id"]) for t in leader_queue] == [("verify", case.pk)]
    assert api(users.officer2).get("/api/v1/tasks/?scope=queue").json()["results"] == []
    assert api(users.specialist).get("/api/v1/tasks/?scope=queue").json()["results"] == []


def test_other_commune_tasks_are_invisible_and_unclaimable(api, users, make_case):
    case = make_case()
    task = open_task(case)
    client = api(users.officer_b)
    assert client.get("/api/v1/tasks/?scope=queue").json()["results"] == []
    assert_error(client.post(f"/api/v1/tasks/{task.pk}/claim/"), 404, "not_found")
    assert Task.objects.get(pk=task.pk).owner is None


def test_district_roles_see_tasks_of_every_commune(api, users, make_case, make_case_b):
    a = make_case(S.COMMUNE_VERIFIED)
    b = make_case_b()
    upload_all(users.officer_b, b)
    engine.transition(b, "submit", actor=users.officer_b)
    engine.transition(b, "verify", actor=users.leader_b)
    queue = api(users.specialist).get("/api/v1/tasks/?scope=queue").json()["results"]
    assert {(t["case"]["id"], t["commune"], t["step"]) for t in queue} == {
        (a.pk, "00448", "review"),
        (b.pk, "00382", "review"),
    }
    # Commune leaders only see their own commune's work.
    assert api(users.leader).get("/api/v1/tasks/?scope=queue").json()["results"] == []


def test_wrong_role_cannot_claim(api, users, make_case):
    task = open_task(make_case())
    assert_error(api(users.leader).post(f"/api/v1/tasks/{task.pk}/claim/"), 404, "not_found")


def test_unknown_scope_is_a_field_error(api, users):
    assert_error(api(users.officer).get("/api/v1/tasks/?scope=all"), 400, "invalid", "scope")
