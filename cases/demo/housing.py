"""Demo housing cases: people, a history replayed at its own dates, and open
cases waiting at each step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cases.demo.base import seed_configuration, upload_all_documents
from cases.housing.models import (
    HousingCase,
    HousingKind,
    HousingProgram,
)
from cases.housing.services import housing_case_create
from cases.models import AdministrativeUnit, Category, MeritSubtype, Person
from cases.services import person_create
from notifications.models import Notification
from workflows import engine
from workflows.calendar import WorkingCalendar
from workflows.onestop import apology_issue

W, R = MeritSubtype.WAR_INVALID, MeritSubtype.MARTYR_RELATIVE
PEOPLE: list[tuple[str, dt.date, str, str, str, list[str], str]] = [
    # name, dob, sex, national id, commune, categories, merit subtype
    (
        "Nguyễn Văn Bình",
        dt.date(1948, 3, 12),
        "M",
        "001048001234",
        "00448",
        [Category.MERIT],
        MeritSubtype.WAR_INVALID,
    ),
    ("Trần Thị Cúc", dt.date(1962, 7, 1), "F", "001162004567", "00448", [Category.POOR], ""),
    ("Lê Văn Dũng", dt.date(1970, 11, 20), "M", "001070007890", "00448", [Category.NEAR_POOR], ""),
    (
        "Phạm Thị Én",
        dt.date(1955, 1, 5),
        "F",
        "001155002468",
        "00382",
        [Category.MERIT],
        MeritSubtype.MARTYR_RELATIVE,
    ),
    ("Hoàng Văn Giang", dt.date(1980, 9, 9), "M", "001080003579", "00382", [Category.POOR], ""),
    # Applicants of the demo history (seed_history).
    ("Đỗ Văn Hải", dt.date(1952, 4, 18), "M", "001052003311", "00448", [Category.MERIT], W),
    ("Ngô Thị Lan", dt.date(1968, 9, 2), "F", "001168005522", "00448", [Category.POOR], ""),
    ("Đinh Thị Oanh", dt.date(1949, 8, 30), "F", "001149009966", "00448", [Category.MERIT], R),
    ("Phan Văn Phúc", dt.date(1965, 3, 3), "M", "001065001177", "00448", [Category.POOR], ""),
    ("Vũ Văn Long", dt.date(1950, 12, 25), "M", "001050006633", "00382", [Category.MERIT], W),
    ("Nguyễn Thị Mận", dt.date(1975, 6, 10), "F", "001175007744", "00382", [Category.POOR], ""),
    ("Bùi Văn Nam", dt.date(1959, 2, 14), "M", "001059008855", "00382", [Category.NEAR_POOR], ""),
    ("Trịnh Thị Quyên", dt.date(1958, 11, 11), "F", "001158002288", "00382", [Category.MERIT], R),
]


@dataclass(frozen=True)
class Cast:
    """Who does each step of a demo dossier in one commune: its officer and
    leader, and who reviews, approves and pays (the district office's staff,
    or the commune's own in the two-level government)."""

    commune: AdministrativeUnit
    officer: Any
    leader: Any
    specialist: Any
    head: Any
    accountant: Any


def seed_housing(cast: dict[str, Cast]) -> bool:
    """People, a replayed history and open housing cases at each step, in
    the two communes of `cast` ("00448": the first, "00382": the second);
    False (and nothing written) when the demo's housing cases are there."""
    if HousingCase.objects.exclude(decision_date__year=2024).exists():
        return False
    people = {}
    for name, dob, sex, nid, code, cats, sub in PEOPLE:
        people[nid] = Person.objects.filter(
            national_id=nid, rehab_only=False
        ).first() or person_create(
            actor=cast[code].officer,
            full_name=name,
            date_of_birth=dob,
            sex=sex,
            national_id=nid,
            commune=cast[code].commune,
            village="Thôn Đông",
            address=f"Thôn Đông, {cast[code].commune}",
            categories=cats,
            merit_subtype=sub,
        )
    a, b = cast["00448"], cast["00382"]
    seed_history(cast, people)
    # A draft waiting for documents, in the first commune.
    housing_case_create(
        actor=a.officer,
        commune=a.commune,
        applicant=people["001162004567"],
        program=HousingProgram.POOR,
        kind=HousingKind.REPAIR,
        requested_amount=30_000_000,
        description="Mái nhà dột nát, tường nứt.",
    )
    # Submitted, waiting for the first commune's leader.
    c2 = housing_case_create(
        actor=a.officer,
        commune=a.commune,
        applicant=people["001048001234"],
        program=HousingProgram.MERIT,
        kind=HousingKind.NEW_BUILD,
        requested_amount=80_000_000,
        description="Nhà tạm, xuống cấp nghiêm trọng.",
    )
    upload_all_documents(a.officer, c2)
    engine.transition(c2, "submit", actor=a.officer)
    # In the second, verified by the commune: waiting for the review.
    c3 = housing_case_create(
        actor=b.officer,
        commune=b.commune,
        applicant=people["001155002468"],
        program=HousingProgram.MERIT,
        kind=HousingKind.REPAIR,
        requested_amount=20_000_000,
        description="Cần sửa chữa mái và nền nhà.",
    )
    upload_all_documents(b.officer, c3)
    engine.transition(c3, "submit", actor=b.officer)
    engine.transition(c3, "verify", actor=b.leader)
    return True


# Earlier dossiers, replayed at their own dates so the one-stop KPI, the audit
# trail and the deadlines have a history: (commune, applicant, calendar days
# ago the dossier was received, working days until the result, outcome, whether
# Mẫu 04 was issued before the appointment). 17 working days is the limit.
HISTORY: list[tuple[str, str, int, int, str, bool]] = [
    ("00448", "001070007890", 235, 15, "approve", False),
    ("00448", "001168005522", 205, 17, "approve", False),
    ("00448", "001052003311", 175, 20, "approve", True),
    ("00448", "001149009966", 145, 12, "reject", False),
    ("00382", "001050006633", 215, 16, "approve", False),
    ("00382", "001175007744", 150, 19, "approve", False),
    ("00382", "001059008855", 100, 14, "approve", False),
    ("00448", "001065001177", 80, 10, "approve", False),
]
AMOUNTS = {
    (HousingProgram.MERIT, HousingKind.REPAIR): 20_000_000,
    (HousingProgram.POOR, HousingKind.REPAIR): 30_000_000,
    (HousingProgram.NEAR_POOR, HousingKind.REPAIR): 30_000_000,
}


def _on(day: dt.date) -> Any:
    """Replay what follows at 9:00 on `day` (office time)."""
    import time_machine

    when = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(when, tick=False)


def seed_history(cast: dict[str, Cast], people: dict[str, Person]) -> None:
    """Replay earlier dossiers through the engine at their own dates (the
    audit trail, tasks, deadlines and register carry those dates), then one
    dossier that has waited at the district past its due date (it shows as
    overdue and escalates). Their outbox rows are dropped."""

    today = timezone.localdate()
    calendar = WorkingCalendar.load(today - dt.timedelta(days=400), today + dt.timedelta(days=60))
    for year in {(today - dt.timedelta(days=ago)).year for _c, _p, ago, *_rest in HISTORY}:
        seed_configuration(year)
    cases: list[HousingCase] = []
    for code, nid, ago, days, outcome, apology in HISTORY:
        who = cast[code]
        officer, leader = who.officer, who.leader
        person = people[nid]
        programs: dict[str, HousingProgram] = {
            Category.MERIT: HousingProgram.MERIT,
            Category.POOR: HousingProgram.POOR,
        }
        program = programs.get(person.categories[0], HousingProgram.NEAR_POOR)
        amount = AMOUNTS[(program, HousingKind.REPAIR)]
        received = calendar.add_working_days(today - dt.timedelta(days=ago), 1)
        result = calendar.add_working_days(received, days)
        with _on(received):
            case = housing_case_create(
                actor=officer,
                commune=who.commune,
                applicant=person,
                program=program,
                kind=HousingKind.REPAIR,
                requested_amount=amount,
                description="Nhà xuống cấp, cần sửa chữa.",
            )
            upload_all_documents(officer, case)
            engine.transition(case, "submit", actor=officer)
        with _on(calendar.add_working_days(received, 3)):
            engine.transition(case, "verify", actor=leader)
        if apology:
            appointment = calendar.add_working_days(received, 17)
            with _on(calendar.add_working_days(appointment, -1)):
                apology_issue(
                    case,
                    actor=who.specialist,
                    new_due_on=calendar.add_working_days(appointment, 5),
                    reason="Chờ kết quả thẩm định thực địa của Phòng.",
                )
        with _on(result):
            if outcome == "reject":
                engine.transition(
                    case,
                    "reject",
                    actor=who.specialist,
                    reason="Hộ đã được hỗ trợ nhà ở từ chương trình khác.",
                )
            else:
                engine.transition(
                    case, "review", actor=who.specialist, data={"assessed_amount": amount}
                )
                engine.transition(
                    case,
                    "approve",
                    actor=who.head,
                    data={
                        "decision_number": f"{len(cases) + 101}/QĐ-UBND",
                        "decision_date": result,
                        "approved_amount": amount,
                    },
                )
            if outcome == "approve":
                # Then paid in two tranches around the works' acceptance (nghiệm thu).
                paid = calendar.add_working_days(result, 3)
                with _on(paid):
                    engine.transition(
                        case,
                        "disburse",
                        actor=who.accountant,
                        data={"amount": amount // 2, "paid_on": paid},
                    )
                accepted = calendar.add_working_days(result, 18)
                with _on(accepted):
                    engine.transition(
                        case, "accept_completion", actor=officer, data={"accepted_on": accepted}
                    )
                paid = calendar.add_working_days(accepted, 2)
                with _on(paid):
                    engine.transition(
                        case,
                        "disburse",
                        actor=who.accountant,
                        data={"amount": amount - amount // 2, "paid_on": paid},
                    )
        cases.append(case)
    # Received 25 working days ago and verified by the commune: the review
    # (7 working days) is overdue.
    b = cast["00382"]
    received = calendar.add_working_days(today, -25)
    with _on(received):
        late = housing_case_create(
            actor=b.officer,
            commune=b.commune,
            applicant=people["001158002288"],
            program=HousingProgram.MERIT,
            kind=HousingKind.REPAIR,
            requested_amount=15_000_000,
            description="Tường nhà nứt sau mưa bão.",
        )
        upload_all_documents(b.officer, late)
        engine.transition(late, "submit", actor=b.officer)
    with _on(calendar.add_working_days(received, 2)):
        engine.transition(late, "verify", actor=b.leader)
    # Long read: the outbox rows of the replay (written with the database's
    # clock, not the replayed one) would only clutter today's bells and mail.
    Notification.objects.filter(case__in=[*cases, late]).delete()
