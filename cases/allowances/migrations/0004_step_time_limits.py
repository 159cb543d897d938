"""Time limits of the allowance steps (data; `reference.STEP_LIMITS`)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from cases.allowances.reference import seed as seed_rates
    from cases.allowances.reference import seed_step_limits

    seed_rates(apps, schema_editor)
    seed_step_limits(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("allowances", "0003_suspension_reason_in_audit"),
        ("workflows", "0019_audit_checkpoint"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
