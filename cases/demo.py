"""Demo data: Hà Nội → Sóc Sơn and its 26 units (domain.md §7), caps, budgets,
document checklist, demo users for every role, people and a few cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from workflows import engine
from workflows.permissions import Role
from workflows.services import role_grant

from cases.models import (
    AdministrativeUnit,
    Budget,
    Category,
    DocumentRequirement,
    FundingSource,
    HousingCap,
    HousingCase,
    HousingKind,
    HousingProgram,
    MeritSubtype,
    Person,
)
from cases.services import document_upload, housing_case_create, person_create

DEMO_PASSWORD = "Demo@2024"
SOC_SON_UNITS = [
    ("00376", "Sóc Sơn", "thi_tran"),
    ("00379", "Bắc Sơn", "xa"),
    ("00382", "Minh Trí", "xa"),
    ("00385", "Hồng Kỳ", "xa"),
    ("00388", "Nam Sơn", "xa"),
    ("00391", "Trung Giã", "xa"),
    ("00394", "Tân Hưng", "xa"),
    ("00397", "Minh Phú", "xa"),
    ("00400", "Phù Linh", "xa"),
    ("00403", "Bắc Phú", "xa"),
    ("00406", "Tân Minh", "xa"),
    ("00409", "Quang Tiến", "xa"),
    ("00412", "Hiền Ninh", "xa"),
    ("00415", "Tân Dân", "xa"),
    ("00418", "Tiên Dược", "xa"),
    ("00421", "Việt Long", "xa"),
    ("00424", "Xuân Giang", "xa"),
    ("00427", "Mai Đình", "xa"),
    ("00430", "Đức Hòa", "xa"),
    ("00433", "Thanh Xuân", "xa"),
    ("00436", "Đông Xuân", "xa"),
    ("00439", "Kim Lũ", "xa"),
    ("00442", "Phú Cường", "xa"),
    ("00445", "Phú Minh", "xa"),
    ("00448", "Phù Lỗ", "xa"),
    ("00451", "Xuân Thu", "xa"),
]
# (username, role, communes, full name)
DEMO_USERS = [
    ("canbo_phulo", Role.COMMUNE_OFFICER, ["00448"], "Nguyễn Thị Hoa"),
    ("lanhdao_phulo", Role.COMMUNE_LEADER, ["00448"], "Trần Văn Minh"),
    ("canbo_minhtri", Role.COMMUNE_OFFICER, ["00382"], "Lê Thị Lan"),
    ("lanhdao_minhtri", Role.COMMUNE_LEADER, ["00382"], "Phạm Văn Hùng"),
    ("chuyenvien", Role.DISTRICT_SPECIALIST, [], "Đỗ Thị Thu"),
    ("truongphong", Role.OFFICE_HEAD, [], "Vũ Văn Nam"),
    ("ketoan", Role.ACCOUNTANT, [], "Hoàng Thị Mai"),
    ("thanhtra", Role.AUDITOR, [], "Bùi Văn Đức"),
    ("quantri", Role.ADMIN, [], "Ngô Minh Quân"),
]
DOCUMENTS = [
    ("don_de_nghi", "Đơn đề nghị hỗ trợ nhà ở"),
    ("giay_to_doi_tuong", "Giấy tờ chứng minh đối tượng"),
    ("anh_hien_trang", "Ảnh hiện trạng nhà ở"),
    ("giay_chung_nhan_qsdd", "Giấy chứng nhận quyền sử dụng đất"),
]
# Configurable demo values consistent with the 2024 six-month report.
CAPS: list[tuple[str, str, int]] = [
    (HousingProgram.MERIT, HousingKind.NEW_BUILD, 80_000_000),
    (HousingProgram.MERIT, HousingKind.REPAIR, 20_000_000),
    (HousingProgram.POOR, HousingKind.NEW_BUILD, 50_000_000),
    (HousingProgram.POOR, HousingKind.REPAIR, 30_000_000),
    (HousingProgram.NEAR_POOR, HousingKind.NEW_BUILD, 50_000_000),
    (HousingProgram.NEAR_POOR, HousingKind.REPAIR, 30_000_000),
]
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
    ("Hoàng Thị Mận", dt.date(1975, 6, 10), "F", "001175007744", "00382", [Category.POOR], ""),
    ("Bùi Văn Nam", dt.date(1959, 2, 14), "M", "001059008855", "00382", [Category.NEAR_POOR], ""),
    ("Trịnh Thị Quyên", dt.date(1958, 11, 11), "F", "001158002288", "00382", [Category.MERIT], R),
]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def seed_units() -> dict[str, AdministrativeUnit]:
    hanoi, _ = AdministrativeUnit.objects.get_or_create(
        level="province",
        code="01",
        valid_from=None,
        defaults={"name": "Hà Nội", "kind": "thanh_pho"},
    )
    socson, _ = AdministrativeUnit.objects.get_or_create(
        level="district",
        code="016",
        valid_from=None,
        defaults={"name": "Sóc Sơn", "kind": "huyen", "parent": hanoi},
    )
    units = {}
    for code, name, kind in SOC_SON_UNITS:
        units[code], _ = AdministrativeUnit.objects.get_or_create(
            level="commune",
            code=code,
            valid_from=None,
            defaults={"name": name, "kind": kind, "parent": socson},
        )
    return units


def seed_configuration(year: int) -> None:
    for program, kind, amount in CAPS:
        HousingCap.objects.get_or_create(
            program=program,
            kind=kind,
            effective_from=dt.date(2024, 1, 1),
            defaults={"amount": amount, "legal_basis": "Giá trị demo, cấu hình được"},
        )
    for y in sorted({2024, year}):
        for program, allocated in [
            (HousingProgram.MERIT, 1_000_000_000),
            (HousingProgram.POOR, 1_500_000_000),
            (HousingProgram.NEAR_POOR, 500_000_000),
        ]:
            Budget.objects.get_or_create(
                program=program,
                year=y,
                funding_source=FundingSource.CITY,
                defaults={"allocated": allocated},
            )
    for i, (kind, label) in enumerate(DOCUMENTS):
        DocumentRequirement.objects.get_or_create(
            process="housing", program="", kind=kind, defaults={"label": label, "position": i}
        )


def seed_users() -> dict[str, object]:
    users = {}
    for username, role, communes, name in DEMO_USERS:
        users[username] = role_grant(
            actor=None,
            username=username,
            role=role,
            commune_codes=communes,
            password=DEMO_PASSWORD,
            full_name=name,
            email=f"{username}@ldtbxh.local",
        )
    return users


def upload_all_documents(actor: object, case: HousingCase) -> None:
    for kind, _label in DOCUMENTS:
        document_upload(
            actor=actor,
            case=case,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf"),
        )


@transaction.atomic
def seed_demo() -> str:
    from cases.reference_data import ensure_reference_data

    ensure_reference_data()  # the data migrations' rows, if a flush removed them
    units = seed_units()
    seed_configuration(timezone.localdate().year)
    users = seed_users()
    from cases.demo_gifts import seed_gift_campaigns  # gift campaigns: also into older demo DBs

    seed_gift_campaigns(units, users)
    from cases.demo_rehab import seed_rehab  # drug rehab (issue 5): also into older demo DBs

    seed_rehab(units)
    from cases.demo_report import (
        seed_report_data,
    )  # six-month report (issue 6): also into older DBs

    if HousingCase.objects.exclude(decision_date__year=2024).exists():
        seed_report_data(units, users)
        return "demo data already present"
    people = {}
    for name, dob, sex, nid, code, cats, sub in PEOPLE:
        officer = users["canbo_phulo" if code == "00448" else "canbo_minhtri"]
        people[nid] = Person.objects.filter(
            national_id=nid, rehab_only=False
        ).first() or person_create(
            actor=officer,
            full_name=name,
            date_of_birth=dob,
            sex=sex,
            national_id=nid,
            commune=units[code],
            address=f"Thôn Đông, {units[code]}",
            categories=cats,
            merit_subtype=sub,
        )
    u = users
    seed_history(units, people, u)
    # A draft waiting for documents, in Phù Lỗ.
    housing_case_create(
        actor=u["canbo_phulo"],
        commune=units["00448"],
        applicant=people["001162004567"],
        program=HousingProgram.POOR,
        kind=HousingKind.REPAIR,
        requested_amount=30_000_000,
        description="Mái nhà dột nát, tường nứt.",
    )
    # Submitted, waiting for the Phù Lỗ leader.
    c2 = housing_case_create(
        actor=u["canbo_phulo"],
        commune=units["00448"],
        applicant=people["001048001234"],
        program=HousingProgram.MERIT,
        kind=HousingKind.NEW_BUILD,
        requested_amount=80_000_000,
        description="Nhà tạm, xuống cấp nghiêm trọng.",
    )
    upload_all_documents(u["canbo_phulo"], c2)
    engine.transition(c2, "submit", actor=u["canbo_phulo"])
    # In Minh Trí, verified by the commune: waiting for the district specialist.
    c3 = housing_case_create(
        actor=u["canbo_minhtri"],
        commune=units["00382"],
        applicant=people["001155002468"],
        program=HousingProgram.MERIT,
        kind=HousingKind.REPAIR,
        requested_amount=20_000_000,
        description="Cần sửa chữa mái và nền nhà.",
    )
    upload_all_documents(u["canbo_minhtri"], c3)
    engine.transition(c3, "submit", actor=u["canbo_minhtri"])
    engine.transition(c3, "verify", actor=u["lanhdao_minhtri"])
    seed_report_data(units, users)
    return "demo data created"


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


def seed_history(units: dict[str, AdministrativeUnit], people: dict[str, Person], u: Any) -> None:
    """Replay earlier dossiers through the engine at their own dates (the
    audit trail, tasks, deadlines and register carry those dates), then one
    dossier that has waited at the district past its due date (it shows as
    overdue and escalates). Their outbox rows are dropped."""
    from notifications.models import Notification
    from workflows.calendar import WorkingCalendar
    from workflows.onestop import apology_issue

    today = timezone.localdate()
    calendar = WorkingCalendar.load(today - dt.timedelta(days=400), today + dt.timedelta(days=60))
    for year in {(today - dt.timedelta(days=ago)).year for _c, _p, ago, *_rest in HISTORY}:
        seed_configuration(year)
    cases: list[HousingCase] = []
    for code, nid, ago, days, outcome, apology in HISTORY:
        officer, leader = (
            (u["canbo_phulo"], u["lanhdao_phulo"])
            if code == "00448"
            else (u["canbo_minhtri"], u["lanhdao_minhtri"])
        )
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
                commune=units[code],
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
                    actor=u["chuyenvien"],
                    new_due_on=calendar.add_working_days(appointment, 5),
                    reason="Chờ kết quả thẩm định thực địa của Phòng.",
                )
        with _on(result):
            if outcome == "reject":
                engine.transition(
                    case,
                    "reject",
                    actor=u["chuyenvien"],
                    reason="Hộ đã được hỗ trợ nhà ở từ chương trình khác.",
                )
            else:
                engine.transition(
                    case, "review", actor=u["chuyenvien"], data={"assessed_amount": amount}
                )
                engine.transition(
                    case,
                    "approve",
                    actor=u["truongphong"],
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
                        actor=u["ketoan"],
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
                        actor=u["ketoan"],
                        data={"amount": amount - amount // 2, "paid_on": paid},
                    )
        cases.append(case)
    # Received 25 working days ago and verified by the commune: the district
    # review (7 working days) is overdue.
    received = calendar.add_working_days(today, -25)
    with _on(received):
        late = housing_case_create(
            actor=u["canbo_minhtri"],
            commune=units["00382"],
            applicant=people["001158002288"],
            program=HousingProgram.MERIT,
            kind=HousingKind.REPAIR,
            requested_amount=15_000_000,
            description="Tường nhà nứt sau mưa bão.",
        )
        upload_all_documents(u["canbo_minhtri"], late)
        engine.transition(late, "submit", actor=u["canbo_minhtri"])
    with _on(calendar.add_working_days(received, 2)):
        engine.transition(late, "verify", actor=u["lanhdao_minhtri"])
    # Long read: the outbox rows of the replay (written with the database's
    # clock, not the replayed one) would only clutter today's bells and mail.
    Notification.objects.filter(case__in=[*cases, late]).delete()


def demo_logins_table() -> str:
    names = {code: name for code, name, _kind in SOC_SON_UNITS}
    lines = [
        "Open http://127.0.0.1:8000 and log in as one of these demo users.",
        f"Password for all: {DEMO_PASSWORD}",
        f"  {'username':<17} {'role':<20} communes",
    ]
    from cases.demo_rehab import REHAB_DEMO_USERS

    for username, role, communes, name in [*DEMO_USERS, *REHAB_DEMO_USERS]:
        if communes:
            where = ", ".join(f"{c} {names[c]}" for c in communes)
        elif role == Role.ADMIN:
            where = "configuration only (/admin/)"
        else:
            where = "all communes"
        lines.append(f"  {username:<17} {role.value:<20} {where}  ({name})")
    return "\n".join(lines)
