"""Vietnamese display of money and dates: 17.120.000 đ and dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt


def money(amount: int | None) -> str:
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + " đ"


def vn_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")
