"""Register housing support as a one-stop procedure.

domain.md §6: no legal processing time was found for housing support. The
total, 17 working days, is the sum of the commune (7), district (7) and
decision (3) step limits seeded in 0003: a demo value for admins to correct.
"""

import datetime as dt

from django.db import migrations

NOTE = "Configurable demo value: no legal time limit found for housing support."
SINCE = dt.date(2021, 7, 1)


def seed(apps, schema_editor):
    OneStopProcedure = apps.get_model("workflows", "OneStopProcedure")
    OneStopProcedure.objects.get_or_create(
        process="housing",
        effective_from=SINCE,
        defaults={
            "name": "Hỗ trợ xây mới, sửa chữa nhà ở",
            "working_days": 17,
            "note": NOTE,
        },
    )


def unseed(apps, schema_editor):
    OneStopProcedure = apps.get_model("workflows", "OneStopProcedure")
    OneStopProcedure.objects.filter(process="housing", effective_from=SINCE, note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0006_one_stop_register")]

    operations = [migrations.RunPython(seed, unseed)]
