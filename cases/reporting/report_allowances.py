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
  district's quota, or its communes' own where the district has none
  (`cases.allowances.figures.recuperation_figures`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cases.allowances.figures import recuperation_figures
from cases.allowances.paid_figures import PaidByRegime, paid_by_regime
from cases.models import AdministrativeUnit
from workflows import formatting
from workflows.actors import Reader

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
    user: Reader, *, district: AdministrativeUnit, start: dt.date, end: dt.date
) -> AllowanceFigures:
    """Three queries: the payments by regime, the trips sent, the quotas."""
    recuperation = recuperation_figures(user, start, end, district=district)
    return AllowanceFigures(
        paid=paid_by_regime(user, start, end, district_id=district.pk),
        recuperation_sent=recuperation["sent"],
        recuperation_quota=recuperation["quota"],
    )


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
