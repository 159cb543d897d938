"""The rules in force for a month, read from the dated tables: the standard
of a regime for a commune's province, each category's monthly amount, the
one-off supports. These tables are small (tens of rows); the payroll turns
them into a table of amounts by (month, category, degree band) once and joins
it to the entitlements in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cases.allowances.models import (
    AllowanceStandard,
    CategoryRate,
    OneOffRule,
    StandardBasis,
)
from cases.models import AdministrativeUnit


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last`, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def province_of(commune_id: int) -> int | None:
    """The province above a commune (its parent's parent before 07/2025, its
    parent after): two small queries at most."""
    unit = AdministrativeUnit.objects.filter(pk=commune_id).values("parent_id").first()
    seen = 0
    while unit and unit["parent_id"] and seen < 4:
        parent = (
            AdministrativeUnit.objects.filter(pk=unit["parent_id"])
            .values("pk", "level", "parent_id")
            .first()
        )
        if parent is None:
            return None
        if parent["level"] == AdministrativeUnit.Level.PROVINCE:
            return int(parent["pk"])
        unit, seen = parent, seen + 1
    return None


def round_dong(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Standards:
    """Every standard row of the regimes, read once: which one is in force in
    a month for a province (its own first, else the national one)."""

    rows: list[tuple[str, int | None, dt.date, int]]

    @classmethod
    def load(cls) -> Standards:
        rows = AllowanceStandard.objects.order_by("-effective_from").values_list(
            "regime", "area_id", "effective_from", "amount"
        )
        return cls(list(rows))

    def national(self, regime: str, month: dt.date) -> int | None:
        return next(
            (a for r, area, f, a in self.rows if r == regime and area is None and f <= month),
            None,
        )

    def local(self, regime: str, province_id: int | None, month: dt.date) -> int | None:
        if province_id is not None:
            own = next(
                (
                    a
                    for r, area, f, a in self.rows
                    if r == regime and area == province_id and f <= month
                ),
                None,
            )
            if own is not None:
                return own
        return self.national(regime, month)


@dataclass(frozen=True)
class RateRow:
    month: dt.date
    category_id: int
    degree_from: int | None
    degree_to: int | None
    amount: int


def rate_table(province_id: int | None, months: Iterable[dt.date]) -> list[RateRow]:
    """The monthly amount of every category (and degree band) in each month,
    for a commune of this province: standard × coefficient, rounded to the
    đồng, plus the fixed and extra amounts of the rate in force. Categories
    with no rate (or no standard) in force in a month pay nothing that month."""
    standards = Standards.load()
    rates = list(
        CategoryRate.objects.select_related("category")
        .order_by("category_id", "-effective_from")
        .values_list(
            "category_id",
            "category__regime",
            "effective_from",
            "degree_from",
            "degree_to",
            "coefficient",
            "fixed_amount",
            "extra_amount",
        )
    )
    out: list[RateRow] = []
    for month in sorted(set(months)):
        in_force: dict[int, dt.date] = {}
        for cat, _regime, start, *_rest in rates:
            if start <= month and cat not in in_force:
                in_force[cat] = start
        for cat, regime, start, d_from, d_to, coef, fixed, extra in rates:
            if in_force.get(cat) != start:
                continue
            standard = standards.local(regime, province_id, month) or 0
            amount = round_dong(Decimal(standard) * coef) + fixed + extra
            if amount > 0:
                out.append(RateRow(month, cat, d_from, d_to, amount))
    return out


def monthly_amount(
    *, category_id: int, degree: int | None, province_id: int | None, month: dt.date
) -> int:
    """One entitlement's amount for one month (pages and tests; the payroll
    computes the same in SQL from `rate_table`)."""
    for row in rate_table(province_id, [month]):
        if row.category_id != category_id:
            continue
        if row.degree_from is None or (
            degree is not None and row.degree_from <= degree <= (row.degree_to or 100)
        ):
            return row.amount
    return 0


def one_off_amounts(
    *, kind: str, province_id: int | None, months: Iterable[dt.date]
) -> dict[tuple[str, dt.date], int]:
    """A one-off support's amount by regime and month, by the rule in force
    (two queries whatever the months); absent: none."""
    rules = list(OneOffRule.objects.filter(kind=kind).order_by("-effective_from"))
    standards = Standards.load()
    out: dict[tuple[str, dt.date], int] = {}
    for month in months:
        month = month_start(month)
        for regime in {r.regime for r in rules}:
            rule = next(
                (r for r in rules if r.regime == regime and r.effective_from <= month), None
            )
            if rule is None:
                continue
            if rule.basis == StandardBasis.NATIONAL:
                standard = standards.national(regime, month) or 0
            else:
                standard = standards.local(regime, province_id, month) or 0
            amount = round_dong(Decimal(standard) * rule.multiplier) + rule.fixed_amount
            if amount > 0:
                out[(regime, month)] = amount
    return out


def one_off_amount(*, regime: str, kind: str, province_id: int | None, on: dt.date) -> int:
    """A one-off support's amount by the rule in force on a day (0: none)."""
    found = one_off_amounts(kind=kind, province_id=province_id, months=[on])
    return found.get((regime, month_start(on)), 0)
