"""Where the list is in the sheet an office made, read by the shared table
finder (`cases.uploads.table.find_table`, merged cells included): the header
row found by the template's column titles below any title rows (merged or
not), the columns wherever they are, the row of column numbers official
forms put under the header, section titles across the table, cells merged
down several rows, the total and signature lines under the list, and the
hidden rows.

Titles are compared as people retype them (`title_key`: case, diacritics,
spaces and punctuation ignored, the hint in brackets optional: "HO VA TEN",
"Ngày sinh", "Số định danh cá nhân *"). Columns the template does not have
are ignored, so a file the import gave back with its "Lỗi" column imports
again. Below the list's total or its date and signature lines, rows that
name nobody (no national ID, no date of birth) are that text, not people."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.gifts.import_rows import COLUMNS, REQUIRED, file_error
from cases.uploads.spreadsheet import Sheet
from cases.uploads.table import HEADER_SEARCH_ROWS, Table, find_table, title_key
from workflows.exceptions import InvalidData

# Template title (as compared) -> column key.
KEYS = {title_key(title): key for key, title, _w in COLUMNS}
# The cells that name a person: a row without them, under the footer, is text.
NAMING = ("national_id", "date_of_birth")


def _complete(found: set[str]) -> bool:
    return all(key in found for key in REQUIRED)


def _no_header(best_row: int | None, found: set[str]) -> InvalidData:
    titles = ", ".join(title for _k, title, _w in COLUMNS)
    message = _(
        "No row among the first %(n)s holds the template's column titles (%(titles)s). "
        "Download the template and copy the rows into it."
    ) % {"n": HEADER_SEARCH_ROWS, "titles": titles}
    if best_row is not None and len(found) >= 2:
        title = {key: t for key, t, _w in COLUMNS}
        missing = ", ".join(title[key] for key in REQUIRED if key not in found)
        message += " " + _("Row %(row)s looks like the header but has no column %(missing)s.") % {
            "row": best_row,
            "missing": missing,
        }
    return file_error(message, "bad_header")


def sheet_layout(sheet: Sheet) -> Table:
    """The list's header, columns, rows (number, {column key: cell}), layout
    rows and hidden rows in `sheet` (bad_header when no row holds the
    template's required titles)."""
    return find_table(
        sheet,
        titles=KEYS,
        complete=_complete,
        keys=NAMING,
        on_missing=_no_header,
        merged=True,
    )
