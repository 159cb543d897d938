"""Monthly partitions of the payroll lines table (declarative partitioning).

Migration 0001 creates 01/2023–12/2027; a payroll for another month creates
its partition first (inside the generating transaction, so a failed
generation leaves no table behind)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from cases.allowances.rates import add_months

TABLE = "allowances_payrollline"


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_{month:%Y_%m}"


def ensure(month: dt.date) -> bool:
    """Create the partition holding `month` if it does not exist; True if created."""
    name = partition_name(month)
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cur.fetchone()[0]:
            return False
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
            [month, add_months(month, 1)],
        )
    return True
