"""A table in an uploaded file, wherever the office put it: a .csv read
within the same bounds as an .xlsx (`read_csv`, into the same `Sheet`; the
formula cells of an .xlsx come with its `Sheet`), and the header row found
by its column titles below any title rows, with the row of column numbers,
the total, date and signature lines under the table left out, and, when the
caller asks, its merged cells read as the office meant them: section titles
across the table left out, a cell merged down several rows read on each
(`find_table`). The table's hidden rows are listed for the caller to decide.

Column titles are compared as people retype them (`title_key`: case,
diacritics, spaces and punctuation ignored, a hint in brackets optional).
The caller names its columns and which are required; columns it does not
name are ignored, so a file given back with a "Lỗi" column reads again."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _

from cases.uploads.limits import Limits
from cases.uploads.refusals import Refusal, refused
from cases.uploads.spreadsheet import Sheet
from workflows.exceptions import InvalidData
from workflows.text import clean_text, fold_text

CSV_ENCODINGS = ("utf-8-sig", "cp1258")
CSV_DELIMITERS = ",;\t"
HEADER_SEARCH_ROWS = 30
# A section title ("I. Thôn Đông") is one value merged across this many columns or more.
SECTION_MIN_COLUMNS = 3
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NUMBERING = re.compile(r"\(?[0-9]{1,2}\)?|\(?[A-Za-z]\)?")
# Where the text under a printed table begins (folded): its total row, the
# place and date line or a signer's title.
_FOOTER = re.compile(
    r"^(tong|cong\b|nguoi lap|tm\b|t/m\b|chu tich|ke toan|thu truong|xac nhan|giam doc)"
    r"|\bngay\b.{0,12}\bthang\b.{0,12}\bnam\b"
)


def title_key(value: Any) -> str:
    """A column title as compared: before any bracket, folded, words only."""
    return _title_key(str(value or ""))


@lru_cache(maxsize=4096)
def _title_key(value: str) -> str:
    # Cached: a table's cells repeat the same few texts ("Đã chi") row after row.
    text = clean_text(value).split("(")[0]
    return " ".join(_NOT_WORD.sub(" ", fold_text(text)).split())


# --- .csv ------------------------------------------------------------------------------


def read_csv(blob: bytes, *, limits: Limits | None = None) -> Sheet:
    """The rows of a .csv as `read_sheet` gives an .xlsx's: (row number,
    cells) of each row with content, cells as text, empty cells None.

    UTF-8 with or without its byte-order mark, else Windows-1258 (what Excel
    saves as "CSV" on a Vietnamese Windows); its combining accents are
    composed (NFC) by the caller's `clean_text`. Comma, semicolon or tab
    separated. Refused as the .xlsx reader refuses (InvalidData with its
    codes): a NUL byte or a field the csv reader cannot end (file_parse_failed),
    more rows or columns than an .xlsx may hold (file_sheet_too_large)."""
    limits = limits or Limits.from_settings()
    try:
        return _read_csv(blob, limits)
    except Refusal as refusal:
        if refusal.code != "file_parse_failed":
            raise refused(refusal, type_message="") from None
        message = _(
            "The file could not be read as a .csv: in Excel, save it as "
            "“CSV UTF-8 (Comma delimited)” and upload that."
        )
        raise InvalidData(
            message, fields={"file": [message]}, code=refusal.code, extra={"reason": refusal.reason}
        ) from None


def _decode(blob: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return blob.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refusal("file_parse_failed", "encoding")


def _read_csv(blob: bytes, limits: Limits) -> Sheet:
    if b"\x00" in blob:
        raise Refusal("file_parse_failed", "nul_byte")
    text = _decode(blob)
    # The separator used most in the first lines (title rows above the
    # header hold none, which misleads csv.Sniffer); a comma when none is.
    sample = text[: 64 * 1024]
    delimiter = max(CSV_DELIMITERS, key=lambda d: (sample.count(d), d == ","))
    rows: list[tuple[int, tuple[Any, ...]]] = []
    widest = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            if number > limits.max_rows:
                raise Refusal(
                    "file_sheet_too_large", "extent", rows=number, columns=max(widest, 1),
                    max_rows=limits.max_rows, max_columns=limits.max_columns,
                    max_cells=limits.max_cells,
                )  # fmt: skip
            widest = max(widest, len(values))
            if widest > limits.max_columns:
                raise Refusal(
                    "file_sheet_too_large", "extent", rows=number, columns=widest,
                    max_rows=limits.max_rows, max_columns=limits.max_columns,
                    max_cells=limits.max_cells,
                )  # fmt: skip
            cells = tuple(v if v.strip() else None for v in values)
            if any(c is not None for c in cells):
                rows.append((number, cells))
    except csv.Error:
        raise Refusal("file_parse_failed", "csv") from None
    return Sheet(rows=rows)


# --- the table's header and rows --------------------------------------------------------------


@dataclass
class Table:
    header_row: int
    # Column key -> its 0-based position in the sheet's rows.
    columns: dict[str, int]
    # (row number, {key: cell}) of each row of the table.
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Rows below the header that belong to the layout (column numbers, the
    # titles repeated, section titles, the total, date and signature lines).
    layout_rows: list[int] = field(default_factory=list)
    # Numbers of the hidden rows (hidden, filtered out, collapsed) among `rows`.
    hidden: list[int] = field(default_factory=list)

    def column_numbers(self) -> dict[str, int]:
        """Column key -> its column in the spreadsheet (from 1)."""
        return {key: index + 1 for key, index in self.columns.items()}


def header_columns(values: Sequence[Any], titles: Mapping[str, str]) -> dict[str, int]:
    """{key: position} of the cells of `values` whose `title_key` is in
    `titles` (title key -> column key); the first of each key wins."""
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        key = titles.get(title_key(value))
        if key is not None and key not in found:
            found[key] = index
    return found


def _is_numbering(values: Sequence[Any]) -> bool:
    """The row of column numbers under an official form's header: (1) (2) …"""
    filled = [v for v in values if v is not None and str(v).strip()]
    if len(filled) < SECTION_MIN_COLUMNS:
        return False
    for v in filled:
        if isinstance(v, bool):
            return False
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not _NUMBERING.fullmatch(str(v).strip()):
            return False
    return True


def starts_footer(values: Iterable[Any]) -> bool:
    """A total, date or signature line: its first text folds to a footer's start."""
    first = next((v for v in values if isinstance(v, str) and v.strip()), None)
    return first is not None and bool(_FOOTER.search(fold_text(clean_text(first))))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _repeats_header(
    values: Sequence[Any],
    first: tuple[str, int],
    titles: Mapping[str, str],
    complete: Callable[[set[str]], bool],
) -> bool:
    """The header's titles again: looked at only when the row's first
    titled cell (`first`: its key and position) holds its own title (one
    cached lookup per row)."""
    key, index = first
    value = values[index] if index < len(values) else None
    if not isinstance(value, str) or titles.get(title_key(value)) != key:
        return False
    return complete(set(header_columns(values, titles)))


def _merges(
    sheet: Sheet, header_row: int, skip: int | None
) -> tuple[set[int], dict[int, dict[int, Any]]]:
    """Below the header (but for row `skip`, the column numbers): the rows
    that are section titles (one value merged across SECTION_MIN_COLUMNS
    columns or more, alone on its row), and where a value merged down several
    rows (a household's address) goes on each of those rows: {row: {0-based
    position: value}}, only where the row's cell is empty."""
    sections: set[int] = set()
    fills: dict[int, dict[int, Any]] = {}
    if not sheet.merged:
        return sections, fills
    below = {n: values for n, values in sheet.rows if n > header_row and n != skip}
    for top, left, bottom, right in sheet.merged:
        values = below.get(top)
        if values is None:
            continue
        index = left - 1
        value = values[index] if index < len(values) else None
        if top == bottom and right - left + 1 >= SECTION_MIN_COLUMNS:
            if [i for i, v in enumerate(values) if v is not None] == [index]:
                sections.add(top)
                continue
        for number in range(top + 1, bottom + 1):
            row = below.get(number)
            if row is not None and index < len(row) and row[index] is None:
                fills.setdefault(number, {})[index] = value
    return sections, fills


def find_table(
    sheet: Sheet,
    *,
    titles: Mapping[str, str],
    complete: Callable[[set[str]], bool],
    keys: Iterable[str],
    on_missing: Callable[[int | None, set[str]], Exception],
    merged: bool = False,
) -> Table:
    """The table of `sheet`: its header is the first of the first
    HEADER_SEARCH_ROWS rows whose titles (`titles`: title key -> column key)
    are `complete`; `on_missing(best row, its keys)` is raised when none is.
    A row is of the table unless it is the row of column numbers, the
    header repeated, or, once the footer has begun, a row whose `keys`
    cells (the ones naming an entry) are all empty. `merged`: the sheet's
    merged cells are read too (`_merges`): section titles across the table
    are layout rows, a cell merged down several rows reads as its value on
    each of them."""
    best: tuple[int, dict[str, int]] | None = None
    for number, values in sheet.rows[:HEADER_SEARCH_ROWS]:
        found = header_columns(values, titles)
        if complete(set(found)):
            best = (number, found)
            break
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
    else:
        raise on_missing(best[0] if best else None, set(best[1]) if best else set())
    header_row, columns = best
    table = Table(header_row=header_row, columns=columns)
    naming = [k for k in keys if k in columns]
    first = min(columns.items(), key=lambda kv: kv[1])
    keys_in_order, indexes = list(columns), list(columns.values())
    width = max(indexes) + 1
    # The table's cells of a row, taken at C speed (always a tuple).
    take = itemgetter(*indexes) if len(indexes) > 1 else lambda values: (values[indexes[0]],)
    after = [r for r in sheet.rows if r[0] > header_row]
    numbering = None
    if after and after[0][0] == header_row + 1 and _is_numbering(after[0][1]):
        numbering = header_row + 1
    sections, fills = _merges(sheet, header_row, numbering) if merged else (set(), {})
    hidden = sheet.hidden_rows
    footer = False
    for number, values in after:
        if number == numbering or number in sections:
            table.layout_rows.append(number)
            continue
        if number in fills:
            row = list(values)
            for index, value in fills[number].items():
                row[index] = value
            values = tuple(row)
        if len(values) >= width:
            cells = dict(zip(keys_in_order, take(values), strict=True))
        else:
            cells = {
                key: values[index] if index < len(values) else None
                for key, index in columns.items()
            }
        head = values[first[1]] if first[1] < len(values) else None
        if isinstance(head, str) and _repeats_header(values, first, titles, complete):
            table.layout_rows.append(number)  # the titles again (printed page by page)
            continue
        for key in naming:  # (a loop, not all(): this runs for every row)
            value = cells[key]
            if value is not None and (not isinstance(value, str) or value.strip()):
                break
        else:  # no cell naming an entry
            if footer or starts_footer(values):
                footer = True
                table.layout_rows.append(number)
                continue
            if all(_blank(v) for v in cells.values()):
                table.layout_rows.append(number)  # content only beside the table
                continue
        table.rows.append((number, cells))
        if hidden and number in hidden:
            table.hidden.append(number)
    if sections:
        table.layout_rows.sort()
    return table
