"""The authorization matrix with old and new units: after the reorganisation,
who reads and who acts on the work of a merged commune and of its successor.

Sóc Sơn's communes are seeded; on 01/07/2025 Phù Lỗ (commune A of the matrix)
and Thanh Xuân merge into Nội Bài (00433), Minh Trí becomes Kim Anh (00382,
its code reused). The district's 23 other communes are not in the mapping, so
the district stays open and its specialist keeps the role: district roles
read every commune's general work (the project's scope rule), act only on
steps of the district route, and a commune of the two-level government has
none. Before the run, Phù Lỗ had a case waiting for the district's review
(the open case: the run moves it to Nội Bài, where the review is the commune
culture–society specialist's) and a closed one (it stays in Phù Lỗ, now
closed: read, acted in by nobody).

Principals: Phù Lỗ's officer (their role carried to Nội Bài by the run), an
officer granted on Nội Bài only, Nội Bài's culture–society specialist and
chairman (granted after the run), Kim Anh's officer, the auditor and the
district specialist. Every request is real (django.test.Client) and its
writes are rolled back, as in the matrix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.demo.base import seed_configuration, seed_units
from cases.housing.models import HousingCase, HousingState
from cases.models import AdministrativeUnit
from cases.reorganization.mapping import load_mapping, read_mapping
from cases.reorganization.run import reorganize
from tests.authz.test_authorization_matrix import Rule, client_for, fire, pdf
from tests.conftest import PASSWORD, case_maker, communes_create, users_create
from tests.factories import PersonFactory
from tests.module_data import checked, written_once
from workflows.permissions import Role, forget_scope, role_permission
from workflows.services import role_grant

EFFECTIVE = dt.date(2025, 7, 1)
DECISION = "Nghị quyết 1656/NQ-UBTVQH15"
MERGE = (
    "Mã ĐVHC cũ,Tên ĐVHC cũ,Mã ĐVHC mới,Tên ĐVHC mới,Toàn bộ/một phần,Thôn\n"
    "00448,Phù Lỗ,00433,Nội Bài,Toàn bộ,\n"
    "00433,Thanh Xuân,00433,Nội Bài,Toàn bộ,\n"
    "00382,Minh Trí,00382,Kim Anh,Toàn bộ,\n"
)
PRINCIPALS = [
    "officer_a",
    "officer_new",
    "specialist_new",
    "chairman_new",
    "officer_kim_anh",
    "auditor",
    "specialist",
]
OFFICERS = {"officer_a", "officer_new", "officer_kim_anh"}


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {p: overrides.get(p, default) for p in PRINCIPALS}


def read(ok: int) -> dict[str, int]:
    """Nội Bài's staff read its work and its predecessors' history, district
    roles read everything; Kim Anh's officer is told it does not exist."""
    return expect(ok, officer_kim_anh=404)


def moved(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.moved.pk}


def closed(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.closed.pk}


def create_form(commune: Callable[[SimpleNamespace], Any]) -> Callable[[SimpleNamespace], Any]:
    """The case form for the newcomer of Nội Bài, in `commune`."""
    return lambda w: {
        "commune": commune(w).pk,
        "national_id": w.newcomer.national_id,
        "program": "nguoi_co_cong",
        "kind": "new_build",
        "requested_amount": "60000000",
        "description": "Nhà tạm",
    }


def create_json(code: str) -> Callable[[SimpleNamespace], Any]:
    return lambda w: {
        "commune": code,
        "applicant": w.newcomer.pk,
        "program": "nguoi_co_cong",
        "kind": "new_build",
        "requested_amount": 60_000_000,
    }


def review(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "expected_state": HousingState.COMMUNE_VERIFIED,
        "assessed_amount": w.moved.requested_amount,
    }


# label -> (URL name, rule): the representative pages and endpoints.
RULES: dict[str, tuple[str, Rule]] = {
    # --- each case, its page, its API record and its audit trail
    "moved case page": ("case_detail", Rule("GET", read(200), kwargs=moved)),
    "closed case page": ("case_detail", Rule("GET", read(200), kwargs=closed)),
    "moved case API": ("api-case", Rule("GET", read(200), kwargs=moved)),
    "closed case API": ("api-case", Rule("GET", read(200), kwargs=closed)),
    "moved case trail": ("audit_case", Rule("GET", read(200), kwargs=moved)),
    "closed case trail": ("audit_case", Rule("GET", read(200), kwargs=closed)),
    "moved case trail API": ("api-case-audit", Rule("GET", read(200), kwargs=moved)),
    "closed case trail API": ("api-case-audit", Rule("GET", read(200), kwargs=closed)),
    # --- lists: every role has one (what they hold: the tests below)
    "case list": ("case_list", Rule("GET", expect(200))),
    "case list API": ("api-housing", Rule("GET", expect(200))),
    "task queue": ("queue", Rule("GET", expect(200))),
    "inbox": ("inbox", Rule("GET", expect(200))),
    "task queue API": ("api-tasks", Rule("GET", expect(200), query="?scope=queue")),
    "person list": ("person_list", Rule("GET", expect(200))),
    "communes API": ("api-communes", Rule("GET", expect(200))),
    # --- acting on the moved case: its review is Nội Bài's specialist's now
    "review the moved case": (
        "case_transition",
        Rule(
            "POST",
            read(403) | {"specialist_new": 302},
            kwargs=lambda w: {"pk": w.moved.pk, "name": "review"},
            data=lambda w: {**review(w), "assessed_amount": str(w.moved.requested_amount)},
        ),
    ),
    "review the moved case, API": (
        "api-case-transition",
        Rule(
            "POST",
            read(403) | {"specialist_new": 200},
            kwargs=lambda w: {"pk": w.moved.pk, "name": "review"},
            data=review,
            content_type="application/json",
        ),
    ),
    # Documents: the commune's officers and its culture–society specialist
    # (who reviews it); not the district specialist, whose route it left.
    "add a document to the moved case": (
        "case_document_upload",
        Rule(
            "POST",
            read(403) | {"officer_a": 302, "officer_new": 302, "specialist_new": 302},
            kwargs=moved,
            data=pdf,
        ),
    ),
    # --- the closed case in the closed former unit: read only. No transition
    # leaves its state (a conflict, 409, for whoever reads it); no role acts
    # in Phù Lỗ any more (403), but the district specialist's documents role
    # acts anywhere, so it is told the state takes none (409).
    "a transition of the closed case": (
        "case_transition",
        Rule(
            "POST",
            read(409),
            kwargs=lambda w: {"pk": w.closed.pk, "name": "disburse"},
            data=lambda w: {"expected_state": HousingState.CLOSED},
        ),
    ),
    "add a document to the closed case": (
        "case_document_upload",
        Rule("POST", read(403) | {"specialist": 409}, kwargs=closed, data=pdf),
    ),
    # --- opening a case: officers, in the commune they act in (Nội Bài),
    # never in the closed Phù Lỗ (not a choice of the form; its code names
    # no unit today)
    "the new case form": ("case_create", Rule("GET", expect(403, **{p: 200 for p in OFFICERS}))),
    "open a case in Phù Lỗ": (
        "case_create",
        Rule(
            "POST",
            expect(403, **{p: 400 for p in OFFICERS}),
            data=create_form(lambda w: w.phu_lo),
        ),
    ),
    "open a case in Nội Bài": (
        "case_create",
        Rule(
            "POST",
            expect(403, officer_a=302, officer_new=302, officer_kim_anh=400),
            data=create_form(lambda w: w.noi_bai),
        ),
    ),
    "open a case in Phù Lỗ, API": (
        "api-housing",
        Rule("POST", expect(400), data=create_json("00448"), content_type="application/json"),
    ),
    "open a case in Nội Bài, API": (
        "api-housing",
        Rule(
            "POST",
            expect(403, officer_a=201, officer_new=201, officer_kim_anh=400),
            data=create_json("00433"),
            content_type="application/json",
        ),
    ),
}


@pytest.fixture(scope="module")
def reorganized(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """The world after the run, written once for the module and rolled back
    after its last test."""

    def grant(username: str, role: str, code: str) -> Any:
        user = role_grant(
            actor=None, username=username, role=role, commune_codes=[code],
            password=PASSWORD, full_name=f"Thử {username}",
        )  # fmt: skip
        forget_scope(user)
        return user

    with written_once(django_db_blocker):
        communes = communes_create()
        units = seed_units()  # the district's other communes: it stays open
        users = users_create(communes)
        seed_configuration(timezone.localdate().year)
        make_case = case_maker(users, PersonFactory(commune=communes.a))
        waiting = make_case(HousingState.COMMUNE_VERIFIED)  # for the district's review
        done = make_case(HousingState.CLOSED)
        rows = read_mapping("mapping.csv", MERGE.encode())
        load_mapping(rows, effective=EFFECTIVE, decision=DECISION)
        reorganize(EFFECTIVE, actor=None)
        noi_bai = AdministrativeUnit.objects.get(code="00433", valid_from=EFFECTIVE)
        people = SimpleNamespace(
            officer_a=users.officer,
            officer_new=grant("canbo_noibai", Role.COMMUNE_OFFICER, "00433"),
            specialist_new=grant("chuyenvien_noibai", Role.COMMUNE_SPECIALIST, "00433"),
            chairman_new=grant("chutich_noibai", Role.COMMUNE_CHAIRMAN, "00433"),
            officer_kim_anh=grant("canbo_kimanh", Role.COMMUNE_OFFICER, "00382"),
            auditor=users.auditor,
            specialist=users.specialist,
        )
        for user in vars(people).values():
            forget_scope(user)  # read before the run, which carried their roles
        world = SimpleNamespace(
            moved=HousingCase.objects.get(pk=waiting.pk),
            closed=HousingCase.objects.get(pk=done.pk),
            phu_lo=AdministrativeUnit.objects.get(pk=units["00448"].pk),
            noi_bai=noi_bai,
            district=AdministrativeUnit.objects.get(level="district", code="016"),
            newcomer=PersonFactory(commune=noi_bai),
        )
        checked()
        yield SimpleNamespace(world=world, people=people)


def test_the_world_is_the_one_described(reorganized: SimpleNamespace, db: Any) -> None:
    """The run moved the open case, kept the closed one, closed the former
    units and not the district; the open case waits for Nội Bài's specialist."""
    w = reorganized.world
    assert (w.moved.commune_id, w.moved.state) == (w.noi_bai.pk, HousingState.COMMUNE_VERIFIED)
    assert (w.closed.commune_id, w.closed.state) == (w.phu_lo.pk, HousingState.CLOSED)
    assert (w.phu_lo.valid_to, w.phu_lo.successor_id) == (EFFECTIVE, w.noi_bai.pk)
    assert w.district.valid_to is None
    task = Task.objects.get(process_id=w.moved.flow_process_id, status="NEW")
    assert (task.owner_permission, task.owner_permission_obj_pk) == (
        role_permission(Role.COMMUNE_SPECIALIST),
        str(w.noi_bai.pk),
    )


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_principal_gets_the_expected_status(
    principal: str, reorganized: SimpleNamespace, db: Any
) -> None:
    w = reorganized.world
    clients: dict[bool, Client] = {}
    mismatches = []
    for label, (name, rule) in RULES.items():
        url = reverse(name, kwargs=rule.kwargs(w))
        api_call = url.startswith("/api/")
        if api_call not in clients:
            clients[api_call] = client_for(principal, reorganized.people, api_call=api_call)
        status = fire(clients[api_call], rule, url, w)
        if status != rule.expected[principal]:
            mismatches.append(
                f"{label} ({rule.method} {url}) as {principal}: "
                f"got {status}, expected {rule.expected[principal]}"
            )
    assert not mismatches, f"{len(mismatches)} of {len(RULES)}:\n" + "\n".join(mismatches)


def _results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return list(body["results"] if isinstance(body, dict) else body)


def _api(reorganized: SimpleNamespace, principal: str) -> Client:
    return client_for(principal, reorganized.people, api_call=True)


# Which of the two cases each principal reads, in the case list of the API.
CASES_LISTED = {
    "officer_a": {"moved", "closed"},
    "officer_new": {"moved", "closed"},
    "specialist_new": {"moved", "closed"},
    "chairman_new": {"moved", "closed"},
    "officer_kim_anh": set(),
    "auditor": {"moved", "closed"},
    "specialist": {"moved", "closed"},
}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_the_case_list_holds_the_moved_case_and_the_history_for_nội_bài_only(
    principal: str, reorganized: SimpleNamespace, db: Any
) -> None:
    w = reorganized.world
    ids = {row["id"] for row in _results(_api(reorganized, principal).get("/api/v1/housing/"))}
    names = {"moved": w.moved.pk, "closed": w.closed.pk}
    assert {n for n, pk in names.items() if pk in ids} == CASES_LISTED[principal]


# What each reader may do to the moved case (waiting for the review): Nội
# Bài's officers may record the applicant's withdrawal, its culture–society
# specialist reviews; nobody else (the district specialist neither).
OFFERED = {
    "officer_a": ["withdraw"],
    "officer_new": ["withdraw"],
    "specialist_new": ["reject", "return_for_correction", "review"],
}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_nội_bài_s_staff_may_act_on_the_moved_case_and_nobody_on_the_closed_one(
    principal: str, reorganized: SimpleNamespace, db: Any
) -> None:
    """What the API offers each reader: the moved case's next steps to Nội
    Bài's staff, nothing of the closed case to anyone."""
    w = reorganized.world
    client = _api(reorganized, principal)
    if principal == "officer_kim_anh":
        return  # both are "not found" for them (the status test)
    offered = [t["name"] for t in client.get(f"/api/v1/cases/{w.moved.pk}/").json()[
        "available_transitions"
    ]]  # fmt: skip
    assert sorted(offered) == OFFERED.get(principal, [])
    closed_case = client.get(f"/api/v1/cases/{w.closed.pk}/").json()
    assert closed_case["available_transitions"] == []


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_the_moved_review_waits_in_the_queue_of_nội_bài_s_specialist_only(
    principal: str, reorganized: SimpleNamespace, db: Any
) -> None:
    w = reorganized.world
    queue = _results(_api(reorganized, principal).get("/api/v1/tasks/?scope=queue"))
    waiting = [t for t in queue if (t["case"] or {}).get("id") == w.moved.pk]
    assert len(waiting) == (1 if principal == "specialist_new" else 0)


# The communes each commune principal works in or reads the history of.
COMMUNES_LISTED = {
    "officer_a": {"Nội Bài", "Phù Lỗ", "Thanh Xuân"},
    "officer_new": {"Nội Bài", "Phù Lỗ", "Thanh Xuân"},
    "specialist_new": {"Nội Bài", "Phù Lỗ", "Thanh Xuân"},
    "chairman_new": {"Nội Bài", "Phù Lỗ", "Thanh Xuân"},
    "officer_kim_anh": {"Kim Anh", "Minh Trí"},
}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_the_communes_api_lists_the_new_commune_with_its_former_units(
    principal: str, reorganized: SimpleNamespace, db: Any
) -> None:
    rows = _results(_api(reorganized, principal).get("/api/v1/communes/"))
    names = {row["name"] for row in rows}
    if principal in COMMUNES_LISTED:
        assert names == COMMUNES_LISTED[principal]
    else:  # district roles: every commune, old and new
        assert {"Nội Bài", "Phù Lỗ", "Kim Anh", "Minh Trí"} <= names
    by_name = {row["name"]: row for row in rows}
    if "Phù Lỗ" in by_name:
        assert by_name["Phù Lỗ"]["valid_to"] == EFFECTIVE.isoformat()
        assert [s["name"] for s in by_name["Phù Lỗ"]["successors"]] == ["Nội Bài"]


def test_phù_lỗ_s_officer_opens_no_case_in_phù_lỗ_only_in_nội_bài(
    reorganized: SimpleNamespace, db: Any
) -> None:
    """The refusals are about the commune: the form offers Nội Bài only, the
    API finds no commune under Phù Lỗ's code today; nothing is written."""
    w = reorganized.world
    web = client_for("officer_a", reorganized.people, api_call=False)
    page = web.get(reverse("case_create"))
    assert [c.pk for c in page.context["form"].communes.values()] == [w.noi_bai.pk]
    refused = web.post(reverse("case_create"), data=create_form(lambda w: w.phu_lo)(w))
    assert refused.status_code == 400 and "commune" in refused.context["form"].errors
    api = client_for("officer_a", reorganized.people, api_call=True)
    answer = api.post(
        reverse("api-housing"), data=create_json("00448")(w), content_type="application/json"
    )
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["commune"]
    assert list(HousingCase.objects.filter(commune=w.phu_lo).values_list("pk", flat=True)) == [
        w.closed.pk
    ]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_phù_lỗ_s_people_are_listed_for_nội_bài_and_not_for_kim_anh(
    principal: str, reorganized: SimpleNamespace, db: Any
) -> None:
    w = reorganized.world
    applicant = w.moved.applicant
    found = _results(
        _api(reorganized, principal).get(f"/api/v1/people/?national_id={applicant.national_id}")
    )
    assert [p["id"] for p in found] == ([] if principal == "officer_kim_anh" else [applicant.pk])
