"""The dashboard's tables, charts and workbook, from one definition.

Each section is a `Table` (headers, raw rows, which columns are money, a total
row) plus its chart; the page shows the chart with the same table under it,
and the .xlsx export writes the same tables, one sheet each, so what is
downloaded is what was shown.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.exports.tabular import set_cell
from cases.official.docx import FONT, LEFT, RIGHT, Column
from cases.official.xlsx import data_table, to_bytes
from cases.reporting.charts import (
    NARROW,
    PALETTE,
    WIDE,
    Series,
    bar_chart,
    compact_money,
    line_chart,
)
from cases.reporting.dashboard import (
    Dashboard,
    Overdue,
    StateCount,
    month_starts,
    process_labels,
)
from cases.reporting.dashboard_allowances import allowance_tables
from cases.reporting.dashboard_communes import former_note
from cases.reporting.dashboard_table import Table
from workflows import formatting

# Chart labels of the processes that share a chart (the rehab dashboard).
SHORT_PROCESS_LABELS: dict[str, Any] = {
    "rehab_compulsory": gettext_lazy("Compulsory"),
    "rehab_voluntary": gettext_lazy("Voluntary"),
}


def short_process_label(process: str) -> str:
    """A word or two for chart labels: 'Compulsory', 'Voluntary', 'Housing'."""
    return str(SHORT_PROCESS_LABELS.get(process) or process_labels().get(process, process))


def _state_table(
    key: str, title: str, rows: list[StateCount], desc: str, *, sheet: str, wide: bool = False
) -> Table:
    single = len({r.process for r in rows}) <= 1
    # A short process prefix: the full process name would cut the state off.
    labels = [
        r.state_label if single else f"{short_process_label(r.process)} · {r.state_label}"
        for r in rows
    ]
    return Table(
        key=key,
        title=title,
        sheet=sheet,
        wide=wide,
        headers=[_("Process"), _("State"), _("Cases")],
        rows=[[r.process_label, r.state_label, r.count] for r in rows],
        total=[_("Total"), "", sum(r.count for r in rows)] if rows else None,
        chart=bar_chart(
            title=title,
            desc=desc,
            labels=labels,
            series=[Series(_("Cases"), [r.count for r in rows])],
            empty=_("No case yet."),
            width=WIDE if wide else NARROW,
        ),
    )


def _overdue_tables(
    prefix: str, title: str, overdue: Overdue, *, sheets: tuple[str, str]
) -> list[Table]:
    counts = Table(
        key=f"{prefix}overdue",
        title=title,
        sheet=sheets[0],
        headers=[_("Process"), _("Overdue tasks")],
        rows=[[label, n] for label, n in overdue.by_process],
        total=[_("Total"), overdue.total] if overdue.by_process else None,
        chart=bar_chart(
            title=title,
            desc=_("Open tasks past their due date, by process."),
            labels=[label for label, _n in overdue.by_process],
            series=[Series(_("Overdue tasks"), [n for _l, n in overdue.by_process])],
            empty=_("No task is overdue."),
        ),
    )
    oldest = Table(
        key=f"{prefix}overdue_oldest",
        title=_("Longest overdue tasks"),
        sheet=sheets[1],
        headers=[
            _("Reference"),
            _("Process"),
            _("Commune"),
            _("Step"),
            _("Due on"),
            _("Days late"),
        ],
        rows=[
            [
                t.reference,
                t.process_label,
                t.commune,
                t.step,
                formatting.vn_date(t.deadline.due_on),
                t.days_late,
            ]
            for t in overdue.oldest
        ],
    )
    return [counts, oldest]


def dashboard_tables(dash: Dashboard) -> list[Table]:
    """The sections the user may see, in page order."""
    tables: list[Table] = []
    if dash.general:
        tables.append(
            _state_table(
                "by_state",
                _("Cases by process and state, created %(period)s") % {"period": _period(dash)},
                dash.by_state,
                _("Number of cases created in the period in each state, for every process."),
                sheet=_("Cases by state"),
            )
        )
        assert dash.overdue is not None
        tables += _overdue_tables(
            "",
            _("Overdue tasks (as of today)"),
            dash.overdue,
            sheets=(_("Overdue tasks"), _("Longest overdue")),
        )
        tables.append(_budget_table(dash))
        tables.append(_months_table(dash))
        tables.append(_communes_table(dash))
        tables.append(_gifts_table(dash))
        tables += allowance_tables(
            dash.allowances,
            month_starts(dash.months_from, dash.months_to),
            dash.communes,
            _period(dash),
        )
    if dash.rehab:
        tables.append(
            _state_table(
                "rehab_by_state",
                _("Drug rehab cases by process and state (all time)"),
                dash.rehab_by_state,
                _("Number of drug rehab cases in each state."),
                sheet=_("Drug rehab cases"),
                wide=True,
            )
        )
        assert dash.rehab_overdue is not None
        tables += _overdue_tables(
            "rehab_",
            _("Overdue drug rehab tasks (as of today)"),
            dash.rehab_overdue,
            sheets=(_("Drug rehab overdue"), _("Drug rehab longest overdue")),
        )
    return tables


def _period(dash: Dashboard) -> str:
    """'01/2025 – 12/2025': the months of the chosen year or the last 12 months."""
    last = dash.months_to - dt.timedelta(days=1)
    return f"{dash.months_from:%m/%Y} – {last:%m/%Y}"


def _budget_table(dash: Dashboard) -> Table:
    title = _("Budget %(year)s by program and funding source") % {"year": dash.year}
    rows = dash.budget
    series = [
        Series(_("Reserved"), [r.committed for r in rows], PALETTE[1]),
        Series(_("Disbursed"), [r.disbursed for r in rows], PALETTE[2]),
    ]
    if dash.district_budget:
        series.insert(0, Series(_("Allocated"), [r.allocated or 0 for r in rows], PALETTE[0]))
    total = [
        _("Total"),
        "",
        sum(r.allocated or 0 for r in rows) if dash.district_budget else None,
        sum(r.committed for r in rows),
        sum(r.disbursed for r in rows),
    ]
    return Table(
        key="budget",
        title=title,
        sheet=_("Budget %(year)s") % {"year": dash.year},
        headers=[_("Program"), _("Funding source"), _("Allocated"), _("Reserved"), _("Disbursed")],
        rows=[
            [r.program_label, r.source_label, r.allocated, r.committed, r.disbursed] for r in rows
        ],
        money={2, 3, 4},
        total=total if rows else None,
        note=""
        if dash.district_budget
        else _(
            "Budgets are allocated district-wide: the figures are what was reserved for "
            "and paid to your commune's cases."
        ),
        chart=bar_chart(
            title=title,
            desc=_("Allocated, reserved and disbursed amounts in đồng."),
            labels=[r.label for r in rows],
            series=series,
            fmt=compact_money,
            empty=_("No budget for this year."),
            width=WIDE,
        ),
    )


def _months_table(dash: Dashboard) -> Table:
    title = _("Disbursements %(start)s – %(end)s") % {
        "start": dash.months_from.strftime("%m/%Y"),
        "end": (dash.months_to - dt.timedelta(days=1)).strftime("%m/%Y"),
    }
    rows = dash.months
    return Table(
        key="months",
        title=title,
        sheet=_("Disbursements by month"),
        headers=[_("Month"), _("Payments"), _("Amount")],
        rows=[[m.month, m.payments, m.amount] for m in rows],
        money={2},
        total=[_("Total"), sum(m.payments for m in rows), sum(m.amount for m in rows)],
        chart=line_chart(
            title=title,
            desc=_("Amount paid to housing cases each month, in đồng."),
            labels=[m.month.strftime("%m/%y") for m in rows],
            values=[m.amount for m in rows],
            fmt=compact_money,
        ),
    )


def _communes_table(dash: Dashboard) -> Table:
    title = _("Cases by commune, created %(period)s") % {"period": _period(dash)}
    rows = dash.communes
    return Table(
        key="communes",
        title=title,
        sheet=_("Cases by commune"),
        headers=[_("Commune"), _("Cases"), _("Approved"), _("Disbursed")],
        rows=[[c.label, c.cases, c.approved, c.disbursed] for c in rows],
        money={2, 3},
        total=[
            _("Total"),
            sum(c.cases for c in rows),
            sum(c.approved for c in rows),
            sum(c.disbursed for c in rows),
        ]
        if rows
        else None,
        note=former_note(rows),
        chart=bar_chart(
            title=title,
            desc=_("Number of cases created in the period in each commune."),
            labels=[c.label for c in rows],
            series=[Series(_("Cases"), [c.cases for c in rows])],
            width=WIDE,
        ),
    )


def _gifts_table(dash: Dashboard) -> Table:
    title = _("Gifts delivered in %(year)s by funding source") % {"year": dash.year}
    rows = dash.gifts
    return Table(
        key="gifts",
        title=title,
        sheet=_("Gifts %(year)s") % {"year": dash.year},
        headers=[_("Funding source"), _("Gifts"), _("Amount")],
        rows=[[r.label, r.gifts, r.amount] for r in rows],
        money={2},
        total=[_("Total"), sum(r.gifts for r in rows), sum(r.amount for r in rows)]
        if rows
        else None,
        chart=bar_chart(
            title=title,
            desc=_("Number of gifts delivered and their amount in đồng, by funding source."),
            labels=[r.label for r in rows],
            series=[Series(_("Amount"), [r.amount for r in rows])],
            fmt=compact_money,
            empty=_("No gift delivered this year."),
        ),
    )


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique. A
    longer title (a translation) is cut at a word, never mid-word."""
    base = _SHEET_FORBIDDEN.sub("-", text).strip()
    if len(base) > 31:
        cut = base[:32]  # a space after the 31st character keeps the last word
        base = (cut.rsplit(" ", 1)[0] if " " in cut else cut[:31]).rstrip(" ·,-–")
    name, i = base, 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def dashboard_workbook(tables: list[Table]) -> bytes:
    """One sheet per table: a title, then the bordered table with its total."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(sheet_title(table.sheet or table.title, taken))
        set_cell(ws, 1, 1, table.title).font = Font(name=FONT, bold=True, size=13)
        start = 3
        if table.note:
            set_cell(ws, 2, 1, table.note).font = Font(name=FONT, italic=True)
            start = 4
        numeric = table.numeric
        columns = [
            Column(h, 70 if j == 0 else 45, RIGHT if j in numeric else LEFT)
            for j, h in enumerate(table.headers)
        ]
        rows = [
            [v.strftime("%m/%Y") if isinstance(v, dt.date) else v for v in r] for r in table.rows
        ]
        data_table(
            ws,
            start,
            columns,
            rows,
            money_columns={j + 1 for j in table.money},
            total=table.total,
        )
    return to_bytes(wb)
