"""The demo's drug-rehab data (cases.demo_rehab): the 2024 six-month report's
35 referrals filed with the court and 55 voluntary registrations approved in
H1 2024, replayed through the real process; the walk-through cases in Phù Lỗ;
the rehab demo users; and nothing of it visible to the general demo users.

seed_rehab (not the whole seed_demo, whose gift campaign takes tens of
seconds) is run once for the module, on the demo's units and general users,
inside a transaction rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.demo.base import DEMO_USERS, seed_units, seed_users
from cases.demo.rehab import seed_rehab
from cases.demo.rehab_history import REHAB_DEMO_USERS
from cases.demo.seed import demo_logins_table
from cases.housing.selectors import case_search
from cases.models import Case, Document, Person
from cases.rehab.models import (
    PostRehabCheckin,
    ReferralState,
    RehabCase,
    RehabReferral,
    Route,
    VoluntaryRehab,
    VoluntaryState,
)
from cases.rehab.selectors import may_export, rehab_cases_for_user, rehab_search
from cases.selectors import cases_for_user, missing_documents, tasks_inbox, tasks_queue
from cases.validators import national_id_errors
from notifications.models import Notification
from tests.module_data import checked, written_once
from workflows.audit import verify
from workflows.models import AuditEvent
from workflows.permissions import forget_scope

H1 = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
R, V = ReferralState, VoluntaryState


@pytest.fixture(scope="module")
def demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[SimpleNamespace]:
    with written_once(django_db_blocker, MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        units = seed_units()
        seed_users()
        result = seed_rehab(units)
        checked()
        User = get_user_model()
        yield SimpleNamespace(
            units=units,
            result=result,
            user=lambda name: User.objects.get(username=name),
        )


@pytest.fixture
def seeded(demo: SimpleNamespace, db: Any) -> SimpleNamespace:
    return demo


def _in_h1(events: Any) -> Any:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(H1[0], dt.time(), tzinfo=tz)
    end = dt.datetime.combine(H1[1] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return events.filter(occurred_at__gte=start, occurred_at__lt=end)


def test_35_referrals_filed_with_the_court_in_h1_2024(seeded: SimpleNamespace) -> None:
    assert seeded.result == "rehab demo created"
    filed = RehabReferral.objects.filter(filed_on__range=H1)
    assert filed.count() == 35
    assert set(filed.values_list("route", flat=True)) == {Route.ND116_2022}
    assert filed.values("commune").distinct().count() >= 20
    # Filed by the district rehab staff, through the engine, on those dates.
    events = AuditEvent.objects.filter(transition="file_with_court", case_id__in=filed)
    assert _in_h1(events).count() == 35
    assert set(events.values_list("actor_username", flat=True)) == {"cainghien_huyen"}
    # Every step of the 2022 route was taken, in order.
    for step in ("notify", "send_for_review"):
        assert AuditEvent.objects.filter(transition=step, case_id__in=filed).count() == 35
    # Further along: decisions, placements, post-rehab management with check-ins.
    states = Counter(filed.values_list("state", flat=True))
    assert states[R.COURT_REFUSED] == 2
    assert states[R.EXEMPTED] == 1
    # Every 2024 case has gone as far as its dates allow: terms of at most 24
    # months are served, so they are in post-rehab management (2 years) now.
    assert states[R.POST_REHAB] >= 25
    assert states[R.IN_TREATMENT] == 0
    assert states[R.RELAPSED] == 1
    assert states[R.CLOSED] == 1  # the minor's 12 months of post-rehab management are over
    assert filed.filter(is_minor=True).count() == 1
    assert PostRehabCheckin.objects.filter(case__in=filed).count() >= 20
    # Nothing else was filed with the court in that period.
    assert (
        RehabReferral.objects.exclude(filed_on__range=H1).filter(filed_on__year=2024).count() == 0
    )


def test_the_relapse_opened_a_linked_referral_on_the_2025_route(seeded: SimpleNamespace) -> None:
    relapsed = RehabReferral.objects.get(state=R.RELAPSED)
    follow_up = RehabReferral.objects.get(previous_case=relapsed)
    assert follow_up.state == R.DRAFT
    assert follow_up.route == Route.TTLT03_2025
    assert follow_up.commune == relapsed.commune
    assert follow_up.applicant == relapsed.applicant
    assert relapsed.checkins.filter(result="positive").exists()
    # Its compiler, the head of commune police, is told (the replay's bells are gone).
    bells = Notification.objects.filter(case=follow_up)
    assert {n.recipient.username for n in bells} == {"congan_minhtri"}


def test_55_voluntary_registrations_approved_in_h1_2024(seeded: SimpleNamespace) -> None:
    approved = VoluntaryRehab.objects.filter(decision_date__range=H1)
    assert approved.count() == 55
    events = AuditEvent.objects.filter(transition="approve", case_id__in=approved)
    assert _in_h1(events).count() == 55
    assert (
        VoluntaryRehab.objects.exclude(decision_date__range=H1)
        .filter(decision_date__year=2024)
        .count()
        == 0
    )
    states = Counter(approved.values_list("state", flat=True))
    # Treatment of at most 12 months and 12 months of post-rehab management:
    # every 2024 registration is completed by now.
    assert states[V.CLOSED] == 55
    categories = set(approved.values_list("support_category", flat=True))
    assert {"", "poor", "merit", "agent_orange", "orphan"} <= categories
    supported = approved.exclude(support_category="")
    assert {c.support_amount for c in supported} == {
        c.estimated_cost * 95 // 100 for c in supported
    }
    assert set(approved.values_list("setting", flat=True)) == {"home", "facility"}


def test_walk_through_cases_in_phu_lo(seeded: SimpleNamespace) -> None:
    phu_lo = seeded.units["00448"]
    today = timezone.localdate()
    mine = RehabCase.objects.filter(commune=phu_lo)
    # 2022 route, compiled on 20/02/2025 (before the switch), at the legality review.
    old = RehabReferral.objects.get(commune=phu_lo, state=R.LEGALITY_REVIEW)
    assert old.route == Route.ND116_2022
    assert timezone.localdate(old.created_at) == dt.date(2025, 2, 20)
    assert old.procedure_version.code == "2022"
    assert Task.objects.filter(
        process=old.flow_process, status="NEW", owner_permission="cases.role_district_rehab"
    ).exists()
    # 2025 route, compiled today by the head of commune police, documents in.
    fresh = RehabReferral.objects.get(
        commune=phu_lo, route=Route.TTLT03_2025, state=R.DRAFT, created_by__username="congan_phulo"
    )
    assert timezone.localdate(fresh.created_at) == today
    assert missing_documents(fresh) == []
    # 2025 route, reading period over: ready to be filed with the court.
    ready = RehabReferral.objects.get(commune=phu_lo, route=Route.TTLT03_2025, state=R.NOTIFIED)
    assert ready.reading_until is not None and ready.reading_until < today
    # A voluntary registration being entered, documents in.
    draft = VoluntaryRehab.objects.get(commune=phu_lo, state=V.DRAFT)
    assert timezone.localdate(draft.created_at) == today
    assert missing_documents(draft) == []
    assert mine.filter(state=R.IN_TREATMENT, route=Route.TTLT03_2025).exists()
    assert Document.objects.filter(case__in=[old, fresh, ready, draft]).count() == 3 + 3 + 3 + 2


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_general_demo_users_see_no_rehab_case(seeded: SimpleNamespace, username: str) -> None:
    user = seeded.user(username)
    forget_scope(user)
    rehab = RehabCase.objects.all()
    assert rehab.count() > 90
    assert not cases_for_user(user).filter(pk__in=rehab).exists()
    assert not case_search(user).filter(pk__in=rehab).exists()
    assert not rehab_cases_for_user(user).exists()
    assert not rehab_search(user).exists()
    assert not may_export(user)
    processes = [c.flow_process_id for c in rehab]
    assert not tasks_queue(user).filter(process_id__in=processes).exists()
    assert not tasks_inbox(user).filter(process_id__in=processes).exists()
    assert not Notification.objects.filter(recipient=user, case__in=rehab).exists()


def test_rehab_demo_users_see_their_own_scope(seeded: SimpleNamespace) -> None:
    phu_lo, minh_tri = seeded.units["00448"], seeded.units["00382"]
    district = seeded.user("cainghien_huyen")
    assert rehab_cases_for_user(district).count() == RehabCase.objects.count()
    assert may_export(district)
    assert not cases_for_user(district).exists()  # rehab staff see no other process
    pairs = [
        ("cainghien_phulo", phu_lo),
        ("congan_phulo", phu_lo),
        ("cainghien_minhtri", minh_tri),
        ("congan_minhtri", minh_tri),
    ]
    for username, commune in pairs:
        user = seeded.user(username)
        seen = rehab_cases_for_user(user)
        assert seen.count() == RehabCase.objects.filter(commune=commune).count() >= 8
        assert set(seen.values_list("commune", flat=True)) == {commune.pk}
        assert not may_export(user)
        assert user.check_password("Demo@2024")
    # The logins table lists them, with their roles.
    table = demo_logins_table()
    for username, role, _communes, name in REHAB_DEMO_USERS:
        line = next(line for line in table.splitlines() if line.split()[:1] == [username])
        assert role.value in line and name in line


def test_people_are_valid_and_no_read_was_logged(seeded: SimpleNamespace) -> None:
    people = Person.objects.filter(pk__in=RehabCase.objects.values("applicant"))
    assert people.count() > 90
    for person in people:
        assert national_id_errors(person.national_id, person.date_of_birth, person.sex) == []
    # Reads are logged when a user opens a case; the seed opened none.
    assert not AuditEvent.objects.filter(event="read").exists()
    assert not Case.objects.filter(reference="").exists()


def test_audit_chain_verifies_and_seeding_again_changes_nothing(seeded: SimpleNamespace) -> None:
    assert verify().ok

    def snapshot() -> dict[str, int]:
        return {
            "cases": RehabCase.objects.count(),
            "people": Person.objects.count(),
            "documents": Document.objects.count(),
            "checkins": PostRehabCheckin.objects.count(),
            "users": get_user_model().objects.count(),
            "case events": AuditEvent.objects.filter(case_id__isnull=False).count(),
            "notifications": Notification.objects.count(),
        }

    before = snapshot()
    with transaction.atomic():
        assert seed_rehab(seeded.units) == "rehab demo already present"
        assert snapshot() == before
        transaction.set_rollback(True)
