"""Seed the housing steps' time limits (working days).

domain.md §6: no legal processing time was found for housing support. The
commune (7), district (7) and approval (3) values follow the monthly social
allowance limits of NĐ 20/2021 Art. 8; payments and completion are guesses.
All are demo values for admins to correct in the admin.
"""

import datetime as dt

from django.db import migrations

NOTE = "Configurable demo value: no legal time limit found for housing support."
SINCE = dt.date(2021, 7, 1)  # NĐ 20/2021 in force
LIMITS = {
    "verify": 7,  # commune review
    "review": 7,  # district review (Phòng LĐTBXH)
    "approve": 3,  # district chairman's decision
    "disburse_advance": 5,
    "accept_completion": 30,
    "disburse_final": 5,
}


def seed(apps, schema_editor):
    StepTimeLimit = apps.get_model("workflows", "StepTimeLimit")
    for step, days in LIMITS.items():
        StepTimeLimit.objects.get_or_create(
            process="housing",
            step=step,
            effective_from=SINCE,
            defaults={"working_days": days, "note": NOTE},
        )


def unseed(apps, schema_editor):
    StepTimeLimit = apps.get_model("workflows", "StepTimeLimit")
    StepTimeLimit.objects.filter(process="housing", effective_from=SINCE, note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0002_calendar_and_time_limits")]

    operations = [migrations.RunPython(seed, unseed)]
