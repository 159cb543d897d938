"""The dashboard's figures by commune: the general cases created in the period
and the housing amounts approved and paid, one line per commune the user
sees, grouped across a reorganisation as the user chose
(`cases.reporting.units.Grouping`): under the units in force at the
period's end (a former commune's figures under the commune that took it
over) or under the unit each figure was recorded in.

One query: the communes, their changes and their figures together; the lines
are added up here, so the number of queries does not grow with the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import AdministrativeUnit
from cases.reporting.units import (
    UNIT_COLUMNS,
    UNIT_FIELDS,
    Grouping,
    Line,
    UnitMap,
    area_unit,
    unit_columns,
)
from workflows.actors import Reader
from workflows.permissions import SENSITIVE_PROCESSES, scope_for, scoped


@dataclass(frozen=True)
class CommuneRow:
    commune_id: int
    name: str
    cases: int
    approved: int
    disbursed: int
    line: Line | None = None  # what the line stands for across a reorganisation

    @property
    def label(self) -> str:
        """Its name, with 'split by villages', 'from …' or 'until …' when it says something."""
        note = self.line.short_note() if self.line else ""
        return f"{self.name} ({note})" if note else self.name


@dataclass
class CommuneFigures:
    """The communes the user sees (in name order) and each one's figures."""

    units: UnitMap
    # Unit id -> cases, approved, disbursed.
    figures: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    first: dt.date = dt.date.min
    last: dt.date = dt.date.max

    def regroup(self, grouping: str) -> dict[int, int]:
        """Unit id -> the unit whose line holds its figures, where they differ."""
        out = {}
        for pk in self.units.ids:
            line = self.units.line_of(pk, grouping, self.last)
            if line != pk:
                out[pk] = line
        return out

    def rows(self, grouping: str, *, also: Iterable[int] = ()) -> list[CommuneRow]:
        """A line for every commune in force in the period (zeros too), or
        holding one of its figures (cases here, or `also`: the payments)."""
        shown = {pk for pk, f in self.figures.items() if any(f)} | set(also)
        out = []
        for line in self.units.lines(grouping, self.first, self.last, with_figures=shown):
            n, approved, paid = (sum(self.figures[m.id][i] for m in line.members) for i in range(3))
            out.append(CommuneRow(line.unit.id, line.unit.name, n, approved, paid, line))
        return out


def commune_figures(
    user: Reader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> CommuneFigures:
    """Every commune the user sees with its general cases (created in
    [start, end) when given) and the housing amounts approved and paid, and
    what each commune became: one query."""
    scope = scope_for(user)
    if not scope.sees_general:
        return CommuneFigures(UnitMap([]))
    general = ~Q(cases__process__in=SENSITIVE_PROCESSES)
    if start and end:
        general &= Q(cases__created_at__date__gte=start, cases__created_at__date__lt=end)
    qs = scoped(
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE), user, field="id"
    )
    rows = list(
        qs.annotate(
            n=Count("cases", filter=general),
            approved=Sum("cases__housingcase__approved_amount", filter=general),
            paid=Sum("cases__housingcase__disbursed_amount", filter=general),
            **unit_columns(),
        )
        .values(*UNIT_FIELDS, *UNIT_COLUMNS, "n", "approved", "paid")
        .order_by("name", F("valid_from").asc(nulls_first=True), "id")
    )
    # Without a period: every commune, the units in force today.
    first, last = (
        (start, end - dt.timedelta(days=1))
        if start and end
        else (dt.date.min, today or timezone.localdate())
    )
    return CommuneFigures(
        units=UnitMap(area_unit(r) for r in rows),
        figures={r["id"]: (r["n"], r["approved"] or 0, r["paid"] or 0) for r in rows},
        first=first,
        last=last,
    )


def by_commune(
    user: Reader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    grouping: str = Grouping.CURRENT,
) -> list[CommuneRow]:
    """Every commune the user sees (zeros too) with its general cases and the
    housing amounts approved and paid, on the lines of `grouping`: one query.
    With `start`/`end`, only the cases created in [start, end), and only the
    communes in force in the period or holding one of those cases."""
    return commune_figures(user, start, end).rows(grouping)


def former_note(rows: Iterable[CommuneRow]) -> str:
    """'Kim Anh: Xã Minh Trí, Xã Minh Phú; …' for the tables' note, when
    lines hold former communes' figures (by the current units)."""
    parts = [
        f"{r.name}: {', '.join(m.title for m in r.line.former)}"
        for r in rows
        if r.line is not None and r.line.former
    ]
    if not parts:
        return ""
    return _("Figures of former communes are under the commune that took them over: %(list)s.") % {
        "list": "; ".join(parts)
    }
