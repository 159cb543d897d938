"""One section of the dashboard: a `Table` (headers, raw rows, which columns
are money, a total row) and its chart, as the page shows it and the .xlsx
writes it (`cases.reporting.dashboard_output`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from cases.reporting.charts import plain
from workflows import formatting


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    money: set[int] = field(default_factory=set)  # 0-based columns holding đồng
    total: list[Any] | None = None
    chart: SafeString | None = None
    note: str = ""
    sheet: str = ""  # the short title of its .xlsx sheet (Excel allows 31 characters)
    wide: bool = False

    def _cell(self, j: int, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, dt.date):
            return value.strftime("%m/%Y")
        if j in self.money:
            return formatting.money(value)
        if isinstance(value, int):
            return plain(value)
        return str(value)

    def _display(self, row: Sequence[Any]) -> list[tuple[str, bool]]:
        return [
            (self._cell(j, v), isinstance(v, int) or v is None and j in self.money)
            for j, v in enumerate(row)
        ]

    @property
    def numeric(self) -> set[int]:
        """Columns of numbers (right-aligned on the page and in the sheet)."""
        return self.money | {
            j
            for j in range(len(self.headers))
            if self.rows and all(isinstance(r[j], int) or r[j] is None for r in self.rows)
        }

    @property
    def header_cells(self) -> list[tuple[str, bool]]:
        numeric = self.numeric
        return [(h, j in numeric) for j, h in enumerate(self.headers)]

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """(text, is a number) per cell, for the page."""
        return [self._display(r) for r in self.rows]

    @property
    def display_total(self) -> list[tuple[str, bool]] | None:
        return self._display(self.total) if self.total is not None else None
