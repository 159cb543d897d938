"""Voluntary rehab: registration with the state's cost share, the commune's
decision, treatment terms, drop-out and relapse opening a compulsory
referral, and post-rehab check-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from cases.rehab.models import (
    PostRehabCheckin,
    ReferralGround,
    ReferralState,
    RehabReferral,
    RehabSetting,
    RehabSupportRate,
    Route,
    VoluntaryState,
)
from cases.rehab.selectors import support_rate
from cases.rehab.services import checkin_record, voluntary_create
from notifications.models import Notification
from workflows import engine, flows
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent

from .helpers import (
    ON_2022,
    assert_refused,
    go,
    iso,
    make_referral,
    make_voluntary,
    next_working_day,
    open_task,
    person,
    reload,
    travel,
)

pytestmark = pytest.mark.django_db
V = VoluntaryState
R = ReferralState


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_voluntary_end_to_end_at_a_facility(communes, users, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_voluntary(
            clock,
            ru,
            communes.a,
            setting=RehabSetting.FACILITY,
            support_category="poor",
            estimated_cost=12_000_000,
        )
        assert case.reference.startswith("CNTN-2024-")
        assert (case.route, case.procedure_version.route) == (Route.VOLUNTARY, Route.VOLUNTARY)
        assert open_task(case).flow_task.name == "register"
        today = iso(timezone.localdate())
        # Only the commune's rehab officer acts on voluntary rehab.
        others = [users.officer, users.leader, ru.police, ru.rehab_b, ru.district_rehab]
        assert_refused(NotPermitted, case, "register", others, data={"registered_on": today})
        engine.transition(case, "register", actor=ru.rehab, data={"registered_on": today})
        decision = {"decision_number": "8/QĐ-UBND", "decision_date": today}
        assert_refused(NotPermitted, case, "approve", others, data=decision)
        engine.transition(case, "approve", actor=ru.rehab, data=decision)
        case = reload(case)
        assert (case.state, case.decision_number) == (V.APPROVED, "8/QĐ-UBND")

        start = {"start_on": today, "duration_months": 6}
        assert_refused(NotPermitted, case, "start", others, data=start)
        engine.transition(case, "start", actor=ru.rehab, data=start)
        case = reload(case)
        assert case.end_due_on == dt.date(2024, 12, 3)
        assert open_task(case).flow_task.name == "treatment"

        go(clock, case.end_due_on)
        finish = {"finished_on": iso(case.end_due_on)}
        assert_refused(NotPermitted, case, "finish", others, data=finish)
        engine.transition(case, "finish", actor=ru.rehab, data=finish)
        case = reload(case)
        assert (case.state, case.post_rehab_from) == (V.POST_REHAB, dt.date(2024, 12, 3))
        assert case.post_rehab_until == dt.date(2025, 12, 3)

        go(clock, case.post_rehab_until)
        complete = {"certificate_number": "54/GCN", "completed_on": iso(case.post_rehab_until)}
        assert_refused(NotPermitted, case, "complete", others, data=complete)
        engine.transition(case, "complete", actor=ru.rehab, data=complete)
        case = reload(case)
    assert case.state == V.CLOSED
    assert flows.open_tasks(case) == []
    assert list(
        AuditEvent.objects.filter(case_id=case.pk, event="transition")
        .order_by("id")
        .values_list("transition", flat=True)
    ) == ["register", "approve", "start", "finish", "complete"]


def test_register_needs_the_registration_documents(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022):
        case = voluntary_create(
            actor=ru.rehab,
            commune=communes.a,
            applicant=person(ru.rehab, communes.a),
            setting=RehabSetting.HOME,
        )
        [exc] = assert_refused(
            InvalidData, case, "register", [ru.rehab], data={"registered_on": iso(ON_2022)}
        )
    assert "Đơn đăng ký" in exc.fields["documents"][0]


@pytest.mark.parametrize(
    "category", ["merit", "agent_orange", "poor", "lonely_elderly", "orphan", "severe_disability"]
)
def test_eligible_categories_get_95_percent(communes, rehab_users, category):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_voluntary(
            clock, ru, communes.a, support_category=category, estimated_cost=10_000_001
        )
    assert case.support_percent == 95
    assert case.support_amount == 9_500_000  # 95% of 10,000,001, whole đồng rounded down
    assert case.support_category == category


def test_no_category_pays_its_own_costs(communes, rehab_users):
    with travel(ON_2022) as clock:
        case = make_voluntary(clock, rehab_users, communes.a, estimated_cost=8_000_000)
    assert (case.support_percent, case.support_amount) == (0, 0)
    assert case.estimated_cost == 8_000_000


def test_support_rate_is_dated_data(communes, rehab_users):
    RehabSupportRate.objects.create(
        category="poor", percent=100, effective_from=dt.date(2025, 1, 1), legal_basis="test"
    )
    assert support_rate("poor", dt.date(2024, 12, 31)) == 95
    assert support_rate("poor", dt.date(2025, 1, 1)) == 100
    assert support_rate("", dt.date(2025, 1, 1)) == 0
    with travel(dt.date(2025, 1, 2)) as clock:
        case = make_voluntary(
            clock, rehab_users, communes.a, support_category="poor", estimated_cost=4_000_000
        )
    assert (case.support_percent, case.support_amount) == (100, 4_000_000)


def test_voluntary_create_checks_its_input(communes, users, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022):
        applicant = person(ru.rehab, communes.a)
        for actor in [users.officer, ru.police, ru.rehab_b, ru.district_rehab]:
            with pytest.raises(NotPermitted):
                voluntary_create(
                    actor=actor, commune=communes.a, applicant=applicant, setting="home"
                )
        with pytest.raises(InvalidData) as info:
            voluntary_create(
                actor=ru.rehab,
                commune=communes.a,
                applicant=applicant,
                setting=RehabSetting.FACILITY,
                support_category="rich",
                estimated_cost=-1,
            )
        assert set(info.value.fields) == {"facility_name", "support_category", "estimated_cost"}
        child = person(ru.rehab, communes.a, born=dt.date(2013, 1, 1))
        with pytest.raises(InvalidData) as info:
            voluntary_create(actor=ru.rehab, commune=communes.a, applicant=child, setting="home")
        assert info.value.code == "under_minimum_age"
        assert "under 12" in info.value.fields["date_of_birth"][0]
        minor = person(ru.rehab, communes.a, born=dt.date(2010, 1, 1))
        case = voluntary_create(actor=ru.rehab, commune=communes.a, applicant=minor, setting="home")
        assert case.is_minor


def test_facility_duration_is_6_to_12_months(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022) as clock:
        case = make_voluntary(clock, ru, communes.a, state=V.APPROVED, setting="facility")
        today = iso(timezone.localdate())
        for months in [5, 13]:
            [exc] = assert_refused(
                InvalidData,
                case,
                "start",
                [ru.rehab],
                data={"start_on": today, "duration_months": months},
            )
            assert exc.fields["duration_months"] == [
                "Voluntary rehab at a facility lasts 6 to 12 months."
            ]
        for months in [6, 12]:
            other = make_voluntary(clock, ru, communes.a, state=V.APPROVED, setting="facility")
            engine.transition(
                other, "start", actor=ru.rehab, data={"start_on": today, "duration_months": months}
            )
            assert reload(other).duration_months == months
        # Treatment cannot start before the decision.
        early = {"start_on": iso(ON_2022 - dt.timedelta(days=1)), "duration_months": 6}
        assert_refused(InvalidData, case, "start", [ru.rehab], data=early)


def test_refuse_and_withdraw_need_a_reason(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_voluntary(clock, ru, communes.a, state=V.REGISTERED)
        assert_refused(InvalidData, case, "refuse", [ru.rehab])
        engine.transition(case, "refuse", actor=ru.rehab, reason="Không thuộc diện")
        assert reload(case).state == V.REFUSED
        draft = make_voluntary(clock, ru, communes.a)
        engine.transition(draft, "withdraw", actor=ru.rehab, reason="Chuyển nơi ở")
        assert reload(draft).state == V.WITHDRAWN
        assert flows.open_tasks(reload(draft)) == []


def test_drop_out_opens_a_compulsory_referral(communes, users, rehab_users):
    ru = rehab_users
    with travel(dt.date(2025, 2, 3)) as clock:
        case = make_voluntary(clock, ru, communes.a, state=V.IN_TREATMENT, setting="facility")
        dropped = go(clock, dt.date(2025, 3, 4))  # the 2025 route is in force
        data = {"dropped_on": iso(dropped)}
        assert_refused(InvalidData, case, "drop_out", [ru.rehab], data=data)  # reason required
        assert_refused(
            NotPermitted, case, "drop_out", [ru.police, users.officer], data=data, reason="x"
        )
        early = {"dropped_on": iso(case.start_on - dt.timedelta(days=1))}
        assert_refused(InvalidData, case, "drop_out", [ru.rehab], data=early, reason="Bỏ về")
        engine.transition(case, "drop_out", actor=ru.rehab, data=data, reason="Bỏ về nhà")
    case = reload(case)
    assert (case.state, case.dropped_on) == (V.DROPPED_OUT, dropped)
    referral = RehabReferral.objects.get(previous_case_id=case.pk)
    assert referral.ground == ReferralGround.VOLUNTARY_DROPOUT
    assert referral.route == Route.TTLT03_2025
    assert referral.state == R.DRAFT
    assert referral.applicant_id == case.applicant_id
    assert open_task(referral).flow_task.name == "police_compile"
    assert Notification.objects.filter(case_id=referral.pk, recipient=ru.police).count() == 1


def test_minor_drop_out_also_opens_a_referral(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        minor = person(ru.rehab, communes.a, born=dt.date(2009, 1, 1))
        case = make_voluntary(clock, ru, communes.a, state=V.IN_TREATMENT, applicant=minor)
        dropped = go(clock, next_working_day(timezone.localdate()))
        engine.transition(
            case, "drop_out", actor=ru.rehab, data={"dropped_on": iso(dropped)}, reason="x"
        )
    referral = RehabReferral.objects.get(previous_case_id=case.pk)
    assert referral.is_minor
    assert (referral.ground, referral.route) == ("voluntary_dropout", Route.ND116_2022)


def test_voluntary_relapse_of_an_adult_opens_a_referral(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_voluntary(clock, ru, communes.a, state=V.POST_REHAB)
        relapse_on = go(clock, next_working_day(case.post_rehab_from))
        engine.transition(
            case, "relapse", actor=ru.rehab, data={"relapse_on": iso(relapse_on)}, reason="x"
        )
    assert reload(case).state == V.RELAPSED
    referral = RehabReferral.objects.get(previous_case_id=case.pk)
    assert (referral.ground, referral.route) == (ReferralGround.RELAPSE, Route.ND116_2022)


# --- post-rehab check-ins --------------------------------------------------------------


def test_checkins_only_during_post_rehab(communes, rehab_users):
    ru = rehab_users
    with translation.override("en"), travel(ON_2022) as clock:
        case = make_voluntary(clock, ru, communes.a, state=V.IN_TREATMENT)
        with pytest.raises(TransitionNotAllowed) as info:
            checkin_record(actor=ru.rehab, case=case, checked_on=ON_2022, result="stable")
        assert info.value.code == "not_in_post_rehab"
        referral = make_referral(clock, ru, communes.a, state=R.IN_TREATMENT)
        with pytest.raises(TransitionNotAllowed) as info:
            checkin_record(
                actor=ru.rehab, case=referral, checked_on=timezone.localdate(), result="stable"
            )
        assert info.value.code == "not_in_post_rehab"
        assert not PostRehabCheckin.objects.exists()


def test_checkins_by_the_commune_rehab_roles_only(communes, users, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_voluntary(clock, ru, communes.a, state=V.POST_REHAB)
        day = go(clock, next_working_day(case.post_rehab_from))
        for actor in [users.officer, users.leader, ru.rehab_b, ru.police_b, ru.district_rehab]:
            with pytest.raises(NotPermitted):
                checkin_record(actor=actor, case=case, checked_on=day, result="stable")
        first = checkin_record(actor=ru.rehab, case=case, checked_on=day, result="stable")
        second = checkin_record(
            actor=ru.police, case=case, checked_on=day, result="positive", note="Test nhanh"
        )
    assert list(case.checkins.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert (second.recorded_by, second.result, second.note) == (ru.police, "positive", "Test nhanh")
    events = AuditEvent.objects.filter(case_id=case.pk, event="checkin").order_by("id")
    assert [(e.actor_id, e.actor_role, e.data["result"]) for e in events] == [
        (ru.rehab.pk, "commune_rehab", "stable"),
        (ru.police.pk, "commune_police", "positive"),
    ]


def test_checkin_data_is_checked(communes, rehab_users):
    ru = rehab_users
    with travel(ON_2022) as clock:
        case = make_referral(clock, ru, communes.a, state=R.POST_REHAB, months=12)
        today = timezone.localdate()
        bad = [
            ({"checked_on": None, "result": "stable"}, "checked_on"),
            ({"checked_on": today + dt.timedelta(days=1), "result": "stable"}, "checked_on"),
            (
                {"checked_on": case.post_rehab_from - dt.timedelta(days=1), "result": "stable"},
                "checked_on",
            ),
            ({"checked_on": today, "result": "relapsed"}, "result"),
        ]
        for kwargs, field in bad:
            with pytest.raises(InvalidData) as info:
                checkin_record(actor=ru.rehab, case=case, **kwargs)
            assert field in info.value.fields
        checkin = checkin_record(actor=ru.rehab, case=case, checked_on=today, result="absent")
    assert PostRehabCheckin.objects.get().pk == checkin.pk
    assert checkin.case_id == case.pk
