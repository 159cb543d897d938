"""Reading one cell of an imported gift list as people fill it in: text
cleaned, dates typed or real, a birth year alone, national IDs that Excel
turned into numbers, amounts with thousands separators. The readings are the
project's shared ones (`cases.validators`, `workflows.values`,
`workflows.text`); what is here is what only a spreadsheet cell needs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.validators import clean_national_id, national_id_errors
from workflows.text import clean_text
from workflows.values import (
    AMOUNT_MESSAGE,
    AMOUNT_MIN_MESSAGE,
    DATE_MESSAGE,
    parse_amount,
    parse_vn_date,
)

YEAR = re.compile(r"[0-9]{4}")  # a birth year alone, as elderly people are often registered
OLDEST_YEAR = 1900


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell_text(value: Any) -> str:
    """Every text cell as stored: `clean_text` (NFC, no zero-width characters,
    one space); a whole number as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value))


def parse_birth(value: Any, today: dt.date) -> tuple[dt.date, bool]:
    """(date of birth, year alone?) of a cell: an Excel date, a date typed as
    text (`workflows.values.parse_vn_date`), or a year alone ("1951", or the
    number 1951), kept as 01/01 of that year. ValueError with the message."""
    year_only = False
    born: dt.date | None = None
    if isinstance(value, dt.datetime):
        born = value.date()
    elif isinstance(value, dt.date):
        born = value
    elif _is_number(value):
        if float(value).is_integer() and 1000 <= value <= 9999:
            born, year_only = dt.date(int(value), 1, 1), True
        else:  # a date cell Excel stored as its serial number
            from openpyxl.utils.datetime import from_excel

            try:
                converted = from_excel(value)
            except (ValueError, OverflowError, TypeError):
                converted = None
            if not isinstance(converted, dt.datetime):
                raise ValueError(str(DATE_MESSAGE))
            born = converted.date()
    else:
        text = cell_text(value)
        if YEAR.fullmatch(text):
            born, year_only = dt.date(int(text), 1, 1), True
        else:
            try:
                born = parse_vn_date(text)
            except ValidationError:
                raise ValueError(str(DATE_MESSAGE)) from None
    if born > today:
        raise ValueError(_("The date of birth cannot be in the future."))
    if born.year < OLDEST_YEAR:
        raise ValueError(_("The year of birth must be %(year)s or later.") % {"year": OLDEST_YEAR})
    return born, year_only


def parse_national_id(value: Any, born: dt.date | None) -> str:
    """The 12 digits of a national ID cell (`cases.validators.clean_national_id`);
    ValueError with the message.

    A number cell is an ID Excel turned into a number, dropping its leading
    zeros (every province code starts with 0): the number is the ID, so its
    zeros are put back. A text cell is taken as typed: 11 digits there is a
    typo as likely as a lost zero, so it is refused, with the 12-digit ID in
    the message when adding the 0 gives one that fits the birth year."""
    if _is_number(value) and float(value).is_integer() and 0 < value < 10**12:
        value = f"{int(value):012d}"
    text = cell_text(value)
    try:
        return clean_national_id(text)
    except ValidationError as exc:
        digits = "".join(c for c in text if c.isascii() and c.isdigit())
        if len(digits) == 11 and not digits.startswith("0"):
            candidate = "0" + digits
            if not national_id_errors(candidate, born, None):
                raise ValueError(
                    _(
                        "The national ID has 11 digits: its leading 0 was probably lost. "
                        "Write all 12 digits (%(candidate)s?) in a cell formatted as text."
                    )
                    % {"candidate": candidate}
                ) from None
        raise ValueError(" ".join(str(m) for m in exc.messages)) from None


def parse_amount_cell(value: Any) -> int:
    """Whole đồng (`workflows.values.parse_amount`); ValueError with the message."""
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(str(AMOUNT_MESSAGE))
        value = int(value)
    try:
        amount = parse_amount(value if isinstance(value, int) else cell_text(value))
    except ValidationError as exc:
        raise ValueError(" ".join(str(m) for m in exc.messages)) from None
    if amount <= 0:
        raise ValueError(str(AMOUNT_MIN_MESSAGE))
    return amount


def same_birth(a: dt.date | None, a_year_only: bool, b: dt.date | None, b_year_only: bool) -> bool:
    """The same birth as far as both know it: a year alone matches any date of
    that year (the registry keeps what it has; the row does not change it)."""
    if a is None or b is None:
        return a == b
    if a_year_only or b_year_only:
        return a.year == b.year
    return a == b
