"""Vietnamese display of money and dates: 17.120.000 đ and dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User


def money(amount: int | None) -> str:
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + " đ"


def display_name(user: User) -> str:
    """Vietnamese order, family name first: 'Nguyễn Thị Hoa' (last_name holds
    the family and middle names, first_name the given name)."""
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.username


def vn_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")
