"""Working days: the yardstick of every legal time limit.

A working day is Monday to Friday, plus the weekend days worked in exchange
for a bridge holiday (from the `holidays` package and the `MakeUpWorkday`
table), minus Vietnam's public holidays (the `holidays` package: Tết, its
in-lieu days and the government's day swaps) and the office's declared days
off (`OfficeDayOff`). A day off of either kind wins over a make-up working day.

Counting convention (the one-stop shop's): the clock starts the working day
after receipt, so `add_working_days(start, n)` is the n-th working day AFTER
`start`, whatever `start` is. A dossier received on a Friday with a 1-day
limit is due on Monday; received on a Saturday, also Monday.
`working_days_between(a, b)` counts the working days in (a, b], so
`add_working_days(a, working_days_between(a, b)) == b` for a working day b.

For bulk use (the reminder sweep), build one `WorkingCalendar.load(first, last)`
for the span of dates involved: one query, then every answer is a list lookup.
The module-level functions load a calendar per call, for one-off use.

The `holidays` package computes Tết from the lunar calendar for any year
(1901-2100); day swaps decided by the government year by year are only known
up to the package's release, so later ones must be entered in the two tables.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

import holidays
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, QuerySet, Value

from workflows.models import MakeUpWorkday, OfficeDayOff, StepTimeLimit

SATURDAY = 5
# How far past the last date asked about a one-off calendar reaches: 3 months
# covers any month-long limit plus Tết.
MARGIN = dt.timedelta(days=92)
# The reach of a one-off count of working days beyond three calendar days per
# working day: the office never closes a month in a row (Tết is about nine
# days). Too short a reach only costs a second, longer calendar.
CLOSURE_MARGIN = dt.timedelta(days=31)


class OutsideCalendar(ValueError):
    """A date (or a result) lies outside the span the calendar was built for."""


@functools.lru_cache(maxsize=64)
def _national_holidays(first_year: int, last_year: int) -> holidays.HolidayBase:
    """Vietnam's public holidays of those years: the same whoever asks, and
    about a millisecond to compute, so once per span of years."""
    return holidays.country_holidays("VN", years=range(first_year, last_year + 1))


class WorkingCalendar:
    """Working days of the span first..last, precomputed; pure, no queries."""

    def __init__(
        self,
        first: dt.date,
        last: dt.date,
        *,
        days_off: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
    ) -> None:
        """`days_off` and `workdays` are the office's declarations (the tables)."""
        if last < first:
            raise ValueError("last must not be before first")
        self.first, self.last = first, last
        national = _national_holidays(first.year, last.year)
        off = set(national) | set(days_off)
        weekend_workdays = set(national.weekend_workdays) | set(workdays)
        self._origin = first.toordinal()
        size = last.toordinal() - self._origin + 1
        self._working: list[bool] = []
        # _count[i]: working days from `first` up to and including day i.
        self._count: list[int] = []
        # Ordinals of the working days, ascending.
        self._days: list[int] = []
        for i in range(size):
            day = first + dt.timedelta(days=i)
            working = day not in off and (day.weekday() < SATURDAY or day in weekend_workdays)
            self._working.append(working)
            if working:
                self._days.append(self._origin + i)
            self._count.append(len(self._days))

    @classmethod
    def load(cls, first: dt.date, last: dt.date) -> WorkingCalendar:
        """The calendar for first..last with the office's declared days (one query)."""

        rows = (
            OfficeDayOff.objects.filter(date__range=(first, last))
            .annotate(kind=Value("off", output_field=CharField()))
            .values_list("date", "kind")
            .union(
                MakeUpWorkday.objects.filter(date__range=(first, last))
                .annotate(kind=Value("work", output_field=CharField()))
                .values_list("date", "kind"),
                all=True,
            )
        )
        days_off: list[dt.date] = []
        workdays: list[dt.date] = []
        for day, kind in rows:
            (days_off if kind == "off" else workdays).append(day)
        return cls(first, last, days_off=days_off, workdays=workdays)

    def _index(self, day: dt.date) -> int:
        i = day.toordinal() - self._origin
        if not 0 <= i < len(self._working):
            raise OutsideCalendar(f"{day} is outside {self.first}..{self.last}")
        return i

    def is_working_day(self, day: dt.date) -> bool:
        return self._working[self._index(day)]

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (before it when n < 0); `start` when n == 0."""
        if n == 0:
            return start
        i = self._index(start)
        if n > 0:
            position = self._count[i] + n - 1
        else:  # working days strictly before start, then step back
            position = (self._count[i - 1] if i else 0) + n
        if not 0 <= position < len(self._days):
            raise OutsideCalendar(
                f"{n} working days from {start} fall outside {self.first}..{self.last}"
            )
        return dt.date.fromordinal(self._days[position])

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative (minus those in (b, a]) when b < a."""
        return self._count[self._index(b)] - self._count[self._index(a)]


# The declared days read along with a step's limit: enough for any limit of up
# to 60 working days (three calendar days each, and Tết).
DECLARED_REACH = dt.timedelta(days=3 * 60) + MARGIN


def with_declared_days(rows: QuerySet[Any], span: tuple[dt.date, dt.date]) -> QuerySet[Any]:
    """Each row with the office's declared days of `span` riding along as
    arrays (`days_off`, `workdays`), so its calendar needs no query of its own."""
    return rows.annotate(
        days_off=ArraySubquery(OfficeDayOff.objects.filter(date__range=span).values("date")),
        workdays=ArraySubquery(MakeUpWorkday.objects.filter(date__range=span).values("date")),
    )


def add_declared_working_days(
    start: dt.date, n: int, *, days_off: Iterable[dt.date], workdays: Iterable[dt.date]
) -> dt.date:
    """`add_working_days(start, n)` for n >= 0 on the declared days of
    (start, start + DECLARED_REACH) read along with the row that gives n; a
    longer n reads its own calendar."""
    # Only the days n can reach: the calendar is built day by day.
    last = min(start + dt.timedelta(days=3 * n) + CLOSURE_MARGIN, start + DECLARED_REACH)
    try:
        return WorkingCalendar(start, last, days_off=days_off, workdays=workdays).add_working_days(
            start, n
        )
    except OutsideCalendar:
        return add_working_days(start, n)


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar.load(day, day).is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (see the module docstring)."""
    # Three calendar days per working day bounds any real run of holidays;
    # beyond that, the span grows and the calendar is built again.
    reach = dt.timedelta(days=3 * abs(n)) + CLOSURE_MARGIN
    while True:
        first, last = (start, start + reach) if n >= 0 else (start - reach, start)
        try:
            return WorkingCalendar.load(first, last).add_working_days(start, n)
        except OutsideCalendar:
            reach *= 2


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]; minus the count in (b, a] when b < a."""
    return WorkingCalendar.load(min(a, b), max(a, b)).working_days_between(a, b)


def limits_in_force(process: str, step: str, on: dt.date) -> QuerySet[StepTimeLimit]:
    """The time limits of a step of a process in force on a date, the one in
    force first (the latest `effective_from` not after it)."""
    return StepTimeLimit.objects.filter(
        process=process, step=step, effective_from__lte=on
    ).order_by("-effective_from")


def time_limit_in_force(process: str, step: str, on: dt.date) -> StepTimeLimit | None:
    """The time limit in force, or None when none is configured."""
    return limits_in_force(process, step, on).first()


def due_date_for(
    process: str, step: str, start_date: dt.date, *, calendar: WorkingCalendar | None = None
) -> dt.date | None:
    """The due date of a step opened on `start_date`, under the limit in force
    that day; None when the step has no time limit. Pass `calendar` (covering
    the due date) to save its query when computing many due dates."""
    limit = time_limit_in_force(process, step, start_date)
    if limit is None:
        return None
    if calendar is not None:
        return calendar.add_working_days(start_date, limit.working_days)
    return add_working_days(start_date, limit.working_days)
