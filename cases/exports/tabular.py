"""The one writer path of the tabular exports (.csv and .xlsx): every text cell
is made formula-safe, numbers stay numbers, dates stay dates.

Formula safety (OWASP "CSV injection"): a text cell whose first character,
or first character after leading blanks, is `=`, `+`, `-`, `@`, a tab or a
carriage return gets a single quote in front (`'=HYPERLINK(...)`), in .csv and
in .xlsx alike, so that no spreadsheet program reads it as a formula, not even
after the file is saved as .csv and opened again. In .xlsx every text cell is
also written as an inline string (`t="inlineStr"`), never as a formula
element. Only text is touched: ints, Decimals, floats, dates and datetimes are
written as numbers (with a number format in .xlsx), so they stay summable and
sortable. Characters XML cannot hold (C0 controls but tab, LF, CR) are
dropped from .xlsx text; .csv keeps them.

`XlsxStream` writes the sheet's XML itself, row by row, into the zip: measured
on 100,000 audit events x 19 columns, openpyxl's write-only mode took 64 s and
XlsxWriter's constant-memory mode 42 s on the same rows where this takes 4 s
(bench/bench_exports.py). The layouts of the official documents (merged
headers, borders, print set-up) stay with openpyxl, whose cells are set through
`set_cell` here.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from django.utils import timezone
from django.utils.functional import Promise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_BLANKS = " \u00a0\n"
# First characters after which `safe_text` has something to check.
_CHECK_FIRST = FORMULA_TRIGGERS | frozenset(_BLANKS)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
XLSX_MAX_TEXT = 32_767  # characters a cell holds
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM:SS"
MONEY_FORMAT = "#,##0"


# --- cell values -------------------------------------------------------------------


def safe_text(text: str) -> str:
    """`text`, with a leading single quote if a spreadsheet would read it as a
    formula (first character, or first after blanks, one of = + - @ tab CR)."""
    if not text:
        return text
    first = text[0]
    if first in _BLANKS:
        stripped = text.lstrip(_BLANKS)
        first = stripped[:1]
    return "'" + text if first in FORMULA_TRIGGERS else text


def safe_value(value: Any) -> Any:
    """A cell value as the writers take it: text made safe, numbers, dates and
    None as they are, aware datetimes in local time without the zone (a
    spreadsheet has no time zones), anything else as its (safe) text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, Promise):
        return safe_text(str(value))
    return safe_text(str(value))


def csv_cell(value: Any) -> Any:
    """A safe value as .csv text: dates as dd/mm/yyyy (and hh:mm:ss)."""
    kind = type(value)
    if kind is str:
        return safe_text(value) if value and value[0] in _CHECK_FIRST else value
    if value is None:
        return ""
    if kind is int or kind is float or kind is Decimal or kind is bool:
        return value
    value = safe_value(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else value


def set_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """An openpyxl cell (normal, not write-only, worksheets: the official
    layouts) set to the safe value; text is a string cell, never a formula."""
    cell = ws.cell(row=row, column=column)
    value = safe_value(value)
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("", value)
        cell.value = value
        cell.data_type = "s"  # openpyxl would read "#N/A" and the like as error cells
    else:
        cell.value = value
    return cell


# --- .csv ----------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The .csv as lines for a streamed response: a UTF-8 BOM (Excel then reads
    Vietnamese correctly), the header, the rows; every cell through `csv_cell`."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    return "".join(csv_lines(header, rows))


# --- .xlsx -----------------------------------------------------------------------------

# Cell styles (xl/styles.xml below): 0 plain, 1 bold header, 2 date, 3 date and
# time, 4 money (#,##0), 5 other numbers.
_PLAIN, _BOLD, _DATE, _DATETIME, _MONEY = 0, 1, 2, 3, 4
_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_DATE = _EPOCH.date()

_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_XF = 'fontId="{font}" fillId="0" borderId="0" xfId="0"'
_STYLES = "".join(
    [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        '<numFmts count="3">',
        f'<numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>',
        f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/>',
        f'<numFmt numFmtId="166" formatCode="{MONEY_FORMAT}"/>',
        "</numFmts>",
        f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>',
        '<fills count="2"><fill><patternFill patternType="none"/></fill>',
        '<fill><patternFill patternType="gray125"/></fill></fills>',
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
        "</cellStyleXfs>",
        '<cellXfs count="5">',
        f'<xf numFmtId="0" {_XF.format(font=0)}/>',
        f'<xf numFmtId="0" {_XF.format(font=1)} applyFont="1"/>',
        f'<xf numFmtId="164" {_XF.format(font=0)} applyNumberFormat="1"/>',
        f'<xf numFmtId="165" {_XF.format(font=0)} applyNumberFormat="1"/>',
        f'<xf numFmtId="166" {_XF.format(font=0)} applyNumberFormat="1"/>',
        "</cellXfs>",
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
        "</styleSheet>",
    ]
)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 15  # characters
    money: bool = False  # int cells shown as 1,234,000


# One pass over a text: XML escapes, a CR kept as a character reference (a raw
# one would be read back as LF), and the characters XML cannot hold dropped.
_XML_TEXT: dict[int, str | None] = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_TEXT[ord("\r")] = "&#13;"
_XML_TEXT.update(dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
_XML_TEXT.update(dict.fromkeys([0xFFFE, 0xFFFF, *range(0xD800, 0xE000)]))
_XML_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EDGE_BLANKS = " \t\n\r"


def _text_cell(value: str, style: int = _PLAIN) -> str:
    """An inline-string cell (never a formula) of an already safe text."""
    value = value[:XLSX_MAX_TEXT]
    if _XML_SPECIAL.search(value):
        value = value.translate(_XML_TEXT)
    s = f' s="{style}"' if style else ""
    if value and (value[0] in _EDGE_BLANKS or value[-1] in _EDGE_BLANKS):
        return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{value}</t></is></c>'
    return f'<c t="inlineStr"{s}><is><t>{value}</t></is></c>'


def _cell(value: Any, money: bool) -> str:
    """One cell's XML for any value: text made safe first, numbers and dates
    as numbers with their format."""
    kind = type(value)
    if kind is str:
        if not value:
            return "<c/>"
        if value[0] in _CHECK_FIRST:
            value = safe_text(value)
        return _text_cell(value)
    if value is None:
        return "<c/>"
    if kind is int or kind is float or kind is Decimal:
        if kind is float and not math.isfinite(value):
            return _text_cell(str(value))
        return f'<c s="{_MONEY}"><v>{value}</v></c>' if money else f"<c><v>{value}</v></c>"
    if kind is bool:
        return f'<c t="b"><v>{int(value)}</v></c>'
    value = safe_value(value)
    if isinstance(value, dt.datetime):
        serial = (value - _EPOCH).total_seconds() / 86400
        return f'<c s="{_DATETIME}"><v>{serial:.8f}</v></c>'
    if isinstance(value, dt.date):
        return f'<c s="{_DATE}"><v>{(value - _EPOCH_DATE).days}</v></c>'
    if isinstance(value, int | float | Decimal):  # subclasses: IntegerChoices and the like
        return _cell(value.real if not isinstance(value, Decimal) else value, money)
    return _cell(value if isinstance(value, str) else str(value), money)


class XlsxStream:
    """A one-sheet .xlsx written row by row into `out` (a file or BytesIO):
    column widths, a bold header row frozen at the top, then the rows.

        with XlsxStream(out, "Nhật ký", columns) as sheet:
            for row in rows:
                sheet.row(row)
    """

    FLUSH_ROWS = 500
    TEXT_CACHE = 50_000  # distinct texts whose cell XML is kept

    def __init__(self, out: IO[bytes], title: str, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.money = [c.money for c in self.columns]
        self.title = (re.sub(r"[\[\]:*?/\\]", "-", title) or "Sheet1")[:31]
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheet: IO[bytes] = self.zip.open("xl/worksheets/sheet1.xml", "w")
        self.buffer: list[str] = []
        self.texts: dict[str, str] = {}
        self.rows = 0
        self._head()

    def __enter__(self) -> XlsxStream:
        return self

    def __exit__(self, exc_type: Any, *args: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.sheet.close()
            self.zip.close()

    def _head(self) -> None:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
            for i, c in enumerate(self.columns, start=1)
        )
        self.sheet.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<worksheet xmlns="{_NS}" xmlns:r="{_REL_NS}">'
                '<sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                "</sheetView></sheetViews>"
                '<sheetFormatPr defaultRowHeight="15"/>'
                f"<cols>{cols}</cols><sheetData>"
            ).encode()
        )
        header = "".join(_text_cell(safe_text(str(c.header)), _BOLD) for c in self.columns)
        self.buffer.append(f"<row>{header}</row>")

    def row(self, values: Sequence[Any]) -> None:
        money, cache = self.money, self.texts
        cells = []
        for j, v in enumerate(values):
            if type(v) is str:
                # Labels, names and codes repeat from row to row: their XML once.
                cell = cache.get(v)
                if cell is None:
                    cell = _cell(v, False)
                    if len(cache) < self.TEXT_CACHE:
                        cache[v] = cell
            else:
                cell = _cell(v, j < len(money) and money[j])
            cells.append(cell)
        self.buffer.append("<row>" + "".join(cells) + "</row>")
        self.rows += 1
        if len(self.buffer) >= self.FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.sheet.write("".join(self.buffer).encode())
        self.buffer.clear()

    def close(self) -> None:
        self._flush()
        self.sheet.write(b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" '
                         b'bottom="0.75" header="0.3" footer="0.3"/></worksheet>')  # fmt: skip
        self.sheet.close()
        self._package()
        self.zip.close()

    def _package(self) -> None:
        z = self.zip
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name={quoteattr(self.title)} sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/styles.xml", _STYLES)


def xlsx_bytes(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    """A small .xlsx in memory (the inline exports)."""
    import io

    out = io.BytesIO()
    with XlsxStream(out, title, columns) as sheet:
        for row in rows:
            sheet.row(row)
    return out.getvalue()
