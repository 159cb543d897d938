"""Spreadsheet counterparts of `cases.official.docx`: the official header
(issuing body, quốc hiệu, tiêu ngữ, place and date, title) over the width of a
table, bordered tables whose header rows repeat when printed, signer blocks,
and A4 landscape print setup fitted to the page width (margins as NĐ 30/2020).

Amounts and counts are numbers with the "#,##0" format, so they stay
summable; the spreadsheet program shows the thousands separator of the
reader's locale.
"""

from __future__ import annotations

import copy
import io
import math
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cases.exports.tabular import set_cell
from cases.official.docx import CENTER, FONT, LEFT, MOTTO, NATIONAL_TITLE, RIGHT, Column

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MONEY_FORMAT = "#,##0"


def header(
    ws: Worksheet, *, left: Sequence[str], place_date: str, title: Sequence[str], ncols: int
) -> int:
    """The official header over `ncols` columns; returns the next free row."""
    half = max(ncols // 2 - 1, 1)
    lines_right = [NATIONAL_TITLE, MOTTO]
    for i in range(max(len(left), 2)):
        row = i + 1
        if i < len(left):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=half)
            cell = set_cell(ws, row, 1, left[i])
            cell.font = Font(name=FONT, bold=i == len(left) - 1, size=12)
            cell.alignment = Alignment(horizontal="center")
        if i < 2:
            ws.merge_cells(start_row=row, start_column=half + 1, end_row=row, end_column=ncols)
            cell = set_cell(ws, row, half + 1, lines_right[i])
            # NĐ 30/2020: quốc hiệu 12-13 pt, the tiêu ngữ one point larger.
            cell.font = Font(
                name=FONT, bold=True, size=13 if i else 12, underline="single" if i else None
            )
            cell.alignment = Alignment(horizontal="center")
    row = max(len(left), 2) + 1
    if place_date:
        ws.merge_cells(start_row=row, start_column=half + 1, end_row=row, end_column=ncols)
        cell = set_cell(ws, row, half + 1, place_date)
        cell.font = Font(name=FONT, italic=True, size=12)
        cell.alignment = Alignment(horizontal="center")
    row += 2
    for text in title:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        cell = set_cell(ws, row, 1, text)
        cell.font = Font(name=FONT, bold=True, size=14)
        cell.alignment = Alignment(horizontal="center")
        row += 1
    return row + 1


def data_table(
    ws: Worksheet,
    start: int,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    money_columns: set[int],
    total: Sequence[Any] | None = None,
    groups: Sequence[tuple[str, int]] = (),
    min_row_height: float = 0,
) -> int:
    """Header row(s) (repeated when printed), data and a bold total row;
    returns the row after the table. Numbers in `money_columns` and in
    right-aligned columns (amounts, counts) carry the "#,##0" format: they
    stay numbers, shown with the reader's thousands separator (1.263 in a
    Vietnamese spreadsheet); centred numbers (STT, a year) stay plain."""
    header_rows = 2 if groups else 1
    head = start + header_rows - 1
    if groups:
        col = 1
        for label, span in groups:
            if span == 1:
                ws.merge_cells(start_row=start, start_column=col, end_row=head, end_column=col)
            else:
                ws.merge_cells(
                    start_row=start, start_column=col, end_row=start, end_column=col + span - 1
                )
                set_cell(ws, start, col, label)
            col += span
    for j, column in enumerate(columns, start=1):
        set_cell(ws, start if groups and _single(groups, j) else head, j, column.header)
        ws.column_dimensions[get_column_letter(j)].width = column.width_mm / 2.0
    for r in range(start, head + 1):
        ws.row_dimensions[r].height = 32 if r == head else 18
        for j in range(1, len(columns) + 1):
            cell = ws.cell(row=r, column=j)
            cell.font = Font(name=FONT, bold=True, size=11)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = BOX
    body = list(rows) + ([total] if total is not None else [])
    aligns = [_XLSX_ALIGN.get(c.align, "left") for c in columns]
    # A column's cells share one style: set it on the first, copy its style
    # array to the others (setting font, border and alignment cell by cell
    # made a 2,000-row signature list take 6 s).
    styles: dict[tuple[int, bool], Any] = {}
    for i, values in enumerate(body):
        r = head + 1 + i
        is_total = total is not None and i == len(body) - 1
        for j, value in enumerate(values, start=1):
            cell = set_cell(ws, r, j, value)
            style = styles.get((j, is_total))
            if style is not None:
                cell._style = copy.copy(style)
                continue
            cell.font = Font(name=FONT, size=11, bold=is_total)
            cell.border = BOX
            cell.alignment = Alignment(horizontal=aligns[j - 1], vertical="top", wrap_text=True)
            if j in money_columns or aligns[j - 1] == "right":
                cell.number_format = MONEY_FORMAT
            styles[(j, is_total)] = copy.copy(cell._style)
        ws.row_dimensions[r].height = max(_lines(values, columns) * 15 + 3, min_row_height)
    ws.print_title_rows = f"{start}:{head}"
    return head + 1 + len(body)


_XLSX_ALIGN = {CENTER: "center", RIGHT: "right", LEFT: "left"}


def _lines(values: Sequence[Any], columns: Sequence[Column]) -> int:
    """Wrapped lines of the tallest cell: spreadsheet programs do not grow a
    row to fit wrapped text written by openpyxl, so the height is set."""
    most = 1
    for value, column in zip(values, columns, strict=True):
        per_line = max(int(column.width_mm / 2 * 1.4) - 1, 1)
        most = max(most, math.ceil(len(str(value or "")) / per_line))
    return most


def _single(groups: Sequence[tuple[str, int]], column: int) -> bool:
    col = 1
    for _label, span in groups:
        if col == column:
            return span == 1
        col += span
    return False


def print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = 30 / 25.4
    ws.page_margins.right = 15 / 25.4
    ws.page_margins.top = 20 / 25.4
    ws.page_margins.bottom = 20 / 25.4
    ws.print_options.horizontalCentered = True


def signers(ws: Worksheet, row: int, ncols: int, left: Sequence[str], right: Sequence[str]) -> None:
    half = max(ncols // 2 - 1, 1)
    for i, text in enumerate(left):
        ws.merge_cells(start_row=row + i, start_column=1, end_row=row + i, end_column=half)
        cell = set_cell(ws, row + i, 1, text)
        cell.font = Font(
            name=FONT, bold=not text.startswith("("), italic=text.startswith("("), size=12
        )
        cell.alignment = Alignment(horizontal="center")
    for i, text in enumerate(right):
        ws.merge_cells(start_row=row + i, start_column=half + 1, end_row=row + i, end_column=ncols)
        cell = set_cell(ws, row + i, half + 1, text)
        cell.font = Font(
            name=FONT, bold=not text.startswith("("), italic=text.startswith("("), size=12
        )
        cell.alignment = Alignment(horizontal="center")


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
