"""§2.2 of the six-month report: the monthly allowances paid by regime and the
recuperation trips against the year's quota, read through the allowances'
own read functions (`cases.allowances.paid_figures`, `cases.allowances.figures`).

What counts:
- **Allowances paid**: payroll lines recorded as paid whose payment day
  (`paid_on`) is in the period, in the district's communes, by regime (người
  có công, bảo trợ xã hội); `people` are the distinct persons paid, `amount`
  the money in đồng (arrears count when paid; a June payroll paid in July
  belongs to the next half-year). Why the day of payment and not the
  payroll's month: see `cases.allowances.paid_figures`.
- **Recuperation**: trips sent (`sent_on`) in the period in the district's
  communes, against the quota of the year(s) the period touches: the
  district's quota, or its communes' own where the district has none (the
  rule of `cases.allowances.figures.recuperation_figures`).

"The district's communes" are its area (`cases.reporting.units`): its own
communes and those that took them over, which the province parents after
01/07/2025. The allowances' own reads find a district's communes by their
parent, so the area's figures are read here, from the same scoped rows
(`cases.allowances.paid_figures.paid_lines`) and the same models.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from cases.allowances.models import Recuperation, RecuperationQuota
from cases.allowances.paid_figures import Paid, PaidByRegime, paid_lines
from cases.models import AdministrativeUnit
from workflows import formatting
from workflows.actors import Reader
from workflows.permissions import scope_for, scoped

BILLION = 1_000_000_000
MILLION = 1_000_000


@dataclass
class AllowanceFigures:
    paid: PaidByRegime = field(default_factory=PaidByRegime)
    recuperation_sent: int = 0
    recuperation_quota: int = 0

    @property
    def recuperation_rate(self) -> float | None:
        if not self.recuperation_quota:
            return None
        return self.recuperation_sent / self.recuperation_quota

    def as_json(self) -> dict[str, Any]:
        """The API's `allowances` and `recuperation` keys."""
        return {
            "allowances": self.paid.as_json(),
            "recuperation": {"sent": self.recuperation_sent, "quota": self.recuperation_quota},
        }


def allowance_figures(
    user: Reader,
    *,
    district: AdministrativeUnit,
    communes: list[int],
    start: dt.date,
    end: dt.date,
) -> AllowanceFigures:
    """Three queries: the payments by regime, the trips sent, the quotas;
    in `communes` (the district's area) as far as the user sees them."""
    rows = (
        paid_lines(user, start, end)
        .filter(commune_id__in=communes)
        .values("regime")
        .annotate(people=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by()
    )
    sent, quota = _recuperation(user, district, communes, start, end)
    return AllowanceFigures(
        paid=PaidByRegime({r["regime"]: Paid(r["people"], r["amount"] or 0) for r in rows}),
        recuperation_sent=sent,
        recuperation_quota=quota,
    )


def _recuperation(
    user: Reader, district: AdministrativeUnit, communes: list[int], start: dt.date, end: dt.date
) -> tuple[int, int]:
    """Trips sent in the period, and the quotas of the years it touches: the
    district's, and a commune's own for a year the district has none (no
    double count; a commune formed after the district was abolished has its
    own). Commune roles get their communes' own quotas only."""
    seen = scoped(AdministrativeUnit.objects.filter(id__in=communes), user, field="id")
    sent = Recuperation.objects.filter(
        commune_id__in=seen.values("id"), sent_on__range=(start, end)
    ).count()
    areas = Q(area_id__in=seen.values("id"))
    if scope_for(user).sees_all_communes:
        areas |= Q(area_id=district.pk)
    rows = list(
        RecuperationQuota.objects.filter(
            areas, year__in=list(range(start.year, end.year + 1))
        ).values_list("year", "area_id", "quota")
    )
    district_years = {year for year, area, _q in rows if area == district.pk}
    quota = sum(q for year, area, q in rows if area == district.pk or year not in district_years)
    return sent, quota


def money_vi(amount: int) -> str:
    """How the report writes a sum: '104 tỷ đồng', '52,5 tỷ đồng', '4,11 triệu
    đồng' (billions from one billion up, to the million; else millions)."""
    amount = int(amount)
    unit, name = (BILLION, "tỷ") if amount >= BILLION else (MILLION, "triệu")
    whole, rest = divmod(round(amount / (unit // 1000)), 1000)
    text = formatting.number(whole)
    if rest:
        text += "," + f"{rest:03d}".rstrip("0")
    return f"{text} {name} đồng"
