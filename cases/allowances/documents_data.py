"""What the payroll documents print, read set-based: one row per person and
entitlement of a payroll (its month's amount, arrears and one-off support
summed from its lines in one grouped query), the month's summary by regime
and category over the communes a user sees, and a payroll's reconciliation
by line kind and state. The documents are Vietnamese administrative papers
whatever the UI language: their words are here, in Vietnamese."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    LINE_LIVE,
    LineKind,
    LineState,
    Payroll,
    PayrollLine,
    Regime,
)
from workflows.actors import Reader
from workflows.permissions import scoped

REGIME_TITLE: dict[str, str] = {
    Regime.MERIT: "Người có công với cách mạng",
    Regime.SOCIAL: "Bảo trợ xã hội",
}
REGIME_ORDER: list[str] = [Regime.MERIT, Regime.SOCIAL]
KIND_TITLE = {
    LineKind.REGULAR: "Trợ cấp hằng tháng",
    LineKind.ARREARS: "Truy lĩnh",
    LineKind.ONE_OFF: "Trợ cấp một lần",
}
STATE_TITLE = {
    LineState.LISTED: "Trong danh sách",
    LineState.APPROVED: "Đã duyệt",
    LineState.SENT: "Đã chuyển chi trả",
    LineState.PAID: "Đã chi",
    LineState.UNPAID: "Chưa chi",
    LineState.CARRIED: "Chuyển tháng sau",
    LineState.RETURNED: "Hoàn trả ngân sách",
}


def _zero(expr: Any) -> Any:
    return Coalesce(expr, 0)


def _amounts(month: dt.date) -> dict[str, Any]:
    """The month's own allowance, what is paid late (arrears, and a month
    carried from an earlier payroll) and one-off support, and their sum."""
    this_month = Q(kind=LineKind.REGULAR, for_month=month)
    late = Q(kind=LineKind.ARREARS) | Q(kind=LineKind.REGULAR, for_month__lt=month)
    return {
        "month_amount": _zero(Sum("amount", filter=this_month)),
        "arrears": _zero(Sum("amount", filter=late)),
        "one_off": _zero(Sum("amount", filter=Q(kind=LineKind.ONE_OFF))),
        "total": _zero(Sum("amount")),
    }


@dataclass(frozen=True)
class PayRow:
    """One person and entitlement of a payroll, as the lists print them."""

    entitlement_id: int
    full_name: str
    birth_year: int
    national_id: str
    address: str
    regime: str
    category: str
    payment_method: str
    bank_account: str
    bank_name: str
    month_amount: int
    arrears: int
    one_off: int
    total: int
    paid_on: dt.date | None


def pay_rows(
    payroll: Payroll, *, method: str = "", states: list[str] | None = None
) -> list[PayRow]:
    """The payroll's live lines grouped by entitlement (one query), regime
    then name in Vietnamese order; `method` keeps one payment method."""
    lines = payroll_lines(payroll).filter(state__in=states or LINE_LIVE)
    if method:
        lines = lines.filter(entitlement__payment_method=method)
    rows: Any = (
        lines.values(
            "entitlement_id",
            "regime",
            "person__full_name",
            "person__date_of_birth",
            "person__national_id",
            "person__address",
            "person__household__address",
            "category__name",
            "category__position",
            "entitlement__payment_method",
            "entitlement__bank_account",
            "entitlement__bank_name",
        )
        .annotate(**_amounts(payroll.month), paid_on=_max_paid_on())
        .order_by("regime", "person__full_name", "entitlement_id")
    )
    return [
        PayRow(
            entitlement_id=r["entitlement_id"],
            full_name=r["person__full_name"],
            birth_year=r["person__date_of_birth"].year,
            national_id=r["person__national_id"] or "",
            address=r["person__address"] or r["person__household__address"] or "",
            regime=r["regime"],
            category=r["category__name"],
            payment_method=r["entitlement__payment_method"],
            bank_account=r["entitlement__bank_account"] or "",
            bank_name=r["entitlement__bank_name"] or "",
            month_amount=r["month_amount"],
            arrears=r["arrears"],
            one_off=r["one_off"],
            total=r["total"],
            paid_on=r["paid_on"],
        )
        for r in sorted(rows, key=lambda r: REGIME_ORDER.index(r["regime"]))
    ]


def _max_paid_on() -> Any:
    from django.db.models import Max

    return Max("paid_on")


def pay_rows_count(payroll: Payroll, *, method: str = "") -> int:
    """How many rows `pay_rows` gives (decides inline or background)."""
    lines = payroll_lines(payroll).filter(state__in=LINE_LIVE)
    if method:
        lines = lines.filter(entitlement__payment_method=method)
    return lines.values("entitlement_id").distinct().count()


# --- the month's summary -------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    regime: str
    category: str
    people: int
    month_amount: int
    arrears: int
    one_off: int
    total: int


def month_lines(user: Reader, month: dt.date) -> QuerySet[PayrollLine]:
    """The month's live lines of every commune the user sees (one partition)."""
    return scoped(PayrollLine.objects.filter(month=month, state__in=LINE_LIVE), user)


def summary_rows(user: Reader, month: dt.date) -> list[SummaryRow]:
    """By regime and category: people (distinct), amounts (one query)."""
    rows: Any = (
        month_lines(user, month)
        .values("regime", "category__name", "category__position")
        .annotate(people=Count("person_id", distinct=True), **_amounts(month))
        .order_by("category__position", "category__name")
    )
    out = [
        SummaryRow(r["regime"], r["category__name"], r["people"], r["month_amount"],
                   r["arrears"], r["one_off"], r["total"])
        for r in rows
    ]  # fmt: skip
    return sorted(out, key=lambda r: REGIME_ORDER.index(r.regime))


def summary_by_commune(user: Reader, month: dt.date) -> list[dict[str, Any]]:
    """By commune and regime: people and amounts (one query)."""
    rows: Any = (
        month_lines(user, month)
        .values("commune__name", "regime")
        .annotate(people=Count("person_id", distinct=True), **_amounts(month))
        .order_by("commune__name", "regime")
    )
    return list(rows)


def regime_people(user: Reader, month: dt.date) -> dict[str, int]:
    """People per regime (a person in two categories counts once)."""
    rows = month_lines(user, month).values("regime").annotate(n=Count("person_id", distinct=True))
    return {r["regime"]: r["n"] for r in rows}


# --- reconciliation -------------------------------------------------------------------------


RECONCILED_STATES = [
    LineState.LISTED,
    LineState.APPROVED,
    LineState.SENT,
    LineState.PAID,
    LineState.UNPAID,
    LineState.CARRIED,
    LineState.RETURNED,
]


def reconciliation(payroll: Payroll) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, state) -> (lines, amount) of every line of the payroll (one query)."""
    rows = (
        payroll_lines(payroll)
        .values("kind", "state")
        .annotate(n=Count("id"), amount=_zero(Sum("amount")))
        .order_by()
    )
    return {(r["kind"], r["state"]): (r["n"], r["amount"]) for r in rows}
