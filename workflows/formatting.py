"""Vietnamese display of numbers, money and dates: 1.263, 30,0 MB, 17.120.000 đ
and dd/mm/yyyy (dots between thousands, a comma before decimals)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User


def number(value: int | float, decimals: int = 0) -> str:
    """1263 -> '1.263'; number(30.04, 1) -> '30,0'."""
    text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"-{text}" if value < 0 and text.strip("0.,") else text


def file_size(size: int) -> str:
    """A size in bytes as the office reads it: '850 byte', '12,5 KB', '30,0 MB'."""
    if size < 1024:
        return f"{number(size)} byte"
    for unit, scale in (("KB", 1024), ("MB", 1024**2), ("GB", 1024**3)):
        if size < scale * 1024 or unit == "GB":
            return f"{number(size / scale, 1)} {unit}"
    raise AssertionError("unreachable")


def money(amount: int | None) -> str:
    if amount is None:
        return "—"
    return number(int(amount)) + " đ"


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


def month_label(value: dt.date | None) -> str:
    """A month as written on payrolls: 03/2024."""
    return value.strftime("%m/%Y") if value else ""
