"""Bordered data tables of an administrative document (python-docx): header
rows repeated on every page, rows never split, fixed column widths, package
headings and subtotals; and the table-level helpers `cases.official.docx`
builds its layout tables with."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell

TABLE_SIZE = 12
TABLE_CELL_MARGIN_MM = 1  # Word's default is 1.9 mm: room for one more word per line
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT


@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    align: Any = LEFT


@dataclass(frozen=True)
class Heading:
    """A body row across the whole table, bold: the title of the rows below
    it (a package of a signature list)."""

    text: str


@dataclass(frozen=True)
class Subtotal:
    """A body row in bold: the total of the rows above it."""

    values: Sequence[str]


Row = Sequence[str] | Heading | Subtotal


def data_table(
    doc: DocumentObject,
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    groups: Sequence[tuple[str, int]] = (),
    total: Sequence[str] | None = None,
    size: float = TABLE_SIZE,
    min_row_height_mm: float = 0,
) -> Table:
    """A bordered table whose header rows repeat on every page.

    `groups` adds a header row above the column headers: (label, span) pairs
    covering every column; a span-1 group is merged with its column header.
    `rows` may hold `Heading`s (a bold row across the table) and `Subtotal`s
    (a bold row). `total` is a last row in bold. Rows never split across
    pages; body rows are at least `min_row_height_mm` high (room to sign).
    """
    header_rows = 2 if groups else 1
    table = doc.add_table(rows=header_rows, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell_margins(table, TABLE_CELL_MARGIN_MM)
    grid(table, [c.width_mm for c in columns])
    head = table.rows[-1].cells
    for cell, col in zip(head, columns, strict=True):
        cell_text(cell, col.header, bold=True, align=CENTER, size=size)
    if groups:
        top = table.rows[0].cells
        i = 0
        for label, span in groups:
            if span == 1:
                merged = top[i].merge(head[i])
                cell_text(merged, columns[i].header, bold=True, align=CENTER, size=size)
            else:
                merged = top[i].merge(top[i + span - 1])
                cell_text(merged, label, bold=True, align=CENTER, size=size)
            i += span
    for r in table.rows:
        flag(r, "w:tblHeader")
        flag(r, "w:cantSplit")
        _widths(r, columns)
    _body_rows(table, columns, rows, size=size, min_row_height_mm=min_row_height_mm)
    if total is not None:
        _add_row(table, columns, total, size=size, bold=True)
        flag(table.rows[-1], "w:cantSplit")
        _widths(table.rows[-1], columns)
    return table


def _widths(row: Any, columns: Sequence[Column]) -> None:
    for cell, col in zip(row.cells, columns, strict=True):
        cell.width = Mm(col.width_mm)


# Characters a .docx (XML 1.0) cannot hold; python-docx would refuse them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _body_rows(
    table: Table,
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    size: float,
    min_row_height_mm: float,
) -> None:
    """The body rows. The first row of each kind (plain, subtotal, heading) is
    built through python-docx (alignment, size, bold, height, cantSplit,
    widths, merged cells); every other row is a copy of its XML with the texts
    put in: python-docx adding 2,000 rows cell by cell took 14 s, the copies
    take well under a second (bench/bench_exports_docx.py). A row with a line
    break or tab in a cell goes through python-docx, which writes those."""
    templates: dict[str, Any] = {}
    tbl = table._tbl
    for row_data in rows:
        kind, values = _kind_values(row_data)
        values = [_XML_ILLEGAL.sub("", str(v)) for v in values]
        template = templates.get(kind)
        if template is None or any("\n" in v or "\t" in v for v in values):
            row = _new_body_row(table, columns, kind, size=size)
            if min_row_height_mm and kind != "heading":
                row.height = Mm(min_row_height_mm)
            if template is None:
                templates[kind] = copy.deepcopy(row._tr)
            aligns = [LEFT] if kind == "heading" else [c.align for c in columns]
            for cell, align, value in zip(row.cells[: len(values)], aligns, values, strict=True):
                cell_text(cell, value, bold=kind != "plain", align=align, size=size)
            continue
        tr = copy.deepcopy(template)
        for t, value in zip(tr.iter(_T), values, strict=True):
            t.text = value
            t.set(_SPACE, "preserve")
        tbl.append(tr)


def _kind_values(row: Row) -> tuple[str, Sequence[str]]:
    if isinstance(row, Heading):
        return "heading", [row.text]
    if isinstance(row, Subtotal):
        return "subtotal", row.values
    return "plain", row


def _new_body_row(table: Table, columns: Sequence[Column], kind: str, *, size: float) -> Any:
    """A body row of that kind, with placeholder texts (one run per cell)."""
    _add_row(table, columns, ["x"] * len(columns), size=size, bold=kind != "plain")
    row = table.rows[-1]
    flag(row, "w:cantSplit")
    _widths(row, columns)
    if kind == "heading":
        cells = row.cells
        merged = cells[0].merge(cells[-1])
        cell_text(merged, "x", bold=True, align=LEFT, size=size)
    return row


_T = qn("w:t")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _add_row(
    table: Table,
    columns: Sequence[Column],
    values: Sequence[str],
    *,
    size: float,
    bold: bool = False,
) -> None:
    cells = table.add_row().cells
    for cell, col, value in zip(cells, columns, values, strict=True):
        cell_text(cell, value, bold=bold, align=col.align, size=size)


def cell_text(cell: _Cell, text: str, *, bold: bool, align: Any, size: float) -> None:
    p = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for run in list(p.runs):
        run._r.getparent().remove(run._r)
    p.alignment = align
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def flag(row: Any, tag: str) -> None:
    """A row property: w:tblHeader (repeat on every page), w:cantSplit."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is None:
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def grid(table: Table, widths_mm: Sequence[float]) -> None:
    """Column widths in the table grid: LibreOffice lays out by the grid, Word
    by the cells; set both."""
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        col.w = Mm(width)


def clear(cell: _Cell) -> None:
    """A new cell holds one empty paragraph; drop it so lines start at the top."""
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)


def cell_margins(table: Table, mm: float) -> None:
    """Left and right cell margins of a whole table (Word's default is 1.9 mm)."""
    tbl_pr = table._tbl.tblPr
    margins = tbl_pr.find(qn("w:tblCellMar"))
    if margins is None:
        margins = OxmlElement("w:tblCellMar")
        # Schema order: tblCellMar comes after tblLayout and before tblLook.
        tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
    for side in ("w:left", "w:right"):
        element = margins.find(qn(side))
        if element is None:
            element = OxmlElement(side)
            margins.append(element)
        element.set(qn("w:w"), str(round(mm * 1440 / 25.4)))
        element.set(qn("w:type"), "dxa")
