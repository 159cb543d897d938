"""What the six-month report holds (`cases.reporting.report.six_month_report`
computes it): the figures by campaign, program and commune, and their plain
JSON for the API. Amounts are in đồng."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from cases.gifts.models import GiftSource
from cases.housing.models import HousingProgram
from cases.reporting.report_allowances import AllowanceFigures
from cases.reporting.units import Grouping, Line, reorganized_on

SOURCE_ORDER = list(GiftSource.values)


@dataclass
class Tally:
    gifts: int = 0
    amount: int = 0

    def add(self, gifts: int, amount: int) -> None:
        self.gifts += gifts
        self.amount += amount


@dataclass
class CampaignFigures:
    campaign_id: int
    name: str
    children_only: bool
    total: Tally = field(default_factory=Tally)
    by_source: dict[str, Tally] = field(default_factory=dict)
    commune_level: Tally = field(default_factory=Tally)
    commune_private: Tally = field(default_factory=Tally)
    children: Tally = field(default_factory=Tally)
    by_donor: dict[str, Tally] = field(default_factory=dict)

    def sources(self) -> list[tuple[str, Tally]]:
        return [(s, self.by_source[s]) for s in SOURCE_ORDER if s in self.by_source]


@dataclass
class HousingFigures:
    households: int = 0
    amount: int = 0
    by_kind: dict[str, Tally] = field(default_factory=dict)

    def kind(self, kind: str) -> Tally:
        return self.by_kind.get(kind, Tally())


@dataclass
class OneStopFigures:
    resolved: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None


@dataclass
class CommuneRow:
    """One commune's line of the annex (gifts and housing; never rehab)."""

    code: str
    name: str
    gifts: Tally = field(default_factory=Tally)
    housing: Tally = field(default_factory=Tally)
    onestop: OneStopFigures = field(default_factory=OneStopFigures)


@dataclass
class ReportData:
    district_id: int
    district_name: str
    start: dt.date
    end: dt.date
    campaigns: list[CampaignFigures]
    children_campaigns: list[CampaignFigures]
    gifts_by_source: dict[str, Tally]
    housing: dict[str, HousingFigures]
    rehab_compulsory: int
    rehab_voluntary: int
    onestop: OneStopFigures
    communes: list[CommuneRow]
    allowances: AllowanceFigures = field(default_factory=AllowanceFigures)
    grouping: str = Grouping.CURRENT.value
    # What each line of `communes` stands for (same order): its unit, the
    # former units whose figures it holds, whether it was split.
    lines: list[Line] = field(default_factory=list)

    @property
    def commune_lines(self) -> list[tuple[CommuneRow, Line]]:
        return list(zip(self.communes, self.lines, strict=True))

    @property
    def communes_total(self) -> CommuneRow:
        """The per-commune lines added up (the totals, whatever the grouping)."""
        return self.add_up(self.communes)

    @staticmethod
    def add_up(rows: list[CommuneRow]) -> CommuneRow:
        out = CommuneRow("", "")
        for row in rows:
            out.gifts.add(row.gifts.gifts, row.gifts.amount)
            out.housing.add(row.housing.gifts, row.housing.amount)
            out.onestop.resolved += row.onestop.resolved
            out.onestop.on_time += row.onestop.on_time
            out.onestop.late += row.onestop.late
        return out

    @property
    def reorganized(self) -> bool:
        """The lines have something to say: the period spans a reorganisation."""
        return any(line.noted for line in self.lines)

    @property
    def reorganized_on(self) -> dt.date | None:
        return reorganized_on(self.lines)

    @property
    def gifts_total(self) -> Tally:
        out = Tally()
        for c in [*self.campaigns, *self.children_campaigns]:
            out.add(c.total.gifts, c.total.amount)
        return out

    def program(self, program: str) -> HousingFigures:
        return self.housing.get(program, HousingFigures())

    @property
    def poor_housing(self) -> HousingFigures:
        """Poor and near-poor together, as §3 of the report counts them."""
        out = HousingFigures()
        for program in (HousingProgram.POOR, HousingProgram.NEAR_POOR):
            fig = self.program(program)
            out.households += fig.households
            out.amount += fig.amount
            for kind, t in fig.by_kind.items():
                out.by_kind.setdefault(kind, Tally()).add(t.gifts, t.amount)
        return out

    def as_json(self) -> dict[str, Any]:
        """Plain figures (amounts in đồng) for the API."""
        out = asdict(self)
        del out["allowances"], out["lines"]
        for row, line in zip(out["communes"], self.lines, strict=True):
            row.update(line.as_json())
        out.update(self.allowances.as_json())
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["gifts_total"] = asdict(self.gifts_total)
        out["onestop"]["on_time_rate"] = self.onestop.on_time_rate
        for row in out["communes"]:
            row["onestop"]["on_time_rate"] = (
                row["onestop"]["on_time"] / row["onestop"]["resolved"]
                if row["onestop"]["resolved"]
                else None
            )
        return out
