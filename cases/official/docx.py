"""Building blocks of an administrative document in the official layout
(NĐ 30/2020/NĐ-CP, Appendix I; domain.md §9), with python-docx.

A4, Times New Roman, margins 20/20/30/15 mm; quốc hiệu and tiêu ngữ top right
with a rule under the tiêu ngữ; the issuing body top left (its superior body
above it, regular) with a short rule; số/ký hiệu under the issuing body; the
place and date line in italics under the tiêu ngữ; the document type and
summary centred; tables whose header row repeats on every page; signer and
nơi nhận blocks; page numbers top centre from page 2.

Small functions on purpose: the gift documents and the six-month report
(issue 6) assemble their documents from them. The bordered data tables are in
`cases.official.tables`, reached from here as `data_table`, `Column`, ….
tests/documents/ prints every document with LibreOffice and checks the
layout on the page.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
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
from docx.table import Table

# The data tables live in `cases.official.tables`; the documents reach them here.
from cases.official.tables import TABLE_SIZE as TABLE_SIZE
from cases.official.tables import Column as Column
from cases.official.tables import Heading as Heading
from cases.official.tables import Row as Row
from cases.official.tables import Subtotal as Subtotal
from cases.official.tables import cell_margins, clear, flag, grid
from cases.official.tables import data_table as data_table
from workflows.formatting import number

FONT = "Times New Roman"
BODY_SIZE = 14
HEADER_SIZE = 13  # quốc hiệu, issuing body: 12-13
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
    return number(int(amount))


def roman(n: int) -> str:
    """1 -> 'I', 14 -> 'XIV': the numbering of a document's parts."""
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out, n = out + letters, n - value
    return out


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
    keep_with_next: bool = False,
) -> Any:
    """A body paragraph; `keep_with_next` keeps it on the page of what follows
    (the last lines before a signer block, which is never left alone)."""
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(space_before)
    p.paragraph_format.keep_with_next = keep_with_next or None
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
    grid(table, widths_mm)
    for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
        cell.width = Mm(width)
        clear(cell)
    return table


def two_columns(
    doc: DocumentObject, left: Sequence[Line], right: Sequence[Line], *, left_share: float = 0.4
) -> Table:
    """Two blocks side by side (header, signature and nơi nhận blocks)."""
    width = text_width_mm(doc)
    widths = (width * left_share, width * (1 - left_share))
    table = _borderless(doc, widths)
    flag(table.rows[0], "w:cantSplit")  # a signer block never split across pages
    for cell, lines, w in zip(table.rows[0].cells, (left, right), widths, strict=True):
        for line in lines or [Line("")]:
            _write(cell, line, width_mm=w)
    return table


# The quốc hiệu in 13 pt bold Times New Roman (Liberation Serif, the same
# metrics, measured in LibreOffice) is 95.6 mm wide, the tiêu ngữ in 14 pt bold
# 60.4 mm: with the header's 1 mm cell margins a 100 mm column holds each on one
# line (NĐ 30/2020: quốc hiệu 12-13 pt, tiêu ngữ 13-14 pt, bold).
HEADER_RIGHT_MM = 100
LAYOUT_CELL_MARGIN_MM = 1
ISSUING_BODY_LINE = 30  # characters of 13 pt capitals that fit the left column


def issuing_body_lines(text: str) -> str:
    """A long issuing body broken after its dash rather than mid-phrase
    ('PHÒNG LAO ĐỘNG -\nTHƯƠNG BINH VÀ XÃ HỘI'), for `official_header`, which
    writes a "\n" as a line break. Explicit breaks are kept."""
    if "\n" in text or len(text) <= ISSUING_BODY_LINE or " - " not in text:
        return text
    head, tail = text.split(" - ", 1)
    return f"{head} -\n{tail}"


def header_widths_mm(doc: DocumentObject) -> tuple[float, float]:
    """(issuing body, quốc hiệu) columns: the quốc hiệu's column never
    narrower than HEADER_RIGHT_MM; on a landscape page the two halves."""
    width = text_width_mm(doc)
    right = max(HEADER_RIGHT_MM, width / 2)
    return width - right, right


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
    left_mm, right_mm = header_widths_mm(doc)
    table = two_columns(doc, left, right, left_share=left_mm / (left_mm + right_mm))
    cell_margins(table, LAYOUT_CELL_MARGIN_MM)
    if number or place_date:
        row = table.add_row()
        widths = [c.width for c in table.rows[0].cells]
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w
            clear(cell)
        _write(row.cells[0], Line(number, size=size), width_mm=0)
        _write(row.cells[1], Line(place_date, italic=True, size=BODY_SIZE), width_mm=0)
    return table


def document_title(doc: DocumentObject, kind: str, summary: str = "") -> None:
    """Document type in bold capitals and its summary (trích yếu) under it."""
    paragraph(doc, kind, bold=True, align=CENTER, space_before=18)
    if summary:
        paragraph(doc, summary, bold=True, align=CENTER)
    paragraph(doc, "")


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
