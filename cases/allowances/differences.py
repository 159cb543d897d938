"""What changed from a commune's previous payroll, worked out set-based when
a payroll's lines are generated (and again when the previous month's lines
are settled), so the reviewer's page reads them instead of comparing two
months of lines on every view.

By person and regime, regular lines of the month against the previous
payroll's live ones: newly paid, no longer paid, amount changed; plus this
month's arrears, one-off and carried lines. The people go to
PayrollChange; the payroll keeps the month compared with and the count and
amount of each kind of change."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection

from cases.allowances.models import Payroll
from cases.allowances.rates import add_months

CHANGES_SQL = """
WITH prev_payroll AS (
  SELECT id FROM allowances_payroll WHERE commune_id = %(C)s AND month = %(PM)s
), cur AS (
  SELECT person_id, regime, SUM(amount) AS amount FROM allowances_payrollline
  WHERE month = %(M)s AND payroll_id = %(P)s AND kind = 'regular' AND for_month = %(M)s
  GROUP BY person_id, regime
), prev AS (
  SELECT person_id, regime, SUM(amount) AS amount FROM allowances_payrollline
  WHERE month = %(PM)s AND payroll_id IN (SELECT id FROM prev_payroll)
    AND kind = 'regular' AND for_month = %(PM)s
    AND state NOT IN ('carried', 'returned')
  GROUP BY person_id, regime
), diff AS (
  SELECT COALESCE(c.person_id, p.person_id) AS person_id,
         COALESCE(c.regime, p.regime) AS regime,
         COALESCE(p.amount, 0) AS before, COALESCE(c.amount, 0) AS after,
         CASE WHEN p.person_id IS NULL THEN 'new'
              WHEN c.person_id IS NULL THEN 'stopped'
              WHEN c.amount <> p.amount THEN 'changed' END AS change
  FROM cur c FULL OUTER JOIN prev p ON p.person_id = c.person_id AND p.regime = c.regime
), extra AS (
  SELECT person_id, regime, 0 AS before, amount AS after,
         CASE kind WHEN 'arrears' THEN 'arrears' WHEN 'one_off' THEN 'one_off'
                   ELSE 'carried' END AS change
  FROM allowances_payrollline
  WHERE month = %(M)s AND payroll_id = %(P)s AND (kind <> 'regular' OR for_month <> %(M)s)
)
INSERT INTO allowances_payrollchange
  (payroll_id, change, person_id, listed_name, regime, before, after)
SELECT %(P)s, d.change, d.person_id,
       (SELECT full_name FROM cases_person WHERE id = d.person_id), d.regime, d.before, d.after
FROM (SELECT * FROM diff WHERE change IS NOT NULL UNION ALL SELECT * FROM extra) d
"""

TOTALS_SQL = """
SELECT change, count(*), sum(after - before) FROM allowances_payrollchange
WHERE payroll_id = %(P)s GROUP BY change
"""


def compute(payroll: Payroll) -> None:
    """Replace the payroll's differences (the caller holds its lock, or the
    lock of the previous month's payroll whose lines moved)."""
    compute_by_key(payroll.pk, payroll.commune_id, payroll.month)


def compute_by_key(payroll_id: int, commune_id: int, month: dt.date) -> None:
    """`compute` in SQL only (migration 0007 fills the payrolls made before
    it with this). Five statements whatever the number of people."""
    params: dict[str, Any] = {
        "M": month,
        "P": payroll_id,
        "C": commune_id,
        "PM": add_months(month, -1),
    }
    with connection.cursor() as cur:
        cur.execute("DELETE FROM allowances_payrollchange WHERE payroll_id = %(P)s", params)
        cur.execute(CHANGES_SQL, params)
        cur.execute(TOTALS_SQL, params)
        totals = {change: [int(n), int(amount)] for change, n, amount in cur.fetchall()}
        cur.execute(
            "UPDATE allowances_payroll SET change_totals = %(T)s::jsonb, compared_month = "
            "(SELECT month FROM allowances_payroll WHERE commune_id = %(C)s AND month = %(PM)s) "
            "WHERE id = %(P)s",
            {**params, "T": json.dumps(totals)},
        )


def compute_following(payroll: Payroll) -> None:
    """The next month's payroll of the commune, if it exists, compares itself
    with this one: its differences again (this one's lines were generated
    again, or some of them carried or returned)."""
    following = Payroll.objects.filter(
        commune_id=payroll.commune_id, month=add_months(payroll.month, 1)
    ).first()
    if following is not None:
        compute(following)
