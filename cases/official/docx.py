"""Building blocks of an administrative document in the official layout
(NĐ 30/2020/NĐ-CP, Appendix I; domain.md §9), with python-docx.

A4, Times New Roman, margins 20/20/30/15 mm; quốc hiệu and tiêu ngữ top right
with a rule under the tiêu ngữ; the issuing body top left (its superior body
above it, regular) with a short rule; số/ký hiệu under the issuing body; the
place and date line in italics under the tiêu ngữ; the document type and
summary centred; tables whose header row repeats on every page; signer and
nơi nhận blocks; page numbers top centre from page 2.

Small functions on purpose: the gift documents and the six-month report
(issue 6) assemble their documents from them.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell

FONT = "Times New Roman"
BODY_SIZE = 14
HEADER_SIZE = 13  # quốc hiệu, issuing body: 12-13
TABLE_SIZE = 12
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
A4_MM = (210, 297)

CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

_UNIT_PREFIX = {
    "xa": "XÃ",
    "thi_tran": "THỊ TRẤN",
    "phuong": "PHƯỜNG",
    "huyen": "HUYỆN",
    "thanh_pho": "THÀNH PHỐ",
    "tinh": "TỈNH",
}


# --- text ------------------------------------------------------------------------


def date_line(place: str, on: dt.date) -> str:
    """'Sóc Sơn, ngày 05 tháng 02 năm 2024': zero before days under 10 and
    months 1 and 2 (NĐ 30 writes months 3-12 without one; we follow it)."""
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


def unit_body_name(unit: Any) -> str:
    """'UBND XÃ PHÙ LỖ', 'UBND HUYỆN SÓC SƠN' for an AdministrativeUnit."""
    prefix = _UNIT_PREFIX.get(getattr(unit, "kind", ""), "")
    return f"UBND {prefix} {unit.name}".replace("  ", " ").upper()


def amount_text(amount: int) -> str:
    """17.120.000.000 (the column says 'đồng')."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".")


# --- document ----------------------------------------------------------------------


def set_document_defaults(doc: DocumentObject, *, landscape: bool = False) -> None:
    """A4, margins, Times New Roman 14 with no extra spacing, page numbers
    top centre from page 2."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    normal.font.size = Pt(BODY_SIZE)  # type: ignore[attr-defined]
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    fmt = normal.paragraph_format  # type: ignore[attr-defined]
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    section = doc.sections[0]
    width, height = A4_MM if not landscape else (A4_MM[1], A4_MM[0])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    header._p.append(field)


def new_document(*, landscape: bool = False) -> DocumentObject:
    doc = Document()
    set_document_defaults(doc, landscape=landscape)
    return doc


def text_width_mm(doc: DocumentObject) -> float:
    s = doc.sections[0]
    width = (s.page_width or 0) - (s.left_margin or 0) - (s.right_margin or 0)
    return width / Mm(1)


def to_bytes(doc: DocumentObject) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- paragraphs --------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a header, title or signature block."""

    text: str
    bold: bool = False
    italic: bool = False
    size: float | None = None
    align: Any = CENTER
    rule_mm: float = 0  # a rule this long under the line (tiêu ngữ, issuing body)


def _write(container: Any, line: Line, *, width_mm: float) -> None:
    p = container.add_paragraph()
    p.alignment = line.align
    for i, text in enumerate(line.text.split("\n")):
        run = p.add_run()
        if i:
            run.add_break()  # a line break inside the paragraph
        run.add_text(text)
        run.bold = line.bold
        run.italic = line.italic
        if line.size:
            run.font.size = Pt(line.size)
    if line.rule_mm:
        _rule(container, width_mm=width_mm, rule_mm=line.rule_mm)


def _rule(container: Any, *, width_mm: float, rule_mm: float) -> None:
    """A centred horizontal rule: the bottom border of an empty, tiny
    paragraph indented so that the border is `rule_mm` long."""
    p = container.add_paragraph()
    indent = max((width_mm - rule_mm) / 2, 0)
    p.paragraph_format.left_indent = Mm(indent)
    p.paragraph_format.right_indent = Mm(indent)
    p.add_run().font.size = Pt(2)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    # Schema order: pBdr comes before spacing/ind/jc.
    ppr.insert_element_before(
        border, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr"
    )


def paragraph(
    doc: DocumentObject,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    align: Any = JUSTIFY,
    size: float | None = None,
    space_before: float = 0,
    first_line_indent_mm: float = 0,
) -> Any:
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(space_before)
    if first_line_indent_mm:
        p.paragraph_format.first_line_indent = Mm(first_line_indent_mm)
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return p


def _borderless(doc: DocumentObject, widths_mm: Sequence[float]) -> Table:
    """A layout table (the default table style draws no borders)."""
    table = doc.add_table(rows=1, cols=len(widths_mm))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _grid(table, widths_mm)
    for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
        cell.width = Mm(width)
        _clear(cell)
    return table


def _grid(table: Table, widths_mm: Sequence[float]) -> None:
    """Column widths in the table grid: LibreOffice lays out by the grid, Word
    by the cells; set both."""
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        col.w = Mm(width)


def _clear(cell: _Cell) -> None:
    """A new cell holds one empty paragraph; drop it so lines start at the top."""
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)


def two_columns(
    doc: DocumentObject, left: Sequence[Line], right: Sequence[Line], *, left_share: float = 0.4
) -> Table:
    """Two blocks side by side (header, signature and nơi nhận blocks)."""
    width = text_width_mm(doc)
    widths = (width * left_share, width * (1 - left_share))
    table = _borderless(doc, widths)
    for cell, lines, w in zip(table.rows[0].cells, (left, right), widths, strict=True):
        for line in lines or [Line("")]:
            _write(cell, line, width_mm=w)
    return table


HEADER_RIGHT_MM = 96  # the quốc hiệu's column
ISSUING_BODY_LINE = 30  # characters of 13 pt capitals that fit the left column


def issuing_body_lines(text: str) -> str:
    """A long issuing body broken after its dash rather than mid-phrase
    ('PHÒNG LAO ĐỘNG -\nTHƯƠNG BINH VÀ XÃ HỘI'), for `official_header`, which
    writes a "\n" as a line break. Explicit breaks are kept."""
    if "\n" in text or len(text) <= ISSUING_BODY_LINE or " - " not in text:
        return text
    head, tail = text.split(" - ", 1)
    return f"{head} -\n{tail}"


def official_header(
    doc: DocumentObject,
    *,
    issuing_body: str,
    parent_body: str = "",
    number: str = "",
    place_date: str = "",
) -> Table:
    """Issuing body (and its superior) top left, quốc hiệu and tiêu ngữ top
    right, số/ký hiệu and the place and date line on the row below them."""
    size = HEADER_SIZE
    left = [Line(parent_body, size=size)] if parent_body else []
    left.append(Line(issuing_body, bold=True, size=size, rule_mm=25))
    right = [
        Line(NATIONAL_TITLE, bold=True, size=size),
        Line(MOTTO, bold=True, size=BODY_SIZE, rule_mm=60),
    ]
    width = text_width_mm(doc)
    # The quốc hiệu is 89 mm wide in 13 pt bold Times New Roman; with the
    # cells' margins it needs a 96 mm column to stay on one line.
    share = (width - HEADER_RIGHT_MM) / width if width - HEADER_RIGHT_MM >= 60 else 0.45
    table = two_columns(doc, left, right, left_share=share)
    if number or place_date:
        row = table.add_row()
        widths = [c.width for c in table.rows[0].cells]
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w
            _clear(cell)
        _write(row.cells[0], Line(number, size=size), width_mm=0)
        _write(row.cells[1], Line(place_date, italic=True, size=BODY_SIZE), width_mm=0)
    return table


def document_title(doc: DocumentObject, kind: str, summary: str = "") -> None:
    """Document type in bold capitals and its summary (trích yếu) under it."""
    paragraph(doc, kind, bold=True, align=CENTER, space_before=18)
    if summary:
        paragraph(doc, summary, bold=True, align=CENTER)
    paragraph(doc, "")


# --- data tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    align: Any = LEFT


def data_table(
    doc: DocumentObject,
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    *,
    groups: Sequence[tuple[str, int]] = (),
    total: Sequence[str] | None = None,
    size: float = TABLE_SIZE,
    min_row_height_mm: float = 0,
) -> Table:
    """A bordered table whose header rows repeat on every page.

    `groups` adds a header row above the column headers: (label, span) pairs
    covering every column; a span-1 group is merged with its column header.
    `total` is a last row in bold. Rows never split across pages; body rows
    are at least `min_row_height_mm` high (room to sign).
    """
    header_rows = 2 if groups else 1
    table = doc.add_table(rows=header_rows, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _grid(table, [c.width_mm for c in columns])
    head = table.rows[-1].cells
    for cell, col in zip(head, columns, strict=True):
        _cell_text(cell, col.header, bold=True, align=CENTER, size=size)
    if groups:
        top = table.rows[0].cells
        i = 0
        for label, span in groups:
            if span == 1:
                merged = top[i].merge(head[i])
                _cell_text(merged, columns[i].header, bold=True, align=CENTER, size=size)
            else:
                merged = top[i].merge(top[i + span - 1])
                _cell_text(merged, label, bold=True, align=CENTER, size=size)
            i += span
    for r in table.rows:
        _flag(r, "w:tblHeader")
        _flag(r, "w:cantSplit")
        _widths(r, columns)
    _body_rows(table, columns, rows, size=size, min_row_height_mm=min_row_height_mm)
    if total is not None:
        _add_row(table, columns, total, size=size, bold=True)
        _flag(table.rows[-1], "w:cantSplit")
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
    rows: Iterable[Sequence[str]],
    *,
    size: float,
    min_row_height_mm: float,
) -> None:
    """The body rows. The first is built through python-docx (alignment, size,
    height, cantSplit, widths); every other row is a copy of its XML with the
    texts put in: python-docx adding 2,000 rows cell by cell took 14 s, the
    copies take well under a second (bench/bench_exports_docx.py). A row with
    a line break or tab in a cell goes through python-docx, which writes those."""
    template = None
    tbl = table._tbl
    for values in rows:
        values = [_XML_ILLEGAL.sub("", str(v)) for v in values]
        if template is None or any("\n" in v or "\t" in v for v in values):
            _add_row(table, columns, ["x"] * len(columns), size=size)
            row = table.rows[-1]
            if min_row_height_mm:
                row.height = Mm(min_row_height_mm)
            _flag(row, "w:cantSplit")
            _widths(row, columns)
            if template is None:
                template = copy.deepcopy(row._tr)
            for cell, col, value in zip(row.cells, columns, values, strict=True):
                _cell_text(cell, value, bold=False, align=col.align, size=size)
            continue
        tr = copy.deepcopy(template)
        for t, value in zip(tr.iter(_T), values, strict=True):
            t.text = value
            t.set(_SPACE, "preserve")
        tbl.append(tr)


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
        _cell_text(cell, value, bold=bold, align=col.align, size=size)


def _cell_text(cell: _Cell, text: str, *, bold: bool, align: Any, size: float) -> None:
    p = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for run in list(p.runs):
        run._r.getparent().remove(run._r)
    p.alignment = align
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _flag(row: Any, tag: str) -> None:
    """A row property: w:tblHeader (repeat on every page), w:cantSplit."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is None:
        flag = OxmlElement(tag)
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)


# --- signing -------------------------------------------------------------------------


def signature_block(title_lines: Sequence[str], *, note: str = "", name: str = "") -> list[Line]:
    """'TM. ỦY BAN NHÂN DÂN' / 'CHỦ TỊCH', an optional italic note, room for
    the signature and seal, then the signer's name."""
    lines = [Line(t, bold=True, size=BODY_SIZE) for t in title_lines]
    if note:
        lines.append(Line(note, italic=True, size=HEADER_SIZE))
    lines.extend(Line("") for _ in range(4))
    lines.append(Line(name, bold=True, size=BODY_SIZE))
    return lines


def recipients_block(recipients: Sequence[str]) -> list[Line]:
    """Nơi nhận: bold italic 12, the items 11, each '- ...;', the last '- Lưu: ...'."""
    lines = [Line("Nơi nhận:", bold=True, italic=True, size=12, align=LEFT)]
    lines.extend(Line(r, size=11, align=LEFT) for r in recipients)
    return lines
