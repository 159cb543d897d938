"""Recuperation trips (điều dưỡng): who may go by their category's cycle, the
commune's yearly list within the quota (also when two officers add at once),
the amounts at 0.9 and 1.8 × the standard of the day, the list's transitions
with separation of duties, and scoping (pages and figures: test_recuperation_pages.py)."""

# The fixtures imported from recuperation_fixtures are requested by name (F811).
# ruff: noqa: F811

from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connections

from cases.allowances import recuperation as recup
from cases.allowances.models import (
    Entitlement,
    Recuperation,
)
from cases.models import Person
from tests.allowances.recuperation_fixtures import (
    CENTRE,
    HOME,
    D,
    eligible_people,
    merit,  # noqa: F401 - a fixture
    open_list,  # noqa: F401 - a fixture
    past_trip,
    quota,
)
from tests.factories import PersonFactory
from workflows import flows
from workflows.engine import transition
from workflows.exceptions import (
    InvalidData,
    NotFound,
    NotPermitted,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope
from workflows.services import role_grant

pytestmark = pytest.mark.django_db


# --- eligibility by cycle ------------------------------------------------------------


def test_a_yearly_category_goes_again_the_year_after_its_last_trip(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    past_trip(merit.mother, 2023, staff.officer)
    assert merit.mother.person_id in eligible_people(communes.a, 2024)


def test_an_every_two_years_category_waits_two_years_after_its_last_trip(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    past_trip(merit.relative, 2023, staff.officer)
    past_trip(merit.relative2, 2022, staff.officer)
    assert merit.relative.person_id not in eligible_people(communes.a, 2024)
    assert merit.relative2.person_id in eligible_people(communes.a, 2024)
    assert merit.relative.person_id in eligible_people(communes.a, 2025)


def test_people_who_never_went_are_eligible_and_the_list_is_one_query(
    merit: SimpleNamespace,
    communes: SimpleNamespace,
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(1):
        found = eligible_people(communes.a, 2024)
    assert found == {merit.mother.person_id, merit.relative.person_id, merit.relative2.person_id}


def test_social_assistance_suspended_and_already_listed_people_are_not_eligible(
    merit: SimpleNamespace,
    entitle: Any,
    communes: SimpleNamespace,
    staff: SimpleNamespace,
    open_list: Any,
) -> None:
    social = entitle(PersonFactory(commune=communes.a), "nkt_nang", D(2020, 1, 1))
    Entitlement.objects.filter(pk=merit.relative2.pk).update(state="suspended")
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    recup.recuperation_rows_add(
        actor=staff.officer, recuperation_list=rl, choices={merit.mother.person_id: HOME}
    )
    assert eligible_people(communes.a, 2024) == {merit.relative.person_id}
    assert social.person_id not in eligible_people(communes.a, 2024)


def test_adding_someone_whose_turn_has_not_come_is_refused_with_the_reason(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    past_trip(merit.relative, 2023, staff.officer)
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    with pytest.raises(InvalidData) as refused:
        recup.recuperation_rows_add(
            actor=staff.officer,
            recuperation_list=rl,
            choices={merit.relative.person_id: HOME, merit.mother.person_id: CENTRE},
        )
    exc = refused.value
    assert exc.code == "recuperation_not_eligible"
    assert exc.extra["people"][0]["reason"] == "too_soon"
    name = Person.objects.get(pk=merit.relative.person_id).full_name
    assert "Không đủ điều kiện điều dưỡng năm 2024" in str(exc.message)
    assert name in str(exc.message) and "2025" in str(exc.message)
    assert not Recuperation.objects.filter(recuperation_list=rl).exists()


# --- amounts ----------------------------------------------------------------------------


def test_amounts_are_point_nine_and_one_point_eight_times_the_standard_of_the_day(
    rates: SimpleNamespace,
) -> None:
    # 2,055,000 from 01/07/2023; 2,789,000 from 01/07/2024.
    assert recup.recuperation_amounts(D(2024, 3, 15)) == {HOME: 1_849_500, CENTRE: 3_699_000}
    assert recup.recuperation_amounts(D(2024, 8, 10)) == {HOME: 2_510_100, CENTRE: 5_020_200}


def test_rows_are_listed_at_the_planned_day_and_paid_at_the_standard_of_the_day_sent(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    recup.recuperation_rows_add(
        actor=staff.officer,
        recuperation_list=rl,
        choices={merit.mother.person_id: HOME, merit.relative.person_id: CENTRE},
        on=D(2024, 5, 20),
    )
    assert sorted(rl.rows.values_list("mode", "amount")) == [
        (CENTRE, 3_699_000),
        (HOME, 1_849_500),
    ]
    transition(rl, "submit", actor=staff.officer)
    transition(rl, "approve", actor=staff.head)
    transition(rl, "record_paid", actor=staff.accountant, data={"sent_on": "10/08/2024"})
    assert sorted(rl.rows.values_list("mode", "amount", "sent_on")) == [
        (CENTRE, 5_020_200, D(2024, 8, 10)),
        (HOME, 2_510_100, D(2024, 8, 10)),
    ]


def test_a_trip_is_recorded_in_the_list_year(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    recup.recuperation_rows_add(
        actor=staff.officer, recuperation_list=rl, choices={merit.mother.person_id: HOME}
    )
    transition(rl, "submit", actor=staff.officer)
    transition(rl, "approve", actor=staff.head)
    with pytest.raises(InvalidData) as refused:
        transition(rl, "record_paid", actor=staff.accountant, data={"sent_on": "05/01/2025"})
    assert "sent_on" in refused.value.fields
    rl.refresh_from_db()
    assert rl.state == "approved"


# --- quota ---------------------------------------------------------------------------


def test_the_communes_own_quota_refuses_what_goes_over_it(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 2)
    rl = open_list(communes.a)
    every = {merit.mother.person_id: HOME, merit.relative.person_id: HOME}
    with pytest.raises(InvalidData) as refused:
        recup.recuperation_rows_add(
            actor=staff.officer,
            recuperation_list=rl,
            choices={**every, merit.relative2.person_id: CENTRE},
        )
    assert refused.value.code == "recuperation_quota_exceeded"
    assert "Vượt chỉ tiêu" in str(refused.value.message)
    assert recup.recuperation_rows_add(actor=staff.officer, recuperation_list=rl, choices=every)
    with pytest.raises(InvalidData) as again:
        recup.recuperation_rows_add(
            actor=staff.officer,
            recuperation_list=rl,
            choices={merit.relative2.person_id: HOME},
        )
    assert again.value.code == "recuperation_quota_exceeded"
    assert rl.rows.count() == 2


def test_without_a_commune_quota_the_districts_quota_counts_across_its_communes(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    district = communes.a.parent
    assert communes.b.parent_id == district.pk
    quota(district, 2024, 2)
    list_a, list_b = open_list(communes.a), open_list(communes.b)
    recup.recuperation_rows_add(
        actor=staff.officer, recuperation_list=list_a, choices={merit.mother.person_id: HOME}
    )
    both_b = {e.person_id: HOME for e in merit.b}
    with pytest.raises(InvalidData) as refused:
        recup.recuperation_rows_add(actor=staff.officer_b, recuperation_list=list_b, choices=both_b)
    assert refused.value.code == "recuperation_quota_exceeded"
    recup.recuperation_rows_add(
        actor=staff.officer_b, recuperation_list=list_b, choices={merit.b[0].person_id: CENTRE}
    )
    use = recup.quota_use(communes.b.pk, 2024)
    assert use is not None and (use.area, use.quota, use.used, use.left) == (district, 2, 2, 0)


def test_with_no_quota_set_nobody_can_be_added(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    rl = open_list(communes.a)
    with pytest.raises(InvalidData) as refused:
        recup.recuperation_rows_add(
            actor=staff.officer, recuperation_list=rl, choices={merit.mother.person_id: HOME}
        )
    assert refused.value.code == "recuperation_no_quota"


def run_together(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Each call in its own thread (its own connection), released together."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("pending", None)] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_officers_of_two_communes_adding_at_once_cannot_exceed_the_districts_quota(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a.parent, 2024, 3)
    list_a, list_b = open_list(communes.a), open_list(communes.b)
    two_a = {merit.mother.person_id: HOME, merit.relative.person_id: CENTRE}
    two_b = {e.person_id: HOME for e in merit.b}
    results = run_together(
        lambda: recup.recuperation_rows_add(
            actor=staff.officer, recuperation_list=list_a, choices=two_a
        ),
        lambda: recup.recuperation_rows_add(
            actor=staff.officer_b, recuperation_list=list_b, choices=two_b
        ),
    )
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    refusal = next(value for kind, value in results if kind == "error")
    assert isinstance(refusal, InvalidData) and refusal.code == "recuperation_quota_exceeded"
    assert Recuperation.objects.filter(year=2024).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_officers_of_one_commune_adding_at_once_cannot_exceed_its_quota(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 2)
    rl = open_list(communes.a)
    results = run_together(
        lambda: recup.recuperation_rows_add(
            actor=staff.officer,
            recuperation_list=rl,
            choices={merit.mother.person_id: HOME, merit.relative.person_id: HOME},
        ),
        lambda: recup.recuperation_rows_add(
            actor=staff.officer2,
            recuperation_list=rl,
            choices={merit.relative2.person_id: CENTRE},
        ),
    )
    assert sorted(kind for kind, _value in results) == ["error", "ok"], results
    assert Recuperation.objects.filter(recuperation_list=rl).count() <= 2


# --- the list's process -----------------------------------------------------------------


def test_a_list_goes_from_draft_to_done_with_its_tasks_and_audit(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    assert [t.flow_task.name for t in flows.open_tasks(rl)] == ["prepare"]
    assert open_list(communes.a).pk == rl.pk  # opened once
    with pytest.raises(InvalidData) as empty:
        transition(rl, "submit", actor=staff.officer)
    assert empty.value.code == "recuperation_list_empty"
    recup.recuperation_rows_add(
        actor=staff.officer,
        recuperation_list=rl,
        choices={merit.mother.person_id: HOME, merit.relative.person_id: CENTRE},
    )
    row = rl.rows.get(person_id=merit.relative.person_id)
    assert recup.recuperation_rows_remove(
        actor=staff.officer, recuperation_list=rl, row_ids=[row.pk]
    )
    transition(rl, "submit", actor=staff.officer)
    with pytest.raises(TransitionNotAllowed) as late:
        recup.recuperation_rows_add(
            actor=staff.officer,
            recuperation_list=rl,
            choices={merit.relative.person_id: HOME},
        )
    assert late.value.code == "recuperation_list_state"
    with pytest.raises(NotPermitted):
        transition(rl, "approve", actor=staff.accountant)
    transition(rl, "approve", actor=staff.head)
    transition(rl, "record_paid", actor=staff.accountant, data={"sent_on": "12/06/2024"})
    transition(rl, "close", actor=staff.officer)
    rl.refresh_from_db()
    assert rl.state == "done"
    assert flows.open_tasks(rl) == []
    events = list(
        AuditEvent.objects.filter(object_type=recup.OBJECT_TYPE, object_id=str(rl.pk))
        .order_by("id")
        .values_list("event", "transition")
    )
    assert events == [
        ("recuperation_list_create", ""),
        ("recuperation_rows_add", ""),
        ("recuperation_rows_remove", ""),
        ("transition", "submit"),
        ("transition", "approve"),
        ("transition", "record_paid"),
        ("transition", "close"),
    ]
    assert list(rl.rows.values_list("sent_on", flat=True)) == [D(2024, 6, 12)]


def test_whoever_prepared_the_list_may_not_approve_it(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    role_grant(actor=None, username="officer_head", role=Role.COMMUNE_OFFICER,
               commune_codes=[communes.a.code], password="pw-Test-123")  # fmt: skip
    both = role_grant(actor=None, username="officer_head", role=Role.OFFICE_HEAD,
                      commune_codes=[], password="pw-Test-123")  # fmt: skip
    forget_scope(both)
    quota(communes.a, 2024, 10)
    rl = recup.recuperation_list_open(actor=staff.officer, commune=communes.a, year=2024)
    recup.recuperation_rows_add(
        actor=both, recuperation_list=rl, choices={merit.mother.person_id: HOME}
    )
    transition(rl, "submit", actor=staff.officer)
    with pytest.raises(SeparationOfDuties):
        transition(rl, "approve", actor=both)
    transition(rl, "approve", actor=staff.head)
    rl.refresh_from_db()
    assert rl.state == "approved"


def test_the_submitter_may_not_approve_even_holding_the_head_role(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    quota(communes.a, 2024, 10)
    rl = recup.recuperation_list_open(actor=staff.officer, commune=communes.a, year=2024)
    recup.recuperation_rows_add(
        actor=staff.officer, recuperation_list=rl, choices={merit.mother.person_id: HOME}
    )
    submitter = role_grant(actor=None, username="officer_a2", role=Role.OFFICE_HEAD,
                           commune_codes=[], password="pw-Test-123")  # fmt: skip
    forget_scope(submitter)
    transition(rl, "submit", actor=submitter)
    with pytest.raises(SeparationOfDuties):
        transition(rl, "approve", actor=submitter)


# --- scoping ------------------------------------------------------------------------------


def test_another_communes_officer_neither_sees_nor_changes_the_list(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    with pytest.raises(NotFound):
        recup.recuperation_list_get(staff.officer_b, rl.pk)
    assert not recup.recuperation_eligible(staff.officer_b, commune_id=communes.a.pk, year=2024)
    with pytest.raises(NotPermitted):
        recup.recuperation_list_open(actor=staff.officer_b, commune=communes.a, year=2024)
    with pytest.raises(NotPermitted):
        recup.recuperation_rows_add(
            actor=staff.officer_b, recuperation_list=rl, choices={merit.mother.person_id: HOME}
        )
    assert recup.recuperation_list_get(staff.specialist, rl.pk) == rl
