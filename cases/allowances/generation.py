"""Generating a commune's monthly payroll, set-based: a handful of INSERT ...
SELECT statements whatever the number of people (no per-person Python loop).

In one transaction, under the payroll's lock: the lines of a draft payroll
are replaced by
- the month's allowance of every entitlement that covers the month and is
  not suspended, at the rate in force that month;
- lines carried from earlier months (not paid, and carried by the
  accountant);
- arrears (truy lĩnh) for months owed and not fully paid: a decision whose
  start month is past or a resumption paying the suspended months back
  (`Entitlement.arrears_from`), or a rate added or edited after the previous
  payroll was generated with an effective date before this month. Owed minus
  what lines already hold, so arrears are never paid twice;
- one-off support due (funeral support of a beneficiary who died).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Min

from cases.allowances import partitions
from cases.allowances.models import (
    LINE_LIVE,
    AllowanceStandard,
    CategoryRate,
    EndReason,
    Entitlement,
    OneOffKind,
    Payroll,
)
from cases.allowances.rates import (
    RateRow,
    add_months,
    months_between,
    one_off_amounts,
    province_of,
    rate_table,
)

LINES = "allowances_payrollline"
LIVE_SQL = "(" + ", ".join(f"'{s}'" for s in LINE_LIVE) + ")"
COLUMNS = (
    "month, payroll_id, commune_id, entitlement_id, person_id, regime, category_id, "
    "for_month, kind, amount, state, unpaid_reason, note, carried_from, listed_name"
)
# A line's person's name (its place in the list), read by the person's key.
NAME = "(SELECT full_name FROM cases_person WHERE id = {}.person_id)"
# How far back carried lines and funeral support are looked for.
LOOKBACK_MONTHS = 12
RATE_MATCH = (
    "r.category_id = {e}.category_id AND (r.degree_from IS NULL OR "
    "{e}.degree BETWEEN r.degree_from AND r.degree_to)"
)


@dataclass
class Generated:
    regular: int = 0
    carried: int = 0
    arrears: int = 0
    one_off: int = 0
    revised_from: dict[str, str] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return self.regular + self.carried + self.arrears + self.one_off


def _rates_sql(rows: list[RateRow]) -> tuple[str, dict[str, Any]]:
    """The amounts in force as an SQL VALUES table r(month, category_id,
    degree_from, degree_to, amount), with its named parameters."""
    if not rows:
        return (
            "(SELECT NULL::date, NULL::bigint, NULL::int, NULL::int, NULL::bigint WHERE false)"
            " AS r(month, category_id, degree_from, degree_to, amount)",
            {},
        )
    params: dict[str, Any] = {}
    values = []
    for n, r in enumerate(rows):
        values.append(
            f"(%(rm{n})s::date, %(rc{n})s::bigint, %(rf{n})s::int, %(rt{n})s::int, "
            f"%(ra{n})s::bigint)"
        )
        params |= {
            f"rm{n}": r.month,
            f"rc{n}": r.category_id,
            f"rf{n}": r.degree_from,
            f"rt{n}": r.degree_to,
            f"ra{n}": r.amount,
        }
    table = f"(VALUES {', '.join(values)}) AS r(month, category_id, degree_from, degree_to, amount)"
    return table, params


def revised_rates(commune_id: int, month: dt.date) -> dict[str, dt.date]:
    """Regimes whose standard or category rate was added or changed after
    this commune's previous payroll was generated, with an effective date
    before `month`: the earliest such month by regime (arrears from there)."""
    prev = (
        Payroll.objects.filter(commune_id=commune_id, month__lt=month, generated_at__isnull=False)
        .order_by("-month")
        .values_list("generated_at", flat=True)
        .first()
    )
    if prev is None:
        return {}
    first_paid = Payroll.objects.filter(commune_id=commune_id).aggregate(m=Min("month"))["m"]
    found: dict[str, dt.date] = {}
    standards = (
        AllowanceStandard.objects.filter(updated_at__gt=prev, effective_from__lt=month)
        .values("regime")
        .annotate(m=Min("effective_from"))
    )
    rates = (
        CategoryRate.objects.filter(updated_at__gt=prev, effective_from__lt=month)
        .values("category__regime")
        .annotate(m=Min("effective_from"))
    )
    for regime, start in [(s["regime"], s["m"]) for s in standards] + [
        (r["category__regime"], r["m"]) for r in rates
    ]:
        start = max(start, first_paid) if first_paid else start
        found[regime] = min(found.get(regime, start), start)
    return found


def _arrears_window(commune_id: int, month: dt.date, revised: dict[str, dt.date]) -> dt.date:
    due = Entitlement.objects.filter(commune_id=commune_id, arrears_from__lt=month).aggregate(
        m=Min("arrears_from")
    )["m"]
    candidates = [m for m in [due, *revised.values()] if m is not None]
    return min(candidates) if candidates else month


def _one_offs_sql(province_id: int | None, month: dt.date) -> tuple[str, dict[str, Any]]:
    """Funeral support in force for each month of the look-back, by regime, as
    an SQL VALUES table o(month, regime, amount)."""
    params: dict[str, Any] = {}
    values: list[str] = []
    months = months_between(add_months(month, -LOOKBACK_MONTHS), month)
    amounts = one_off_amounts(kind=OneOffKind.FUNERAL, province_id=province_id, months=months)
    for (regime, m), amount in sorted(amounts.items()):
        n = len(values)
        values.append(f"(%(om{n})s::date, %(og{n})s::text, %(oa{n})s::bigint)")
        params |= {f"om{n}": m, f"og{n}": regime, f"oa{n}": amount}
    if not values:
        return (
            "(SELECT NULL::date, NULL::text, NULL::bigint WHERE false) AS o(month, regime, amount)",
            {},
        )
    return f"(VALUES {', '.join(values)}) AS o(month, regime, amount)", params


REGULAR_SQL = """
INSERT INTO {lines} ({columns})
SELECT %(M)s, %(P)s, e.commune_id, e.id, e.person_id, e.regime, e.category_id,
       %(M)s, 'regular', r.amount, 'listed', '', '', NULL, {name_e}
FROM allowances_entitlement e
JOIN {rates} ON r.month = %(M)s AND {match_e}
WHERE e.commune_id = %(C)s AND e.start_month <= %(M)s
  AND (e.end_month IS NULL OR e.end_month >= %(M)s)
  AND NOT EXISTS (
    SELECT 1 FROM allowances_suspension s
    WHERE s.entitlement_id = e.id AND s.from_month <= %(M)s
      AND (s.to_month IS NULL OR (s.to_month >= %(M)s AND NOT s.pay_back)))
"""

CARRIED_SQL = """
INSERT INTO {lines} ({columns})
SELECT %(M)s, %(P)s, l.commune_id, l.entitlement_id, l.person_id, l.regime, l.category_id,
       l.for_month, l.kind, l.amount, 'listed', '', l.note, l.id, {name_l}
FROM {lines} l
WHERE l.commune_id = %(C)s AND l.state = 'carried'
  AND l.month < %(M)s AND l.month >= %(lookback)s
  AND NOT EXISTS (SELECT 1 FROM {lines} n WHERE n.carried_from = l.id)
"""

# Owed minus what live lines (and lines returned outside a paid-back
# suspension) already hold, for each candidate entitlement and month.
ARREARS_SQL = """
WITH cand AS (
  SELECT e.id, e.person_id, e.regime, e.category_id, e.degree, e.commune_id,
         GREATEST(e.start_month, LEAST(
            COALESCE(e.arrears_from, 'infinity'::date),
            COALESCE(rv.from_month, 'infinity'::date))) AS lo,
         LEAST(COALESCE(e.end_month, %(last)s), %(last)s) AS hi
  FROM allowances_entitlement e
  LEFT JOIN unnest(%(regimes)s::text[], %(froms)s::date[]) AS rv(regime, from_month)
    ON rv.regime = e.regime
  WHERE e.commune_id = %(C)s
    AND (e.arrears_from < %(M)s OR rv.regime IS NOT NULL)
),
owed AS (
  SELECT c.*, m::date AS for_month, r.amount
  FROM cand c
  CROSS JOIN LATERAL generate_series(c.lo, c.hi, interval '1 month') AS m
  JOIN {rates} ON r.month = m::date AND {match_c}
  WHERE NOT EXISTS (
    SELECT 1 FROM allowances_suspension s
    WHERE s.entitlement_id = c.id AND s.from_month <= m::date
      AND (s.to_month IS NULL OR s.to_month >= m::date) AND NOT s.pay_back)
),
due AS (
  SELECT o.*, o.amount - COALESCE((
    SELECT SUM(l.amount) FROM {lines} l
    WHERE l.entitlement_id = o.id AND l.for_month = o.for_month
      AND l.month >= o.for_month AND l.month <= %(M)s
      AND l.kind IN ('regular', 'arrears')
      AND (l.state IN {live} OR (l.state = 'returned' AND NOT EXISTS (
            SELECT 1 FROM allowances_suspension s
            WHERE s.entitlement_id = o.id AND s.pay_back
              AND s.from_month <= o.for_month AND s.to_month >= o.for_month)))
  ), 0) AS still_owed
  FROM owed o
)
INSERT INTO {lines} ({columns})
SELECT %(M)s, %(P)s, d.commune_id, d.id, d.person_id, d.regime, d.category_id,
       d.for_month, 'arrears', d.still_owed, 'listed', '', '', NULL, {name_d}
FROM due d WHERE d.still_owed > 0
"""

ONE_OFF_SQL = """
INSERT INTO {lines} ({columns})
SELECT %(M)s, %(P)s, e.commune_id, e.id, e.person_id, e.regime, e.category_id,
       o.month, 'one_off', o.amount, 'listed', '', '', NULL, {name_e}
FROM allowances_entitlement e
JOIN {one_offs} ON o.regime = e.regime AND o.month = date_trunc('month', e.died_on)::date
WHERE e.commune_id = %(C)s AND e.end_reason = %(death)s AND e.died_on IS NOT NULL
  AND e.end_month <= %(M)s AND e.end_month >= %(lookback)s
  AND NOT EXISTS (
    SELECT 1 FROM {lines} l
    WHERE l.entitlement_id = e.id AND l.kind = 'one_off' AND l.state <> 'carried'
      AND l.month >= e.end_month AND l.month <= %(M)s)
"""


def generate(payroll: Payroll) -> Generated:
    """Replace a draft payroll's lines (the caller holds its lock and checked
    its state). Five statements write, whatever the number of people."""
    month, commune_id = payroll.month, payroll.commune_id
    partitions.ensure(month)
    province_id = province_of(commune_id)
    revised = revised_rates(commune_id, month)
    low = _arrears_window(commune_id, month, revised)
    rates, rate_params = _rates_sql(rate_table(province_id, months_between(low, month)))
    one_offs, one_off_params = _one_offs_sql(province_id, month)
    out = Generated(revised_from={k: v.isoformat() for k, v in revised.items()})
    params: dict[str, Any] = {
        "M": month,
        "P": payroll.pk,
        "C": commune_id,
        "last": add_months(month, -1),
        "lookback": add_months(month, -LOOKBACK_MONTHS),
        "regimes": list(revised),
        "froms": list(revised.values()),
        "death": EndReason.DEATH.value,
        **rate_params,
        **one_off_params,
    }
    fmt = {
        "lines": LINES,
        "columns": COLUMNS,
        "rates": rates,
        "one_offs": one_offs,
        "live": LIVE_SQL,
        "match_e": RATE_MATCH.format(e="e"),
        "match_c": RATE_MATCH.format(e="c"),
        **{f"name_{t}": NAME.format(t) for t in "eld"},
    }
    with connection.cursor() as cur:
        # The planner's estimates for the VALUES and generate_series tables are
        # high enough to trigger JIT compilation, which costs about a second
        # per statement here for a few milliseconds of work. Off for these
        # statements only: the caller's transaction gets its setting back.
        cur.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        (jit,) = cur.fetchone()[:1]
        cur.execute(f"DELETE FROM {LINES} WHERE month = %(M)s AND payroll_id = %(P)s", params)
        counts = []
        for sql in (REGULAR_SQL, CARRIED_SQL, ARREARS_SQL, ONE_OFF_SQL):
            cur.execute(sql.format(**fmt), params)
            counts.append(cur.rowcount)
        cur.execute("SELECT set_config('jit', %s, true)", [jit])
    out.regular, out.carried, out.arrears, out.one_off = counts
    return out
