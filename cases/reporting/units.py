"""The communes a report counts and the line of its per-commune tables each
one's figures go on, across a reorganisation of administrative units (on
01/07/2025 Sóc Sơn's 26 communes became 5, parented to the province).

- **The area of a district**: its own communes and every unit that took one
  of them over (`AdministrativeUnit.successor`, or a `UnitChange` to it),
  followed to the end of the chain, so that a district's report still counts
  the work recorded in the new communes once the district is gone. A new
  commune formed from communes of two districts counts in both reports.
- **The grouping** (`Grouping`, the user's choice): `current` puts each
  unit's figures on the line of the unit in force at the period's end,
  following merges and renames in force by then; a unit split by villages
  has no single successor and keeps its own line, marked as split.
  `historical` puts each figure on the unit it was recorded in.

Work still open on the day of a reorganisation was moved by the run to the
successor and holds no other unit: it counts there in both groupings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import AdministrativeUnit, UnitChange
from workflows.formatting import vn_date


class Grouping(models.TextChoices):
    CURRENT = "current", gettext_lazy("By the units in force at the period's end")
    HISTORICAL = "historical", gettext_lazy("By the unit each figure was recorded in")


# How a document names a unit in a sentence ("xã Tiên Dược", "thị trấn Sóc Sơn").
KIND_VI = {"xa": "xã", "thi_tran": "thị trấn", "phuong": "phường"}


@dataclass(frozen=True)
class AreaUnit:
    id: int
    code: str
    name: str
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None  # the first day it no longer exists
    merged_into: int | None  # the one unit that took all of it over (merge, rename)
    merged_on: dt.date | None
    split_on: dt.date | None  # split by villages from that day: no single successor

    @property
    def title(self) -> str:
        """'TT Sóc Sơn', 'Xã Tiên Dược': as the unit is named on screens."""
        return str(AdministrativeUnit(name=self.name, kind=self.kind))

    @property
    def title_vi(self) -> str:
        """'thị trấn Sóc Sơn', 'xã Tiên Dược': as a document names it in a sentence."""
        kind = KIND_VI.get(self.kind)
        return f"{kind} {self.name}" if kind else self.name

    def in_force_during(self, start: dt.date, end: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to > start
        )

    def split_by(self, day: dt.date) -> bool:
        return self.split_on is not None and self.split_on <= day

    def successor_on(self, day: dt.date) -> int | None:
        """The unit that holds all of this one on `day`, if any."""
        if self.split_by(day) or self.merged_into is None:
            return None
        return self.merged_into if self.merged_on is None or self.merged_on <= day else None


UNIT_FIELDS = ("id", "code", "name", "kind", "valid_from", "valid_to", "successor_id")
UNIT_COLUMNS = ("merged_into", "merged_on", "split_on")


def unit_columns() -> dict[str, Any]:
    """Annotations of a unit query with its changes (`UNIT_COLUMNS`): the
    first change that gave all of it to one unit, and the first split."""
    changes = UnitChange.objects.filter(predecessor=OuterRef("pk")).order_by("effective", "id")
    whole = changes.exclude(kind=UnitChange.Kind.SPLIT).filter(successor__isnull=False)
    return {
        "merged_into": Subquery(whole.values("successor_id")[:1]),
        "merged_on": Subquery(whole.values("effective")[:1]),
        "split_on": Subquery(changes.filter(kind=UnitChange.Kind.SPLIT).values("effective")[:1]),
    }


def area_unit(row: Mapping[str, Any]) -> AreaUnit:
    """From a row of `.annotate(**unit_columns()).values(*UNIT_FIELDS, *UNIT_COLUMNS)`.
    A unit closed into a successor with no change on record takes it over
    from the unit's end."""
    change = row["merged_into"] is not None
    return AreaUnit(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=row["kind"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        merged_into=row["merged_into"] if change else row["successor_id"],
        merged_on=row["merged_on"] if change else row["valid_to"],
        split_on=row["split_on"],
    )


def _area_sql() -> str:
    """The ids of a district's communes and of every unit that took one over
    (a recursive query: renamed later, merged again, still followed)."""

    def column(model: type[models.Model], name: str) -> str:
        found = model._meta.get_field(name)
        assert isinstance(found, models.Field) and found.column
        return connection.ops.quote_name(found.column)

    unit = connection.ops.quote_name(AdministrativeUnit._meta.db_table)
    change = connection.ops.quote_name(UnitChange._meta.db_table)
    successor = column(AdministrativeUnit, "successor")
    predecessor, taken_by = column(UnitChange, "predecessor"), column(UnitChange, "successor")
    return (
        f"WITH RECURSIVE edge(pred, succ) AS ("
        f"SELECT id, {successor} FROM {unit} WHERE {successor} IS NOT NULL "
        f"UNION SELECT {predecessor}, {taken_by} FROM {change} WHERE {taken_by} IS NOT NULL"
        f"), area(id) AS ("
        f"SELECT id FROM {unit} WHERE {column(AdministrativeUnit, 'parent')} = %s "
        f"UNION SELECT edge.succ FROM area JOIN edge ON edge.pred = area.id"
        f") SELECT id FROM area"
    )


class UnitMap:
    """Units (in the order given: the order of the tables' lines) and the
    line each one's figures go on."""

    def __init__(self, units: Iterable[AreaUnit]) -> None:
        self.units = {u.id: u for u in units}
        self._order = {pk: i for i, pk in enumerate(self.units)}

    @property
    def ids(self) -> list[int]:
        return list(self.units)

    def line_of(self, unit_id: int, grouping: str, on: dt.date) -> int:
        """The unit whose line holds `unit_id`'s figures for a period ending `on`."""
        if grouping == Grouping.HISTORICAL:
            return unit_id
        seen = {unit_id}
        following = self.units[unit_id].successor_on(on)
        # A successor outside the map (another district's, one the user does
        # not see) leaves the figures where they are.
        while following is not None and following in self.units and following not in seen:
            unit_id = following
            seen.add(unit_id)
            following = self.units[unit_id].successor_on(on)
        return unit_id

    def lines(
        self, grouping: str, start: dt.date, end: dt.date, *, with_figures: Iterable[int] = ()
    ) -> list[Line]:
        """The lines of a per-commune table of the period: one for the line of
        every unit in force on a day of it or holding one of its figures
        (`with_figures`), each with the units whose figures it adds up."""
        shown = set(with_figures)
        members: dict[int, list[AreaUnit]] = {}
        for unit in self.units.values():
            if unit.id in shown or unit.in_force_during(start, end):
                members.setdefault(self.line_of(unit.id, grouping, end), []).append(unit)
        return [
            Line(self.units[pk], tuple(members[pk]), Grouping(grouping), start, end)
            for pk in sorted(members, key=self._order.__getitem__)
        ]


def district_area(district: AdministrativeUnit) -> UnitMap:
    """The district's communes and their successors in code order (a code a
    reorganisation reused: the former unit first). One query."""
    rows = (
        AdministrativeUnit.objects.filter(pk__in=RawSQL(_area_sql(), [district.pk]))
        .annotate(**unit_columns())
        .order_by("code", models.F("valid_from").asc(nulls_first=True), "id")
        .values(*UNIT_FIELDS, *UNIT_COLUMNS)
    )
    return UnitMap(area_unit(r) for r in rows)


@dataclass(frozen=True)
class Line:
    """What a line of a per-commune table stands for."""

    unit: AreaUnit
    members: tuple[AreaUnit, ...]  # the units whose figures it adds up
    grouping: Grouping
    start: dt.date
    end: dt.date

    @property
    def former(self) -> tuple[AreaUnit, ...]:
        """The other units whose figures it holds (by the current units)."""
        return tuple(m for m in self.members if m.id != self.unit.id)

    @property
    def split(self) -> bool:
        """Split by villages by the period's end: it keeps its own line."""
        return self.unit.split_by(self.end)

    @property
    def since(self) -> dt.date | None:
        """Its first day, when it was formed after the period began (a line
        holding its predecessors' figures says so instead)."""
        first = self.unit.valid_from
        return first if first is not None and first > self.start and not self.former else None

    @property
    def until(self) -> dt.date | None:
        """Its last day, when it ended within the period (a split says so itself)."""
        end = self.unit.valid_to
        if end is None or end > self.end or self.split:
            return None
        return end - dt.timedelta(days=1)

    @property
    def noted(self) -> bool:
        return bool(self.split or self.former or self.since or self.until)

    def short_note(self) -> str:
        """'split by villages from 01/07/2025', 'from 01/07/2025', 'until 30/06/2025'."""
        parts = []
        if self.split:
            day = vn_date(self.unit.split_on)
            parts.append(_("split by villages from %(date)s") % {"date": day})
        if self.since:
            parts.append(_("from %(date)s") % {"date": vn_date(self.since)})
        if self.until:
            parts.append(_("until %(date)s") % {"date": vn_date(self.until)})
        return "; ".join(parts)

    def former_note(self) -> str:
        if not self.former:
            return ""
        names = ", ".join(m.title for m in self.former)
        return _("includes the figures of %(units)s") % {"units": names}

    def note(self) -> str:
        """Everything to say about the line, for the page."""
        return "; ".join(p for p in (self.short_note(), self.former_note()) if p)

    def note_vi(self) -> str:
        """The same in the documents, which are Vietnamese whatever the UI language."""
        parts = []
        if self.split:
            parts.append(f"chia tách theo thôn từ ngày {vn_date(self.unit.split_on)}")
        if self.since:
            parts.append(f"thành lập từ ngày {vn_date(self.since)}")
        if self.until:
            parts.append(f"đến ngày {vn_date(self.until)}")
        if self.former:
            parts.append("gồm số liệu của " + ", ".join(m.title_vi for m in self.former))
        return "; ".join(parts)

    def as_json(self) -> dict[str, Any]:
        def iso(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "unit_id": self.unit.id,
            "valid_from": iso(self.unit.valid_from),
            "valid_to": iso(self.unit.valid_to),
            "split": self.split,
            "includes": [{"id": m.id, "code": m.code, "name": m.name} for m in self.former],
        }


def grouping_vi(grouping: str, end: dt.date) -> str:
    """How the documents say which units the per-commune figures follow."""
    if grouping == Grouping.HISTORICAL:
        return "theo đơn vị hành chính tại thời điểm phát sinh số liệu"
    return f"theo đơn vị hành chính hiện hành (tại ngày {vn_date(end)})"


def reorganized_on(lines: Iterable[Line]) -> dt.date | None:
    """The first day a unit of the lines was formed, closed, merged or split
    within their period: the reorganisation the report spans, if any."""
    days = []
    for line in lines:
        for u in line.members:
            days += [
                d
                for d in (u.valid_from, u.valid_to, u.merged_on, u.split_on)
                if d is not None and line.start < d <= line.end
            ]
    return min(days, default=None)
