"""Forms for the data a transition takes. The same form validates the UI post
and the API's JSON body, so both give the same field errors."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MoneyField(forms.IntegerField):
    """Whole đồng. Accepts 17.120.000, 17 120 000 or 17120000 đ."""

    default_error_messages = {
        "invalid": _("Enter an amount in đồng, digits only (e.g. 20.000.000)."),
        "min_value": _("The amount must be greater than 0."),
        "max_value": _("The amount is too large."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 10**13)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = re.sub(r"[.\s,_]|đ|VND|vnđ", "", value.strip(), flags=re.IGNORECASE)
        if isinstance(value, float):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class PastDateField(forms.DateField):
    """A date that cannot be in the future (dd/mm/yyyy or yyyy-mm-dd)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")
