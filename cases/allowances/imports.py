"""Import of a payroll's payment results (.xlsx or .csv) from the post office
or the bank: each line paid on a date, or not paid with a reason.

The file is the office's own: title rows above the header, the columns in any
order, the total and signature lines under the list (`cases.uploads.table`).
An .xlsx is read by the bounded reader of `cases.uploads` (a hostile file is
refused and cannot take the server down), a .csv within the same caps. Every
row is checked against the payroll's lines read once (`import_rows`); with
any error nothing is written (all or nothing), the errors are returned with
their rows, column titles, stable codes and Vietnamese messages, and the
accountant can download the file back with a "Lỗi" column and the wrong cells
in red (`import_marks`). Either way the upload is kept as a
`PaymentResultImport` row (what came of it, never the file). Built for
100,000 rows within 15 s (bench/bench_payment_results_import.py)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.allowances import services
from cases.allowances.import_columns import NAMING, PAID, TITLE, TITLES, UNPAID, header_complete
from cases.allowances.import_rows import (
    PayrollIndex,
    ResultRow,
    RowChecker,
    RowError,
)
from cases.allowances.models import ImportOutcome, PaymentResultImport, Payroll, PayrollState
from cases.uploads.limits import Limits
from cases.uploads.package import ZIP_MAGIC
from cases.uploads.refusals import Refusal, refused
from cases.uploads.spreadsheet import Sheet, collector_paused, read_sheet
from cases.uploads.table import Table, find_table, read_csv
from workflows.actors import User
from workflows.exceptions import DomainError, InvalidData, TransitionNotAllowed
from workflows.formatting import number

# Errors kept on the import row and returned (a file of 100,000 wrong rows
# would otherwise store megabytes of them); the message gives the full count.
MAX_ERRORS_KEPT = 20_000
# Rows of a file around its lines: titles, header, column numbers, total, signatures.
LAYOUT_ROWS = 200


def max_bytes() -> int:
    return int(getattr(settings, "ALLOWANCE_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "ALLOWANCE_IMPORT_MAX_ROWS", 100_000))


def reader_limits() -> Limits:
    """The bounded reader's caps, its rows raised (never lowered) to hold
    ALLOWANCE_IMPORT_MAX_ROWS lines with the title, header and footer rows
    around them: a commune's payroll may be longer than a gift list."""
    limits = Limits.from_settings()
    return replace(limits, max_rows=max(limits.max_rows, max_rows() + LAYOUT_ROWS))


def file_error(message: str, code: str) -> InvalidData:
    return InvalidData(message, fields={"file": [message]}, code=code)


def _type_message() -> str:
    return _("Only .xlsx (Excel 2007 or later) and .csv files are accepted.")


def file_kind(file_name: str, content: bytes) -> str:
    """ "xlsx" or "csv" by the name and the first bytes (an .xlsx is a zip)."""
    name = file_name.lower()
    if content.startswith(ZIP_MAGIC) or name.endswith((".xlsx", ".xlsm", ".xls")):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise file_error(_type_message(), "file_type")


def read_table(file_name: str, content: bytes) -> tuple[str, Table, frozenset[tuple[int, int]]]:
    """(kind, the table found, formula cells) of the file; InvalidData with a
    file-level code when it cannot be read."""
    if not content:
        raise file_error(_("The file is empty."), "file_empty")
    if len(content) > max_bytes():
        refusal = Refusal("file_too_large", "upload_size", size=len(content), limit=max_bytes())
        raise refused(refusal, type_message=_type_message())
    kind = file_kind(file_name, content)
    limits = reader_limits()
    sheet: Sheet
    if kind == "xlsx":
        sheet = read_sheet(content, type_message=_type_message(), limits=limits)
    else:
        sheet = read_csv(content, limits=limits)
    if not sheet.rows:
        raise file_error(_("The sheet is empty."), "empty_file")
    table = find_table(
        sheet, titles=TITLES, complete=header_complete, keys=NAMING, on_missing=_bad_header
    )
    if not table.rows:
        raise file_error(_("The sheet has no rows below its header."), "empty_file")
    if len(table.rows) > max_rows():
        raise file_error(
            _("The file has more than %(n)s rows: split it.") % {"n": number(max_rows())},
            "too_many_rows",
        )
    return kind, table, sheet.formulas


def _bad_header(row: int | None, keys: set[str]) -> InvalidData:
    message = _(
        "No row among the first 30 holds the column titles “%(line)s” (or “%(nid)s” and "
        "“%(month)s”) and “%(result)s”."
    ) % {
        "line": TITLE["line"],
        "nid": TITLE["national_id"],
        "month": TITLE["for_month"],
        "result": TITLE["result"],
    }
    if row is not None and len(keys) >= 2:
        message += " " + _("Row %(row)s looks like the header but lacks some of them.") % {
            "row": row
        }
    return file_error(message, "bad_header")


def _require_sent(payroll: Payroll) -> None:
    if payroll.state != PayrollState.SENT:
        raise TransitionNotAllowed(
            _("Payment results can be imported only while the payroll is sent for payment."),
            code="payroll_state",
        )


def _record(
    actor: User,
    payroll: Payroll,
    file_name: str,
    digest: str,
    outcome: str,
    *,
    rows_read: int = 0,
    errors: list[dict[str, Any]] | None = None,
    paid: int = 0,
    unpaid: int = 0,
) -> PaymentResultImport:
    return PaymentResultImport.objects.create(
        payroll=payroll,
        actor=actor,
        file_name=file_name[:255] or "ket-qua-chi-tra",
        sha256=digest,
        outcome=outcome,
        rows_read=rows_read,
        paid=paid,
        unpaid=unpaid,
        errors=(errors or [])[:MAX_ERRORS_KEPT],
    )


def _file_refusal(error: DomainError) -> list[dict[str, Any]]:
    return [asdict(RowError(0, "", error.code, str(error.message)))]


def payment_results_import(
    *, actor: User, payroll: Payroll, file_name: str, content: bytes
) -> PaymentResultImport:
    """Record the payment results of a file for a payroll sent for payment.

    Preconditions: the actor is an accountant of the payroll's commune
    (NotPermitted) and the payroll is sent for payment (TransitionNotAllowed
    "payroll_state"); nothing is recorded when either fails. The file is an
    .xlsx or a .csv (UTF-8 with or without BOM, else Windows-1258) of at most
    ALLOWANCE_IMPORT_MAX_BYTES and ALLOWANCE_IMPORT_MAX_ROWS rows, read
    within the bounds of `cases.uploads`; a file refused there raises
    InvalidData with the reader's code (file_type, file_too_large,
    file_sheet_too_large, file_unsafe, file_parse_failed, file_parse_timeout,
    bad_header, empty_file, too_many_rows, file_empty).

    Every row is checked (codes in `import_rows`); with any error,
    InvalidData "import_errors" (extra: "rows", the errors; "import", the
    record's id) and no line moves. Otherwise, in one transaction under the
    payroll's lock, `services.payroll_results_record` moves the lines (paid
    on their dates, not paid with their reasons) and writes its audit event
    naming this import. Every upload that gets past the preconditions is
    kept as a `PaymentResultImport` (outcome, counts, errors); the imported
    one is returned."""
    services.require_accountant(actor, payroll)
    _require_sent(payroll)
    # The rows, their checks and errors are a million objects, all kept to
    # the end: the cyclic collector would walk them again and again (about
    # a second of CPU at 100,000 rows) to free nothing.
    with collector_paused():
        return _import(actor, payroll, file_name, content)


def _import(actor: User, payroll: Payroll, file_name: str, content: bytes) -> PaymentResultImport:
    digest = hashlib.sha256(content).hexdigest()
    try:
        _kind, table, formulas = read_table(file_name, content)
    except InvalidData as error:
        _record(
            actor, payroll, file_name, digest, ImportOutcome.REFUSED, errors=_file_refusal(error)
        )
        raise
    checker = RowChecker(payroll, today=timezone.localdate(), formulas=formulas)
    rows = [(checker.read(n, cells, table.columns), cells) for n, cells in table.rows]
    by_person = "line" not in table.columns or any(
        cells.get("line") is None for _n, cells in table.rows
    )
    errors: list[RowError] = []
    try:
        with transaction.atomic():
            locked = Payroll.objects.select_for_update().get(pk=payroll.pk)
            _require_sent(locked)
            checker.match(rows, PayrollIndex(locked, by_person=by_person), table.columns)
            errors = [e for row, _c in rows for e in row.errors]
            if not errors:
                return _write(actor, locked, file_name, digest, [r for r, _c in rows])
    except DomainError as error:
        if error.code == "payroll_state":
            raise
        # Another import or a settlement moved these lines a moment ago.
        _record(
            actor,
            payroll,
            file_name,
            digest,
            ImportOutcome.REFUSED,
            rows_read=len(rows),
            errors=_file_refusal(error),
        )
        raise
    record = _record(
        actor,
        payroll,
        file_name,
        digest,
        ImportOutcome.REFUSED,
        rows_read=len(rows),
        errors=[asdict(e) for e in errors],
    )
    raise _import_errors(errors, record)


def _write(
    actor: User, payroll: Payroll, file_name: str, digest: str, rows: list[ResultRow]
) -> PaymentResultImport:
    paid = {r.line_id: r.paid_on for r in rows if r.result == PAID and r.line_id and r.paid_on}
    unpaid = {r.line_id: r.reason for r in rows if r.result == UNPAID and r.line_id}
    record = _record(
        actor,
        payroll,
        file_name,
        digest,
        ImportOutcome.IMPORTED,
        rows_read=len(rows),
        paid=len(paid),
        unpaid=len(unpaid),
    )
    services.payroll_results_record(
        actor=actor,
        payroll=payroll,
        paid=paid,  # type: ignore[arg-type]  # ids and dates are set on every paid row
        unpaid=unpaid,  # type: ignore[arg-type]
        source=f"payment_results_import:{record.pk}",
    )
    return record


def _import_errors(errors: list[RowError], record: PaymentResultImport) -> InvalidData:
    bad_rows = len({e.row for e in errors})
    return InvalidData(
        _("%(count)s rows have errors; no result was recorded.") % {"count": number(bad_rows)},
        code="import_errors",
        extra={
            "rows": [asdict(e) for e in errors[:MAX_ERRORS_KEPT]],
            "errors_total": len(errors),
            "import": record.pk,
        },
    )
