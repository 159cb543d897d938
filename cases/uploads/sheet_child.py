"""The child process that reads the first sheet of an untrusted .xlsx.

Started by `cases.uploads.spreadsheet` as `python -I -B sheet_child.py LIMITS`
(LIMITS as JSON) with the file on stdin, a capped file as stdout and an empty
environment. It imports only the standard library and python-calamine, never
Django, so it cannot reach the database. It caps its own memory, CPU time and
output before reading anything, checks the bounds before reading a cell, and
writes one JSON object: {"rows": [[row number, [cells]], ...], "merged":
[[first row, first column, last row, last column], ...], "hidden_rows": [row
number, ...], "formulas": [[row, column], ...]} (the rows with content, empty
cells as null, dates as {"$d": "2024-02-10"} and the like; merged ranges, the
cells holding a formula and row numbers counted from 1 as Excel shows them),
or {"error": code, "reason": check, "params": {...}} for a refusal.

With OPTIONS {"mode": "mark"}, stdin holds a line of JSON (the marks) before
the file, and the child answers {"file": base64} with the same workbook, its
rows marked (`mark_sheet`: the returned file of refused rows), after the same
checks of the package; openpyxl reads and writes it within the same limits.

Hidden rows are read from the sheet's XML as it inflates (calamine does not
report them): a row is hidden when its <row> says hidden="1" (hidden by hand,
by a filter or in a collapsed group) or when its height was set to 0; so are
the cells holding a formula (<c ...><f>: a computed value is not a typed
fact), in the same pass. The sheet's part name comes from the parent, which
reads the workbook's relationships through defusedxml (OPTIONS, a second
JSON argument).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import resource
import sys
import zipfile
import zlib
from typing import Any

CHUNK = 1 << 20
OVERLAP = 256  # bytes carried to the next chunk, so a match may straddle two
HEAD_BYTES = 1 << 20  # a sheet's <dimension> and the <sst> tag come at the very top
XML_SUFFIXES = (".xml", ".rels", ".vml")
# What may come before an attribute named r: XML whitespace, or the quote that
# ends the previous attribute (not well-formed, but calamine accepts it).
ATTRIBUTE_START = (b" ", b"\t", b"\r", b"\n", b'"', b"'")

DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\sref\s*=\s*[\"']([^\"']*)[\"']")
SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s/>]")
SST = re.compile(rb"<(?:[\w.-]+:)?sst\b([^>]*)>")
SST_COUNT = re.compile(rb"(?:^|\s)(count|uniqueCount)\s*=\s*[\"']([^\"']*)[\"']")
SI = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")
REF = re.compile(rb"r\s*=\s*[\"']\s*([A-Za-z]*)([0-9]*)")
CELL = re.compile(rb"^\$?([A-Za-z]{1,4})\$?([0-9]{1,9})$")
ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row\b([^<>]*)>")
# The same without a namespace prefix: a literal start, searched many times
# faster; used where no prefixed tag can be (no ":row" in the text).
ROW_TAG_PLAIN = re.compile(rb"<row\b([^<>]*)>")
ROW_NUMBER = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\s*([0-9]{1,9})\s*[\"']")
ROW_HIDDEN = re.compile(rb"(?:^|\s)hidden\s*=\s*[\"']\s*(?:1|true)\s*[\"']")
ROW_NO_HEIGHT = re.compile(rb"(?:^|\s)ht\s*=\s*[\"']\s*0*(?:\.0*)?\s*[\"']")
ROW_TAG_BYTES = 4096  # a real <row ...> tag is under 300 bytes
FORMULA_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b([^<>]*)>\s*<(?:[\w.-]+:)?f\b")
FORMULA_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,4})\$?([0-9]{1,9})["']""")
FORMULA_OVERLAP = 4096  # a <c ...><f> pair is a few hundred bytes at most
MAX_MERGED = 100_000  # merged ranges reported; real lists have a few
TEXT_OR_NONE = {str, type(None)}


class Refusal(Exception):
    def __init__(self, code: str, reason: str, **params: Any) -> None:
        super().__init__(code, reason)
        self.code, self.reason, self.params = code, reason, params


def column_number(letters: bytes) -> int:
    if len(letters) > 4:  # beyond any cap; no need to compute it
        return 26**5
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def column_letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def set_limits(limits: dict[str, Any]) -> None:
    """Before anything is read: what this process may use, hard limits it
    cannot raise again. Past RLIMIT_CPU it gets SIGXCPU; an allocation past
    RLIMIT_AS fails (Rust aborts, Python raises MemoryError); a write past
    RLIMIT_FSIZE to its output file gets SIGXFSZ."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = int(limits["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    output = int(limits["output_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))


class PartScanner:
    """Byte-level checks of one XML part as it inflates, chunk by chunk: no
    DTD or entity declaration, not UTF-16/32 (the checks below read ASCII
    markup), a sheet's declared dimension and explicit cell references within
    the caps, the shared strings declared and counted within their cap."""

    def __init__(self, name: str, limits: dict[str, Any]) -> None:
        self.limits = limits
        self.shared_strings = name.rsplit("/", 1)[-1].lower().startswith("sharedstrings")
        self.tail = b""
        self.head: bytearray | None = bytearray()
        self.strings = 0
        letters = len(column_letters(limits["max_columns"]))
        digits = len(str(limits["max_rows"]))
        # A reference over the caps has at least as many letters or digits as
        # the caps themselves: only such candidates are looked at in Python.
        self.candidates = re.compile(
            rb"r\s*=\s*[\"']\s*(?:[A-Za-z]{%d,}|[A-Za-z]*0*[1-9][0-9]{%d,})"
            % (letters, max(digits - 1, 0))
        )

    def feed(self, chunk: bytes) -> None:
        buf = self.tail + chunk
        if not self.tail and (buf[:2] in (b"\xfe\xff", b"\xff\xfe") or b"\x00" in buf[:4]):
            raise Refusal("file_unsafe", "encoding")
        if DTD.search(buf):
            raise Refusal("file_unsafe", "dtd")
        if self.head is not None:
            self.head += chunk
            if SHEET_DATA.search(self.head) or len(self.head) >= HEAD_BYTES:
                self._check_head()
        for match in self.candidates.finditer(buf):
            start = match.start()
            if start > 0 and buf[start - 1 : start] in ATTRIBUTE_START:
                ref = REF.match(buf, start)
                assert ref is not None
                self._check_cell(ref.group(1), ref.group(2), "cell_reference")
        if self.shared_strings:
            seen = len(self.tail)
            self.strings += sum(1 for m in SI.finditer(buf) if m.end() > seen)
            self._check_strings(self.strings)
        self.tail = buf[-OVERLAP:]

    def close(self) -> None:
        if self.head is not None:
            self._check_head()

    def _check_head(self) -> None:
        assert self.head is not None
        head = bytes(self.head)
        self.head = None
        data = SHEET_DATA.search(head)
        dimension = DIMENSION.search(head, 0, data.start() if data else len(head))
        if dimension:
            end = dimension.group(1).split(b":")[-1].strip()
            cell = CELL.match(end)
            if cell:  # anything else calamine ignores too
                self._check_cell(cell.group(1), cell.group(2), "declared_dimension", area=True)
        sst = SST.search(head) if self.shared_strings else None
        for _name, value in SST_COUNT.findall(sst.group(1)) if sst else []:
            if not value.strip().isdigit():
                raise Refusal("file_unsafe", "shared_strings_count")
            # calamine reserves room for uniqueCount strings before reading one
            self._check_strings(int(value))

    def _check_cell(self, letters: bytes, digits: bytes, reason: str, area: bool = False) -> None:
        limits = self.limits
        rows = int(digits) if digits else 1
        columns = column_number(letters) if letters else 1
        over = rows > limits["max_rows"] or columns > limits["max_columns"]
        if over or (area and rows * columns > limits["max_cells"]):
            raise Refusal("file_sheet_too_large", reason, **extent(rows, columns, limits))

    def _check_strings(self, count: int) -> None:
        if count > self.limits["max_shared_strings"]:
            raise Refusal(
                "file_sheet_too_large",
                "shared_strings",
                count=count,
                limit=self.limits["max_shared_strings"],
            )


class HiddenRows:
    """The numbers of the hidden rows of one sheet part, fed chunk by chunk
    (a <row> tag may straddle two chunks: its unfinished start is kept).
    A tag's number is worked out only for a hidden row and the chunk's last
    one, from the nearest tag before it that says r (each tag looked at once)."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.pending = b""
        self.last_row = 0
        self.found: list[int] = []

    def feed(self, chunk: bytes) -> None:
        buf = self.pending + chunk
        tags = (ROW_TAG if b":row" in buf else ROW_TAG_PLAIN).findall(buf)
        at, number = -1, self.last_row  # tags[at] is row `number`
        for i, attributes in enumerate(tags):
            if (b"hidden" in attributes or b"ht" in attributes) and (
                ROW_HIDDEN.search(attributes) or ROW_NO_HEIGHT.search(attributes)
            ):
                at, number = i, _row_number(tags, i, at, number)
                if len(self.found) < self.max_rows:
                    self.found.append(number)
        if tags:
            self.last_row = _row_number(tags, len(tags) - 1, at, number)
        start = buf.rfind(b"<")
        unfinished = start != -1 and buf.find(b">", start) == -1
        self.pending = buf[start:] if unfinished and len(buf) - start <= ROW_TAG_BYTES else b""


def _row_number(tags: list[bytes], i: int, at: int, number: int) -> int:
    """The number of row tag i, tag `at` (< i) being row `number`: a row
    without r is the one after the previous row (ECMA-376 18.3.1.73)."""
    for j in range(i, at, -1):
        found = b"r" in tags[j] and ROW_NUMBER.search(tags[j])  # most tags say nothing
        if found:
            return int(found.group(1)) + (i - j)
    return number + (i - at)


class FormulaCells:
    """(row, column) of the cells of one sheet part that hold a formula
    (<c r="B7"><f>...), fed chunk by chunk; at most `cap` of them."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.tail = b""
        self.found: set[tuple[int, int]] = set()

    def feed(self, chunk: bytes) -> None:
        data = self.tail + chunk
        # No <f> element without "<f" or a prefixed ":f": most chunks have none.
        formulas = b"<f" in data or b":f" in data
        for attributes in FORMULA_CELL.findall(data) if formulas else ():
            ref = FORMULA_REF.search(attributes)
            if ref and len(self.found) < self.cap:
                self.found.add((int(ref.group(2)), column_number(ref.group(1))))
        self.tail = data[-FORMULA_OVERLAP:]


def extent(rows: int, columns: int, limits: dict[str, Any]) -> dict[str, int]:
    return {
        "rows": rows,
        "columns": columns,
        "max_rows": limits["max_rows"],
        "max_columns": limits["max_columns"],
        "max_cells": limits["max_cells"],
    }


def check_members(
    archive: zipfile.ZipFile,
    limits: dict[str, Any],
    hidden: HiddenRows | None = None,
    formulas: FormulaCells | None = None,
) -> None:
    """Inflate every member once, through zipfile: it stops at the size the zip
    declares and checks the CRC, so a member that lies about its size is
    refused here, before the reader sees it. The sheet part named in
    limits["sheet_part"] also feeds `hidden` and `formulas`."""
    total = 0
    sheet_part = limits.get("sheet_part")
    for info in archive.infolist():
        xml = info.filename.lower().endswith(XML_SUFFIXES)
        scanner = PartScanner(info.filename, limits) if xml else None
        sheet = info.filename == sheet_part
        rows = hidden if sheet else None
        cells = formulas if sheet else None
        try:
            with archive.open(info) as member:
                while chunk := member.read(CHUNK):
                    total += len(chunk)
                    if total > limits["max_uncompressed_bytes"]:
                        raise Refusal(
                            "file_too_large",
                            "uncompressed_size",
                            limit=limits["max_uncompressed_bytes"],
                        )
                    if scanner is not None:
                        scanner.feed(chunk)
                    if rows is not None:
                        rows.feed(chunk)
                    if cells is not None:
                        cells.feed(chunk)
        except zipfile.BadZipFile:
            raise Refusal("file_unsafe", "crc") from None
        except (zlib.error, EOFError, NotImplementedError, ValueError):
            raise Refusal("file_parse_failed", "damaged_zip") from None
        if scanner is not None:
            scanner.close()


def read_sheet(blob: bytes, limits: dict[str, Any]) -> dict[str, Any]:
    """The first sheet: its rows with content ([row number, cells]), its merged
    ranges and its hidden rows (see the module docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):
        raise Refusal("file_type", "not_zip") from None
    hidden = HiddenRows(limits["max_rows"])
    formulas = FormulaCells(limits["max_cells"])
    check_members(archive, limits, hidden, formulas)
    rows, merged = read_rows(blob, limits)
    return {
        "rows": rows,
        "merged": merged,
        "hidden_rows": hidden.found,
        "formulas": sorted(formulas.found),
    }


def read_rows(blob: bytes, limits: dict[str, Any]) -> tuple[list[list[Any]], list[list[int]]]:
    """[row number, cells] of the first sheet's rows with content, and its
    merged ranges (at most MAX_MERGED, within the sheet's caps)."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(blob)).get_sheet_by_index(0)
        end = sheet.end
        if end is None:
            return [], []
        rows, columns = end[0] + 1, end[1] + 1
        if (
            rows > limits["max_rows"]
            or columns > limits["max_columns"]
            or rows * columns > limits["max_cells"]
        ):
            raise Refusal("file_sheet_too_large", "real_extent", **extent(rows, columns, limits))
        values = sheet.to_python(skip_empty_area=False)
        merged = [
            [
                top + 1,
                left + 1,
                min(bottom, limits["max_rows"] - 1) + 1,
                min(right, limits["max_columns"] - 1) + 1,
            ]
            for (top, left), (bottom, right) in (sheet.merged_cell_ranges or [])[:MAX_MERGED]
            if top < limits["max_rows"] and left < limits["max_columns"]
        ]
    except (Refusal, MemoryError):
        raise
    except Exception as exc:  # a damaged workbook: calamine has many kinds of errors
        raise Refusal("file_parse_failed", "reader_error", error=type(exc).__name__) from None
    found: list[list[Any]] = []
    for number, row in enumerate(values, start=1):
        # Empty unless a cell is not text (a number, a date) or is text with
        # something besides blanks in it.
        if (
            set(map(type, row)) <= TEXT_OR_NONE
            and not "".join(v for v in row if isinstance(v, str)).strip()
        ):
            continue
        found.append([number, [None if v == "" else v for v in row]])
    return found, merged


MARK_FILL = "FFFFC7CE"  # Excel's light red "bad" fill
MARK_FONT = "FF9C0006"


def mark_sheet(blob: bytes, limits: dict[str, Any], marks: dict[str, Any]) -> dict[str, Any]:
    """The workbook again, its first sheet with a column titled marks["title"]
    (after the list's last column, or the one a previous marking added) holding each
    marked row's text, and the failing cells and that text filled red; the
    fills of a previous marking are cleared first. Every other value stays as
    it was; the texts are plain strings (made formula-safe by the parent)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):
        raise Refusal("file_type", "not_zip") from None
    check_members(archive, limits)

    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    try:
        workbook = load_workbook(io.BytesIO(blob), rich_text=True)
    except MemoryError:
        raise
    except Exception as exc:  # a workbook openpyxl cannot read back
        raise Refusal("file_parse_failed", "writer_error", error=type(exc).__name__) from None
    ws = workbook.worksheets[0]
    header = int(marks["header_row"])
    title = str(marks["title"])
    column = next(
        (
            cell.column
            for cell in ws[header]
            if isinstance(cell.value, str) and cell.value.strip().casefold() == title.casefold()
        ),
        None,
    )
    if column is None:
        column = _free_column(ws, header)
    else:
        _clear_marks(ws, header, column)
    fill = PatternFill("solid", fgColor=MARK_FILL)
    head = ws.cell(row=header, column=column)
    head.value, head.data_type = title, "s"
    head.font = Font(bold=True, color=MARK_FONT)
    head.fill = fill
    for number, text in marks["rows"].items():
        row = int(number)
        cell = ws.cell(row=row, column=column)
        cell.value, cell.data_type = text, "s"
        cell.font = Font(color=MARK_FONT)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = fill
        for failing in marks["cells"].get(number, []):
            ws.cell(row=row, column=int(failing)).fill = fill
    ws.column_dimensions[head.column_letter].width = 60
    out = io.BytesIO()
    workbook.save(out)
    return {"file": base64.b64encode(out.getvalue()).decode()}


def _free_column(ws: Any, header: int) -> int:
    """The column after the header's last title, if nothing is written in it
    from the header down; otherwise the one after the sheet's last column."""
    titled = [c.column for c in ws[header] if c.value is not None and str(c.value).strip()]
    column = (max(titled) if titled else 0) + 1
    cells = ws.iter_rows(min_row=header, min_col=column, max_col=column, values_only=True)
    if any(value is not None for (value,) in cells):
        return int(ws.max_column) + 1
    return column


def _clear_marks(ws: Any, header: int, column: int) -> None:
    """What an earlier marking wrote below the header: its texts and red fills."""
    from openpyxl.styles import PatternFill

    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            color = getattr(cell.fill, "fgColor", None)
            if getattr(color, "rgb", None) == MARK_FILL:
                cell.fill = PatternFill()
            if cell.column == column:
                cell.value = None


def tagged(value: Any) -> Any:
    """JSON for the values calamine returns that JSON has no type for."""
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$td": value.total_seconds()}
    raise TypeError(type(value).__name__)


def main() -> int:
    limits = json.loads(sys.argv[1])
    set_limits(limits)
    if len(sys.argv) > 2:
        limits.update(json.loads(sys.argv[2]))
    result: dict[str, Any]
    try:
        data = sys.stdin.buffer.read()
        if limits.get("mode") == "mark":
            # The marks come first, as one line of JSON, then the workbook.
            line, _newline, blob = data.partition(b"\n")
            result = mark_sheet(blob, limits, json.loads(line))
        else:
            result = read_sheet(data, limits)
    except Refusal as refusal:
        result = {"error": refusal.code, "reason": refusal.reason, "params": refusal.params}
    except MemoryError:
        result = {"error": "file_too_large", "reason": "memory", "params": {}}
    payload = json.dumps(
        result, default=tagged, ensure_ascii=False, check_circular=False, separators=(",", ":")
    )
    sys.stdout.buffer.write(payload.encode())
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
