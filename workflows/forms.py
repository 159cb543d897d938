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
