"""The dashboard's allowance figures: amounts paid and people paid per month
and regime, and per commune and regime, in the dashboard's period and the
user's scope (`cases.allowances.paid_figures`: a line counts in the month it
was paid). Two queries; the tables and charts follow `dashboard_output`.

By commune, the lines are those of the by-commune table
(`cases.reporting.dashboard_communes`): across a reorganisation a former
commune's payments may go on its successor's line, counted there in SQL so
that a person paid in both (their allowance moved with the merge) counts once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.utils.translation import gettext as _

from cases.allowances.models import Regime
from cases.allowances.paid_figures import PaidRow, paid_by_commune, paid_by_month, paid_lines
from cases.reporting.charts import PALETTE, WIDE, Series, bar_chart, compact_money
from cases.reporting.dashboard_communes import CommuneRow, former_note
from cases.reporting.dashboard_table import Table
from workflows.actors import Reader

REGIMES = (Regime.MERIT, Regime.SOCIAL)


@dataclass
class AllowancePaid:
    """Rows of (key, regime): the month's first day or the commune's id."""

    by_month: list[PaidRow] = field(default_factory=list)
    by_commune: list[PaidRow] = field(default_factory=list)


def allowances_paid(
    user: Reader, start: dt.date, end: dt.date, regroup: dict[int, int] | None = None
) -> AllowancePaid:
    """Payments in [start, end) (the dashboard's period, end exclusive); by
    commune, each commune of `regroup` (unit id -> line's unit id) counted
    on its line."""
    last = end - dt.timedelta(days=1)
    by_commune = (
        _paid_by_line(user, start, last, regroup) if regroup else paid_by_commune(user, start, last)
    )
    return AllowancePaid(paid_by_month(user, start, last), by_commune)


def _paid_by_line(
    user: Reader, start: dt.date, last: dt.date, regroup: dict[int, int]
) -> list[PaidRow]:
    """`paid_by_commune`, keyed by line: one query."""
    members: dict[int, list[int]] = {}
    for unit, line in regroup.items():
        members.setdefault(line, []).append(unit)
    key = Case(
        *(When(commune_id__in=ids, then=Value(line)) for line, ids in members.items()),
        default=F("commune_id"),
        output_field=IntegerField(),
    )
    rows = (
        paid_lines(user, start, last)
        .annotate(line=key)
        .values("line", "regime")
        .annotate(people=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by("line", "regime")
    )
    return [PaidRow(r["line"], r["regime"], r["people"], r["amount"] or 0) for r in rows]


def _by_key(rows: list[PaidRow]) -> dict[Any, dict[str, PaidRow]]:
    out: dict[Any, dict[str, PaidRow]] = {}
    for r in rows:
        out.setdefault(r.key, {})[r.regime] = r
    return out


def _cells(found: dict[str, PaidRow]) -> list[int]:
    """people and amount of each regime, then the total amount."""
    cells: list[int] = []
    for regime in REGIMES:
        row = found.get(regime)
        cells += [row.people if row else 0, row.amount if row else 0]
    return [*cells, sum(r.amount for r in found.values())]


def _headers(first: str) -> list[str]:
    return [
        first,
        _("People (merit)"),
        _("Paid (merit)"),
        _("People (social protection)"),
        _("Paid (social protection)"),
        _("Total paid"),
    ]


MONEY = {2, 4, 5}


def _total(rows: list[list[Any]], *, people: bool) -> list[Any] | None:
    """Amounts summed; people only across communes (each month pays the same
    people again, so a sum over months would count them several times)."""
    if not rows:
        return None
    return [
        _("Total"),
        sum(r[1] for r in rows) if people else None,
        sum(r[2] for r in rows),
        sum(r[3] for r in rows) if people else None,
        sum(r[4] for r in rows),
        sum(r[5] for r in rows),
    ]


def _series(rows: list[list[Any]]) -> list[Series]:
    return [
        Series(_("Merit"), [r[2] for r in rows], PALETTE[0]),
        Series(_("Social protection"), [r[4] for r in rows], PALETTE[1]),
    ]


def allowance_tables(paid: AllowancePaid, months: list[dt.date], communes: list[CommuneRow],
                     period: str) -> list[Table]:  # fmt: skip
    """The two tables (with their charts): by month (every month of the
    period, zeros too) and by commune (every commune the user sees)."""
    by_month = _by_key(paid.by_month)
    month_rows = [[m, *_cells(by_month.get(m, {}))] for m in months]
    title = _("Allowances paid %(period)s") % {"period": period}
    month_table = Table(
        key="allowances_months",
        title=title,
        sheet=_("Allowances by month"),
        wide=True,
        headers=_headers(_("Month")),
        rows=month_rows,
        money=MONEY,
        total=_total(month_rows, people=False),
        chart=bar_chart(
            title=title,
            desc=_("Monthly allowances paid each month by regime, in đồng."),
            labels=[m.strftime("%m/%y") for m in months],
            series=_series(month_rows),
            fmt=compact_money,
            width=WIDE,
        ),
    )
    by_commune = _by_key(paid.by_commune)
    commune_rows: list[list[Any]] = [
        [c.label, *_cells(by_commune.get(c.commune_id, {}))] for c in communes
    ]
    title = _("Allowances paid by commune, %(period)s") % {"period": period}
    commune_table = Table(
        key="allowances_communes",
        title=title,
        sheet=_("Allowances by commune"),
        wide=True,
        headers=_headers(_("Commune")),
        rows=commune_rows,
        money=MONEY,
        total=_total(commune_rows, people=True),
        note=former_note(communes),
        chart=bar_chart(
            title=title,
            desc=_("Monthly allowances paid in the period in each commune by regime, in đồng."),
            labels=[r[0] for r in commune_rows],
            series=_series(commune_rows),
            fmt=compact_money,
            width=WIDE,
        ),
    )
    return [month_table, commune_table]
