"""The demo's drug-rehab history: referrals and voluntary rehab replayed through
the real services and engine at their own dates."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.demo.base import GIVEN, MIDDLE, PDF, SURNAMES
from cases.models import AdministrativeUnit, DocumentRequirement, Person
from cases.rehab.models import (
    CheckinResult,
    ExemptGround,
    PendingManagement,
    PostponeGround,
    ReferralGround,
    ReferralState,
    RehabCase,
    RehabReferral,
    RehabSetting,
    SupportCategory,
    VoluntaryRehab,
)
from cases.rehab.services import checkin_record, referral_create, rehab_person, voluntary_create
from cases.services import document_upload
from workflows import engine
from workflows.actors import User
from workflows.calendar import WorkingCalendar
from workflows.permissions import Role

# --- compulsory referrals ----------------------------------------------------------------


def _referral_history(
    units: dict[str, AdministrativeUnit], users: dict[str, Any], people: _People,
    cal: WorkingCalendar, today: dt.date,
) -> list[RehabReferral]:  # fmt: skip
    """35 referrals filed with the court in H1 2024 (2022 route), each taken as
    far as its dates allow by today."""
    district = users[DISTRICT_USER]
    filed_days = _spread_days(_working_days(cal, dt.date(2024, 1, 2), H1_2024[1]), REFERRALS)
    communes = _communes(list(units), REFERRALS, {PHU_LO: 4, MINH_TRI: 3}, seed=35)
    cases = []
    for i, (filed, code) in enumerate(zip(filed_days, communes, strict=True)):
        officer = users[code]
        unit = units[code]
        review = cal.add_working_days(filed, -(2 + i % 3))
        notified = cal.add_working_days(review, -6)  # reading: 5 working days
        opened = cal.add_working_days(notified, -1)
        ground = GROUNDS[i % len(GROUNDS)]
        if i == MINOR:
            born, ground = dt.date(2007, 5, 14), ReferralGround.VOLUNTARY_DROPOUT
        else:
            born = dt.date(1976 + i * 7 % 27, i % 12 + 1, i * 3 % 28 + 1)
        facility = i % 5 == 3
        with _at(opened):
            person = people.make(officer, unit, born, "F" if i % 9 == 4 else "M")
            case = referral_create(
                actor=officer,
                commune=unit,
                applicant=person,
                ground=ground,
                violation_record_number=f"{i + 11}/BB-VPHC",
                violation_on=cal.add_working_days(opened, -2),
            )
            upload_required_documents(officer, case)
        with _at(notified):
            data: dict[str, Any] = {
                "notified_on": notified,
                "pending_management": PendingManagement.FAMILY,
            }
            if facility:
                data.update(
                    pending_management=PendingManagement.FACILITY,
                    pending_facility=CENTRES[1],
                    pending_from=notified,
                )
            engine.transition(case, "notify", actor=officer, data=data)
        with _at(review):
            engine.transition(case, "send_for_review", actor=officer)
        with _at(filed, 14):
            data = {"court_name": COURT, "filed_on": filed}
            engine.transition(case, "file_with_court", actor=district, data=data)
        cases.append(case)
        decided = cal.add_working_days(filed, 6 + i % 7)
        number = f"{i + 21}/2024/QĐ-TA"
        if decided > today:
            continue
        with _at(decided, 15):
            if i in REFUSED:
                engine.transition(
                    case,
                    "record_refusal",
                    actor=district,
                    reason="Tòa án xét thấy chưa đủ căn cứ áp dụng biện pháp.",
                    data={"decision_number": number, "decision_date": decided},
                )
                continue
            # Every case goes as far as its dates allow (released, then in
            # post-rehab management or completed by today).
            release = True
            months = 9 if i == MINOR else ADULT_MONTHS[i % len(ADULT_MONTHS)] if release else 24
            engine.transition(
                case,
                "record_decision",
                actor=district,
                data={
                    "decision_number": number,
                    "decision_date": decided,
                    "duration_months": months,
                    "centre_name": CENTRES[i % len(CENTRES)],
                },
            )
        case = _reload(case)
        assert case.complaint_until is not None
        start = cal.add_working_days(case.complaint_until, 1 + i % 3)
        if i == EXEMPTED:
            _postpone_then_exempt(case, officer, start, cal, today)
            continue
        if start > today:
            continue
        with _at(start):
            engine.transition(case, "place", actor=officer, data={"placed_on": start})
        if release:
            _release_and_after(_reload(case), officer, cal, today, local=code in LOCAL)
    return cases


def _postpone_then_exempt(
    case: RehabReferral, officer: Any, start: dt.date, cal: WorkingCalendar, today: dt.date
) -> None:
    until = start + relativedelta(months=6)
    with _at(start):
        engine.transition(
            case,
            "postpone",
            actor=officer,
            reason="Gia đình có hoàn cảnh đặc biệt khó khăn, được Chủ tịch UBND xã xác nhận.",
            data={"postpone_ground": PostponeGround.HARDSHIP, "postponed_until": until},
        )
    exempt = cal.add_working_days(until, -10)
    if exempt <= today:
        with _at(exempt):
            engine.transition(
                case,
                "exempt",
                actor=officer,
                reason="Đã hoàn thành cai nghiện tự nguyện trong thời gian hoãn.",
                data={"exempt_ground": ExemptGround.VOLUNTARY_DONE},
            )


def _release_and_after(
    case: RehabReferral, officer: Any, cal: WorkingCalendar, today: dt.date, *, local: bool
) -> None:
    """Release on the due date, check-ins, completion (Mẫu 54) — whatever has
    happened by today."""
    assert case.release_due_on is not None
    released = _on_or_after(cal, case.release_due_on)
    if released > today:
        return
    with _at(released):
        engine.transition(case, "release", actor=officer, data={"released_on": released})
    case = _reload(case)
    assert case.post_rehab_until is not None
    completed = _on_or_after(cal, case.post_rehab_until)
    _checkins(case, officer, released, min(completed, today), cal, keep=0 if local else 1)
    if completed <= today:
        with _at(completed):
            engine.transition(case, "complete", actor=officer, data=_certificate(case, completed))


def _relapse(
    referrals: list[RehabReferral], users: dict[str, Any], cal: WorkingCalendar, today: dt.date
) -> RehabReferral | None:
    """A Minh Trí person relapses during post-rehab management, three weeks
    ago: a positive check-in, then the relapse, which opens a new referral
    (on the route in force that day) linked to the old case."""
    case = next(
        (
            c
            for c in map(_reload, referrals)
            if c.state == ReferralState.POST_REHAB and c.commune.code == MINH_TRI
        ),
        None,
    )
    if case is None:
        return None
    day = cal.add_working_days(today, -15)
    officer = users[MINH_TRI]
    assert case.post_rehab_from is not None and day >= case.post_rehab_from
    with _at(day, 10):
        checkin_record(
            actor=officer,
            case=case,
            checked_on=day,
            result=CheckinResult.POSITIVE,
            note="Test nhanh dương tính với ma túy tổng hợp.",
        )
    with _at(day, 15):
        engine.transition(
            case,
            "relapse",
            actor=officer,
            reason="Tái nghiện trong thời gian quản lý sau cai (kết quả xét nghiệm dương tính).",
            data={"relapse_on": day},
        )
    return RehabReferral.objects.get(previous_case=case)


# --- voluntary rehab -------------------------------------------------------------------


def _voluntary_history(
    units: dict[str, AdministrativeUnit], users: dict[str, Any], people: _People,
    cal: WorkingCalendar, today: dt.date,
) -> list[VoluntaryRehab]:  # fmt: skip
    """55 registrations approved in H1 2024, each taken as far as its dates allow."""
    approve_days = _spread_days(_working_days(cal, dt.date(2024, 1, 3), H1_2024[1]), VOLUNTARY)
    communes = _communes(list(units), VOLUNTARY, {PHU_LO: 5, MINH_TRI: 4}, seed=55)
    cases = []
    for j, (approved, code) in enumerate(zip(approve_days, communes, strict=True)):
        officer = users[code]
        unit = units[code]
        registered = cal.add_working_days(approved, -(1 + j % 3))
        category = SupportCategory.ORPHAN if j == VOLUNTARY_MINOR else SUPPORT[j % len(SUPPORT)]
        first, last = BORN.get(category, (1978, 2004))
        born = dt.date(first + j * 5 % (last - first + 1), j % 12 + 1, j * 7 % 28 + 1)
        if j == VOLUNTARY_MINOR:
            born = dt.date(2008, 3, 9)
        facility = j % 3 == 1 and j != VOLUNTARY_MINOR
        months = [6, 9, 12][j % 3] if facility else [6, 12, 9][j % 3]
        cost = 18_000_000 + j % 4 * 2_000_000 if facility else 4_000_000 + j % 5 * 500_000
        with _at(registered):
            person = people.make(officer, unit, born, "F" if j % 8 == 5 else "M")
            case = voluntary_create(
                actor=officer,
                commune=unit,
                applicant=person,
                setting=RehabSetting.FACILITY if facility else RehabSetting.HOME,
                facility_name=VOLUNTARY_FACILITY if facility else "",
                support_category=category,
                estimated_cost=cost,
            )
            upload_required_documents(officer, case)
            engine.transition(case, "register", actor=officer, data={"registered_on": registered})
        with _at(approved, 14):
            engine.transition(
                case,
                "approve",
                actor=officer,
                data={"decision_number": f"{j + 31}/QĐ-UBND", "decision_date": approved},
            )
        cases.append(case)
        # Every case goes as far as its dates allow.
        depth = 3
        start = cal.add_working_days(approved, 2 + j % 4)
        _treatment(case, officer, start, months, cal, today, depth=depth)
    return cases


def _treatment(
    case: VoluntaryRehab, officer: Any, start: dt.date, months: int, cal: WorkingCalendar,
    today: dt.date, *, checkins: int = 0, depth: int = 3,
) -> None:  # fmt: skip
    """Start, finish on the due date, post-rehab check-ins, completion — as far
    as today, and no further than `depth` steps."""
    if start > today or depth < 1:
        return
    with _at(start):
        engine.transition(
            case, "start", actor=officer, data={"start_on": start, "duration_months": months}
        )
    finished = _on_or_after(cal, start + relativedelta(months=months))
    if finished > today or depth < 2:
        return
    with _at(finished):
        engine.transition(case, "finish", actor=officer, data={"finished_on": finished})
    case = _reload(case)
    assert case.post_rehab_until is not None
    completed = _on_or_after(cal, case.post_rehab_until)
    if checkins:
        _checkins(case, officer, finished, min(completed, today), cal, keep=checkins)
    if completed <= today and depth >= 3:
        with _at(completed):
            engine.transition(case, "complete", actor=officer, data=_certificate(case, completed))


PHU_LO, MINH_TRI = "00448", "00382"
# (username, role, communes, full name): printed by `manage.py demo_logins`.
REHAB_DEMO_USERS = [
    ("cainghien_phulo", Role.COMMUNE_REHAB, [PHU_LO], "Nguyễn Văn Tuấn"),
    ("congan_phulo", Role.COMMUNE_POLICE, [PHU_LO], "Lê Mạnh Cường"),
    ("cainghien_minhtri", Role.COMMUNE_REHAB, [MINH_TRI], "Trần Thị Hằng"),
    ("congan_minhtri", Role.COMMUNE_POLICE, [MINH_TRI], "Phạm Quốc Khánh"),
    ("cainghien_huyen", Role.DISTRICT_REHAB, [], "Đặng Thị Ngọc"),
]
DISTRICT_USER = "cainghien_huyen"
EXPORT_GROUP = "rehab_export"  # holds cases.export_rehab; the district rehab user is in it
LOCAL = {
    PHU_LO: ("cainghien_phulo", "congan_phulo"),
    MINH_TRI: ("cainghien_minhtri", "congan_minhtri"),
}

H1_2024 = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
REFERRALS, VOLUNTARY = 35, 55
COURT = "Tòa án nhân dân huyện Sóc Sơn"
CENTRES = [
    "Cơ sở cai nghiện ma túy số 1 Hà Nội",
    "Cơ sở cai nghiện ma túy số 2 Hà Nội",
    "Cơ sở cai nghiện ma túy số 5 Hà Nội",
]
VOLUNTARY_FACILITY = "Cơ sở cai nghiện ma túy tự nguyện Sóc Sơn"
# National ID serials of the rehab demo's people: apart from the registry's.
SERIAL_START = 700_000

# Referral i (of 35): its ground cycles; a few leave the happy path.
GROUNDS = [
    ReferralGround.NOT_REGISTERED,
    ReferralGround.NOT_REGISTERED,
    ReferralGround.VOLUNTARY_DROPOUT,
    ReferralGround.USED_DURING_VOLUNTARY,
    ReferralGround.SUBSTITUTION,
    ReferralGround.RELAPSE,
]
REFUSED = {9, 26}  # the court did not order rehab
EXEMPTED = 14  # postponed (family hardship), then exempted (finished voluntary rehab)
MINOR = 17  # aged 16 at filing: the minors' term and post-rehab management
ADULT_MONTHS = [12, 18, 24, 15, 20, 12, 18]
# Voluntary case j (of 55): the state pays 95% for the support categories.
SUPPORT = [
    SupportCategory.NONE,
    SupportCategory.POOR,
    SupportCategory.NONE,
    SupportCategory.MERIT,
    SupportCategory.NONE,
    SupportCategory.AGENT_ORANGE,
    SupportCategory.NONE,
    SupportCategory.LONELY_ELDERLY,
    SupportCategory.SEVERE_DISABILITY,
    SupportCategory.POOR,
    SupportCategory.NONE,
]
BORN = {
    SupportCategory.MERIT: (1950, 1958),
    SupportCategory.AGENT_ORANGE: (1952, 1965),
    SupportCategory.LONELY_ELDERLY: (1955, 1962),
}
VOLUNTARY_MINOR = 40  # an orphan aged 16, at home


@contextmanager
def _at(day: dt.date, hour: int = 9) -> Iterator[None]:
    """Replay what follows at that office time (as cases.demo.seed_history does)."""
    import time_machine

    tz = timezone.get_current_timezone()
    with time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=tz), tick=False):
        yield


# --- building blocks -------------------------------------------------------------------


class _People:
    """Demo people with valid national IDs (domain.md §8), through rehab_person."""

    def __init__(self) -> None:
        self.serial = SERIAL_START

    def make(self, actor: User, unit: AdministrativeUnit, born: dt.date, sex: str) -> Person:
        self.serial += 1
        i = self.serial
        name = (
            f"{SURNAMES[i * 7 % len(SURNAMES)]} {MIDDLE[sex][i % 6]} "
            f"{GIVEN[sex][i * 5 % len(GIVEN[sex])]}"
        )
        digit = (born.year - 1900) // 100 * 2 + (sex == "F")
        return rehab_person(
            actor=actor,
            commune=unit,
            national_id=f"001{digit}{born.year % 100:02d}{i:06d}",
            full_name=name,
            date_of_birth=born,
            sex=sex,
            address=f"Thôn {i % 9 + 1}, {unit}",
        )


def _required_kinds(case: RehabCase) -> list[str]:
    return list(
        DocumentRequirement.objects.filter(
            process=case.process, program__in=["", case.route], required=True
        )
        .order_by("position")
        .values_list("kind", flat=True)
    )


def upload_required_documents(actor: User, case: RehabCase) -> None:
    """The route's required documents as small PDFs, through document_upload,
    named as an office names its scans (by the document, not its code)."""
    labels = dict(
        DocumentRequirement.objects.filter(process=case.process).values_list("kind", "label")
    )
    for kind in _required_kinds(case):
        upload = SimpleUploadedFile(f"{labels.get(kind, kind)}.pdf", PDF, "application/pdf")
        document_upload(actor=actor, case=case, kind=kind, upload=upload)


def _working_days(cal: WorkingCalendar, first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(days=k) for k in range((last - first).days + 1))
    return [d for d in days if cal.is_working_day(d)]


def _on_or_after(cal: WorkingCalendar, day: dt.date) -> dt.date:
    return day if cal.is_working_day(day) else cal.add_working_days(day, 1)


def _spread_days(days: list[dt.date], n: int) -> list[dt.date]:
    """n days spread evenly over `days` (in order)."""
    return [days[int((k + 0.5) * len(days) / n)] for k in range(n)]


def _communes(codes: list[str], n: int, local: dict[str, int], seed: int) -> list[str]:
    """n commune codes: `local` counts for the demo communes, the rest cycled
    over the other communes, in a fixed shuffled order."""
    others = [c for c in codes if c not in local]
    out = [c for c, k in local.items() for _ in range(k)]
    out += [others[k % len(others)] for k in range(n - len(out))]
    random.Random(seed).shuffle(out)
    return out


def _checkins(
    case: RehabCase, actor: User, start: dt.date, end: dt.date, cal: WorkingCalendar, keep: int
) -> None:
    """Quarterly check-ins from `start` (post-rehab) until before `end`; the
    last `keep` of them (all when keep is 0)."""
    days = []
    k = 1
    while (day := _on_or_after(cal, start + relativedelta(months=3 * k))) < end:
        days.append(day)
        k += 1
    if keep:
        days = days[-keep:]
    for n, day in enumerate(days):
        result = CheckinResult.ABSENT if (case.pk + n) % 7 == 0 else CheckinResult.STABLE
        note = "Không có mặt theo lịch, đã nhắc gia đình." if result == CheckinResult.ABSENT else ""
        with _at(day, 10):
            checkin_record(actor=actor, case=case, checked_on=day, result=result, note=note)


def _certificate(case: RehabCase, day: dt.date) -> dict[str, Any]:
    return {"certificate_number": f"{case.pk % 900 + 1}/GCN-UBND", "completed_on": day}


def _reload(case: Any) -> Any:
    return type(case).objects.get(pk=case.pk)
