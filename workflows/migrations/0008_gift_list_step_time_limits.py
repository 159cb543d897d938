"""Time limits (working days) of the commune gift-list steps.

No legal limit exists for these internal steps: demo values sized so that a
Tết list prepared in early January is handed out before Tết; admins correct
them in the admin (Thời hạn từng bước).
"""

import datetime as dt

from django.db import migrations

NOTE = "Configurable demo value: internal step of a gift campaign, no legal limit."
SINCE = dt.date(2021, 1, 1)
LIMITS = {
    "prepare": 10,
    "confirm": 3,
    "review": 5,
    "approve": 3,
    "distribute": 10,
    "close": 3,
}


def seed(apps, schema_editor):
    StepTimeLimit = apps.get_model("workflows", "StepTimeLimit")
    for step, days in LIMITS.items():
        StepTimeLimit.objects.get_or_create(
            process="gift_list",
            step=step,
            effective_from=SINCE,
            defaults={"working_days": days, "note": NOTE},
        )


def unseed(apps, schema_editor):
    StepTimeLimit = apps.get_model("workflows", "StepTimeLimit")
    StepTimeLimit.objects.filter(process="gift_list", effective_from=SINCE, note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0007_housing_one_stop_procedure")]

    operations = [migrations.RunPython(seed, unseed)]
