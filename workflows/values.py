"""One reading of each kind of typed value, shared by the forms, the API and the
import, so that the same wrong input gets the same Vietnamese message wherever
it is typed: dates as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy and
ISO yyyy-mm-dd) and amounts in đồng with "." "," or space between thousands
("28.000.000", "28,000,000", "28 000 000").

The API's fields are here too: they read the same way and say the same thing.
The API answers dates in ISO (yyyy-mm-dd) and documents ISO as what to send;
it also takes dd/mm/yyyy, which is what its message for a bad date names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

DATE_MESSAGE = _("Enter a valid date as dd/mm/yyyy, e.g. 25/12/1960.")
AMOUNT_MESSAGE = _("Enter an amount in đồng, digits only (e.g. 20.000.000).")
AMOUNT_MIN_MESSAGE = _("The amount must be greater than 0.")
AMOUNT_MAX_MESSAGE = _("The amount is too large.")
AMOUNT_MAX = 10**13

# Day first, one separator used twice: 5/9/1960, 05-09-1960, 05.09.1960.
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Whole đồng: plain digits, or groups of three after one kind of separator. A
# sign is read so that "-5.000.000" is told it must be above 0, not that it is
# no amount.
_PLAIN = re.compile(r"-?\d+")
_GROUPED = re.compile(r"-?\d{1,3}(?P<sep>[., ])\d{3}(?:(?P=sep)\d{3})*")
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)


def parse_vn_date(raw: str) -> dt.date:
    """'05/09/1960', '5/9/1960', '05-09-1960', '05.09.1960' or '1960-09-05' ->
    date(1960, 9, 5); ValidationError (code "invalid", DATE_MESSAGE) for
    anything else, including days that do not exist (31/02/2020)."""
    text = re.sub(r"\s*([/.\-])\s*", r"\1", " ".join(str(raw or "").split()))
    day_first = _DAY_FIRST.fullmatch(text)
    iso = None if day_first else _ISO.fullmatch(text)
    try:
        if day_first:
            return dt.date(int(day_first[4]), int(day_first[3]), int(day_first[1]))
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    raise ValidationError(DATE_MESSAGE, code="invalid")


def parse_amount(raw: str | int) -> int:
    """'28.000.000', '28,000,000', '28 000 000', '28000000 đ' or 28000000 ->
    28000000; ValidationError (code "invalid", AMOUNT_MESSAGE) for a decimal
    or groups that are not of three ("2.80.000" is a typo, not a number). A
    negative amount is read as such: the fields' minimum refuses it."""
    if isinstance(raw, bool):
        raise ValidationError(AMOUNT_MESSAGE, code="invalid")
    if isinstance(raw, int):
        return raw
    # Any space (no-break, narrow no-break) is a space; the unit may follow.
    text = _CURRENCY.sub("", " ".join(str(raw or "").split()))
    # Far above any amount (10^13 đồng is 17 digits with separators), far below
    # the length at which int() itself refuses a string.
    if len(text) > 40:
        raise ValidationError(AMOUNT_MESSAGE, code="invalid")
    if _PLAIN.fullmatch(text) or _GROUPED.fullmatch(text):
        return int(re.sub(r"[., ]", "", text))
    raise ValidationError(AMOUNT_MESSAGE, code="invalid")


def _drf_error(exc: ValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(list(exc.messages), code=exc.code)


class ApiDateField(serializers.DateField):
    """A date in the API: ISO yyyy-mm-dd (answers are ISO too), dd/mm/yyyy
    accepted; a bad date gets DATE_MESSAGE, as in the forms."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "YYYY-MM-DD (dd/mm/yyyy is accepted too).")
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            self.fail("datetime")
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str):
            raise serializers.ValidationError([str(DATE_MESSAGE)], code="invalid")
        try:
            return parse_vn_date(value)
        except ValidationError as exc:
            raise _drf_error(exc) from None


class ApiMoneyField(serializers.IntegerField):
    """Whole đồng in the API: a JSON integer, or a string typed as people write
    it ("28.000.000"); the same messages as the forms' MoneyField."""

    default_error_messages = {
        "invalid": AMOUNT_MESSAGE,
        "min_value": AMOUNT_MIN_MESSAGE,
        "max_value": AMOUNT_MAX_MESSAGE,
        "max_string_length": AMOUNT_MAX_MESSAGE,
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", AMOUNT_MAX)
        kwargs.setdefault("help_text", 'Whole đồng: 28000000, or a string such as "28.000.000".')
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            return int(data)
        if isinstance(data, str | int):
            try:
                return parse_amount(data)
            except ValidationError as exc:
                raise _drf_error(exc) from None
        self.fail("invalid")
