"""Procedure versions bound at filing, step deadlines in working days, and
the periods the steps wait for: dossier reading, complaint window, the term
(less time at a facility while pending) and post-rehab management."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation

from cases.rehab.models import PendingManagement, ReferralState, RehabSetting, Route, VoluntaryState
from cases.rehab.services import referral_create, voluntary_create
from cases.rehab.spec import REFERRAL_2022, REFERRAL_2025
from workflows import engine
from workflows.calendar import add_working_days
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import ProcedureVersion, StepTimeLimit, TaskDeadline
from workflows.registry import spec_for

from .helpers import (
    ON_2022,
    SWITCH,
    assert_refused,
    go,
    iso,
    make_referral,
    make_voluntary,
    next_working_day,
    open_task,
    person,
    referral_step,
    reload,
    travel,
)

pytestmark = pytest.mark.django_db
R = ReferralState
V = VoluntaryState
EVE = dt.date(2025, 2, 28)  # Friday, the last day of the 2022 route


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- versions -----------------------------------------------------------------------------


def test_seeded_versions_and_their_dates(db):
    assert ProcedureVersion.in_force("rehab_compulsory", EVE).code == "2022"
    assert ProcedureVersion.in_force("rehab_compulsory", SWITCH).code == "2025"
    assert ProcedureVersion.in_force("rehab_compulsory", dt.date(2021, 12, 31)) is None
    v2022 = ProcedureVersion.objects.get(procedure="rehab_compulsory", code="2022")
    assert v2022.effective_to() == EVE
    assert (v2022.adult_months_min, v2022.adult_months_max) == (12, 24)
    assert (v2022.minor_months_min, v2022.minor_months_max) == (6, 12)
    assert (v2022.post_rehab_months_adult, v2022.post_rehab_months_minor) == (24, 12)
    voluntary = ProcedureVersion.in_force("rehab_voluntary", SWITCH)
    assert voluntary.route == Route.VOLUNTARY
    assert (voluntary.adult_months_min, voluntary.adult_months_max) == (6, 12)
    assert voluntary.post_rehab_months_adult == 12


def test_filed_on_28_02_2025_stays_on_the_2022_route(communes, rehab_users):
    ru = rehab_users
    with travel(EVE) as clock:
        # Before 01/03/2025 the commune police do not compile the dossier.
        applicant = person(ru.rehab, communes.a)
        with pytest.raises(NotPermitted):
            referral_create(
                actor=ru.police, commune=communes.a, applicant=applicant, ground="not_registered"
            )
        case = make_referral(clock, ru, communes.a, state=R.NOTIFIED, applicant=applicant)
        assert case.route == Route.ND116_2022
        assert case.procedure_version.code == "2022"
        assert spec_for(case) is REFERRAL_2022
        assert timezone.localdate(case.created_at) == EVE

        # After the switch the case keeps its route: legality review, no direct filing.
        go(clock, dt.date(2025, 3, 10))
        assert ProcedureVersion.in_force("rehab_compulsory", timezone.localdate()).code == "2025"
        filing = {"court_name": "TAND huyện Sóc Sơn", "filed_on": iso(timezone.localdate())}
        assert_refused(
            TransitionNotAllowed,
            case,
            "file_with_court",
            [ru.police, ru.district_rehab],
            data=filing,
        )
        assert_refused(NotPermitted, case, "send_for_review", [ru.police])
        engine.transition(case, "send_for_review", actor=ru.rehab)
        case = reload(case)
        assert case.state == R.LEGALITY_REVIEW
        assert case.procedure_version.code == "2022"
        assert open_task(case).flow_task.name == "legality_review"
        engine.transition(case, "file_with_court", actor=ru.district_rehab, data=filing)
        assert reload(case).state == R.FILED


def test_filed_on_01_03_2025_follows_the_2025_route(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(SWITCH) as clock:
        applicant = person(ru.police, communes.a)
        with pytest.raises(NotPermitted) as info:
            referral_create(
                actor=ru.rehab, commune=communes.a, applicant=applicant, ground="not_registered"
            )
        assert "Head of commune police" in str(info.value.message)
        case = make_referral(clock, ru, communes.a, state=R.NOTIFIED, applicant=applicant)
        assert (case.route, case.procedure_version.code) == (Route.TTLT03_2025, "2025")
        assert case.created_by == ru.police
        assert spec_for(case) is REFERRAL_2025
        go(clock, next_working_day(case.reading_until))
        for actor in [ru.rehab, ru.police, ru.district_rehab]:
            with pytest.raises(TransitionNotAllowed):
                engine.transition(case, "send_for_review", actor=actor)
        case = referral_step(case, clock, ru)
        assert case.state == R.FILED


def test_a_later_version_does_not_change_a_bound_case(communes, rehab_users):
    """Versions are data: a new one (other terms) applies to cases filed from
    its date on; a case filed before keeps its own terms."""
    ru = rehab_users
    v2025 = ProcedureVersion.objects.get(procedure="rehab_compulsory", code="2025")
    ProcedureVersion.objects.create(
        procedure="rehab_compulsory",
        code="2026",
        name="Luật 120/2025/QH15",
        legal_basis="Luật Phòng, chống ma túy 120/2025/QH15",
        route=Route.TTLT03_2025,
        effective_from=dt.date(2026, 7, 1),
        adult_months_min=24,
        adult_months_max=36,
        minor_months_min=6,
        minor_months_max=12,
        post_rehab_months_adult=24,
        post_rehab_months_minor=12,
    )
    decision = {"decision_number": "1/QĐ-TA", "centre_name": "Cơ sở số 1"}
    with travel(dt.date(2026, 6, 1)) as clock:
        old = make_referral(clock, ru, communes.a, state=R.FILED)
        assert old.procedure_version == v2025
        go(clock, dt.date(2026, 7, 1))
        new = make_referral(clock, ru, communes.a, state=R.FILED)
        assert new.procedure_version.code == "2026"
        today = iso(timezone.localdate())
        assert_refused(
            InvalidData,
            old,
            "record_decision",
            [ru.police],
            data={**decision, "decision_date": today, "duration_months": 30},
        )
        assert_refused(
            InvalidData,
            new,
            "record_decision",
            [ru.police],
            data={**decision, "decision_date": today, "duration_months": 12},
        )
        engine.transition(
            new,
            "record_decision",
            actor=ru.police,
            data={**decision, "decision_date": today, "duration_months": 30},
        )
        engine.transition(
            old,
            "record_decision",
            actor=ru.police,
            data={**decision, "decision_date": today, "duration_months": 12},
        )
    assert reload(old).duration_months == 12
    assert reload(new).duration_months == 30


# --- deadlines of the tasks ---------------------------------------------------------------


def test_first_task_due_five_working_days_after_filing_friday_28_02_2025(communes, rehab_users):
    with travel(EVE) as clock:
        case = make_referral(clock, rehab_users, communes.a)
    task = open_task(case)
    deadline = task.deadline
    assert isinstance(deadline, TaskDeadline)
    assert (deadline.process, deadline.step) == ("rehab_compulsory", "compile")
    assert (deadline.started_on, deadline.working_days) == (EVE, 5)
    assert deadline.due_on == add_working_days(EVE, 5)
    assert deadline.due_on == dt.date(2025, 3, 7)  # Mon 3 .. Fri 7 March


def test_police_compile_due_from_a_saturday_filing(communes, rehab_users):
    with travel(SWITCH) as clock:  # Saturday 01/03/2025
        case = make_referral(clock, rehab_users, communes.a)
    deadline = open_task(case).deadline
    assert (deadline.step, deadline.working_days) == ("police_compile", 5)
    assert deadline.due_on == add_working_days(SWITCH, 5) == dt.date(2025, 3, 7)


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # Tết Ất Tỵ: 27/01-01/02/2025 off; Fri 24/01 is day 1, then 3..6 February.
        (dt.date(2025, 1, 23), dt.date(2025, 2, 6)),
        # 30/4-2/5/2025 off, Saturday 26/04 worked in exchange for 2/5.
        (dt.date(2025, 4, 25), dt.date(2025, 5, 6)),
    ],
    ids=["tet-2025", "30-4-2025"],
)
def test_deadlines_skip_holidays_and_count_make_up_days(communes, rehab_users, filed, due):
    with travel(filed) as clock:
        case = make_referral(clock, rehab_users, communes.a)
    deadline = open_task(case).deadline
    assert deadline.due_on == add_working_days(filed, 5) == due


def test_every_timed_step_of_the_2022_route_gets_its_deadline(communes, rehab_users):
    with travel(ON_2022) as clock:
        case = make_referral(clock, rehab_users, communes.a, state=R.FILED)
    rows = {
        d.step: d
        for d in TaskDeadline.objects.filter(task__process_id=case.flow_process_id).order_by("id")
    }
    assert set(rows) == {"compile", "reading", "legality_review"}
    assert rows["reading"].started_on == case.notified_on
    # The reading period (5 working days), then 5 to send the dossier on: the
    # step is due after the reading period, never overdue the day it can be done.
    assert rows["reading"].due_on == add_working_days(case.notified_on, 10)
    assert rows["reading"].due_on > case.reading_until
    review = rows["legality_review"]
    assert review.due_on == add_working_days(review.started_on, 5)
    # Steps without a configured limit (the court's decision) get none.
    court = open_task(case)
    assert court.flow_task.name == "court_decision"
    assert not TaskDeadline.objects.filter(task=court).exists()


def test_voluntary_decision_due_in_three_working_days(communes, rehab_users):
    registered = dt.date(2025, 3, 6)  # Thursday
    with travel(registered) as clock:
        case = make_voluntary(clock, rehab_users, communes.a, state=V.REGISTERED)
    task = open_task(case)
    assert task.flow_task.name == "decide"
    deadline = task.deadline
    assert (deadline.process, deadline.step, deadline.working_days) == (
        "rehab_voluntary",
        "decide",
        3,
    )
    assert deadline.started_on == registered
    assert deadline.due_on == add_working_days(registered, 3) == dt.date(2025, 3, 11)


def test_step_time_limits_flag_what_is_not_verified(db):
    limits = {
        (r.process, r.step): r
        for r in StepTimeLimit.objects.filter(process__in=["rehab_compulsory", "rehab_voluntary"])
    }
    unverified = {
        ("rehab_compulsory", "reading"),
        ("rehab_compulsory", "legality_review"),
        ("rehab_compulsory", "police_compile"),
        ("rehab_compulsory", "police_file"),
    }
    verified = {("rehab_compulsory", "compile"), ("rehab_voluntary", "decide")}
    assert set(limits) == unverified | verified
    for key in unverified:
        assert limits[key].verified is False, key
        assert limits[key].note
    for key in verified:
        assert limits[key].verified is True, key
    assert limits[("rehab_voluntary", "decide")].working_days == 3
    assert limits[("rehab_compulsory", "police_compile")].effective_from == SWITCH


# --- waiting periods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "step", "actor"),
    [(ON_2022, "send_for_review", "rehab"), (dt.date(2025, 3, 3), "file_with_court", "police")],
    ids=["2022", "2025"],
)
def test_nothing_moves_on_before_the_reading_period_ends(communes, rehab_users, filed, step, actor):
    ru = rehab_users
    data = None
    with translation.override("en"), travel(filed) as clock:
        case = make_referral(clock, ru, communes.a, state=R.NOTIFIED)
        assert case.reading_until == add_working_days(filed, 5)
        for day in [filed, case.reading_until]:
            go(clock, day)
            if step == "file_with_court":
                data = {"court_name": "TAND", "filed_on": iso(day)}
            [exc] = assert_refused(InvalidData, case, step, [getattr(ru, actor)], data=data)
            assert exc.fields["notified_on"][0].startswith(
                f"The person and family may read the dossier until {case.reading_until:%d/%m/%Y}"
            )
        day = go(clock, next_working_day(case.reading_until))
        if step == "file_with_court":
            data = {"court_name": "TAND", "filed_on": iso(day)}
        engine.transition(case, step, actor=getattr(ru, actor), data=data)
    assert reload(case).state != R.NOTIFIED


def test_placement_waits_for_the_complaint_window(communes, rehab_users):
    """Decision on Thu 23/01/2025, before Tết: the 5 working days end on 06/02."""
    ru = rehab_users
    with translation.override("en"), travel(dt.date(2025, 1, 2)) as clock:
        case = make_referral(clock, ru, communes.a, state=R.FILED)
        decided = go(clock, dt.date(2025, 1, 23))
        engine.transition(
            case,
            "record_decision",
            actor=ru.district_rehab,
            data={
                "decision_number": "2/QĐ-TA",
                "decision_date": "23/01/2025",
                "duration_months": 12,
                "centre_name": "Cơ sở số 1",
            },
        )
        case = reload(case)
        assert case.complaint_until == add_working_days(decided, 5) == dt.date(2025, 2, 6)
        go(clock, dt.date(2025, 2, 6))
        [exc] = assert_refused(
            InvalidData, case, "place", [ru.rehab], data={"placed_on": "06/02/2025"}
        )
        assert "06/02/2025" in exc.fields["placed_on"][0]
        # A date inside the window is refused later on too.
        go(clock, dt.date(2025, 2, 10))
        assert_refused(InvalidData, case, "place", [ru.rehab], data={"placed_on": "05/02/2025"})
        engine.transition(case, "place", actor=ru.rehab, data={"placed_on": "07/02/2025"})
        case = reload(case)
    assert (case.state, case.placed_on) == (R.IN_TREATMENT, dt.date(2025, 2, 7))
    assert case.release_due_on == dt.date(2026, 2, 7)


def test_release_due_counts_the_time_at_a_facility_while_pending(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        notify = {
            "pending_management": PendingManagement.FACILITY,
            "pending_facility": "Cơ sở tiếp nhận xã hội",
            "pending_from": "01/06/2024",  # two days before the notification
        }
        case = make_referral(clock, ru, communes.a, state=R.IN_TREATMENT, notify=notify, months=12)
    assert case.pending_from == dt.date(2024, 6, 1)
    spent = case.placed_on - case.pending_from
    assert spent.days > 0
    assert case.release_due_on == case.placed_on + relativedelta(months=12) - spent
    # The term runs from the day the facility took the person in.
    assert case.release_due_on == dt.date(2025, 6, 1)


def test_pending_at_a_facility_cannot_start_after_the_notification(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a)
        go(clock, ON_2022 + dt.timedelta(days=1))
        data = {
            "notified_on": iso(ON_2022),
            "pending_management": PendingManagement.FACILITY,
            "pending_facility": "Cơ sở tiếp nhận xã hội",
            "pending_from": iso(ON_2022 + dt.timedelta(days=1)),
        }
        [exc] = assert_refused(InvalidData, case, "notify", [ru.rehab], data=data)
        assert set(exc.fields) == {"pending_from"}
        data["pending_from"] = iso(ON_2022)
        engine.transition(case, "notify", actor=ru.rehab, data=data)
    case = reload(case)
    assert (case.pending_management, case.pending_from) == ("facility", ON_2022)
    assert case.pending_facility == "Cơ sở tiếp nhận xã hội"


def test_family_management_release_is_placement_plus_the_term(communes, rehab_users):
    with travel(ON_2022) as clock:
        case = make_referral(clock, rehab_users, communes.a, state=R.IN_TREATMENT, months=20)
    assert case.pending_management == PendingManagement.FAMILY
    assert case.release_due_on == case.placed_on + relativedelta(months=20)


@pytest.mark.parametrize(
    ("born", "months", "post"),
    [(dt.date(1990, 1, 1), 12, 24), (dt.date(2009, 1, 1), 6, 12)],
    ids=["adult-24", "minor-12"],
)
def test_post_rehab_management_length(communes, rehab_users, born, months, post):
    ru = rehab_users
    with travel(ON_2022) as clock:
        applicant = person(ru.rehab, communes.a, born=born)
        case = make_referral(
            clock, ru, communes.a, state=R.POST_REHAB, applicant=applicant, months=months
        )
        assert case.post_rehab_months == post
        assert case.post_rehab_until == case.released_on + relativedelta(months=post)
        # Completion before the end of management is refused.
        day = go(clock, case.post_rehab_until - dt.timedelta(days=1))
        data = {"certificate_number": "54/GCN", "completed_on": iso(day)}
        [exc] = assert_refused(InvalidData, case, "complete", [ru.rehab], data=data)
        assert "completed_on" in exc.fields
        # Nor can it be dated ahead of today.
        ahead = {"certificate_number": "54/GCN", "completed_on": iso(case.post_rehab_until)}
        assert_refused(InvalidData, case, "complete", [ru.rehab], data=ahead)
        go(clock, case.post_rehab_until)
        engine.transition(case, "complete", actor=ru.rehab, data=ahead)
    assert reload(case).state == R.CLOSED


def test_voluntary_post_rehab_is_twelve_months(communes, rehab_users):
    with travel(ON_2022) as clock:
        case = make_voluntary(
            clock, rehab_users, communes.a, state=V.POST_REHAB, setting=RehabSetting.HOME
        )
    assert case.post_rehab_months == 12
    assert case.post_rehab_until == case.finished_on + relativedelta(months=12)


def test_no_version_in_force_refuses_filing(communes, rehab_users):
    ru = rehab_users
    with travel(dt.date(2021, 12, 30)):
        applicant = person(ru.rehab, communes.a)
        with pytest.raises(InvalidData) as info:
            referral_create(
                actor=ru.rehab, commune=communes.a, applicant=applicant, ground="not_registered"
            )
        assert info.value.code == "no_procedure_version"
        with pytest.raises(InvalidData) as info:
            voluntary_create(
                actor=ru.rehab, commune=communes.a, applicant=applicant, setting="home"
            )
        assert info.value.code == "no_procedure_version"
