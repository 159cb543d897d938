"""Checking the rows of a payment results file against the payroll's lines:
each cell read, each row matched to a line sent for payment (by its line id,
or by the person's national ID and the month it pays), every problem reported
with its row, column title, a stable code and a Vietnamese message.

The payroll's lines are read once into dictionaries (`PayrollIndex`); the
rows are then checked in Python against them, so the cost is one query for
the payroll (and one for ids found nowhere in it), whatever the number of
rows."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from django.db.models import F
from django.utils.translation import gettext as _

from cases.allowances.import_columns import (
    PAID,
    RESULTS,
    TITLE,
    UNPAID,
    reason_labels,
    reason_vocabulary,
    words,
)
from cases.allowances.lines import payroll_lines
from cases.allowances.models import LineState, Payroll, PayrollLine, UnpaidReason
from cases.allowances.rates import add_months
from workflows.formatting import money, month_label, vn_date
from workflows.text import clean_text
from workflows.values import parse_amount, parse_vn_date

_MONTH = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{4})")
# Payment dates accepted: from PAID_DAYS_BEFORE days before the payroll's
# month (Tết months are paid early) to the end of the month after it (a
# late collection), never after today.
PAID_DAYS_BEFORE = 15
PAID_MONTHS_AFTER = 1
T = TypeVar("T")


@dataclass(slots=True)
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass(slots=True)
class ResultRow:
    number: int
    line_id: int | None = None
    result: str = ""
    paid_on: dt.date | None = None
    reason: str = ""
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(self.number, TITLE[column], code, str(message)))


# A line's (state, amount): plain tuples, 100,000 of them made in one go.
LineFacts = tuple[str, int]


class PayrollIndex:
    """The payroll's lines read once: id -> (state, amount), and (national
    ID, month paid) -> ids when the file names people rather than lines."""

    def __init__(self, payroll: Payroll, *, by_person: bool) -> None:
        self.payroll = payroll
        lines = payroll_lines(payroll)
        self.lines: dict[int, LineFacts] = {}
        self.people: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
        if by_person:
            for pk, state, amount, nid, month in lines.values_list(
                "pk", "state", "amount", F("person__national_id"), "for_month"
            ).iterator(chunk_size=20_000):
                self.lines[pk] = (state, amount)
                self.people[(nid, month)].append(pk)
        else:
            self.lines = {
                pk: (state, amount)
                for pk, state, amount in lines.values_list("pk", "state", "amount").iterator(
                    chunk_size=20_000
                )
            }

    def elsewhere(self, ids: set[int]) -> set[int]:
        """Of `ids` not in this payroll, those that are lines of another one."""
        if not ids:
            return set()
        return set(PayrollLine.objects.filter(pk__in=sorted(ids)).values_list("pk", flat=True))


def _is_formula_text(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip(" \u00a0").startswith("=")


def _blank(value: Any) -> bool:
    """Nothing in the cell: None, or only blanks once written out."""
    if value is None:
        return True
    if value.__class__ is str:
        return not value.strip()
    if value.__class__ in NUMBERS:  # never blank; spared str()
        return False
    return not str(value).strip()


NUMBERS = frozenset({int, float, bool})


# The cells that name a row's line (a formula in one of them: no line looked up).
NAMING_TITLES = frozenset({TITLE["line"], TITLE["national_id"], TITLE["for_month"]})
NO_KEYS: frozenset[str] = frozenset()


def _result_of(value: Any) -> str | None:
    return RESULTS.get(words(value))


def _once(cache: dict[tuple[type, Any], T], raw: Any, work: Callable[[Any], T]) -> T:
    """work(raw), remembered in `cache` for the next cell of the same value."""
    key = (raw.__class__, raw)
    try:
        return cache[key]
    except KeyError:
        cache[key] = found = work(raw)
        return found
    except TypeError:  # a value that cannot be a key (no reader gives one)
        return work(raw)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = clean_text(str(value)).replace(".", "").replace(",", "").replace(" ", "")
    return int(text) if text.isascii() and text.isdigit() else None


def _month(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    m = _MONTH.fullmatch(clean_text(str(value)))
    if not m or not 1 <= int(m.group(1)) <= 12:
        return None
    return dt.date(int(m.group(2)), int(m.group(1)), 1)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            converted = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return None
        return converted.date() if isinstance(converted, dt.datetime) else None
    return _date_text(str(value))


@lru_cache(maxsize=4096)
def _date_text(text: str) -> dt.date | None:
    # Cached: a payroll is paid on a few days, written the same way on every row.
    try:
        return parse_vn_date(clean_text(text))
    except Exception:  # noqa: BLE001 - Django's ValidationError or a bad date
        return None


def _national_id(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 10**12:
            return f"{int(value):012d}"
    return "".join(clean_text(str(value)).split())


class RowChecker:
    """Reads and checks the rows of one file against one payroll."""

    def __init__(self, payroll: Payroll, *, today: dt.date, formulas: Set[tuple[int, int]]):
        self.payroll = payroll
        self.today = today
        self.formulas = formulas
        self.reasons = reason_vocabulary()
        self.earliest = payroll.month - dt.timedelta(days=PAID_DAYS_BEFORE)
        self.window_end = add_months(payroll.month, PAID_MONTHS_AFTER + 1) - dt.timedelta(days=1)
        # What a cell says, worked out once per value (keyed by its type too:
        # True == 1): a file repeats a few results, dates and reasons.
        self._results: dict[tuple[type, Any], str | None] = {}
        self._days: dict[tuple[type, Any], tuple[dt.date | None, str, str]] = {}
        self._reasons: dict[tuple[type, Any], str | None] = {}

    def read(self, number: int, cells: dict[str, Any], columns: dict[str, int]) -> ResultRow:
        """The row's own cells (no line looked up yet)."""
        row = ResultRow(number)
        # Only text with an "=" in it can be a formula typed as text.
        formula = [
            k for k, v in cells.items() if v.__class__ is str and "=" in v and _is_formula_text(v)
        ]
        if self.formulas:
            formula += [
                k for k in cells if k not in formula and (number, columns[k] + 1) in self.formulas
            ]
        skip: Set[str] = NO_KEYS
        if formula:
            for key in formula:
                if key in TITLE:
                    row.error(
                        key,
                        "formula_cell",
                        _("The cell holds a formula: type the value itself (paste as values)."),
                    )
            skip = set(formula)
        self._read_result(row, cells, skip)
        return row

    def _result(self, raw: Any) -> str | None:
        return _once(self._results, raw, _result_of)

    def _read_result(self, row: ResultRow, cells: dict[str, Any], skip: Set[str]) -> None:
        raw = cells.get("result")
        if "result" in skip:
            pass
        elif _blank(raw):
            row.error("result", "result_missing", _("Write “Đã chi” or “Chưa chi”."))
        elif (result := self._result(raw)) is None:
            row.error(
                "result",
                "result_unknown",
                _("“%(value)s” is not a result: write “Đã chi” or “Chưa chi”.")
                % {"value": clean_text(str(raw))[:40]},
            )
        else:
            row.result = result
        paid_raw = cells.get("paid_on")
        has_date = not _blank(paid_raw)
        reason_raw = cells.get("reason")
        has_reason = not _blank(reason_raw)
        if row.result == PAID and "paid_on" not in skip:
            if not has_date:
                row.error("paid_on", "paid_on_missing", _("A paid line needs its payment date."))
            else:
                self._read_date(row, paid_raw)
        if row.result == UNPAID:
            if has_date and "paid_on" not in skip:
                row.error(
                    "paid_on",
                    "paid_on_when_unpaid",
                    _("A line not paid has no payment date: clear the date or write “Đã chi”."),
                )
            if "reason" in skip:
                pass
            elif not has_reason:
                row.error("reason", "reason_missing", _("Give the reason the line was not paid."))
            else:
                reason = _once(self._reasons, reason_raw, self._reason)
                if reason is None:
                    labels = ", ".join(reason_labels())
                    row.error(
                        "reason",
                        "reason_unknown",
                        _("“%(value)s” is not a known reason. Write one of: %(labels)s.")
                        % {"value": clean_text(str(reason_raw))[:60], "labels": labels},
                    )
                else:
                    row.reason = reason

    def _reason(self, raw: Any) -> str | None:
        text = words(raw)
        if text in self.reasons:
            return self.reasons[text]
        # "Khác: ..." — the other reason with its explanation.
        head = text.split(" ", 1)[0] if text.startswith("khac ") else ""
        return UnpaidReason.OTHER if head == "khac" else None

    def _read_date(self, row: ResultRow, raw: Any) -> None:
        day, code, message = _once(self._days, raw, self._day)
        if code:
            row.error("paid_on", code, message)
        else:
            row.paid_on = day

    def _day(self, raw: Any) -> tuple[dt.date | None, str, str]:
        """(the payment date, "", "") or (None, error code, message)."""
        day = _date(raw)
        if day is None:
            return (
                None,
                "paid_on_invalid",
                _("Enter the payment date as dd/mm/yyyy, e.g. 10/%(month)s.")
                % {"month": self.payroll.month.strftime("%m/%Y")},
            )
        if day > self.today:
            return (
                None, "paid_on_future", _("The payment date %(date)s is in the future.")
                % {"date": vn_date(day)},
            )  # fmt: skip
        if not self.earliest <= day <= self.window_end:
            return (
                None,
                "paid_on_outside_month",
                _(
                    "The payment date %(date)s is outside the payroll of %(month)s "
                    "(from %(start)s to %(end)s)."
                )
                % {
                    "date": vn_date(day),
                    "month": month_label(self.payroll.month),
                    "start": vn_date(self.earliest),
                    "end": vn_date(self.window_end),
                },
            )
        return day, "", ""

    def match(
        self,
        rows: list[tuple[ResultRow, dict[str, Any]]],
        index: PayrollIndex,
        columns: dict[str, int],
    ) -> None:
        """Find each row's line, then check it is this payroll's, sent, named
        once, and of the amount the file says."""
        unknown: dict[int, list[ResultRow]] = defaultdict(list)
        seen: dict[int, int] = {}
        sent = LineState.SENT.value
        for row, cells in rows:
            line_id = self._line_of(row, cells, index)
            if line_id is None:
                continue
            facts = index.lines.get(line_id)
            if facts is None:
                unknown[line_id].append(row)
                continue
            if line_id in seen:
                row.error(
                    "line" if "line" in columns else "national_id",
                    "line_duplicate",
                    _("This line is already in row %(row)s.") % {"row": seen[line_id]},
                )
                continue
            seen[line_id] = row.number
            row.line_id = line_id
            if facts[0] != sent:
                row.error(
                    "line" if "line" in columns else "national_id",
                    "line_not_sent",
                    _("Line %(id)s is “%(state)s”, not waiting for its payment result.")
                    % {"id": line_id, "state": LineState(facts[0]).label},
                )
            self._check_amount(row, cells, facts)
        elsewhere = index.elsewhere(set(unknown))
        for line_id, bad in unknown.items():
            for row in bad:
                if line_id in elsewhere:
                    row.error(
                        "line",
                        "line_other_payroll",
                        _("Line %(id)s belongs to another payroll, not to this one.")
                        % {"id": line_id},
                    )
                else:
                    row.error(
                        "line", "line_unknown", _("There is no line %(id)s.") % {"id": line_id}
                    )

    def _line_of(self, row: ResultRow, cells: dict[str, Any], index: PayrollIndex) -> int | None:
        if row.errors and any(
            e.code == "formula_cell" and e.column in NAMING_TITLES for e in row.errors
        ):
            return None
        raw = cells.get("line")
        if not _blank(raw):
            line_id: int | None
            if raw.__class__ is int:
                line_id = raw
            elif raw.__class__ is float and raw.is_integer():  # how a sheet holds numbers
                line_id = int(raw)
            else:
                line_id = _whole(raw)
            if line_id is None or line_id <= 0:
                row.error(
                    "line",
                    "line_id_invalid",
                    _("“%(value)s” is not a line number.") % {"value": str(raw)[:30]},
                )
                return None
            return line_id
        nid_raw, month_raw = cells.get("national_id"), cells.get("for_month")
        if nid_raw is None or not str(nid_raw).strip():
            column = "line" if "line" in cells else "national_id"
            row.error(
                column,
                "line_missing",
                _("Give the line number, or the national ID and the month."),
            )
            return None
        nid = _national_id(nid_raw)
        month = _month(month_raw) if month_raw is not None else None
        if month is None:
            row.error(
                "for_month",
                "month_invalid",
                _("Enter the month the line pays as mm/yyyy, e.g. %(month)s.")
                % {"month": self.payroll.month.strftime("%m/%Y")},
            )
            return None
        ids = index.people.get((nid, month), [])
        if not ids:
            row.error(
                "national_id",
                "person_unknown",
                _("This payroll has no line for national ID %(nid)s and month %(month)s.")
                % {"nid": nid, "month": month.strftime("%m/%Y")},
            )
            return None
        if len(ids) > 1:
            row.error(
                "national_id",
                "line_ambiguous",
                _(
                    "This person has %(count)s lines for %(month)s (e.g. two allowances): "
                    "use the column “Mã dòng”."
                )
                % {"count": len(ids), "month": month.strftime("%m/%Y")},
            )
            return None
        return ids[0]

    def _check_amount(self, row: ResultRow, cells: dict[str, Any], facts: LineFacts) -> None:
        raw = cells.get("amount")
        if _blank(raw) or (
            row.errors
            and any(e.code == "formula_cell" and e.column == TITLE["amount"] for e in row.errors)
        ):
            return
        amount: int | None
        if raw.__class__ is int:
            amount = raw
        elif raw.__class__ is float and raw.is_integer():
            amount = int(raw)
        else:
            amount = _amount(raw)
        if amount is None:
            row.error(
                "amount", "amount_invalid", _("“%(value)s” is not an amount in đồng.")
                % {"value": str(raw)[:30]},
            )  # fmt: skip
        elif amount != facts[1]:
            row.error(
                "amount",
                "amount_mismatch",
                _("The file says %(file)s but the line is %(line)s.")
                % {"file": money(amount), "line": money(facts[1])},
            )


def _amount(raw: Any) -> int | None:
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    try:
        return parse_amount(clean_text(str(raw)))
    except Exception:  # noqa: BLE001 - Django's ValidationError
        return None
