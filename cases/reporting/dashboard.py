"""The dashboard's figures: scoped aggregate reads, a fixed number of queries.

Every figure is read through the same scope as the lists: commune roles see
their communes, district roles every commune. Drug-rehab figures are a
separate section, computed only for rehab roles (through
`rehab_cases_for_user`); the general figures exclude the rehab processes, so
a general user's dashboard never counts a rehab case, and a rehab role's
dashboard shows rehab figures only.

The year (or the last 12 months) picks the budgets, the payments, the gifts
delivered and the cases counted by state and by commune (cases created in the
period); overdue tasks are always as of today.

Monthly allowances paid (by month and regime, by commune and regime) are
read through `cases.allowances.paid_figures` for the same period.

Queries: the general section issues nine, the rehab section three, whatever
the number of cases, tasks, payments, gifts or payroll lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, F, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from cases.allowances.models import DecisionState
from cases.gifts.models import GiftRecipient, GiftRecipientState, GiftSource
from cases.housing.models import (
    Budget,
    Disbursement,
    FundingSource,
    HousingCase,
    HousingProgram,
    HousingState,
)
from cases.models import Case
from cases.rehab.models import ReferralState, VoluntaryState
from cases.rehab.selectors import rehab_cases_for_user
from cases.reporting.dashboard_allowances import AllowancePaid, allowances_paid
from cases.reporting.dashboard_communes import CommuneRow, commune_figures
from cases.reporting.dashboard_communes import by_commune as by_commune  # read here too
from cases.reporting.units import Grouping
from cases.selectors import cases_for_user
from workflows.actors import Reader
from workflows.models import TaskDeadline
from workflows.permissions import SENSITIVE_PROCESSES, scope_for, scoped
from workflows.registry import step_processes
from workflows.task_status import OPEN_TASK

OVERDUE_LIST_SIZE = 10


def process_labels() -> dict[str, Any]:
    """Each process with time-limited steps, by code, as people call it."""
    return dict(step_processes())


STATE_CHOICES: dict[str, list[tuple[str, Any]]] = {
    Case.Process.HOUSING: list(HousingState.choices),
    Case.Process.REHAB_COMPULSORY: list(ReferralState.choices),
    Case.Process.REHAB_VOLUNTARY: list(VoluntaryState.choices),
    Case.Process.ALLOWANCE: list(DecisionState.choices),
}
PROGRAM_LABELS: dict[str, Any] = dict(HousingProgram.choices)
SOURCE_LABELS: dict[str, Any] = dict(FundingSource.choices)
GIFT_SOURCE_LABELS: dict[str, Any] = dict(GiftSource.choices)


@dataclass(frozen=True)
class StateCount:
    process: str
    state: str
    count: int

    @property
    def process_label(self) -> str:
        return str(process_labels().get(self.process, self.process))

    @property
    def state_label(self) -> str:
        labels = dict(STATE_CHOICES.get(self.process, []))
        return str(labels.get(self.state, self.state))


@dataclass(frozen=True)
class OverdueTask:
    deadline: TaskDeadline
    reference: str
    commune: str
    step: str
    url_name: str
    pk: int
    days_late: int

    @property
    def process_label(self) -> str:
        return str(process_labels().get(self.deadline.process, self.deadline.process))


@dataclass(frozen=True)
class Overdue:
    total: int
    by_process: list[tuple[str, int]]  # (process label, count)
    oldest: list[OverdueTask]


@dataclass(frozen=True)
class BudgetRow:
    program: str
    funding_source: str
    allocated: int | None  # None: budgets are district-wide, not a commune's figure
    committed: int
    disbursed: int

    @property
    def label(self) -> str:
        return f"{PROGRAM_LABELS.get(self.program, self.program)} · " + str(
            SOURCE_LABELS.get(self.funding_source, self.funding_source)
        )

    @property
    def program_label(self) -> str:
        return str(PROGRAM_LABELS.get(self.program, self.program))

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.funding_source, self.funding_source))


@dataclass(frozen=True)
class MonthRow:
    month: dt.date  # first day of the month
    payments: int
    amount: int


@dataclass(frozen=True)
class GiftSourceRow:
    source: str
    gifts: int
    amount: int

    @property
    def label(self) -> str:
        return str(GIFT_SOURCE_LABELS.get(self.source, self.source))


@dataclass
class Dashboard:
    year: int
    months_from: dt.date
    months_to: dt.date  # exclusive
    grouping: str = Grouping.CURRENT.value  # of the by-commune tables
    district_budget: bool = False
    general: bool = False
    rehab: bool = False
    by_state: list[StateCount] = field(default_factory=list)
    overdue: Overdue | None = None
    budget: list[BudgetRow] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    communes: list[CommuneRow] = field(default_factory=list)
    gifts: list[GiftSourceRow] = field(default_factory=list)
    allowances: AllowancePaid = field(default_factory=AllowancePaid)
    rehab_by_state: list[StateCount] = field(default_factory=list)
    rehab_overdue: Overdue | None = None


# --- cases by process and state --------------------------------------------------


def _by_state(qs: QuerySet) -> list[StateCount]:
    """One GROUP BY; rows in the processes' own order of states."""
    rows = qs.order_by().values("process", "state").annotate(n=Count("id"))
    order = {
        (p, s): (i, j)
        for i, (p, choices) in enumerate(STATE_CHOICES.items())
        for j, (s, _label) in enumerate(choices)
    }
    return sorted(
        (StateCount(r["process"], r["state"], r["n"]) for r in rows),
        key=lambda r: order.get((r.process, r.state), (99, 99)),
    )


def cases_by_process_state(
    user: Reader, start: dt.date | None = None, end: dt.date | None = None
) -> list[StateCount]:
    """General processes only (rehab cases are never in `cases_for_user`);
    with `start`/`end`, the cases created in [start, end)."""
    qs = cases_for_user(user)
    if start and end:
        qs = qs.filter(created_at__date__gte=start, created_at__date__lt=end)
    return _by_state(qs)


def rehab_cases_by_process_state(user: Reader) -> list[StateCount]:
    return _by_state(rehab_cases_for_user(user))


# --- overdue tasks ---------------------------------------------------------------


def _deadlines(user: Reader, *, rehab: bool, today: dt.date) -> QuerySet[TaskDeadline]:
    """Open human tasks past their due date, in the communes the user sees for
    the processes the user sees (a gift list's commune is on the list)."""
    qs = TaskDeadline.objects.filter(
        due_on__lt=today, task__status__in=OPEN_TASK, task__flow_task_type="HUMAN"
    ).annotate(
        commune_id=Coalesce(
            F("task__process__case__commune_id"), F("task__process__gift_list__commune_id")
        )
    )
    if rehab:
        return scoped(
            qs.filter(process__in=SENSITIVE_PROCESSES), user, field="commune_id", sensitive=True
        )
    return scoped(qs.exclude(process__in=SENSITIVE_PROCESSES), user, field="commune_id")


def overdue_tasks(
    user: Reader,
    *,
    rehab: bool = False,
    today: dt.date | None = None,
    limit: int = OVERDUE_LIST_SIZE,
) -> Overdue:
    """Count by process and the `limit` longest-overdue tasks: two queries."""
    today = today or timezone.localdate()
    qs = _deadlines(user, rehab=rehab, today=today)
    counts = {
        r["process"]: r["n"]
        for r in qs.order_by().values("process").annotate(n=Count("id")).order_by("process")
    }
    by_process = [(str(label), counts[p]) for p, label in step_processes() if p in counts]
    oldest = []
    for d in qs.select_related(
        "task__process__case__commune",
        "task__process__gift_list__commune",
        "task__process__gift_list__campaign",
    ).order_by("due_on", "task_id")[:limit]:
        process = d.task.process
        case = getattr(process, "case", None)
        if case is not None:
            url_name = "rehab_detail" if case.process in SENSITIVE_PROCESSES else "case_detail"
            ref, commune, pk = case.reference, case.commune.name, case.pk
        else:
            gift_list = process.gift_list
            url_name = "gift_list_detail"
            ref, commune, pk = gift_list.reference, gift_list.commune.name, gift_list.pk
        node = d.task.flow_task
        oldest.append(
            OverdueTask(
                deadline=d,
                reference=ref,
                commune=commune,
                step=str(node.task_title) if node else d.step,
                url_name=url_name,
                pk=pk,
                days_late=(today - d.due_on).days,
            )
        )
    return Overdue(total=sum(counts.values()), by_process=by_process, oldest=oldest)


# --- money ------------------------------------------------------------------------


def budget_by_program_source(user: Reader, year: int) -> tuple[list[BudgetRow], bool]:
    """Allocated, reserved (committed) and disbursed by program and funding
    source for `year`; the flag says whether these are the district's budgets.

    District roles read the budgets themselves. Budgets are not split by
    commune, so commune roles get their communes' cases' share instead: what
    was reserved for them (approved amounts; a cancelled case keeps only what
    it was paid, as `apply_cancel` gives the rest back) and what was paid.
    """
    scope = scope_for(user)
    if scope.sees_all_communes:
        rows = (
            Budget.objects.filter(year=year)
            .values("program", "funding_source")
            .annotate(a=Sum("allocated"), c=Sum("committed"), d=Sum("disbursed"))
            .order_by("program", "funding_source")
        )
        return [
            BudgetRow(r["program"], r["funding_source"], r["a"], r["c"], r["d"]) for r in rows
        ], True
    if not scope.sees_general:
        return [], False
    reserved = SqlCase(
        When(state=HousingState.CANCELLED, then=F("disbursed_amount")),
        default=Coalesce(F("approved_amount"), Value(0)),
    )
    shares: Any = (
        scoped(HousingCase.objects.filter(budget__year=year), user)
        .values("budget__program", "budget__funding_source")
        .annotate(c=Sum(reserved), d=Sum("disbursed_amount"))
        .order_by("budget__program", "budget__funding_source")
    )
    return [
        BudgetRow(r["budget__program"], r["budget__funding_source"], None, r["c"], r["d"])
        for r in shares
    ], False


def month_starts(first: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from `first` (a first day) up to `end` (exclusive)."""
    months, m = [], first
    while m < end:
        months.append(m)
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return months


def period(year: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """[from, to) of the payments chart: the chosen year, or the last 12 months."""
    if year:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    this_month = today.replace(day=1)
    start = dt.date(this_month.year - 1, this_month.month, 1)
    end = dt.date(this_month.year + (this_month.month == 12), this_month.month % 12 + 1, 1)
    return month_starts(start, end)[1], end


def disbursements_by_month(user: Reader, start: dt.date, end: dt.date) -> list[MonthRow]:
    """Payments per month in [start, end), every month listed (zeros too): one query."""
    scope = scope_for(user)
    if not scope.sees_general:
        return []
    rows = {
        r["month"]: r
        for r in scoped(
            Disbursement.objects.filter(paid_on__gte=start, paid_on__lt=end),
            user,
            field="case__commune",
        )
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("month")
    }
    out = []
    for m in month_starts(start, end):
        r: Any = rows.get(m, {})
        out.append(MonthRow(m, r.get("n", 0), r.get("amount") or 0))
    return out


def gifts_by_source(user: Reader, year: int) -> list[GiftSourceRow]:
    """Gifts delivered in `year` in the communes the user sees, by funding
    source (State President, City, District, Commune, private), every source
    listed (zeros too): one query. Nothing for users without the general
    processes (rehab-only roles)."""
    scope = scope_for(user)
    if not scope.sees_general:
        return []
    qs = scoped(
        GiftRecipient.objects.filter(state=GiftRecipientState.DELIVERED, delivered_on__year=year),
        user,
    )
    rows: dict[str, Any] = {
        r["package__source"]: r
        for r in qs.values("package__source")
        .annotate(n=Count("id"), amount=Coalesce(Sum("amount"), 0))
        .order_by()
    }
    return [
        GiftSourceRow(s, rows.get(s, {}).get("n", 0), rows.get(s, {}).get("amount", 0))
        for s in GiftSource.values
    ]


# --- the whole page ---------------------------------------------------------------


def dashboard_for(
    user: Reader,
    *,
    year: int | None = None,
    today: dt.date | None = None,
    grouping: str = Grouping.CURRENT,
) -> Dashboard:
    """Every section the user's roles entitle them to. `year` picks the budget
    year, the gifts' year, and the period of the payments and of the cases by
    state and by commune (default: this year's budgets and gifts, the last 12
    months); `grouping` the lines of the by-commune tables across a
    reorganisation of communes (`cases.reporting.units`)."""
    today = today or timezone.localdate()
    scope = scope_for(user)
    start, end = period(year, today)
    dash = Dashboard(
        year=year or today.year,
        months_from=start,
        months_to=end,
        grouping=Grouping(grouping).value,
    )
    if scope.sees_general:
        dash.general = True
        dash.by_state = cases_by_process_state(user, start, end)
        dash.overdue = overdue_tasks(user, today=today)
        dash.budget, dash.district_budget = budget_by_program_source(user, dash.year)
        dash.months = disbursements_by_month(user, start, end)
        communes = commune_figures(user, start, end)
        dash.gifts = gifts_by_source(user, dash.year)
        # The payments by commune follow the same lines: a line that holds
        # only payments is shown too.
        dash.allowances = allowances_paid(user, start, end, communes.regroup(dash.grouping))
        paid_in = [r.key for r in dash.allowances.by_commune if isinstance(r.key, int)]
        dash.communes = communes.rows(dash.grouping, also=paid_in)
    if scope.sees_rehab:
        dash.rehab = True
        dash.rehab_by_state = rehab_cases_by_process_state(user)
        dash.rehab_overdue = overdue_tasks(user, rehab=True, today=today)
    return dash
