"""Compulsory rehab referrals: both routes end to end with who may fire each
step, the side branches (return, withdrawal, court refusal, postponement,
exemption), age rules and relapse linking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation
from viewflow.workflow.models import Process

from cases.rehab.models import (
    PendingManagement,
    ReferralGround,
    ReferralState,
    RehabReferral,
    Route,
)
from cases.rehab.services import referral_create
from notifications.models import Notification
from workflows import engine, flows
from workflows.calendar import add_working_days
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent

from .helpers import (
    ON_2022,
    assert_refused,
    go,
    iso,
    make_referral,
    next_working_day,
    open_task,
    person,
    referral_step,
    reload,
    travel,
)

pytestmark = pytest.mark.django_db
R = ReferralState


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _transitions(case: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(case_id=case.pk, event="transition")
        .order_by("id")
        .values_list("transition", flat=True)
    )


# --- the 2022 route (NĐ 116/2021) ------------------------------------------------------


def test_2022_route_end_to_end_with_who_may_fire_each_step(communes, users, rehab_users):
    ru = rehab_users
    general = [users.officer, users.leader, users.specialist, users.head, users.auditor]
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a)
        assert (case.route, case.procedure_version.code) == (Route.ND116_2022, "2022")
        assert case.reference.startswith("CNBB-2024-")
        assert case.state == R.DRAFT and case.created_by == ru.rehab
        assert open_task(case).flow_task.name == "compile"

        notify = {"notified_on": iso(ON_2022), "pending_management": PendingManagement.FAMILY}
        denied = assert_refused(
            NotPermitted,
            case,
            "notify",
            [*general, ru.police, ru.rehab_b, ru.police_b, ru.district_rehab],
            data=notify,
        )
        assert {e.status for e in denied} == {403}
        engine.transition(case, "notify", actor=ru.rehab, data=notify)
        case = reload(case)
        assert case.state == R.NOTIFIED
        assert case.reading_until == add_working_days(ON_2022, 5)
        assert open_task(case).flow_task.name == "reading"

        # The 2022 route never goes to the court from the commune.
        filing = {"court_name": "TAND huyện Sóc Sơn", "filed_on": iso(ON_2022)}
        assert_refused(
            TransitionNotAllowed,
            case,
            "file_with_court",
            [ru.district_rehab, ru.rehab],
            data=filing,
        )

        go(clock, next_working_day(case.reading_until))
        assert_refused(
            NotPermitted,
            case,
            "send_for_review",
            [*general, ru.police, ru.rehab_b, ru.district_rehab],
        )
        engine.transition(case, "send_for_review", actor=ru.rehab)
        case = reload(case)
        assert case.state == R.LEGALITY_REVIEW
        review_task = open_task(case)
        assert review_task.flow_task.name == "legality_review"
        assert review_task.owner_permission == "cases.role_district_rehab"

        filing = {"court_name": "TAND huyện Sóc Sơn", "filed_on": iso(timezone.localdate())}
        assert_refused(
            NotPermitted,
            case,
            "file_with_court",
            [*general, ru.rehab, ru.police, ru.rehab_b],
            data=filing,
        )
        engine.transition(case, "file_with_court", actor=ru.district_rehab, data=filing)
        case = reload(case)
        assert case.state == R.FILED and case.court_name == "TAND huyện Sóc Sơn"
        assert open_task(case).flow_task.name == "court_decision"

        decided_on = go(clock, next_working_day(timezone.localdate()))
        decision = {
            "decision_number": "15/2024/QĐ-TA",
            "decision_date": iso(decided_on),
            "duration_months": "18",
            "centre_name": "Cơ sở cai nghiện ma túy số 2 Hà Nội",
        }
        assert_refused(
            NotPermitted,
            case,
            "record_decision",
            [*general, ru.rehab, ru.police, ru.rehab_b],
            data=decision,
        )
        engine.transition(case, "record_decision", actor=ru.district_rehab, data=decision)
        case = reload(case)
        assert (case.state, case.duration_months) == (R.DECIDED, 18)
        assert case.complaint_until == add_working_days(decided_on, 5)
        assert open_task(case).flow_task.name == "placement"

        placed_on = go(clock, next_working_day(case.complaint_until))
        place = {"placed_on": iso(placed_on)}
        # On the 2022 route only the commune rehab officer acts after the decision.
        assert_refused(
            NotPermitted,
            case,
            "place",
            [*general, ru.police, ru.rehab_b, ru.district_rehab],
            data=place,
        )
        engine.transition(case, "place", actor=ru.rehab, data=place)
        case = reload(case)
        assert case.state == R.IN_TREATMENT
        assert case.release_due_on == placed_on + relativedelta(months=18)

        released_on = go(clock, case.release_due_on)
        release = {"released_on": iso(released_on)}
        assert_refused(NotPermitted, case, "release", [users.officer, ru.police], data=release)
        engine.transition(case, "release", actor=ru.rehab, data=release)
        case = reload(case)
        assert case.state == R.POST_REHAB
        assert case.post_rehab_from == released_on
        assert case.post_rehab_months == 24
        assert case.post_rehab_until == released_on.replace(year=released_on.year + 2)

        go(clock, case.post_rehab_until)
        complete = {"certificate_number": "54/GCN-UBND", "completed_on": iso(case.post_rehab_until)}
        assert_refused(
            NotPermitted,
            case,
            "complete",
            [users.officer, users.leader, ru.police, ru.rehab_b, ru.district_rehab],
            data=complete,
        )
        engine.transition(case, "complete", actor=ru.rehab, data=complete)
        case = reload(case)

    assert case.state == R.CLOSED
    assert (case.certificate_number, case.completed_on) == ("54/GCN-UBND", case.post_rehab_until)
    assert _transitions(case) == [
        "notify",
        "send_for_review",
        "file_with_court",
        "record_decision",
        "place",
        "release",
        "complete",
    ]
    assert flows.open_tasks(case) == []
    assert Process.objects.get(pk=case.flow_process_id).status == "DONE"
    # Whoever must act next was told (never the actor): the district staff for the
    # review and the decision, the commune rehab officer for the placement.
    told = set(Notification.objects.filter(case_id=case.pk).values_list("recipient", flat=True))
    assert told == {ru.district_rehab.pk, ru.district_rehab2.pk, ru.rehab.pk}


def test_district_returns_a_2022_dossier_for_correction(communes, users, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a, state=R.LEGALITY_REVIEW)
        assert_refused(InvalidData, case, "return_for_correction", [ru.district_rehab])
        assert_refused(
            NotPermitted,
            case,
            "return_for_correction",
            [ru.rehab, users.specialist],
            reason="Thiếu Mẫu 30",
        )
        engine.transition(
            case, "return_for_correction", actor=ru.district_rehab, reason="Thiếu Mẫu 30"
        )
        case = reload(case)
        assert case.state == R.DRAFT
        assert open_task(case).flow_task.name == "compile"
        # Compiled again: notified again, and a new reading period runs.
        again = next_working_day(timezone.localdate())
        go(clock, again)
        case = referral_step(case, clock, ru)
        assert case.state == R.NOTIFIED
        assert case.notified_on == again
        assert case.reading_until == add_working_days(again, 5)


def test_withdraw_only_before_the_court_and_only_by_the_compiler(communes, users, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        draft = make_referral(clock, ru, communes.a)
        assert_refused(InvalidData, draft, "withdraw", [ru.rehab])  # reason required
        assert_refused(NotPermitted, draft, "withdraw", [users.officer, ru.police], reason="x")
        engine.transition(draft, "withdraw", actor=ru.rehab, reason="Đã tự nguyện đăng ký")
        assert reload(draft).state == R.WITHDRAWN
        assert flows.open_tasks(reload(draft)) == []

        filed = make_referral(clock, ru, communes.a, state=R.FILED)
        assert_refused(TransitionNotAllowed, filed, "withdraw", [ru.rehab], reason="x")


def test_court_refusal_ends_the_case(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a, state=R.FILED)
        data = {"decision_number": "3/QĐ-TA", "decision_date": iso(timezone.localdate())}
        assert_refused(InvalidData, case, "record_refusal", [ru.district_rehab], data=data)
        assert_refused(
            NotPermitted, case, "record_refusal", [ru.rehab], data=data, reason="Không đủ căn cứ"
        )
        engine.transition(
            case, "record_refusal", actor=ru.district_rehab, data=data, reason="Không đủ căn cứ"
        )
        case = reload(case)
    assert case.state == R.COURT_REFUSED
    assert case.decision_number == "3/QĐ-TA"
    assert flows.open_tasks(case) == []


def test_postpone_resume_and_exempt(communes, users, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a, state=R.DECIDED)
        today = timezone.localdate()
        until = {"postpone_ground": "illness", "postponed_until": iso(today)}
        assert_refused(InvalidData, case, "postpone", [ru.rehab], data=until, reason="Ốm nặng")
        later = {"postpone_ground": "illness", "postponed_until": "15/09/2024"}
        assert_refused(InvalidData, case, "postpone", [ru.rehab], data=later)  # no reason
        assert_refused(
            NotPermitted,
            case,
            "postpone",
            [users.officer, ru.district_rehab],
            data=later,
            reason="x",
        )
        engine.transition(case, "postpone", actor=ru.rehab, data=later, reason="Ốm nặng")
        case = reload(case)
        assert (case.state, case.postponed_until) == (R.POSTPONED, dt.date(2024, 9, 15))
        assert open_task(case).flow_task.name == "postponed"
        # Placement waits for the end of the postponement.
        assert_refused(
            TransitionNotAllowed, case, "place", [ru.rehab], data={"placed_on": iso(today)}
        )
        engine.transition(case, "resume", actor=ru.rehab)
        assert reload(case).state == R.DECIDED

        engine.transition(
            case,
            "exempt",
            actor=ru.rehab,
            data={"exempt_ground": "voluntary_done"},
            reason="Đã hoàn thành cai nghiện tự nguyện",
        )
        case = reload(case)
    assert (case.state, case.exempt_ground) == (R.EXEMPTED, "voluntary_done")
    assert flows.open_tasks(case) == []


def test_notify_needs_the_required_documents(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a, documents=False)
        data = {"notified_on": iso(ON_2022), "pending_management": PendingManagement.FAMILY}
        [exc] = assert_refused(InvalidData, case, "notify", [ru.rehab], data=data)
        message = exc.fields["documents"][0]
        assert "Mẫu 30" in message and "Mẫu 27" in message


def test_dates_must_follow_the_steps(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a)
        early = {"notified_on": iso(ON_2022 - dt.timedelta(days=1)), "pending_management": "family"}
        [exc] = assert_refused(InvalidData, case, "notify", [ru.rehab], data=early)
        assert "notified_on" in exc.fields
        future = {
            "notified_on": iso(ON_2022 + dt.timedelta(days=1)),
            "pending_management": "family",
        }
        [exc] = assert_refused(InvalidData, case, "notify", [ru.rehab], data=future)
        assert "notified_on" in exc.fields
        # At a facility: which one and from when, not after the notification.
        facility = {"notified_on": iso(ON_2022), "pending_management": "facility"}
        [exc] = assert_refused(InvalidData, case, "notify", [ru.rehab], data=facility)
        assert {"pending_facility", "pending_from"} <= set(exc.fields)

        case = make_referral(clock, ru, communes.a, state=R.FILED)
        before = {
            "decision_number": "1/QĐ-TA",
            "decision_date": iso(case.filed_on - dt.timedelta(days=1)),
            "duration_months": 12,
            "centre_name": "Cơ sở số 1",
        }
        [exc] = assert_refused(
            InvalidData, case, "record_decision", [ru.district_rehab], data=before
        )
        assert "decision_date" in exc.fields

        case = make_referral(clock, ru, communes.a, state=R.IN_TREATMENT)
        early_release = {"released_on": iso(case.placed_on - dt.timedelta(days=1))}
        [exc] = assert_refused(InvalidData, case, "release", [ru.rehab], data=early_release)
        assert "released_on" in exc.fields


# --- the 2025 route (TTLT 03/2025) -----------------------------------------------------


def test_2025_route_end_to_end_with_who_may_fire_each_step(communes, users, rehab_users):
    ru = rehab_users
    general = [users.officer, users.leader, users.specialist, users.head, users.auditor]
    filed = dt.date(2025, 3, 3)
    with travel(filed) as clock:
        case = make_referral(clock, ru, communes.a)
        assert (case.route, case.procedure_version.code) == (Route.TTLT03_2025, "2025")
        assert case.created_by == ru.police
        task = open_task(case)
        assert task.flow_task.name == "police_compile"
        assert task.owner_permission == "cases.role_commune_police"

        notify = {"notified_on": iso(filed), "pending_management": PendingManagement.FAMILY}
        assert_refused(
            NotPermitted,
            case,
            "notify",
            [*general, ru.rehab, ru.police_b, ru.district_rehab],
            data=notify,
        )
        engine.transition(case, "notify", actor=ru.police, data=notify)
        case = reload(case)
        assert case.state == R.NOTIFIED
        assert open_task(case).flow_task.name == "police_file"

        go(clock, next_working_day(case.reading_until))
        # No legality review on this route, for anyone.
        for actor in [ru.police, ru.rehab, ru.district_rehab]:
            with pytest.raises(TransitionNotAllowed):
                engine.transition(case, "send_for_review", actor=actor)
        assert reload(case).state == R.NOTIFIED

        filing = {"court_name": "TAND khu vực 5 Hà Nội", "filed_on": iso(timezone.localdate())}
        assert_refused(
            NotPermitted,
            case,
            "file_with_court",
            [*general, ru.rehab, ru.police_b, ru.district_rehab],
            data=filing,
        )
        engine.transition(case, "file_with_court", actor=ru.police, data=filing)
        case = reload(case)
        assert case.state == R.FILED
        assert open_task(case).flow_task.name == "police_court_decision"

        decided_on = go(clock, next_working_day(timezone.localdate()))
        decision = {
            "decision_number": "7/2025/QĐ-TA",
            "decision_date": iso(decided_on),
            "duration_months": 24,
            "centre_name": "Cơ sở cai nghiện ma túy số 1 (PC04)",
        }
        assert_refused(
            NotPermitted,
            case,
            "record_decision",
            [*general, ru.rehab, ru.district_rehab],
            data=decision,
        )
        engine.transition(case, "record_decision", actor=ru.police, data=decision)
        case = reload(case)
        assert case.state == R.DECIDED

        placed_on = go(clock, next_working_day(case.complaint_until))
        place = {"placed_on": iso(placed_on)}
        assert_refused(
            NotPermitted, case, "place", [*general, ru.police_b, ru.district_rehab], data=place
        )
        # The police may act after the decision too on this route.
        engine.transition(case, "place", actor=ru.police, data=place)
        case = reload(case)
        assert case.release_due_on == placed_on.replace(year=placed_on.year + 2)

        case = referral_step(case, clock, ru)  # release
        assert case.state == R.POST_REHAB and case.post_rehab_months == 24
        go(clock, case.post_rehab_until)
        complete = {"certificate_number": "54/GCN", "completed_on": iso(case.post_rehab_until)}
        assert_refused(NotPermitted, case, "complete", [users.officer, ru.rehab_b], data=complete)
        engine.transition(case, "complete", actor=ru.rehab, data=complete)
        case = reload(case)
    assert case.state == R.CLOSED
    assert _transitions(case) == [
        "notify",
        "file_with_court",
        "record_decision",
        "place",
        "release",
        "complete",
    ]
    assert flows.open_tasks(case) == []


# --- ages -------------------------------------------------------------------------------


def _birthday(years_before: dt.date, years: int) -> dt.date:
    return years_before.replace(year=years_before.year - years)


def test_age_at_filing_decides_minor_or_adult(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        twelve_today = person(ru.rehab, communes.a, born=_birthday(ON_2022, 12))
        case = make_referral(clock, ru, communes.a, applicant=twelve_today)
        assert case.is_minor
        almost_18 = person(ru.rehab, communes.a, born=_birthday(ON_2022, 18) + dt.timedelta(days=1))
        assert make_referral(clock, ru, communes.a, applicant=almost_18).is_minor
        eighteen_today = person(ru.rehab, communes.a, born=_birthday(ON_2022, 18))
        assert not make_referral(clock, ru, communes.a, applicant=eighteen_today).is_minor


def test_under_12_is_refused_with_a_clear_message(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022):
        child = person(ru.rehab, communes.a, born=_birthday(ON_2022, 12) + dt.timedelta(days=1))
        count = RehabReferral.objects.count()
        with pytest.raises(InvalidData) as info:
            referral_create(
                actor=ru.rehab, commune=communes.a, applicant=child, ground="not_registered"
            )
    assert info.value.code == "under_minimum_age"
    assert info.value.status == 400
    [message] = info.value.fields["date_of_birth"]
    assert "11 years old" in message and "under 12" in message
    assert RehabReferral.objects.count() == count


def test_minor_cannot_be_referred_for_relapse(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022):
        minor = person(ru.rehab, communes.a, born=dt.date(2008, 1, 1))
        with pytest.raises(InvalidData) as info:
            referral_create(
                actor=ru.rehab, commune=communes.a, applicant=minor, ground=ReferralGround.RELAPSE
            )
        assert "ground" in info.value.fields
        assert info.value.code != "under_minimum_age"
        for ground in ["not_registered", "voluntary_dropout", "used_during_voluntary"]:
            # One open referral per person: a new minor for each ground.
            minor = person(ru.rehab, communes.a, born=dt.date(2008, 1, 1))
            case = referral_create(
                actor=ru.rehab, commune=communes.a, applicant=minor, ground=ground
            )
            assert case.is_minor and case.ground == ground
        adult = person(ru.rehab, communes.a)
        case = referral_create(
            actor=ru.rehab, commune=communes.a, applicant=adult, ground=ReferralGround.RELAPSE
        )
        assert not case.is_minor


def _decision(months: Any, on: dt.date) -> dict[str, Any]:
    return {
        "decision_number": "9/QĐ-TA",
        "decision_date": iso(on),
        "duration_months": months,
        "centre_name": "Cơ sở số 1",
    }


@pytest.mark.parametrize(
    ("born", "who", "refused", "accepted"),
    [
        (dt.date(2009, 1, 1), "ages 12 to under 18", [5, 13], [6, 12]),  # 15 at filing
        (dt.date(1990, 1, 1), "adults", [11, 25], [12, 24]),
    ],
    ids=["minor", "adult"],
)
def test_court_term_follows_the_age(communes, rehab_users, born, who, refused, accepted):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022) as clock:
        # One open referral per person: a new person of that age for each try.
        for months in refused:
            applicant = person(ru.rehab, communes.a, born=born)
            case = make_referral(clock, ru, communes.a, state=R.FILED, applicant=applicant)
            data = _decision(str(months), timezone.localdate())
            [exc] = assert_refused(
                InvalidData, case, "record_decision", [ru.district_rehab], data=data
            )
            low, high = accepted
            assert exc.fields["duration_months"] == [
                f"The term for {who} is {low} to {high} months."
            ]
        for months in accepted:
            applicant = person(ru.rehab, communes.a, born=born)
            case = make_referral(clock, ru, communes.a, state=R.FILED, applicant=applicant)
            engine.transition(
                case,
                "record_decision",
                actor=ru.district_rehab,
                data=_decision(months, timezone.localdate()),
            )
            assert reload(case).duration_months == months


# --- relapse -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "route", "compiler"),
    [(dt.date(2022, 1, 10), Route.ND116_2022, "rehab"), (ON_2022, Route.TTLT03_2025, "police")],
    ids=["relapse-under-2022", "relapse-under-2025"],
)
def test_adult_relapse_opens_a_linked_referral_under_the_version_of_the_day(
    communes, users, rehab_users, filed, route, compiler
):
    ru = rehab_users
    with travel(filed) as clock:
        old = make_referral(clock, ru, communes.a, state=R.POST_REHAB, months=12)
        relapse_on = go(clock, next_working_day(old.post_rehab_from + dt.timedelta(days=30)))
        data = {"relapse_on": iso(relapse_on)}
        assert_refused(InvalidData, old, "relapse", [ru.rehab], data=data)  # reason required
        assert_refused(NotPermitted, old, "relapse", [users.officer], data=data, reason="x")
        before = {"relapse_on": iso(old.post_rehab_from - dt.timedelta(days=1))}
        assert_refused(InvalidData, old, "relapse", [ru.rehab], data=before, reason="Dương tính")
        engine.transition(old, "relapse", actor=ru.rehab, data=data, reason="Dương tính")
    old = reload(old)
    assert (old.state, old.relapse_on) == (R.RELAPSED, relapse_on)

    new = RehabReferral.objects.get(previous_case=old)
    assert new.ground == ReferralGround.RELAPSE
    assert new.applicant_id == old.applicant_id and new.commune_id == old.commune_id
    assert new.route == route
    assert new.procedure_version.route == route
    assert new.state == R.DRAFT and new.violation_on == relapse_on
    assert timezone.localdate(new.created_at) == relapse_on
    assert new.reference.startswith(f"CNBB-{relapse_on.year}-")
    assert not new.is_minor
    assert new.flow_process_id is not None
    first = open_task(new)
    assert first.flow_task.name == ("compile" if route == Route.ND116_2022 else "police_compile")
    assert list(old.follow_ups.values_list("pk", flat=True)) == [new.pk]
    note = Notification.objects.get(case_id=new.pk)
    assert note.recipient == getattr(ru, compiler)
    assert note.event == "task_waiting"
    assert old.reference in note.body
    assert AuditEvent.objects.filter(case_id=new.pk, event="create").exists()


def test_minor_relapse_opens_no_new_referral(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        minor = person(ru.rehab, communes.a, born=dt.date(2009, 1, 1))
        case = make_referral(clock, ru, communes.a, state=R.POST_REHAB, applicant=minor, months=6)
        assert case.is_minor and case.post_rehab_months == 12
        count = RehabReferral.objects.count()
        relapse_on = go(clock, next_working_day(case.post_rehab_from))
        engine.transition(
            case, "relapse", actor=ru.rehab, data={"relapse_on": iso(relapse_on)}, reason="x"
        )
    assert reload(case).state == R.RELAPSED
    assert RehabReferral.objects.count() == count
    assert not RehabReferral.objects.filter(previous_case=case).exists()


def test_rehab_person_reuses_the_registry_and_checks_the_id(communes, rehab_users):
    from cases.models import Person
    from cases.rehab.services import rehab_person

    from ..factories import national_id_for

    ru = rehab_users
    born = dt.date(1992, 8, 9)
    nid = national_id_for(born, "M")
    first = rehab_person(
        actor=ru.police,
        commune=communes.a,
        national_id=nid,
        full_name="Lê Văn Thử",
        date_of_birth=born,
        sex="M",
    )
    again = rehab_person(
        actor=ru.rehab,
        commune=communes.a,
        national_id=nid,
        full_name="lê văn thử",
        date_of_birth=born,
        sex="M",
    )
    assert again.pk == first.pk
    assert Person.objects.filter(national_id=nid).count() == 1
    assert (
        AuditEvent.objects.filter(event="rehab_person_create", object_id=str(first.pk)).count() == 1
    )
    with pytest.raises(InvalidData) as info:
        rehab_person(
            actor=ru.rehab,
            commune=communes.a,
            national_id=nid,
            full_name="Lê Văn Khác",
            date_of_birth=born,
            sex="M",
        )
    assert info.value.code == "national_id_mismatch"
    with pytest.raises(InvalidData) as info:
        rehab_person(
            actor=ru.rehab,
            commune=communes.a,
            national_id=national_id_for(born, "F"),  # encodes a woman
            full_name="",
            date_of_birth=born,
            sex="M",
        )
    assert set(info.value.fields) == {"full_name", "national_id"}


def test_the_court_filing_date_cannot_fall_in_the_reading_period_or_before_the_review(
    communes, rehab_users
):
    with travel(ON_2022) as clock:
        case = make_referral(clock, rehab_users, communes.a, state=R.LEGALITY_REVIEW)
        sent = timezone.localdate()
        for day, message in [
            (case.reading_until, "đọc hồ sơ"),
            (case.notified_on, "đọc hồ sơ"),
        ]:
            with pytest.raises(InvalidData) as refused:
                engine.transition(
                    case,
                    "file_with_court",
                    actor=rehab_users.district_rehab,
                    data={"court_name": "TAND", "filed_on": iso(day)},
                )
            assert message in str(refused.value.fields["filed_on"][0])
        if next_working_day(case.reading_until) < sent:
            with pytest.raises(InvalidData):
                engine.transition(
                    case,
                    "file_with_court",
                    actor=rehab_users.district_rehab,
                    data={
                        "court_name": "TAND",
                        "filed_on": iso(next_working_day(case.reading_until)),
                    },
                )
        engine.transition(
            case,
            "file_with_court",
            actor=rehab_users.district_rehab,
            data={"court_name": "TAND", "filed_on": iso(sent)},
        )
        assert reload(case).state == R.FILED
