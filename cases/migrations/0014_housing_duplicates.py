"""One open housing case per person and household, support once per program
period, and the reason for assessing more than requested.

The places a case holds while open (`open_applicant`, `open_household`) are
given to the oldest open case of each person and household: data entered
before the rule may hold several, which stay as they are (nothing is closed
behind the office's back) and show as possible duplicates; the younger ones
are refused at submit. The frequency rules are seeded from
../shared/domain.md §2, unverified where it says so.
"""

import datetime as dt
import unicodedata

import django.db.models.deletion
from django.db import migrations, models

import workflows.text

ENDED = ("closed", "rejected", "withdrawn", "cancelled")

# (program, effective from, period in years or None for once only, legal basis, verified, note)
RULES = [
    (
        "nguoi_co_cong",
        dt.date(2013, 6, 15),
        None,
        "QĐ 22/2013/QĐ-TTg",
        False,
        "Mỗi hộ được hỗ trợ một lần. Ngày hiệu lực và điều khoản chưa đối chiếu văn bản "
        "(domain.md §2: nguồn thứ cấp).",
    ),
    (
        "nguoi_co_cong",
        dt.date(2024, 11, 22),
        None,
        "QĐ 21/2024/QĐ-TTg ngày 22/11/2024 (không hỗ trợ hộ đã được hỗ trợ theo QĐ 22/2013/QĐ-TTg)",
        True,
        "Hiệu lực ghi theo ngày ban hành của quyết định.",
    ),
    (
        "ho_ngheo",
        dt.date(2024, 1, 1),
        None,
        "Kế hoạch hỗ trợ nhà ở hộ nghèo, hộ cận nghèo năm 2024 của UBND TP và Ủy ban MTTQ "
        "TP Hà Nội",
        False,
        "Chưa tìm được văn bản của Hà Nội (domain.md §10); hỗ trợ một lần là giả định làm việc, "
        "cần kiểm tra và sửa.",
    ),
    (
        "ho_can_ngheo",
        dt.date(2024, 1, 1),
        None,
        "Kế hoạch hỗ trợ nhà ở hộ nghèo, hộ cận nghèo năm 2024 của UBND TP và Ủy ban MTTQ "
        "TP Hà Nội",
        False,
        "Chưa tìm được văn bản của Hà Nội (domain.md §10); hỗ trợ một lần là giả định làm việc, "
        "cần kiểm tra và sửa.",
    ),
]


def seed(apps, schema_editor):
    """The frequency rules (idempotent: `cases.reference_data` runs it again
    after a test flushed the database)."""
    rule = apps.get_model("cases", "HousingSupportRule")
    for program, since, years, basis, verified, note in RULES:
        rule.objects.get_or_create(
            program=program,
            effective_from=since,
            defaults={
                "period_years": years,
                "legal_basis": basis,
                "verified": verified,
                "note": note,
            },
        )


AREA_WORDS = frozenset(
    "thon xom to ap doi khu cum ban lang khom ngo ngach hem kiet duong pho tdp "
    "phuong quan huyen xa".split()
)


def _address_key(text):
    # cases.housing.duplicates.address_key as written with this migration.
    text = unicodedata.normalize("NFC", text or "").replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in bare.casefold()).split()
    specific = any(
        any(c.isdigit() for c in word) and (i == 0 or words[i - 1] not in AREA_WORDS)
        for i, word in enumerate(words)
    )
    return " ".join(words)[:255] if specific else ""


def backfill(apps, schema_editor):
    housing = apps.get_model("cases", "HousingCase")
    rows = housing.objects.select_related("applicant", "applicant__household").only(
        "pk", "applicant__address", "applicant__household_id", "applicant__household__address"
    )
    batch = []
    for case in rows.iterator(chunk_size=2000):
        person = case.applicant
        address = person.household.address if person.household_id else person.address
        case.household_id = person.household_id
        case.address_key = _address_key(address)
        batch.append(case)
        if len(batch) == 2000:
            housing.objects.bulk_update(batch, ["household", "address_key"])
            batch = []
    housing.objects.bulk_update(batch, ["household", "address_key"])
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            """
            UPDATE cases_housingcase h SET open_applicant_id = c.applicant_id
            FROM cases_case c
            WHERE c.id = h.case_ptr_id AND c.id IN (
                SELECT DISTINCT ON (o.applicant_id) o.id FROM cases_case o
                JOIN cases_housingcase oh ON oh.case_ptr_id = o.id
                WHERE NOT (o.state = ANY(%s))
                ORDER BY o.applicant_id, o.created_at, o.id)
            """,
            [list(ENDED)],
        )
        cur.execute(
            """
            UPDATE cases_housingcase h SET open_household_id = h.household_id
            WHERE h.case_ptr_id IN (
                SELECT DISTINCT ON (oh.household_id) o.id FROM cases_case o
                JOIN cases_housingcase oh ON oh.case_ptr_id = o.id
                WHERE oh.household_id IS NOT NULL AND NOT (o.state = ANY(%s))
                ORDER BY oh.household_id, o.created_at, o.id)
            """,
            [list(ENDED)],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_birth_year"),
    ]

    operations = [
        migrations.CreateModel(
            name="HousingSupportRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "program",
                    models.CharField(
                        choices=[
                            ("nguoi_co_cong", "People with meritorious service"),
                            ("ho_ngheo", "Poor households"),
                            ("ho_can_ngheo", "Near-poor households"),
                        ],
                        max_length=20,
                        verbose_name="program",
                    ),
                ),
                ("effective_from", models.DateField(verbose_name="effective from")),
                (
                    "period_years",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty: a household is supported once only under this program.",
                        null=True,
                        verbose_name="once every (years)",
                    ),
                ),
                ("legal_basis", models.CharField(max_length=300, verbose_name="legal basis")),
                (
                    "verified",
                    models.BooleanField(
                        default=False,
                        help_text="Unticked: a working assumption to be checked and edited.",
                        verbose_name="verified in the legal text",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
            ],
            options={
                "verbose_name": "housing support frequency rule",
                "verbose_name_plural": "housing support frequency rules",
                "ordering": ["program", "-effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("program", "effective_from"), name="housing_support_rule_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("period_years__isnull", True), ("period_years__gt", 0), _connector="OR"
                        ),
                        name="housing_support_rule_period_positive",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="housingcase",
            name="over_request_reason",
            field=workflows.text.NormalizedTextField(
                blank=True,
                db_default="",
                default="",
                verbose_name="reason for assessing more than requested",
            ),
        ),
        migrations.AddField(
            model_name="housingcase",
            name="household",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="housing_cases",
                to="cases.household",
                verbose_name="household",
            ),
        ),
        migrations.AddField(
            model_name="housingcase",
            name="address_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=255),
        ),
        migrations.AddField(
            model_name="housingcase",
            name="open_applicant",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.person",
            ),
        ),
        migrations.AddField(
            model_name="housingcase",
            name="open_household",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.household",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        # The backfill's updates leave deferred foreign-key checks pending, and
        # PostgreSQL builds no index on a table with pending trigger events.
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="housingcase",
            index=models.Index(
                condition=models.Q(("address_key", ""), _negated=True),
                fields=["address_key"],
                name="housing_address_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="housingcase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("open_applicant__isnull", False)),
                fields=("open_applicant",),
                name="housing_one_open_case_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="housingcase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("open_household__isnull", False)),
                fields=("open_household",),
                name="housing_one_open_case_per_household",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
