"""National ID (số định danh cá nhân / CCCD) checks, domain.md §8.

Digits 1-3: province of birth registration (001-096); digit 4: century and sex
(0/1 = male/female born 1900s, 2/3 = 2000s, 4/5 = 2100s, ...); digits 5-6: the
last two digits of the birth year; digits 7-12: random.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# As printed on the card or typed from it: "001 085 583 744", "001.085.583.744".
NATIONAL_ID_SEPARATORS = frozenset(" .-")
# Generous: the separators may double the length; the validator speaks about digits.
NATIONAL_ID_MAX_INPUT = 40


def validate_national_id(value: str) -> None:
    """Format checks that need no other field."""
    # isascii(): str.isdigit() also accepts full-width and other Unicode digits.
    if not isinstance(value, str) or len(value) != 12 or not (value.isascii() and value.isdigit()):
        raise ValidationError(
            _("The national ID number must be exactly 12 digits."), code="national_id_format"
        )
    province = int(value[:3])
    if not 1 <= province <= 96:
        raise ValidationError(
            _("The first three digits (province code %(code)s) must be between 001 and 096."),
            code="national_id_province",
            params={"code": value[:3]},
        )


def clean_national_id(raw: str) -> str:
    """The national ID as stored: spaces (any kind), dots, dashes and invisible
    format characters removed, then `validate_national_id`. The one check that
    the forms, the API and the import share, so an 11-digit ID gets the same
    message everywhere."""
    text = "" if raw is None else str(raw)
    value = "".join(
        ch
        for ch in text
        if ch not in NATIONAL_ID_SEPARATORS
        and not ch.isspace()
        and unicodedata.category(ch) != "Cf"  # zero-width spaces and the like
    )
    validate_national_id(value)
    return value


class NationalIdField(forms.CharField):
    """A national ID typed in a form: `clean_national_id` speaks, not Django's
    generic length messages (the input's maxlength is only a typing aid)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        attrs = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": str(NATIONAL_ID_MAX_INPUT),
            "spellcheck": "false",
        }
        widget = kwargs.get("widget")
        if widget is None:
            kwargs["widget"] = forms.TextInput(attrs=attrs)
        else:
            if isinstance(widget, type):
                widget = widget()
            kwargs["widget"] = widget
            for key, value in attrs.items():
                widget.attrs.setdefault(key, value)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value) or "")
        return clean_national_id(text) if text else text


class NationalIdSerializerField(serializers.CharField):
    """The API's national ID: the same cleaning and the same message as the forms."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        kwargs.setdefault(
            "help_text", "12 digits (CCCD); spaces, dots and dashes between them are ignored."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            return clean_national_id(text)
        except ValidationError as exc:
            raise serializers.ValidationError(list(exc.messages), code=exc.code) from None


def national_id_errors(value: str, date_of_birth: dt.date | None, sex: str | None) -> list[str]:
    """Every reason `value` does not fit the person; empty when it does."""
    try:
        validate_national_id(value)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    errors: list[str] = []
    digit = int(value[3])
    century = 1900 + (digit // 2) * 100
    coded_sex = "M" if digit % 2 == 0 else "F"
    if date_of_birth is not None:
        coded_year = century + int(value[4:6])
        if coded_year != date_of_birth.year:
            errors.append(
                str(
                    _(
                        "The national ID encodes birth year %(coded)s but the date of birth "
                        "is in %(year)s."
                    )
                    % {"coded": coded_year, "year": date_of_birth.year}
                )
            )
    if sex in ("M", "F") and coded_sex != sex:
        errors.append(str(_("The 4th digit of the national ID does not match the sex.")))
    return errors
