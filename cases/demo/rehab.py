"""Demo drug-rehab data (issue 5): the rehab users, a history replayed through
the real services and engine at its own dates, and the cases a new user takes
along each route after `make run`.

The history reproduces the office's 2024 six-month report (issue 6 reports
from data): 35 compulsory referrals filed with the district court and 55
voluntary rehab registrations approved between 01/01/2024 and 30/06/2024,
spread over the district's communes, all on the 2022 route (NĐ 116/2021).
Each case goes on as far as its own dates allow by today (decision, placement,
release into post-rehab management with check-ins, completion); one relapse
opens a linked referral on the 2025 route. A few later cases show the other
states (in treatment, post-rehab, the 2025 route in treatment).

For the walk-through, in Phù Lỗ: a 2022-route referral compiled on 20/02/2025
(before the switch) waiting at the district's legality review; a 2025-route
referral compiled today by the head of commune police (draft, documents
uploaded); a 2025-route referral whose reading period is over, ready to be
filed with the court; a voluntary registration being entered (documents
uploaded).

Only rehab users see any of it: the general demo users find none of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from cases.demo.base import DEMO_PASSWORD
from cases.demo.rehab_history import (
    CENTRES,
    COURT,
    DISTRICT_USER,
    EXPORT_GROUP,
    LOCAL,
    MINH_TRI,
    PHU_LO,
    REHAB_DEMO_USERS,
    VOLUNTARY_FACILITY,
    _at,
    _on_or_after,
    _People,
    _referral_history,
    _relapse,
    _reload,
    _treatment,
    _voluntary_history,
    upload_required_documents,
)
from cases.models import AdministrativeUnit
from cases.rehab.models import (
    PendingManagement,
    ReferralGround,
    RehabCase,
    RehabSetting,
    SupportCategory,
)
from cases.rehab.services import referral_create, voluntary_create
from notifications.models import Notification
from workflows import engine
from workflows.calendar import WorkingCalendar
from workflows.permissions import Role
from workflows.services import role_grant

# --- users ---------------------------------------------------------------------------


def seed_rehab_users(units: dict[str, AdministrativeUnit]) -> dict[str, Any]:
    """The demo rehab users (with the demo password), the export group, and a
    passwordless rehab officer in every other commune (the history's actors)."""
    users = {
        username: role_grant(
            actor=None,
            username=username,
            role=role,
            commune_codes=communes,
            full_name=name,
            email=f"{username}@ldtbxh.local",
        )
        for username, role, communes, name in REHAB_DEMO_USERS
    }
    # The demo password, hashed once for the five (each hash costs about half a second).
    hashed = make_password(DEMO_PASSWORD)
    for user in users.values():
        user.password = hashed
    get_user_model().objects.bulk_update(users.values(), ["password"])
    group, _created = Group.objects.get_or_create(name=EXPORT_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="export_rehab")
    )
    users[DISTRICT_USER].groups.add(group)
    for code, unit in units.items():
        if code in LOCAL:
            users[code] = users[LOCAL[code][0]]
            continue
        users[code] = role_grant(
            actor=None,
            username=f"cainghien_{code}",
            role=Role.COMMUNE_REHAB,
            commune_codes=[code],
            full_name=f"Cán bộ cai nghiện {unit}",
        )
    return users


# --- later cases and the walk-through -------------------------------------------------------


def _later_cases(
    units: dict[str, AdministrativeUnit], users: dict[str, Any], people: _People,
    cal: WorkingCalendar, today: dt.date,
) -> list[RehabCase]:  # fmt: skip
    """Outside the report's period: a voluntary case in treatment (Phù Lỗ), one
    in post-rehab management (Minh Trí), a 2025-route referral in treatment (Phù Lỗ)."""
    out: list[RehabCase] = []
    for code, ago, months, setting, category in [
        (PHU_LO, 100, 9, RehabSetting.HOME, SupportCategory.POOR),
        (MINH_TRI, 330, 6, RehabSetting.FACILITY, SupportCategory.MERIT),
    ]:
        officer, unit = users[code], units[code]
        registered = _on_or_after(cal, today - dt.timedelta(days=ago))
        approved = cal.add_working_days(registered, 2)
        facility = setting == RehabSetting.FACILITY
        with _at(registered):
            born = (
                dt.date(1958, 2, 3) if category == SupportCategory.MERIT else dt.date(1994, 8, 21)
            )
            case = voluntary_create(
                actor=officer,
                commune=unit,
                applicant=people.make(officer, unit, born, "M"),
                setting=setting,
                facility_name=VOLUNTARY_FACILITY if facility else "",
                support_category=category,
                estimated_cost=20_000_000 if facility else 4_500_000,
            )
            upload_required_documents(officer, case)
            engine.transition(case, "register", actor=officer, data={"registered_on": registered})
        with _at(approved, 14):
            engine.transition(
                case,
                "approve",
                actor=officer,
                data={"decision_number": f"{case.pk % 900 + 1}/QĐ-UBND", "decision_date": approved},
            )  # fmt: skip
        _treatment(case, officer, cal.add_working_days(approved, 3), months, cal, today, checkins=2)
        out.append(case)
    # 2025 route: compiled by the head of commune police in May 2025, in a centre since.
    police, officer, unit = users["congan_phulo"], users[PHU_LO], units[PHU_LO]
    opened = dt.date(2025, 5, 12)
    notified = cal.add_working_days(opened, 1)
    filed = cal.add_working_days(notified, 7)
    decided = cal.add_working_days(filed, 8)
    with _at(opened):
        referral = referral_create(
            actor=police,
            commune=unit,
            applicant=people.make(police, unit, dt.date(1991, 11, 2), "M"),
            ground=ReferralGround.NOT_REGISTERED,
            violation_record_number="07/BB-VPHC",
            violation_on=cal.add_working_days(opened, -2),
        )
        upload_required_documents(police, referral)
    steps: list[tuple[dt.date, str, Any, dict[str, Any]]] = [
        (notified, "notify", police,
         {"notified_on": notified, "pending_management": PendingManagement.FAMILY}),
        (filed, "file_with_court", police, {"court_name": COURT, "filed_on": filed}),
        (decided, "record_decision", police,
         {"decision_number": "58/2025/QĐ-TA", "decision_date": decided, "duration_months": 24,
          "centre_name": CENTRES[1]}),
    ]  # fmt: skip
    for day, name, actor, data in steps:
        with _at(day):
            engine.transition(referral, name, actor=actor, data=data)
    placed = cal.add_working_days(_reload(referral).complaint_until, 2)
    with _at(placed):
        engine.transition(referral, "place", actor=officer, data={"placed_on": placed})
    out.append(referral)
    return out


def _walk_through(
    units: dict[str, AdministrativeUnit], users: dict[str, Any], people: _People,
    cal: WorkingCalendar, today: dt.date,
) -> list[RehabCase]:  # fmt: skip
    """The cases a new user takes along each route, in Phù Lỗ."""
    unit = units[PHU_LO]
    officer, police = users["cainghien_phulo"], users["congan_phulo"]
    # 2022 route, compiled on 20/02/2025, before the switch: it keeps its route
    # and waits for the district's legality review, then the court.
    opened = dt.date(2025, 2, 20)
    with _at(opened):
        old = referral_create(
            actor=officer,
            commune=unit,
            applicant=people.make(officer, unit, dt.date(1988, 6, 17), "M"),
            ground=ReferralGround.NOT_REGISTERED,
            violation_record_number="03/BB-VPHC",
            violation_on=dt.date(2025, 2, 18),
        )
        upload_required_documents(officer, old)
        engine.transition(
            old,
            "notify",
            actor=officer,
            data={"notified_on": opened, "pending_management": PendingManagement.FAMILY},
        )
    with _at(cal.add_working_days(_reload(old).reading_until, 1)):
        engine.transition(old, "send_for_review", actor=officer)
    # 2025 route, the reading period over: the head of commune police files it.
    opened = cal.add_working_days(today, -9)
    with _at(opened):
        ready = referral_create(
            actor=police,
            commune=unit,
            applicant=people.make(police, unit, dt.date(1996, 1, 25), "M"),
            ground=ReferralGround.USED_DURING_VOLUNTARY,
            violation_record_number="41/BB-VPHC",
            violation_on=cal.add_working_days(opened, -1),
        )
        upload_required_documents(police, ready)
        engine.transition(
            ready,
            "notify",
            actor=police,
            data={"notified_on": opened, "pending_management": PendingManagement.FAMILY},
        )
    # Today: a 2025-route dossier being compiled (documents in), and a voluntary
    # registration being entered (documents in).
    fresh = referral_create(
        actor=police,
        commune=unit,
        applicant=people.make(police, unit, dt.date(1999, 9, 30), "M"),
        ground=ReferralGround.NOT_REGISTERED,
        violation_record_number="52/BB-VPHC",
        violation_on=cal.add_working_days(today, -1),
    )
    upload_required_documents(police, fresh)
    voluntary = voluntary_create(
        actor=officer,
        commune=unit,
        applicant=people.make(officer, unit, dt.date(1985, 12, 8), "M"),
        setting=RehabSetting.HOME,
        support_category=SupportCategory.POOR,
        estimated_cost=4_000_000,
    )
    upload_required_documents(officer, voluntary)
    return [old, ready, fresh, voluntary]


# --- the demo ----------------------------------------------------------------------------


def seed_rehab(units: dict[str, AdministrativeUnit]) -> str:
    """The rehab users (always) and the rehab cases (only into a database that
    has none yet)."""

    users = seed_rehab_users(units)
    if RehabCase.objects.exists():
        return "rehab demo already present"
    today = timezone.localdate()
    # Far enough ahead for the end of a post-rehab management begun today.
    cal = WorkingCalendar.load(dt.date(2023, 10, 1), today + dt.timedelta(days=3 * 366))
    people = _People()
    referrals = _referral_history(units, users, people, cal, today)
    voluntary = _voluntary_history(units, users, people, cal, today)
    later = _later_cases(units, users, people, cal, today)
    _relapse(referrals, users, cal, today)
    _walk_through(units, users, people, cal, today)
    # As in seed_history: the replay's outbox rows would flood today's bells.
    # The relapse's new referral and the walk-through cases keep theirs.
    Notification.objects.filter(case__in=[*referrals, *voluntary, *later]).delete()
    return "rehab demo created"
