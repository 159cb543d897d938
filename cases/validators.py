"""National ID (số định danh cá nhân / CCCD) checks, domain.md §8.

Digits 1-3: province of birth registration (001-096); digit 4: century and sex
(0/1 = male/female born 1900s, 2/3 = 2000s, 4/5 = 2100s, ...); digits 5-6: the
last two digits of the birth year; digits 7-12: random.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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
