"""Scoped reads of the allowances: dossiers, entitlements, payrolls and their
lines, and what changed in a payroll since the commune's previous month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery

from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    AllowanceCase,
    Entitlement,
    Payroll,
    PayrollLine,
    RecuperationList,
)
from cases.allowances.rates import add_months
from cases.models import Person
from workflows.actors import Reader
from workflows.models import AuditEvent
from workflows.permissions import get_or_not_found, get_scoped_or_404, scoped
from workflows.text import clean_text, fold_search_q, national_id_terms


def allowance_cases_for_user(user: Reader) -> QuerySet[AllowanceCase]:
    return scoped(AllowanceCase, user)


def allowance_case_get(user: Reader, pk: Any) -> AllowanceCase:
    """Fetch and authorize in one call: another commune's dossier is 'not found'."""
    return get_scoped_or_404(
        AllowanceCase.objects.select_related("commune", "applicant", "category", "replaces"),
        user,
        pk,
    )


def entitlements_for_user(user: Reader) -> QuerySet[Entitlement]:
    return scoped(Entitlement, user)


def entitlement_get(user: Reader, pk: Any) -> Entitlement:
    return get_scoped_or_404(
        Entitlement.objects.select_related("person", "category", "commune", "previous"),
        user,
        pk,
    )


def entitlement_search(
    user: Reader,
    *,
    commune: int | None = None,
    regime: str = "",
    category: int | None = None,
    state: str = "",
    q: str = "",
) -> QuerySet[Entitlement]:
    """The user's entitlements, filtered; `q` is a national ID or part of the
    person's name, with or without diacritics."""
    qs = entitlements_for_user(user)
    if commune:
        qs = qs.filter(commune_id=commune)
    if regime:
        qs = qs.filter(regime=regime)
    if category:
        qs = qs.filter(category_id=category)
    if state:
        qs = qs.filter(state=state)
    q = clean_text(q or "")
    ids = national_id_terms(q)
    if ids:
        qs = qs.filter(person__national_id__in=ids)
    elif q:
        qs = qs.filter(fold_search_q("person__full_name_folded", q))
    return qs


def payrolls_for_user(user: Reader) -> QuerySet[Payroll]:
    return scoped(Payroll, user)


def payroll_get(user: Reader, pk: Any, *, for_update: bool = False) -> Payroll:
    rows = scoped(Payroll.objects.select_related("commune"), user)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    row: Payroll = get_or_not_found(rows, pk)
    return row


def entitlement_of_case(case: AllowanceCase) -> Entitlement | None:
    """The entitlement a decided dossier (which the caller holds) created."""
    return Entitlement.objects.filter(case_id=case.pk).order_by("id").first()


def entitlement_following(ent: Entitlement) -> Entitlement | None:
    """The entitlement continuing one the caller holds (a transfer, a change)."""
    return Entitlement.objects.filter(previous_id=ent.pk).select_related("commune").first()


def line_events(line_ids: list[int], stamp_ids: set[int]) -> list[AuditEvent]:
    """The events that moved lines the caller read through its scope: their
    own, and the batch events their stamps point at (one query)."""
    own = Q(object_type="allowances.payrollline", object_id__in=[str(i) for i in line_ids])
    return list(
        AuditEvent.objects.filter(own | Q(pk__in=stamp_ids))
        .select_related("actor")
        .defer("data")
        .order_by("occurred_at", "id")
    )


def payroll_lines_for_user(user: Reader, payroll: Payroll) -> QuerySet[PayrollLine]:
    """A payroll's lines, read through the user's scope again (a line carries
    its commune)."""
    return scoped(payroll_lines(payroll), user)


def recuperation_lists_for_user(user: Reader) -> QuerySet[RecuperationList]:
    return scoped(RecuperationList, user)


def person_lines(user: Reader, person_id: int) -> QuerySet[PayrollLine]:
    """Every payroll line of a person the user may see, newest month first
    (the per-person history: which line, paid when, moved by which events)."""
    return scoped(PayrollLine.objects.filter(person_id=person_id), user).order_by(
        "-for_month", "-month", "kind"
    )


@dataclass
class Difference:
    person_id: int
    full_name: str
    regime: str
    before: int
    after: int


@dataclass
class Differences:
    """What changed from the commune's previous payroll (by person and regime,
    regular lines): new, stopped and changed amounts; and this month's
    arrears and one-off lines. Counts are exact; `rows` hold up to `limit`
    examples of each kind for the page."""

    previous_month: dt.date | None
    counts: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[Difference]] = field(default_factory=dict)


DIFF_SQL = """
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
), everything AS (
  SELECT * FROM diff WHERE change IS NOT NULL UNION ALL SELECT * FROM extra
), ranked AS (
  SELECT e.*, row_number() OVER (PARTITION BY change ORDER BY person_id) AS n,
         count(*) OVER (PARTITION BY change) AS total,
         sum(after - before) OVER (PARTITION BY change) AS delta
  FROM everything e
)
SELECT r.change, r.total, r.delta, r.person_id, p.full_name, r.regime, r.before, r.after
FROM ranked r JOIN cases_person p ON p.id = r.person_id
WHERE r.n <= %(limit)s
UNION ALL  -- one row with no change: the previous payroll exists
SELECT '', 0, 0, NULL, NULL, NULL, 0, 0 FROM prev_payroll
ORDER BY change, full_name
"""


def payroll_differences(payroll: Payroll, *, limit: int = 200) -> Differences:
    """What the reviewer checks: one query (the previous payroll found in it)."""
    previous = add_months(payroll.month, -1)
    out = Differences(previous_month=None)
    params: dict[str, Any] = {
        "M": payroll.month,
        "P": payroll.pk,
        "C": payroll.commune_id,
        "PM": previous,
        "limit": limit,
    }
    with connection.cursor() as cur:
        cur.execute(DIFF_SQL, params)
        for change, total, delta, person_id, name, regime, before, after in cur.fetchall():
            if not change:
                out.previous_month = previous
                continue
            out.counts[change] = int(total)
            out.amounts[change] = int(delta)
            out.rows.setdefault(change, []).append(
                Difference(person_id, name, regime, int(before), int(after))
            )
    return out


def lines_by_name(lines: QuerySet[PayrollLine]) -> QuerySet[PayrollLine]:
    """The (already scoped) lines in the list's order: by the person's name,
    then kind and id. The name is read per line by the person's key (a
    subquery), not by joining the people: joined, the planner hashes the whole
    people table (99 ms at 1,000,000 people for a payroll of 7,937 lines)."""
    name = Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("full_name")[:1])
    return (
        lines.select_related("person", "category")
        .annotate(person_name=name)
        .order_by("person_name", "kind", "id")
    )
