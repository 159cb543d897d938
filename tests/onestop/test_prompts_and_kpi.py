"""Mẫu 04 prompts (once per dossier and appointment date, to the people
responsible, never to another commune) and the on-time KPI (commune-scoped)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.housing.models import HousingState
from notifications.models import Notification
from workflows import engine
from workflows.onestop import PROMPT_EVENT, apology_issue, apology_prompts_sweep, onestop_kpi

from .conftest import APPOINTMENT

pytestmark = pytest.mark.django_db
S = HousingState


def _prompted():
    return sorted(
        Notification.objects.filter(event=PROMPT_EVENT).values_list(
            "recipient__username", flat=True
        )
    )


def test_no_prompt_while_the_appointment_is_further_than_a_working_day(make_case):
    make_case(S.SUBMITTED)
    assert apology_prompts_sweep(today=dt.date(2024, 3, 6)) == {"dossiers": 0, "notifications": 0}
    assert _prompted() == []


def test_prompt_goes_to_the_acting_role_and_the_desk_once(make_case, users, case_in_b):
    case = make_case(S.SUBMITTED)  # waits for the commune A leader
    engine.transition(case_in_b, "submit", actor=users.officer_b)  # same dates, commune B
    counts = apology_prompts_sweep(today=dt.date(2024, 3, 7))
    assert counts == {"dossiers": 2, "notifications": 5}
    assert _prompted() == ["leader_a", "leader_b", "officer_a", "officer_a2", "officer_b"]
    note = Notification.objects.get(event=PROMPT_EVENT, recipient=users.leader)
    assert note.case_id == case.pk and note.url == f"/cases/{case.pk}/"
    assert case.reference in note.title and "08/03/2024" in note.title
    assert "Mẫu 04" in note.title  # Vietnamese (the office's language), whatever the request
    # Commune B's people hear only of commune B's dossier.
    assert set(
        Notification.objects.filter(event=PROMPT_EVENT, recipient=users.officer_b).values_list(
            "case_id", flat=True
        )
    ) == {case_in_b.pk}
    again = apology_prompts_sweep(today=dt.date(2024, 3, 8))
    assert again == {"dossiers": 0, "notifications": 0}


def test_a_prompt_after_the_appointment_says_it_has_passed(make_case):
    make_case(S.SUBMITTED)
    apology_prompts_sweep(today=dt.date(2024, 3, 12))
    note = Notification.objects.filter(event=PROMPT_EVENT).first()
    assert "08/03/2024" in note.title and "đã qua" in note.title


def test_a_district_step_prompts_the_district_role(make_case):
    make_case(S.COMMUNE_VERIFIED)
    apology_prompts_sweep(today=dt.date(2024, 3, 7))
    assert _prompted() == ["officer_a", "officer_a2", "specialist"]


def test_a_new_appointment_is_prompted_again(make_case, users, on):
    case = make_case(S.SUBMITTED)
    apology_prompts_sweep(today=dt.date(2024, 3, 7))
    on(dt.date(2024, 3, 7))
    apology_issue(case, actor=users.leader, new_due_on=dt.date(2024, 3, 15), reason="Chậm")
    Notification.objects.all().delete()
    assert apology_prompts_sweep(today=dt.date(2024, 3, 8))["dossiers"] == 0
    assert apology_prompts_sweep(today=dt.date(2024, 3, 14))["dossiers"] == 1


def test_returned_and_resolved_dossiers_are_not_prompted(make_case, users, advance, on):
    returned = make_case(S.SUBMITTED)
    engine.transition(returned, "return_for_correction", actor=users.leader, reason="Thiếu")
    on(dt.date(2024, 3, 1))
    make_case(S.APPROVED)
    assert apology_prompts_sweep(today=dt.date(2024, 3, 7))["dossiers"] == 0


def test_the_sweep_reads_the_same_queries_for_one_or_many_dossiers(make_case, line):
    def queries(n_cases: int) -> int:
        for _ in range(n_cases):
            line(make_case(S.DRAFT), dt.date(2024, 2, 7), APPOINTMENT)
        with CaptureQueriesContext(connection) as ctx:
            apology_prompts_sweep(today=dt.date(2024, 3, 7))
        return len(ctx)

    assert queries(1) == queries(4)


# --- KPI ---------------------------------------------------------------------------


@pytest.fixture
def register(make_case, case_in_b, line):
    """Commune A: March 2024 one early, one on the day, one late (with Mẫu 04 in
    the data or not), April one early; one withdrawn; one open and overdue.
    Commune B: March one late."""
    a = [make_case(S.DRAFT) for _ in range(6)]
    line(a[0], dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 4))
    line(a[1], dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 5))
    line(a[2], dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 6))
    line(a[3], dt.date(2024, 3, 1), dt.date(2024, 4, 5), dt.date(2024, 4, 2))
    line(a[4], dt.date(2024, 3, 1), dt.date(2024, 4, 5), dt.date(2024, 3, 20), counted=False)
    line(a[5], dt.date(2024, 1, 2), dt.date(2024, 2, 1))  # open, past its appointment
    line(case_in_b, dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 11))
    return a


def _row(kpi, commune_name, month):
    return next(r for r in kpi.rows if r.commune_name == commune_name and r.month == month)


def test_kpi_by_procedure_commune_and_month(register, users):
    kpi = onestop_kpi(users.head, year=2024, today=dt.date(2024, 4, 30))
    march = dt.date(2024, 3, 1)
    assert len(kpi.rows) == 3
    a_march = _row(kpi, "Phù Lỗ", march)
    assert (a_march.resolved, a_march.early, a_march.on_day, a_march.late) == (3, 1, 1, 1)
    assert a_march.on_time_rate == pytest.approx(2 / 3)
    assert a_march.process == "housing" and a_march.process_label
    assert _row(kpi, "Phù Lỗ", dt.date(2024, 4, 1)).on_time_rate == 1
    assert _row(kpi, "Minh Trí", march).on_time_rate == 0
    total = kpi.total
    assert (total.resolved, total.on_time, total.late) == (5, 3, 2)  # the withdrawn one is out
    assert total.on_time_rate == pytest.approx(0.6)
    assert kpi.received == 7
    assert kpi.open_overdue == 1


def test_kpi_is_commune_scoped(register, users):
    mine = onestop_kpi(users.officer, year=2024)
    assert {r.commune_name for r in mine.rows} == {"Phù Lỗ"}
    assert (mine.total.resolved, mine.total.late) == (4, 1)
    other = onestop_kpi(users.officer_b, year=2024)
    assert {r.commune_name for r in other.rows} == {"Minh Trí"}
    assert other.total.resolved == 1 and other.open_overdue == 0
    # Asking for another commune's figures gives nothing, not its figures.
    assert onestop_kpi(users.officer_b, year=2024, commune_id=register[0].commune_id).rows == []


def test_kpi_filters_and_groupings(register, users, communes):
    march = onestop_kpi(users.head, year=2024, month=3, by=("commune",))
    assert [(r.commune_name, r.resolved) for r in march.rows] == [("Minh Trí", 1), ("Phù Lỗ", 3)]
    assert march.rows[0].month is None
    only_b = onestop_kpi(users.head, year=2024, commune_id=communes.b.pk, by=("process",))
    assert [(r.process, r.resolved, r.late) for r in only_b.rows] == [("housing", 1, 1)]
    totals_only = onestop_kpi(users.head, year=2024, by=())
    assert totals_only.rows == [] and totals_only.total.resolved == 5
    assert onestop_kpi(users.head, year=2023).total.on_time_rate is None


def test_kpi_queries_do_not_grow_with_the_register(make_case, line, users):
    def queries() -> int:
        line(make_case(S.DRAFT), dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 4))
        with CaptureQueriesContext(connection) as ctx:
            onestop_kpi(users.head, year=2024)
        return len(ctx)

    onestop_kpi(users.head, year=2024)  # warm caches (content types)
    first = queries()
    for _ in range(3):
        line(make_case(S.DRAFT), dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 6))
    assert queries() == first
