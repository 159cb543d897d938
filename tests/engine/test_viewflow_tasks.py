"""Viewflow keeps step with the state machine: one process per case, one open
human task for whoever must act next (role + commune), a queue with claim,
and a finished process once the case reaches a final state."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from viewflow.workflow import lock
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.housing.flow import HousingFlow
from cases.housing.models import HousingCase, HousingState
from workflows import engine, flows
from workflows.exceptions import NotPermitted, TransitionNotAllowed

from ..factories import PersonFactory
from .conftest import open_human_tasks

S = HousingState


def test_the_housing_flow_locks_its_process_row() -> None:
    assert HousingFlow.lock_impl is lock.select_for_update_lock


def test_a_new_case_has_a_process_and_one_prepare_task_for_the_communes_officers(
    make_case: Any, communes: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    process = case.flow_process
    assert process is not None and process.status == STATUS.NEW
    assert process.artifact_object_id == case.pk
    [task] = open_human_tasks(case)
    assert task.flow_task == HousingFlow.prepare
    assert (task.flow_task_type, task.status, task.owner_id) == ("HUMAN", STATUS.NEW, None)
    assert task.owner_permission == "cases.role_commune_officer"
    assert task.owner_permission_obj_pk == str(communes.a.pk)


def test_the_prepare_task_is_in_the_queue_of_the_communes_officers_only(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)

    def queued_for(user: Any) -> bool:
        return Task.objects.user_queue(user, flow_class=HousingFlow).filter(pk=task.pk).exists()

    assert queued_for(users.officer) and queued_for(users.officer2)
    for other in (users.officer_b, users.leader, users.specialist, users.head, users.auditor):
        assert not queued_for(other), other.username


def test_a_district_specialist_sees_review_tasks_of_every_commune(
    make_case: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    case_a = make_case(S.COMMUNE_VERIFIED)
    case_b = make_case_in_b(users, communes)
    queue = Task.objects.user_queue(users.specialist, flow_class=HousingFlow).filter(
        status=STATUS.NEW
    )
    assert {open_human_tasks(case_a)[0].pk, open_human_tasks(case_b)[0].pk} <= set(
        queue.values_list("pk", flat=True)
    )


def make_case_in_b(users: SimpleNamespace, communes: SimpleNamespace) -> HousingCase:
    from cases.housing.services import housing_case_create

    from ..conftest import upload_all

    person: Any = PersonFactory(commune=communes.b)
    case = housing_case_create(
        actor=users.officer_b,
        commune=communes.b,
        applicant=person,
        program="nguoi_co_cong",
        kind="repair",
        requested_amount=20_000_000,
    )
    upload_all(users.officer_b, case)
    engine.transition(case, "submit", actor=users.officer_b)
    engine.transition(HousingCase.objects.get(pk=case.pk), "verify", actor=users.leader_b)
    return HousingCase.objects.get(pk=case.pk)


def test_claiming_a_task_assigns_it_to_the_claimer(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)
    flows.task_claim(task, users.officer2)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, users.officer2.pk)


def test_a_claimed_task_cannot_be_claimed_again(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)
    flows.task_claim(task, users.officer2)
    stale = Task.objects.get(pk=task.pk)
    for user in (users.officer, users.officer2):
        with pytest.raises(TransitionNotAllowed) as exc:
            flows.task_claim(stale, user)
        assert (exc.value.status, exc.value.code) == (409, "already_claimed")
    task.refresh_from_db()
    assert task.owner_id == users.officer2.pk


def test_only_the_tasks_role_in_the_tasks_commune_may_claim_it(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)
    for user in (users.officer_b, users.leader, users.specialist, users.head, users.admin):
        with pytest.raises(NotPermitted):
            flows.task_claim(task, user)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)


def test_a_district_role_may_claim_its_task_in_any_commune(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.COMMUNE_VERIFIED)
    [task] = open_human_tasks(case)
    with pytest.raises(NotPermitted):
        flows.task_claim(task, users.head)
    flows.task_claim(task, users.specialist)
    task.refresh_from_db()
    assert task.owner_id == users.specialist.pk


def test_a_finished_task_cannot_be_claimed(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)
    engine.transition(case, "submit", actor=users.officer)
    with pytest.raises(TransitionNotAllowed) as exc:
        flows.task_claim(task, users.officer2)
    assert exc.value.code == "task_closed"


def test_the_holder_may_release_a_task_and_nobody_else(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)
    flows.task_claim(task, users.officer2)
    with pytest.raises(NotPermitted):
        flows.task_release(task, users.officer)
    flows.task_release(task, users.officer2)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    with pytest.raises(TransitionNotAllowed):
        flows.task_release(task, users.officer2)


def test_a_closed_case_has_no_open_task_and_its_process_is_done(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.CLOSED)
    assert open_human_tasks(case) == []
    process = case.flow_process
    process.refresh_from_db()
    assert process.status == STATUS.DONE and process.finished is not None
    tasks = Task.objects.filter(process=process)
    assert not tasks.filter(finished__isnull=True).exists()
    assert tasks.get(flow_task=HousingFlow.end).status == STATUS.DONE
    human = tasks.filter(flow_task_type="HUMAN").order_by("id")
    assert [t.flow_task for t in human] == [
        HousingFlow.prepare,
        HousingFlow.verify,
        HousingFlow.review,
        HousingFlow.approve,
        HousingFlow.disburse_advance,
        HousingFlow.accept_completion,
        HousingFlow.disburse_final,
    ]
    assert [t.owner.username for t in human] == [
        "officer_a",
        "leader_a",
        "specialist",
        "head",
        "accountant",
        "officer_a",
        "accountant",
    ]


@pytest.mark.parametrize(
    ("state", "name", "actor"),
    [
        (S.SUBMITTED, "reject", "leader"),
        (S.DRAFT, "withdraw", "officer"),
        (S.PARTIALLY_DISBURSED, "cancel", "head2"),
    ],
)
def test_a_case_ending_early_finishes_its_process(
    state: str, name: str, actor: str, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(state)
    engine.transition(case, name, actor=getattr(users, actor), reason="Lý do")
    assert open_human_tasks(case) == []
    process = HousingCase.objects.get(pk=case.pk).flow_process
    assert process is not None and process.status == STATUS.DONE
    assert not Task.objects.filter(process=process, finished__isnull=True).exists()
