"""Stored text in NFC and search without diacritics (workflows.text).

- the `unaccent` extension and the IMMUTABLE `caseflow_fold(text)` that the
  search of every app uses (the cases app's migration 0012 depends on this);
- the workflows tables' free text as NormalizedCharField/TextField, and what is
  already stored cleaned the same way (set-based UPDATEs). The audit trail is
  not touched: its rows are append-only and hash-chained; new reasons are
  cleaned before they are hashed, and the fold reads old ones as NFC;
- the audit explorer's text search: `reason_folded`, a stored generated
  column holding caseflow_fold(reason) (not hashed, not written by the
  audit code), with a trigram index that replaces the one on UPPER(reason),
  which nothing reads any more.
"""

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models

import workflows.text


def create_fold(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        (schema,) = cur.fetchone()
        cur.execute(workflows.text.fold_function_sql(schema_editor.quote_name(schema)))


def drop_fold(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {workflows.text.FOLD_FUNCTION}(text)")


def clean_stored_text(apps: Any, schema_editor: Any) -> None:
    workflows.text.clean_stored_text(apps, schema_editor, "workflows")


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0016_idempotency_endpoint_any_length"),
    ]

    operations = [
        # pg_trgm is there already (cases 0004, workflows 0012): reversing this
        # migration must not try to drop it.
        UnaccentExtension(),
        migrations.RunPython(create_fold, drop_fold),
        migrations.AlterField(
            model_name="apologyletter",
            name="reason",
            field=workflows.text.NormalizedTextField(verbose_name="reason for the delay"),
        ),
        migrations.AlterField(
            model_name="makeupworkday",
            name="reason",
            field=workflows.text.NormalizedCharField(max_length=200, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="officedayoff",
            name="reason",
            field=workflows.text.NormalizedCharField(max_length=200, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="onestopprocedure",
            name="name",
            field=workflows.text.NormalizedCharField(max_length=300, verbose_name="procedure name"),
        ),
        migrations.AlterField(
            model_name="onestopprocedure",
            name="note",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=300, verbose_name="note"
            ),
        ),
        migrations.AlterField(
            model_name="procedureversion",
            name="legal_basis",
            field=workflows.text.NormalizedCharField(max_length=300, verbose_name="legal basis"),
        ),
        migrations.AlterField(
            model_name="procedureversion",
            name="name",
            field=workflows.text.NormalizedCharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="procedureversion",
            name="note",
            field=workflows.text.NormalizedTextField(
                blank=True,
                help_text="What is not verified in the legal text, and why.",
                verbose_name="note",
            ),
        ),
        migrations.AlterField(
            model_name="steptimelimit",
            name="note",
            field=workflows.text.NormalizedCharField(
                blank=True, max_length=300, verbose_name="note"
            ),
        ),
        migrations.RunPython(clean_stored_text, migrations.RunPython.noop),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS audit_reason_trgm",
            "CREATE INDEX audit_reason_trgm ON workflows_auditevent "
            "USING gin (UPPER(reason) gin_trgm_ops)",
        ),
        migrations.AddField(
            model_name="auditevent",
            name="reason_folded",
            field=models.GeneratedField(
                db_persist=True,
                expression=workflows.text.Fold("reason"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=GinIndex(
                fields=["reason_folded"], name="audit_reason_fold_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
