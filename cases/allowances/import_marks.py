"""The accountant's own payment results file given back with its refused rows
marked: a "Lỗi" column holding each row's reasons and, in an .xlsx, the
failing cells filled red (written by the bounded child of `cases.uploads`,
as the gift import does); a .csv gets the column only.

The import keeps no copy of the file (`PaymentResultImport` holds what came
of it), so the caller hands the same bytes again: the page does it in the
request that was refused."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.allowances.import_columns import TITLE
from cases.allowances.imports import file_kind, read_table
from cases.allowances.models import PaymentResultImport
from cases.exports.tabular import XLSX, safe_text
from cases.uploads.spreadsheet import mark_rows
from cases.uploads.table import read_csv
from workflows.exceptions import NotFound

# The column added to the file: a file-format word, not UI text.
ERROR_COLUMN = "Lỗi"
KEY_BY_TITLE = {title: key for key, title in TITLE.items()}
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class MarkedFile:
    filename: str
    content_type: str
    content: bytes


def _texts(record: PaymentResultImport) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for error in record.errors:
        row = int(error["row"])
        if row > 0:
            out[row].append((str(error["column"]), str(error["message"])))
    return out


def payment_results_error_file(
    *, record: PaymentResultImport, file_name: str, content: bytes
) -> MarkedFile:
    """`content` (the file of `record`) with its refused rows marked. NotFound
    when the record refused no row, or `content` is not that file."""
    import hashlib

    texts = _texts(record)
    if not texts or hashlib.sha256(content).hexdigest() != record.sha256:
        raise NotFound(_("No row of this file was refused."))
    stem = (file_name.rsplit(".", 1)[0] or "ket-qua-chi-tra")[:200]
    rows = {n: safe_text("; ".join(f"{c}: {m}" for c, m in parts)) for n, parts in texts.items()}
    kind, table, _f = read_table(file_name, content)
    if kind == "xlsx":
        columns = table.column_numbers()
        cells = {
            n: sorted({columns[k] for c, _m in parts if (k := KEY_BY_TITLE.get(c)) in columns})
            for n, parts in texts.items()
        }
        marked = mark_rows(
            content,
            header_row=table.header_row,
            title=ERROR_COLUMN,
            rows=rows,
            cells=cells,
            type_message=_("The file could not be read as an Excel workbook."),
        )
        return MarkedFile(f"{stem}-loi.xlsx", XLSX, marked)
    assert file_kind(file_name, content) == "csv"
    return MarkedFile(f"{stem}-loi.csv", CSV_TYPE, _csv_marked(content, table.header_row, rows))


def _csv_marked(content: bytes, header_row: int, rows: dict[int, str]) -> bytes:
    """Every row of the .csv as read, the header with "Lỗi" after its last
    column and each refused row with its reasons there (UTF-8 with BOM, so
    that Excel reads the accents)."""
    sheet = read_csv(content)
    width = max((len(values) for _n, values in sheet.rows), default=0)
    out = io.StringIO()
    writer = csv.writer(out)
    for number, values in sheet.rows:
        cells = [safe_text(v) if isinstance(v, str) else "" for v in values]
        cells += [""] * (width - len(cells))
        if number == header_row:
            cells.append(ERROR_COLUMN)
        elif number in rows:
            cells.append(rows[number])
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
