"""Set-based fills of the monthly allowances for the benchmarks: communes
beyond Sóc Sơn's, people, active entitlements and months of payroll lines,
each one INSERT ... SELECT generate_series (or from the entitlements), with
every index and constraint of the real schema in place.

Used by bench/bench_payroll_generate.py and bench/bench_allowance_pages.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.common import insert_series, reset_sequence

# Five categories of both regimes (war invalids with a degree).
CATEGORIES = [
    ("than_nhan_1_liet_si", None),
    ("thuong_binh", 55),
    ("ba_me_vnah", None),
    ("nkt_nang", None),
    ("nkt_dac_biet_nang", None),
]


def communes_fill(units: dict[str, Any], n_communes: int) -> list[Any]:
    """Sóc Sơn's communes (of `seed_registry`'s units), then test communes of
    the same district up to `n_communes`; in id order."""
    from cases.models import AdministrativeUnit

    district = AdministrativeUnit.objects.get(level="district", code="016")
    communes = sorted((u for u in units.values() if u.level == "commune"), key=lambda u: u.pk)
    for i in range(len(communes), n_communes):
        communes.append(
            AdministrativeUnit.objects.create(
                level="commune", code=f"9{i:04d}", name=f"Xã Thử {i}", kind="xa", parent=district
            )
        )
    return communes[:n_communes]


def people_fill(n: int, commune_ids: list[int], *, start: int = 1) -> None:
    """People with ids start .. start + n - 1, spread over the communes. Their
    national IDs are a function of the id, the same as bench.case_list_sql's,
    so the two fills never collide when their ids do not."""
    from cases.models import Person

    if n <= 0:
        return
    insert_series(
        Person,
        n,
        {
            "id": "g",
            "full_name": "'Nguyễn Văn ' || g",
            "date_of_birth": "date '1950-01-01' + (g %% 20000)",
            "sex": "'M'",
            "national_id": "'0010' || lpad((60 + g / 1000000)::text, 2, '0') || "
            "lpad((g %% 1000000)::text, 6, '0')",
            "commune_id": "(%(communes)s::bigint[])[1 + g %% %(nc)s]",
            "categories": "ARRAY[]::varchar[]",
            "created_at": "now()",
        },
        {"communes": commune_ids, "nc": len(commune_ids)},
        start=start,
    )
    reset_sequence(Person)


def entitlements_fill(n: int, commune_ids: list[int], start_month: dt.date) -> None:
    """Entitlements 1..n, entitlement g for person g (who must exist), active
    from `start_month`, spread over the communes and the five categories."""
    from cases.allowances.models import AllowanceCategory, Entitlement

    cats = {c.code: c for c in AllowanceCategory.objects.all()}
    chosen = [cats[code] for code, _deg in CATEGORIES]
    insert_series(
        Entitlement,
        n,
        {
            "id": "g",
            "person_id": "g",
            "regime": "(%(regimes)s::text[])[1 + g %% 5]",
            "category_id": "(%(cats)s::bigint[])[1 + g %% 5]",
            "degree": "NULLIF((%(degrees)s::int[])[1 + g %% 5], 0)",
            "commune_id": "(%(communes)s::bigint[])[1 + g %% %(nc)s]",
            "state": "'active'",
            "start_month": "%(first_month)s",
            "created_at": "now()",
            "updated_at": "now()",
        },
        {
            "regimes": [c.regime for c in chosen],
            "cats": [c.pk for c in chosen],
            "degrees": [deg or 0 for _code, deg in CATEGORIES],
            "communes": commune_ids,
            "nc": len(commune_ids),
            "first_month": start_month,
        },
    )
    reset_sequence(Entitlement)


def amounts_by_category(month: dt.date, province_id: int | None) -> dict[int, int]:
    """The monthly amount of each category in `month` (war invalids at 55 %)."""
    from cases.allowances.rates import rate_table

    out: dict[int, int] = {}
    for row in rate_table(province_id, [month]):
        if row.degree_from is None or row.degree_from <= 55 <= (row.degree_to or 100):
            out[row.category_id] = row.amount
    return out


PAID_LINES_SQL = """
INSERT INTO {table} (month, payroll_id, commune_id, entitlement_id, person_id,
    regime, category_id, for_month, kind, amount, state, paid_on, unpaid_reason, note,
    listed_name)
SELECT %(M)s, p.id, e.commune_id, e.id, e.person_id, e.regime, e.category_id, %(M)s,
       'regular', r.amount, 'paid', %(paid_on)s, '', '', pe.full_name
FROM allowances_entitlement e
JOIN cases_person pe ON pe.id = e.person_id
JOIN allowances_payroll p ON p.commune_id = e.commune_id AND p.month = %(M)s
JOIN unnest(%(cats)s::bigint[], %(amounts)s::bigint[]) AS r(category_id, amount)
  ON r.category_id = e.category_id
WHERE e.start_month <= %(M)s
"""

TOTALS_SQL = """
UPDATE allowances_payroll p
SET line_count = s.n, total_amount = s.amount, paid_count = s.n, paid_amount = s.amount,
    tallies = jsonb_build_object(
        'kind', jsonb_build_object('regular', jsonb_build_array(s.n, s.amount)),
        'state', jsonb_build_object('paid', jsonb_build_array(s.n, s.amount)))
FROM (SELECT payroll_id, count(*) AS n, sum(amount) AS amount FROM allowances_payrollline
      WHERE month = %(M)s GROUP BY payroll_id) s
WHERE p.id = s.payroll_id
"""


def closed_month_fill(communes: list[Any], created_by: Any, month: dt.date) -> int:
    """A closed month: every commune's payroll (no process, as one closed
    before the engine ran) and a paid regular line for every entitlement
    started by then. Returns the number of lines.

    For speed the month's partition is filled as a table of its own (same
    columns, defaults and checks) and then attached: ATTACH PARTITION builds
    its indexes (the primary key, the unique and the other indexes of the
    lines) and checks its foreign keys and range in one pass each, rather
    than row by row; the partition ends up with everything the real one has."""
    from django.db import connection

    from cases.allowances import partitions
    from cases.allowances.models import Payroll
    from cases.allowances.rates import add_months, province_of

    Payroll.objects.bulk_create(
        [Payroll(commune=c, month=month, created_by=created_by) for c in communes]
    )
    amounts = amounts_by_category(month, province_of(communes[0].pk))
    args: dict[str, Any] = {
        "M": month,
        "paid_on": month.replace(day=10),
        "cats": list(amounts),
        "amounts": list(amounts.values()),
    }
    table, name = partitions.TABLE, partitions.partition_name(month)
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(PAID_LINES_SQL.format(table=name), args)
        lines = cur.rowcount
        cur.execute(
            f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
            [month, add_months(month, 1)],
        )
        cur.execute(TOTALS_SQL, args)
        cur.execute(
            "UPDATE allowances_payroll SET state = 'closed', generated_at = now() "
            "WHERE month = %(M)s",
            args,
        )
    return int(lines)
