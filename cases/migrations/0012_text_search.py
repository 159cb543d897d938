"""Stored text in NFC, search without diacritics, Vietnamese order (workflows.text).

- the registry's and the processes' free text as NormalizedCharField /
  NormalizedTextField (NFC, spaces collapsed, zero-width characters removed
  wherever it is written), and what is already stored cleaned the same way:
  one set-based UPDATE per column (PostgreSQL's normalize() and
  regexp_replace, the SQL of `workflows.text.clean_text_sql`);
- person and commune names in the ICU collation vi-x-icu, so that every
  ORDER BY over them is Vietnamese (Đ after D, "Tạ" before "Trịnh"). Changing
  a column's collation rebuilds its indexes ((commune, full_name) included);
- name search on `full_name_folded`, a stored generated column holding
  caseflow_fold(full_name) (workflows 0017), whose trigram index replaces the
  one on UPPER(full_name) of migration 0004, which nothing reads any more.
"""

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

import workflows.text


def clean_stored_text(apps: Any, schema_editor: Any) -> None:
    workflows.text.clean_stored_text(apps, schema_editor, "cases")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_person_registries"),
        ("workflows", "0017_text_search"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS person_name_trgm",
            "CREATE INDEX person_name_trgm ON cases_person "
            "USING gin (UPPER(full_name) gin_trgm_ops)",
        ),
        migrations.AlterField(
            model_name="administrativeunit",
            name="name",
            field=workflows.text.NormalizedCharField(
                db_collation="vi-x-icu", max_length=120, verbose_name="name"
            ),
        ),
        migrations.AlterField(
            model_name="campaign",
            name="decision",
            field=workflows.text.NormalizedCharField(
                blank=True,
                help_text="e.g. QĐ 1583/QĐ-CTN",
                max_length=300,
                verbose_name="legal basis",
            ),
        ),
        migrations.AlterField(
            model_name="campaign",
            name="name",
            field=workflows.text.NormalizedCharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="campaignbudget",
            name="donor",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="donor"
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="original_name",
            field=workflows.text.NormalizedCharField(max_length=255),
        ),
        migrations.AlterField(
            model_name="documentrequirement",
            name="label",
            field=workflows.text.NormalizedCharField(max_length=200, verbose_name="label"),
        ),
        migrations.AlterField(
            model_name="giftpackage",
            name="donor",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="donor"
            ),
        ),
        migrations.AlterField(
            model_name="giftpackage",
            name="name",
            field=workflows.text.NormalizedCharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="giftrecipient",
            name="note",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=300, verbose_name="note"
            ),
        ),
        migrations.AlterField(
            model_name="giftrecipient",
            name="proxy_name",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="proxy's name"
            ),
        ),
        migrations.AlterField(
            model_name="giftrecipient",
            name="proxy_relationship",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=100, verbose_name="proxy's relationship"
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="address",
            field=workflows.text.NormalizedCharField(max_length=255, verbose_name="address"),
        ),
        migrations.AlterField(
            model_name="household",
            name="number",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=32, verbose_name="household number"
            ),
        ),
        migrations.AlterField(
            model_name="housingcap",
            name="legal_basis",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="legal basis"
            ),
        ),
        migrations.AlterField(
            model_name="housingcase",
            name="decision_number",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=50, verbose_name="decision number"
            ),
        ),
        migrations.AlterField(
            model_name="housingcase",
            name="description",
            field=workflows.text.NormalizedTextField(
                blank=True, verbose_name="current condition of the house"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="address",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=255, verbose_name="address"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="full_name",
            field=workflows.text.NormalizedCharField(
                db_collation="vi-x-icu", max_length=120, verbose_name="full name"
            ),
        ),
        migrations.AlterField(
            model_name="postrehabcheckin",
            name="note",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=500, verbose_name="note"
            ),
        ),
        migrations.AlterField(
            model_name="rehabcase",
            name="certificate_number",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=50, verbose_name="completion certificate number (Mẫu 54)"
            ),
        ),
        migrations.AlterField(
            model_name="rehabreferral",
            name="centre_name",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="rehab centre"
            ),
        ),
        migrations.AlterField(
            model_name="rehabreferral",
            name="court_name",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="court"
            ),
        ),
        migrations.AlterField(
            model_name="rehabreferral",
            name="decision_number",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=50, verbose_name="court decision number"
            ),
        ),
        migrations.AlterField(
            model_name="rehabreferral",
            name="pending_facility",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="facility (while pending)"
            ),
        ),
        migrations.AlterField(
            model_name="rehabreferral",
            name="violation_record_number",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=50, verbose_name="violation record number (Mẫu 27)"
            ),
        ),
        migrations.AlterField(
            model_name="rehabsupportrate",
            name="legal_basis",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="legal basis"
            ),
        ),
        migrations.AlterField(
            model_name="voluntaryrehab",
            name="decision_number",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=50, verbose_name="decision number"
            ),
        ),
        migrations.AlterField(
            model_name="voluntaryrehab",
            name="facility_name",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=200, verbose_name="facility"
            ),
        ),
        migrations.RunPython(clean_stored_text, migrations.RunPython.noop),
        # After the cleaning: the generated column is computed once, from clean names.
        migrations.AddField(
            model_name="person",
            name="full_name_folded",
            field=models.GeneratedField(
                db_persist=True,
                expression=workflows.text.Fold("full_name"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=GinIndex(
                fields=["full_name_folded"],
                name="person_name_fold_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ),
    ]
