"""The rates shipped with the product, as data (editable in the admin): the
standards, the categories with their coefficients, funeral support and
recuperation. Rows not read in the legal text are marked unverified.

`seed` is run by migration 0002 and again by the demo (idempotent; Hà Nội's
own standard is added once the province exists)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

D = dt.date
NCC, BTXH = "nguoi_co_cong", "bao_tro_xa_hoi"
HANOI_CODE = "01"

# (regime, effective from, amount, legal basis, verified)
NATIONAL_STANDARDS = [
    (NCC, D(2021, 10, 1), 1_624_000, "NĐ 75/2021/NĐ-CP (từ 15/10/2021)", False),
    (NCC, D(2023, 7, 1), 2_055_000, "NĐ 55/2023/NĐ-CP", True),
    (NCC, D(2024, 7, 1), 2_789_000, "NĐ 77/2024/NĐ-CP", True),
    (BTXH, D(2021, 7, 1), 360_000, "NĐ 20/2021/NĐ-CP", True),
    (BTXH, D(2024, 7, 1), 500_000, "NĐ 76/2024/NĐ-CP", True),
]
HANOI_STANDARDS = [
    (BTXH, D(2021, 7, 1), 440_000, "NQ 09/2021/NQ-HĐND TP Hà Nội", True),
    (BTXH, D(2024, 7, 1), 500_000, "NĐ 76/2024/NĐ-CP (bằng mức chuẩn quốc gia)", True),
    (BTXH, D(2026, 1, 1), 650_000, "NQ 63/2025/NQ-HĐND TP Hà Nội", True),
]

# (regime, code, name, by degree, recuperation every N years, position)
CATEGORIES = [
    (NCC, "than_nhan_1_liet_si", "Thân nhân của một liệt sĩ", False, 2, 10),
    (NCC, "than_nhan_2_liet_si", "Thân nhân của hai liệt sĩ", False, 2, 20),
    (NCC, "ba_me_vnah", "Bà mẹ Việt Nam anh hùng", False, 1, 30),
    (NCC, "thuong_binh", "Thương binh (theo tỷ lệ tổn thương cơ thể)", True, 2, 40),
    (NCC, "benh_binh", "Bệnh binh", False, 2, 50),
    (BTXH, "nkt_dac_biet_nang", "Người khuyết tật đặc biệt nặng", False, None, 110),
    (
        BTXH,
        "nkt_dac_biet_nang_tre_nct",
        "Người khuyết tật đặc biệt nặng là trẻ em hoặc người cao tuổi",
        False,
        None,
        120,
    ),
    (BTXH, "nkt_nang", "Người khuyết tật nặng", False, None, 130),
    (
        BTXH,
        "nkt_nang_tre_nct",
        "Người khuyết tật nặng là trẻ em hoặc người cao tuổi",
        False,
        None,
        140,
    ),
    (BTXH, "tre_mo_coi_duoi_4", "Trẻ em mồ côi dưới 4 tuổi", False, None, 150),
    (BTXH, "tre_mo_coi_tu_4", "Trẻ em mồ côi từ 4 tuổi", False, None, 160),
    (
        BTXH,
        "nct_ngheo_khong_nguoi_phung_duong",
        "Người cao tuổi hộ nghèo không có người phụng dưỡng",
        False,
        None,
        170,
    ),
    (BTXH, "nct_80_khong_luong_huu", "Người từ đủ 80 tuổi không có lương hưu", False, None, 180),
]

NCC_BASIS = "NĐ 75/2021, sửa đổi bởi NĐ 55/2023 và NĐ 77/2024"
# (category, from, degree band, coefficient, fixed, extra, basis, verified)
RATES: list[tuple[str, dt.date, tuple[int, int] | None, str, int, int, str, bool]] = [
    ("than_nhan_1_liet_si", D(2021, 10, 1), None, "1.0", 0, 0, NCC_BASIS, True),
    ("than_nhan_2_liet_si", D(2021, 10, 1), None, "2.0", 0, 0, NCC_BASIS, False),
    ("ba_me_vnah", D(2023, 7, 1), None, "3.0", 0, 1_722_000, NCC_BASIS, False),
    ("ba_me_vnah", D(2024, 7, 1), None, "3.0", 0, 2_337_000, "NĐ 77/2024/NĐ-CP", True),
    ("benh_binh", D(2021, 10, 1), None, "1.0", 0, 0, NCC_BASIS, False),
    # War invalids: the decree's annex gives an amount for every degree; these
    # bands are a working table to be replaced by the annex (unverified).
    ("thuong_binh", D(2021, 10, 1), (21, 40), "0.6", 0, 0, NCC_BASIS, False),
    ("thuong_binh", D(2021, 10, 1), (41, 60), "1.0", 0, 0, NCC_BASIS, False),
    ("thuong_binh", D(2021, 10, 1), (61, 80), "1.4", 0, 0, NCC_BASIS, False),
    ("thuong_binh", D(2021, 10, 1), (81, 100), "1.8", 0, 0, NCC_BASIS, False),
    ("nkt_dac_biet_nang", D(2021, 7, 1), None, "2.0", 0, 0, "NĐ 20/2021 Điều 6", True),
    ("nkt_dac_biet_nang_tre_nct", D(2021, 7, 1), None, "2.5", 0, 0, "NĐ 20/2021 Điều 6", True),
    ("nkt_nang", D(2021, 7, 1), None, "1.5", 0, 0, "NĐ 20/2021 Điều 6", True),
    ("nkt_nang_tre_nct", D(2021, 7, 1), None, "2.0", 0, 0, "NĐ 20/2021 Điều 6", True),
    ("tre_mo_coi_duoi_4", D(2021, 7, 1), None, "2.5", 0, 0, "NĐ 20/2021 Điều 6", False),
    ("tre_mo_coi_tu_4", D(2021, 7, 1), None, "1.5", 0, 0, "NĐ 20/2021 Điều 6", False),
    (
        "nct_ngheo_khong_nguoi_phung_duong",
        D(2021, 7, 1),
        None,
        "1.5",
        0,
        0,
        "NĐ 20/2021 Điều 6",
        False,
    ),
    ("nct_80_khong_luong_huu", D(2021, 7, 1), None, "1.0", 0, 0, "NĐ 20/2021 Điều 6", False),
    # From 07/2025 this group receives the social pension instead (NĐ 176/2025).
    ("nct_80_khong_luong_huu", D(2025, 7, 1), None, "0", 0, 0, "NĐ 176/2025/NĐ-CP", False),
]

# (regime, kind, from, multiplier, basis, basis text, verified)
ONE_OFFS = [
    (BTXH, "funeral", D(2021, 7, 1), "20", "national", "NĐ 20/2021 Điều 11", False),
]
RECUPERATION = [
    ("home", D(2021, 10, 1), "0.9", "NĐ 75/2021 Điều 6", True),
    ("centre", D(2021, 10, 1), "1.8", "NĐ 75/2021 Điều 6", True),
]


# Working days per human step. The decision's three steps follow NĐ 20/2021
# Art. 8 (commune 7, Phòng LĐTBXH 7, chairman 3); the rest are internal steps
# with no legal limit (configurable values; a payroll must reach the payment
# organisation before the 25th).
# (process, step, working days, verified, note)
STEP_LIMITS = [
    ("allowance", "prepare", 5, False, "Giá trị cấu hình được: bước nội bộ."),
    ("allowance", "confirm", 7, True, "NĐ 20/2021 Điều 8: xã xem xét 7 ngày làm việc."),
    ("allowance", "review", 7, True, "NĐ 20/2021 Điều 8: Phòng LĐTBXH thẩm định 7 ngày."),
    ("allowance", "decide", 3, True, "NĐ 20/2021 Điều 8: Chủ tịch quyết định 3 ngày."),
    ("payroll", "prepare", 3, False, "Giá trị cấu hình được: bước nội bộ."),
    ("payroll", "review", 2, False, "Giá trị cấu hình được: bước nội bộ."),
    ("payroll", "approve", 2, False, "Giá trị cấu hình được: bước nội bộ."),
    ("payroll", "send", 3, False, "Chuyển danh sách và kinh phí trước ngày 25."),
    ("payroll", "reconcile", 10, False, "Giá trị cấu hình được: bước nội bộ."),
    ("payroll", "close", 3, False, "Giá trị cấu hình được: bước nội bộ."),
    ("recuperation_list", "prepare", 10, False, "Giá trị cấu hình được: bước nội bộ."),
    ("recuperation_list", "approve", 5, False, "Giá trị cấu hình được: bước nội bộ."),
    ("recuperation_list", "pay", 10, False, "Giá trị cấu hình được: bước nội bộ."),
    ("recuperation_list", "close", 5, False, "Giá trị cấu hình được: bước nội bộ."),
]


# The documents a decision dossier needs, by regime: configuration the office
# sets in the admin (Giấy tờ cần nộp), as for housing; the demo loads these.
# (regime, kind, label, position)
DOCUMENTS = [
    (BTXH, "to_khai_tro_giup_xa_hoi", "Tờ khai đề nghị trợ giúp xã hội (NĐ 20/2021)", 10),
    (BTXH, "giay_to_tuy_than", "Bản sao căn cước công dân hoặc giấy khai sinh", 20),
    (BTXH, "bien_ban_hoi_dong_xa", "Biên bản họp Hội đồng xét duyệt cấp xã", 30),
    (NCC, "ban_khai_ca_nhan", "Bản khai cá nhân đề nghị hưởng trợ cấp", 10),
    (
        NCC,
        "giay_chung_nhan_nguoi_co_cong",
        "Giấy chứng nhận hoặc quyết định công nhận người có công",
        20,
    ),
    (NCC, "giay_to_tuy_than", "Bản sao căn cước công dân", 30),
]


def seed_documents(apps: Any, schema_editor: Any) -> None:
    requirement = apps.get_model("cases", "DocumentRequirement")
    for regime, kind, label, position in DOCUMENTS:
        requirement.objects.get_or_create(
            process="allowance",
            program=regime,
            kind=kind,
            defaults={"label": label, "position": position, "required": True},
        )


def seed(apps: Any, schema_editor: Any) -> None:
    unit = apps.get_model("cases", "AdministrativeUnit")
    standard = apps.get_model("allowances", "AllowanceStandard")
    category = apps.get_model("allowances", "AllowanceCategory")
    rate = apps.get_model("allowances", "CategoryRate")
    one_off = apps.get_model("allowances", "OneOffRule")
    recuperation = apps.get_model("allowances", "RecuperationRate")
    hanoi = unit.objects.filter(level="province", code=HANOI_CODE).first()
    rows = [(None, *r) for r in NATIONAL_STANDARDS]
    if hanoi is not None:
        rows += [(hanoi, *r) for r in HANOI_STANDARDS]
    for area, regime, start, amount, basis, verified in rows:
        standard.objects.get_or_create(
            regime=regime,
            area=area,
            effective_from=start,
            defaults={"amount": amount, "legal_basis": basis, "verified": verified},
        )
    by_code = {}
    for regime, code, name, by_degree, years, position in CATEGORIES:
        by_code[code], _ = category.objects.get_or_create(
            regime=regime,
            code=code,
            defaults={
                "name": name,
                "by_degree": by_degree,
                "recuperation_years": years,
                "position": position,
            },
        )
    for code, start, band, coef, fixed, extra, basis, verified in RATES:
        rate.objects.get_or_create(
            category=by_code[code],
            effective_from=start,
            degree_from=band[0] if band else None,
            defaults={
                "degree_to": band[1] if band else None,
                "coefficient": Decimal(coef),
                "fixed_amount": fixed,
                "extra_amount": extra,
                "legal_basis": basis,
                "verified": verified,
            },
        )
    for regime, kind, start, mult, basis, text, verified in ONE_OFFS:
        one_off.objects.get_or_create(
            regime=regime,
            kind=kind,
            effective_from=start,
            defaults={
                "multiplier": Decimal(mult),
                "basis": basis,
                "legal_basis": text,
                "verified": verified,
            },
        )
    for mode, start, mult, text, verified in RECUPERATION:
        recuperation.objects.get_or_create(
            mode=mode,
            effective_from=start,
            defaults={"multiplier": Decimal(mult), "legal_basis": text, "verified": verified},
        )


def seed_step_limits(apps: Any, schema_editor: Any) -> None:
    limit = apps.get_model("workflows", "StepTimeLimit")
    for process, step, days, verified, note in STEP_LIMITS:
        limit.objects.get_or_create(
            process=process,
            step=step,
            effective_from=D(2021, 1, 1),
            defaults={"working_days": days, "verified": verified, "note": note},
        )
