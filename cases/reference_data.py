"""Reference data seeded by data migrations, made available again on demand.

The data migrations are the source: the housing and gift-list step time
limits, the housing one-stop procedure and support frequency rules, and
drug rehab's procedure versions, time limits, checklists and rates. A
database emptied by a transactional test (flush), or restored without them,
gets them back from the same code;
each seed is idempotent (get_or_create).
"""

from __future__ import annotations

import importlib

from django.apps import apps

from workflows.models import OneStopProcedure, ProcedureVersion, StepTimeLimit

SEEDING_MIGRATIONS = [
    "workflows.migrations.0003_housing_step_time_limits",
    "workflows.migrations.0007_housing_one_stop_procedure",
    "workflows.migrations.0008_gift_list_step_time_limits",
    "cases.migrations.0009_rehab_reference_data",
    "cases.migrations.0014_housing_duplicates",
    "cases.allowances.migrations.0004_step_time_limits",
]


def ensure_reference_data() -> None:
    """Run the data migrations' seeds again when their data is missing."""

    if (
        ProcedureVersion.objects.exists()
        and OneStopProcedure.objects.exists()
        and StepTimeLimit.objects.filter(process="gift_list").exists()
        and apps.get_model("allowances", "AllowanceCategory").objects.exists()
    ):
        return
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)
