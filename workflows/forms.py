"""Forms for the data a transition takes. The same form validates the UI post
and the API's JSON body, so both give the same field errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.values import (
    AMOUNT_MAX,
    AMOUNT_MAX_MESSAGE,
    AMOUNT_MESSAGE,
    AMOUNT_MIN_MESSAGE,
    DATE_MESSAGE,
    parse_amount,
    parse_vn_date,
)

DATE_DISPLAY = "%d/%m/%Y"


def date_input() -> forms.DateInput:
    """A text input showing dd/mm/yyyy: never the browser's date picker, whose
    format follows the browser's locale rather than the office's."""
    return forms.DateInput(
        format=DATE_DISPLAY,
        attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off", "inputmode": "numeric"},
    )


class MoneyField(forms.IntegerField):
    """Whole đồng. Accepts 17.120.000, 17,120,000, 17 120 000 or 17120000 đ
    (`workflows.values.parse_amount`)."""

    default_error_messages = {
        "invalid": AMOUNT_MESSAGE,
        "min_value": AMOUNT_MIN_MESSAGE,
        "max_value": AMOUNT_MAX_MESSAGE,
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", AMOUNT_MAX)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, float):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parse_amount(value)


class VnDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, and
    yyyy-mm-dd from the API), read by `workflows.values.parse_vn_date`."""

    default_error_messages = {"invalid": DATE_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("input_formats", None)
        kwargs.setdefault("widget", date_input())
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return parse_vn_date(str(value))


class PastDateField(VnDateField):
    """A date that cannot be in the future."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")


MONTH_MESSAGE = _("Enter a month as mm/yyyy, e.g. 07/2024.")


def month_input() -> forms.DateInput:
    """A text input showing mm/yyyy (a month is kept as its first day)."""
    return forms.DateInput(
        format="%m/%Y",
        attrs={"placeholder": "mm/yyyy", "autocomplete": "off", "inputmode": "numeric"},
    )


class MonthField(forms.DateField):
    """A month typed as mm/yyyy (also m/yyyy, mm-yyyy, and yyyy-mm or a date
    from the API), kept as its first day."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("input_formats", None)
        kwargs.setdefault("widget", month_input())
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = str(value).strip()
        for sep in ("/", "-", "."):
            parts = text.split(sep)
            if len(parts) == 2 and all(p.isdigit() for p in parts):
                a, b = parts
                month, year = (int(b), int(a)) if len(a) == 4 else (int(a), int(b))
                if 1 <= month <= 12 and 1900 <= year <= 2999:
                    return dt.date(year, month, 1)
            if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
                try:
                    return dt.date(int(parts[0]), int(parts[1]), 1)
                except ValueError:
                    break
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
