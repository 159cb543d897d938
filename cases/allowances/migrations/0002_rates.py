"""The standards, categories and rates shipped with the product (data)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from cases.allowances.reference import seed as seed_rates

    seed_rates(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("allowances", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
