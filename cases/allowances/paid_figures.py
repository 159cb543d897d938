"""What the allowances paid, for the six-month report (§2.2) and the
dashboard: aggregate reads of the payroll lines through the user's scope, one
query each whatever the number of lines.

What counts as paid, and when: a line recorded as paid (state `paid`) counts
in the period holding its `paid_on` day — the money that reached people in
the period, as the report's other sections count what happened in it (gifts
by the day delivered, housing by the day decided). So arrears count when
they are paid, a line carried to the next month counts once (its successor,
when that one is paid), and the June payroll paid on 2 July belongs to the
second half-year. `people` is the number of distinct persons paid.

The lines table is partitioned by payroll month; the reads name the months
whose payrolls can hold a payment of the period (from `LOOKBACK_MONTHS`
before its start to the month after its end) so that PostgreSQL reads those
partitions only. A payroll is reconciled and closed within weeks; a line
still unpaid is carried into a new line of a later payroll, so nothing paid
in the period lies further back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from cases.allowances.models import LineState, PayrollLine, Regime
from cases.allowances.rates import add_months, month_start
from workflows.actors import Reader
from workflows.permissions import scoped

LOOKBACK_MONTHS = 12


@dataclass
class Paid:
    people: int = 0
    amount: int = 0


@dataclass
class PaidByRegime:
    """{nguoi_co_cong: {people, amount}, bao_tro_xa_hoi: {...}, total: {amount}}."""

    regimes: dict[str, Paid] = field(default_factory=dict)

    def regime(self, code: str) -> Paid:
        return self.regimes.get(code, Paid())

    @property
    def total_amount(self) -> int:
        return sum(p.amount for p in self.regimes.values())

    def as_json(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {
            code: {"people": self.regime(code).people, "amount": self.regime(code).amount}
            for code in Regime.values
        }
        out["total"] = {"amount": self.total_amount}
        return out


def paid_lines(
    user: Reader, start: dt.date, end: dt.date, *, district_id: int | None = None
) -> QuerySet[PayrollLine]:
    """Lines paid on a day from `start` to `end` (both included) in the
    communes the user sees (of the district, when given)."""
    first = add_months(month_start(start), -LOOKBACK_MONTHS)
    last = add_months(month_start(end), 1)
    qs = PayrollLine.objects.filter(
        month__range=(first, last), state=LineState.PAID, paid_on__range=(start, end)
    )
    if district_id is not None:
        qs = qs.filter(commune__parent_id=district_id)
    return scoped(qs, user)


def paid_by_regime(
    user: Reader, start: dt.date, end: dt.date, *, district_id: int | None = None
) -> PaidByRegime:
    """People paid and amounts by regime in the period: one query."""
    rows = (
        paid_lines(user, start, end, district_id=district_id)
        .values("regime")
        .annotate(people=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by()
    )
    return PaidByRegime({r["regime"]: Paid(r["people"], r["amount"] or 0) for r in rows})


@dataclass(frozen=True)
class PaidRow:
    """People paid and amount of one regime in one month, or in one commune."""

    key: dt.date | int  # the month (its first day) or the commune's id
    regime: str
    people: int
    amount: int


def paid_by_month(user: Reader, start: dt.date, end: dt.date) -> list[PaidRow]:
    """By month of payment and regime, in [start, end]: one query."""
    rows = (
        paid_lines(user, start, end)
        .annotate(paid_month=TruncMonth("paid_on"))
        .values("paid_month", "regime")
        .annotate(people=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by("paid_month", "regime")
    )
    return [PaidRow(r["paid_month"], r["regime"], r["people"], r["amount"] or 0) for r in rows]


def paid_by_commune(user: Reader, start: dt.date, end: dt.date) -> list[PaidRow]:
    """By commune and regime, in [start, end]: one query."""
    rows = (
        paid_lines(user, start, end)
        .values("commune_id", "regime")
        .annotate(people=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by("commune_id", "regime")
    )
    return [PaidRow(r["commune_id"], r["regime"], r["people"], r["amount"] or 0) for r in rows]
