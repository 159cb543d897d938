"""Reference data of the drug-rehab procedures (domain.md §0–§1): the
procedure versions with their dates and terms, the step time limits (the
unverified ones marked so, editable in the admin), the dossier checklists per
route and the 95% voluntary-rehab cost-support categories.

Not seeded: Luật Phòng, chống ma túy 120/2025/QH15 (from 01/7/2026: 24 months
for a first time, 36 for a repeat) — its route details are not verified; an
administrator adds it as a new version once they are.
"""

import datetime as dt

from django.db import migrations

D2022 = dt.date(2022, 1, 1)
D2025 = dt.date(2025, 3, 1)
UNVERIFIED = "Chưa đối chiếu văn bản (domain.md §10): giá trị giả định, sửa được."
# The step after the notification waits out the reading period (5 working
# days, itself unverified) and then has 5 more to send the dossier on.
AFTER_READING = "5 ngày đọc hồ sơ + 5 ngày chuyển hồ sơ; chưa đối chiếu văn bản, sửa được."

VERSIONS = [
    {
        "procedure": "rehab_compulsory",
        "code": "2022",
        "name": "Đưa vào cơ sở cai nghiện bắt buộc — NĐ 116/2021",
        "legal_basis": (
            "Luật PCMT 73/2021/QH14; NĐ 116/2021/NĐ-CP; Pháp lệnh 03/2022/UBTVQH15 "
            "(từ đủ 18 tuổi); Pháp lệnh 01/2022/UBTVQH15 (từ đủ 12 đến dưới 18 tuổi)"
        ),
        "route": "2022",
        "effective_from": D2022,
        "adult_months_min": 12,
        "adult_months_max": 24,
        "minor_months_min": 6,
        "minor_months_max": 12,
        "post_rehab_months_adult": 24,
        "post_rehab_months_minor": 12,
        "reading_working_days": 5,
        "complaint_working_days": 5,
        "note": (
            "Thời hạn đọc hồ sơ (5 ngày làm việc) và thời hạn kiểm tra tính pháp lý chưa "
            "đối chiếu; thời hạn khiếu nại 5 ngày làm việc đã đối chiếu cho người chưa thành "
            "niên, áp dụng tương tự cho người thành niên."
        ),
    },
    {
        "procedure": "rehab_compulsory",
        "code": "2025",
        "name": "Đưa vào cơ sở cai nghiện bắt buộc — TTLT 03/2025",
        "legal_basis": (
            "Thông tư liên tịch 03/2025/TTLT-BCA-VKSNDTC-TANDTC (01/3/2025); Luật PCMT 73/2021/QH14"
        ),
        "route": "2025",
        "effective_from": D2025,
        "adult_months_min": 12,
        "adult_months_max": 24,
        "minor_months_min": 6,
        "minor_months_max": 12,
        "post_rehab_months_adult": 24,
        "post_rehab_months_minor": 12,
        "reading_working_days": 5,
        "complaint_working_days": 5,
        "note": (
            "Trưởng Công an cấp xã lập hồ sơ và gửi thẳng Tòa án; bỏ bước kiểm tra tính "
            "pháp lý của Phòng LĐTBXH. Thời hạn các bước chưa đối chiếu."
        ),
    },
    {
        "procedure": "rehab_voluntary",
        "code": "2022",
        "name": "Cai nghiện tự nguyện tại gia đình, cộng đồng hoặc cơ sở (TTHC 1.010941)",
        "legal_basis": "Luật PCMT 73/2021/QH14; NĐ 116/2021/NĐ-CP",
        "route": "voluntary",
        "effective_from": D2022,
        "adult_months_min": 6,
        "adult_months_max": 12,
        "minor_months_min": 6,
        "minor_months_max": 12,
        "post_rehab_months_adult": 12,
        "post_rehab_months_minor": 12,
        "reading_working_days": 0,
        "complaint_working_days": 0,
        "note": "Thời hạn 6–12 tháng áp dụng cho cai nghiện tự nguyện tại cơ sở.",
    },
]

# (process, step, working days, effective from, verified, note)
LIMITS = [
    (
        "rehab_compulsory",
        "compile",
        5,
        D2022,
        True,
        "NĐ 116/2021: lập hồ sơ trong 5 ngày làm việc.",
    ),
    ("rehab_compulsory", "reading", 10, D2022, False, AFTER_READING),
    ("rehab_compulsory", "legality_review", 5, D2022, False, UNVERIFIED),
    ("rehab_compulsory", "police_compile", 5, D2025, False, UNVERIFIED),
    ("rehab_compulsory", "police_file", 10, D2025, False, AFTER_READING),
    (
        "rehab_voluntary",
        "decide",
        3,
        D2022,
        True,
        "TTHC 1.010941: quyết định trong 3 ngày làm việc.",
    ),
]

REQUIRED = [
    ("mau_30", "Sơ yếu lý lịch (Mẫu 30)"),
    ("mau_27", "Biên bản vi phạm (Mẫu 27)"),
    ("ket_qua_nghien", "Phiếu kết quả xác định tình trạng nghiện"),
]
OPTIONAL = [("mau_35", "Bản cam kết quản lý tại gia đình (Mẫu 35)"), ("khac", "Tài liệu khác")]
DOCUMENTS = {
    ("rehab_compulsory", "2022"): (REQUIRED, OPTIONAL),
    ("rehab_compulsory", "2025"): (REQUIRED, OPTIONAL),
    ("rehab_voluntary", "voluntary"): (
        [
            ("don_dang_ky", "Đơn đăng ký cai nghiện tự nguyện"),
            ("ket_qua_nghien", "Phiếu kết quả xác định tình trạng nghiện"),
        ],
        [
            ("giay_ho_tro", "Giấy tờ chứng minh thuộc diện được hỗ trợ chi phí"),
            ("khac", "Tài liệu khác"),
        ],
    ),
}

SUPPORT = ["merit", "agent_orange", "poor", "lonely_elderly", "orphan", "severe_disability"]


def seed(apps, schema_editor):
    ProcedureVersion = apps.get_model("workflows", "ProcedureVersion")
    StepTimeLimit = apps.get_model("workflows", "StepTimeLimit")
    DocumentRequirement = apps.get_model("cases", "DocumentRequirement")
    RehabSupportRate = apps.get_model("cases", "RehabSupportRate")
    for v in VERSIONS:
        ProcedureVersion.objects.get_or_create(procedure=v["procedure"], code=v["code"], defaults=v)
    for process, step, days, since, verified, note in LIMITS:
        StepTimeLimit.objects.get_or_create(
            process=process,
            step=step,
            effective_from=since,
            defaults={"working_days": days, "verified": verified, "note": note},
        )
    for (process, route), (required, optional) in DOCUMENTS.items():
        for position, (kind, label) in enumerate(required + optional):
            DocumentRequirement.objects.get_or_create(
                process=process,
                program=route,
                kind=kind,
                defaults={
                    "label": label,
                    "required": (kind, label) in required,
                    "position": position,
                },
            )
    for category in SUPPORT:
        RehabSupportRate.objects.get_or_create(
            category=category,
            effective_from=D2022,
            defaults={"percent": 95, "legal_basis": "NĐ 116/2021/NĐ-CP (domain.md §1)"},
        )


def unseed(apps, schema_editor):
    for model in [("cases", "RehabSupportRate"), ("workflows", "ProcedureVersion")]:
        apps.get_model(*model).objects.all().delete()
    apps.get_model("workflows", "StepTimeLimit").objects.filter(
        process__in=["rehab_compulsory", "rehab_voluntary"]
    ).delete()
    apps.get_model("cases", "DocumentRequirement").objects.filter(
        process__in=["rehab_compulsory", "rehab_voluntary"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_rehab"), ("workflows", "0011_procedure_versions")]

    operations = [migrations.RunPython(seed, unseed)]
