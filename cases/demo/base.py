"""Demo registry: Hà Nội → Sóc Sơn and its 26 units (domain.md §7), caps,
budgets, the document checklist, demo users for every role, names for people."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.housing.models import (
    Budget,
    FundingSource,
    HousingCap,
    HousingCase,
    HousingKind,
    HousingProgram,
)
from cases.models import AdministrativeUnit, DocumentRequirement
from cases.services import document_upload
from workflows.actors import User
from workflows.permissions import Role
from workflows.services import role_grant

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


def seed_users(people: list[tuple[str, Role, list[str], str]] | None = None) -> dict[str, object]:
    """The demo's users (DEMO_USERS unless told), each with their role."""
    people = DEMO_USERS if people is None else people
    users = {}
    existing = set(
        User.objects.filter(username__in=[u for u, *_ in people]).values_list("username", flat=True)
    )
    for username, role, communes, name in people:
        users[username] = role_grant(
            actor=None,
            username=username,
            role=role,
            commune_codes=communes,
            # Set once: a password a tester changed stays, and seeding again is
            # not a password change (which would revoke the user's API tokens).
            password=None if username in existing else DEMO_PASSWORD,
            full_name=name,
            email=f"{username}@ldtbxh.local",
        )
    return users


def upload_all_documents(actor: User, case: HousingCase) -> None:
    for kind, label in DOCUMENTS:
        document_upload(
            actor=actor,
            case=case,
            kind=kind,
            # Named as an office names its scans, not by the checklist's code.
            upload=SimpleUploadedFile(f"{label}.pdf", PDF, "application/pdf"),
        )


SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Vũ Đỗ Bùi Đặng Ngô Dương Đinh Phan Trịnh Lý Đào Hà Tạ".split()
MIDDLE = {"M": "Văn Đức Hữu Quang Minh Xuân".split(), "F": "Thị Thu Ngọc Thanh Kim Thị".split()}
GIVEN = {
    "M": "An Bình Cường Dũng Giang Hải Hùng Khánh Long Mạnh Nam Phúc Quân Sơn Thắng Việt".split(),
    "F": "Anh Bích Cúc Dung Hà Hạnh Hoa Hương Lan Liên Mai Nga Oanh Phương Thảo Tuyết Yến".split(),
}
