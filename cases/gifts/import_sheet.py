"""Where the list is in the sheet an office made: the header row found by the
template's column titles below any title rows (merged or not), the columns
wherever they are, the row of column numbers official forms put under the
header, section titles across the table, cells merged down several rows, the
total and signature lines under the list, and the hidden rows.

Titles are compared as people retype them: case, diacritics, spaces and
punctuation ignored, the hint in brackets optional ("HO VA TEN", "Ngày sinh",
"Số định danh cá nhân *"). Columns the template does not have are ignored, so
a file the import gave back with its "Lỗi" column imports again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cases.gifts.import_rows import COLUMNS, REQUIRED, file_error
from cases.uploads.spreadsheet import Sheet
from workflows.text import clean_text, fold_text

# The header is looked for among the first rows with content.
HEADER_SEARCH_ROWS = 30
# A section title ("I. Thôn Đông") is one value merged across this many columns or more.
SECTION_MIN_COLUMNS = 3
_NUMBERING = re.compile(r"\(?[0-9]{1,2}\)?|\(?[A-Za-z]\)?")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Where the text under a printed list begins (folded): its total row ("Tổng
# cộng", "Cộng: 2 người"), the place and date line ("Phù Lỗ, ngày 15 tháng 01
# năm 2025") or a signer's title ("Người lập biểu", "TM. UBND xã", "Kế toán").
_FOOTER = re.compile(
    r"^(tong|cong\b|nguoi lap|tm\b|t/m\b|chu tich|ke toan|thu truong|xac nhan)"
    r"|\bngay\b.{0,12}\bthang\b.{0,12}\bnam\b"
)


def title_key(value: Any) -> str:
    """A column title as compared: before any bracket, folded, words only."""
    text = clean_text(str(value or "")).split("(")[0]
    return " ".join(_NOT_WORD.sub(" ", fold_text(text)).split())


KEYS = {title_key(title): key for key, title, _w in COLUMNS}


@dataclass
class DataRow:
    number: int
    cells: dict[str, Any]


@dataclass
class Layout:
    header_row: int
    # Template column key -> its 0-based position in the sheet's rows.
    columns: dict[str, int]
    rows: list[DataRow] = field(default_factory=list)
    # Numbers of the hidden rows among `rows`.
    hidden: list[int] = field(default_factory=list)
    # Rows below the header that are part of the layout, not people: the row
    # of column numbers, section titles across the table, the titles repeated
    # on each printed page, notes beside the list, the total, date and
    # signature lines under it.
    layout_rows: list[int] = field(default_factory=list)

    def column_numbers(self) -> dict[str, int]:
        """Template column key -> its column in Excel (from 1)."""
        return {key: index + 1 for key, index in self.columns.items()}


def _header_columns(values: tuple[Any, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        key = KEYS.get(title_key(value))
        if key is not None and key not in found:
            found[key] = index
    return found


def _find_header(sheet: Sheet) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] | None = None
    for number, values in sheet.rows[:HEADER_SEARCH_ROWS]:
        found = _header_columns(values)
        if all(key in found for key in REQUIRED):
            return number, found
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
    titles = ", ".join(title for _k, title, _w in COLUMNS)
    message = _(
        "No row among the first %(n)s holds the template's column titles (%(titles)s). "
        "Download the template and copy the rows into it."
    ) % {"n": HEADER_SEARCH_ROWS, "titles": titles}
    if best is not None and len(best[1]) >= 2:
        title = {key: t for key, t, _w in COLUMNS}
        missing = ", ".join(title[key] for key in REQUIRED if key not in best[1])
        message += " " + _("Row %(row)s looks like the header but has no column %(missing)s.") % {
            "row": best[0],
            "missing": missing,
        }
    raise file_error(message, "bad_header")


def _repeats_header(values: list[Any], columns: dict[str, int]) -> bool:
    """The header's titles again: looked at only when the name cell is a title."""
    index = columns["full_name"]
    name = values[index] if index < len(values) else None
    if not isinstance(name, str) or KEYS.get(title_key(name)) != "full_name":
        return False
    found = _header_columns(tuple(values))
    return all(key in found for key in REQUIRED)


def _is_numbering(values: tuple[Any, ...]) -> bool:
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


def _starts_footer(values: list[Any]) -> bool:
    """A total, date or signature line: its first text folds to a footer's start."""
    first = next((v for v in values if isinstance(v, str) and v.strip()), None)
    return first is not None and bool(_FOOTER.search(fold_text(clean_text(first))))


def _names_nobody(cells: dict[str, Any]) -> bool:
    """No national ID and no date of birth: text, not a person to import."""
    return all(
        cells.get(key) is None or not str(cells[key]).strip()
        for key in ("national_id", "date_of_birth")
    )


def sheet_layout(sheet: Sheet) -> Layout:
    """The list's header, columns and rows in `sheet` (bad_header when no row
    holds the template's required titles)."""
    header_row, columns = _find_header(sheet)
    layout = Layout(header_row=header_row, columns=columns)
    below = [(n, list(values)) for n, values in sheet.rows if n > header_row]
    if below and below[0][0] == header_row + 1 and _is_numbering(tuple(below[0][1])):
        layout.layout_rows.append(below.pop(0)[0])
    by_number = {n: values for n, values in below}
    sections: set[int] = set()
    for top, left, bottom, right in sheet.merged:
        if top <= header_row or top not in by_number:
            continue
        values = by_number[top]
        value = values[left - 1] if left - 1 < len(values) else None
        filled = [i for i, v in enumerate(values) if v is not None]
        if top == bottom and right - left + 1 >= SECTION_MIN_COLUMNS and filled == [left - 1]:
            sections.add(top)
            continue
        # A cell merged down several rows (a household's address) reads as
        # its value on each of those rows.
        for number in range(top + 1, bottom + 1):
            row = by_number.get(number)
            if row is not None and left - 1 < len(row) and row[left - 1] is None:
                row[left - 1] = value
    layout.layout_rows.extend(sorted(sections))
    # Below the list's total or its date and signature lines, rows that name
    # nobody (no national ID, no date of birth) are that text, not people.
    footer = False
    for number, values in below:
        if number in sections:
            continue
        if _repeats_header(values, columns):
            # The titles again (a list printed page by page repeats them).
            layout.layout_rows.append(number)
            continue
        cells = {
            key: values[index] if index < len(values) else None for key, index in columns.items()
        }
        if all(v is None or not str(v).strip() for v in cells.values()):
            # Content only beside the list (a note in another column): no person.
            layout.layout_rows.append(number)
            continue
        if _names_nobody(cells) and (footer or _starts_footer(values)):
            footer = True
            layout.layout_rows.append(number)
            continue
        layout.rows.append(DataRow(number, cells))
        if number in sheet.hidden_rows:
            layout.hidden.append(number)
    layout.layout_rows.sort()
    return layout
