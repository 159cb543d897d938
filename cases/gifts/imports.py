"""Import of a commune's gift list from an .xlsx file, and its template.

The officer downloads the template (a sheet to fill in, a sheet listing the
packages open to the commune and the category codes), fills it in Excel and
uploads it, or uploads the list the office already keeps: title rows above
the header, merged cells, columns in another order are found
(`import_sheet`); hidden rows are reported and the officer chooses to skip or
import them. Every row is checked before anything is written; each bad row is
reported with its row number, column title and a reason. Nothing is written
while errors remain unless the officer asks for "only the valid rows"; either
way the writes (new people, rows, audit) happen in one transaction, and the
officer can download the file back with the refused rows marked
(`import_attempts`).

Built for the Tết volume (26,553 rows in one file): the sheet is read by
python-calamine in a child process within bounds (`cases.uploads`: a hostile
file is refused, it cannot take the server down), rows are checked in Python
against sets, the database is read a fixed number of times per 10,000 rows and
written with bulk inserts."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from cases.gifts.import_attempts import attempt_save
from cases.gifts.import_cells import cell_text
from cases.gifts.import_rows import ImportRow, RowChecker, RowError, file_error
from cases.gifts.import_sheet import sheet_layout
from cases.gifts.models import (
    GiftImportAttempt,
    GiftImportOutcome,
    GiftList,
    GiftListState,
)
from cases.gifts.services import gift_list_lock, gift_rows_add, require_officer
from cases.models import Person
from cases.uploads.refusals import Refusal, refused
from cases.uploads.spreadsheet import read_sheet
from cases.uploads.table import Table
from workflows import audit
from workflows.actors import User
from workflows.exceptions import InvalidData, TransitionNotAllowed
from workflows.formatting import number

OBJECT_TYPE = "cases.giftlist"
SHOWN_ROWS = 50  # row numbers named in a message


def max_bytes() -> int:
    return int(getattr(settings, "GIFT_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "GIFT_IMPORT_MAX_ROWS", 60_000))


class HiddenRows(models.TextChoices):
    """What to do with the rows hidden in the file (hidden, filtered out,
    collapsed): never decided silently."""

    ASK = "ask", _l("Ask me if the file has hidden rows")
    SKIP = "skip", _l("Skip the hidden rows")
    INCLUDE = "include", _l("Import the hidden rows too")


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    attempt: int | None = None
    header_row: int | None = None
    rows_read: int = 0
    imported: int = 0
    people_created: int = 0
    skipped: list[RowError] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_rows_choice: str = HiddenRows.ASK

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read_upload(upload: Any) -> tuple[bytes, str]:
    if upload is None:
        raise file_error(_("Choose an .xlsx file to import."), "file_missing")
    name = str(getattr(upload, "name", "") or "danh-sach.xlsx")[:255]
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _file_too_large(size, limit)
    blob = upload.read(limit + 1)
    if len(blob) > limit:
        raise _file_too_large(len(blob), limit)
    if not blob:
        raise file_error(_("The file is empty."), "file_empty")
    return blob, name


def _not_xlsx() -> str:
    return _("Only .xlsx files (Excel 2007 or later) made from the template are accepted.")


def _file_too_large(size: int, limit: int) -> InvalidData:
    refusal = Refusal("file_too_large", "upload_size", size=size, limit=limit)
    return refused(refusal, type_message=_not_xlsx())


def _layout(blob: bytes) -> Table:
    """Where the list is in the first sheet. The sheet is read with
    python-calamine (Rust: 26,553 rows in about a second, where openpyxl's
    read-only mode took over ten), in a child process within the bounds of
    `cases.uploads`; its refusals are InvalidData with their codes."""
    sheet = read_sheet(blob, type_message=_not_xlsx())
    if not sheet.rows:
        raise file_error(_("The sheet is empty."), "empty_file")
    return sheet_layout(sheet)


def _rows_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_ROWS])
    return shown + ("…" if len(numbers) > SHOWN_ROWS else "")


def _hidden_rows_question(layout: Table, attempt: GiftImportAttempt) -> InvalidData:
    names = {n: cell_text(cells.get("full_name")) for n, cells in layout.rows}
    message = ngettext(
        "The file has %(count)s hidden row (row %(rows)s). Choose whether to skip it or import it.",
        "The file has %(count)s hidden rows (rows %(rows)s). Choose whether to skip them or "
        "import them.",
        len(layout.hidden),
    ) % {"count": number(len(layout.hidden)), "rows": _rows_list(layout.hidden)}
    return InvalidData(
        message,
        fields={"hidden_rows": [message]},
        code="hidden_rows",
        extra={
            "attempt": attempt.pk,
            "hidden_rows": [{"row": n, "full_name": names.get(n, "")} for n in layout.hidden],
        },
    )


def _import_errors(errors: list[RowError], attempt: GiftImportAttempt) -> InvalidData:
    bad_rows = len({e.row for e in errors})
    return InvalidData(
        _("%(count)s rows have errors; no row was imported.") % {"count": number(bad_rows)},
        code="import_errors",
        extra={"rows": [asdict(e) for e in errors], "attempt": attempt.pk},
    )


# --- the service ------------------------------------------------------------------


def gift_import(
    *,
    actor: User,
    gift_list: GiftList,
    upload: Any = None,
    attempt: GiftImportAttempt | None = None,
    only_valid: bool = False,
    hidden_rows: str = HiddenRows.ASK,
) -> ImportReport:
    """Import an .xlsx file (the template's columns) into a list being prepared.

    Preconditions: the actor is an officer of the list's commune; the list is
    being prepared; the upload is an .xlsx of at most GIFT_IMPORT_MAX_BYTES
    (or `attempt`, an earlier attempt of the actor on this list, whose file is
    imported again), readable within the bounds of `cases.uploads` (otherwise
    InvalidData with one of its codes: file_type, file_too_large,
    file_sheet_too_large, file_unsafe, file_parse_failed, file_parse_timeout;
    nothing is written), with the template's column titles in one of its
    first rows (title rows above are skipped: `import_sheet`).

    Every upload that gets that far is kept as a GiftImportAttempt (the file
    and what was found). Hidden rows with `hidden_rows` "ask": InvalidData
    "hidden_rows" (the rows in extra["hidden_rows"]) and nothing else is
    written; "skip" leaves them out, "include" imports them as any other.
    Every row is checked; with errors and not `only_valid`, InvalidData
    "import_errors" (the errors in extra["rows"]) and nothing but the attempt
    is written. Otherwise, in one transaction: people not in the registry are
    created from their rows (one per national ID, each with a "person_create"
    audit event), the rows are added at their package's amount and one
    "gift_import" audit event records the counts, file name and SHA-256.
    """
    require_officer(actor, gift_list.commune_id)
    if gift_list.state != GiftListState.PREPARING:
        raise TransitionNotAllowed(
            _("Recipients can only be added while the list is being prepared."),
            code="gift_list_state",
        )
    if hidden_rows not in HiddenRows.values:
        raise InvalidData(fields={"hidden_rows": [_("Choose what to do with the hidden rows.")]})
    if attempt is not None:
        blob, name = bytes(attempt.content), attempt.file_name
    else:
        blob, name = _read_upload(upload)
    digest = hashlib.sha256(blob).hexdigest()
    layout = _layout(blob)
    if attempt is None:
        attempt = GiftImportAttempt(
            gift_list=gift_list, actor=actor, file_name=name, sha256=digest, content=blob
        )
    attempt.header_row = layout.header_row
    attempt.columns = layout.column_numbers()
    attempt.hidden_rows = layout.hidden
    attempt.section_rows = layout.layout_rows
    attempt.only_valid = only_valid
    attempt.hidden_rows_choice = hidden_rows
    attempt.errors, attempt.imported, attempt.people_created = [], 0, 0
    if layout.hidden and hidden_rows == HiddenRows.ASK:
        attempt.outcome = GiftImportOutcome.HIDDEN_ROWS
        attempt_save(attempt)
        raise _hidden_rows_question(layout, attempt)
    skip = set(layout.hidden) if hidden_rows == HiddenRows.SKIP else set()
    checker = RowChecker(gift_list)
    rows: list[ImportRow] = []
    for row_number, cells in layout.rows:
        if row_number in skip:
            continue
        if len(rows) >= max_rows():
            raise file_error(
                _("The file has more than %(n)s rows: split it.") % {"n": number(max_rows())},
                "too_many_rows",
            )
        rows.append(checker.parse(row_number, cells))
    if not rows:
        raise file_error(_("The sheet has no rows below its header."), "empty_file")
    report = ImportReport(
        file_name=name,
        sha256=digest,
        header_row=layout.header_row,
        rows_read=len(rows),
        hidden_rows=layout.hidden,
        hidden_rows_choice=hidden_rows,
    )
    attempt.rows_read = len(rows)

    refused_rows: list[RowError] = []
    with transaction.atomic():
        locked = gift_list_lock(
            gift_list,
            state=GiftListState.PREPARING,
            message=_("Recipients can only be added while the list is being prepared."),
        )
        checker.check_people(rows)
        errors = [e for r in rows for e in r.errors]
        good = [r for r in rows if not r.errors]
        if errors and (not only_valid or not good):
            refused_rows = errors
        else:
            _write(actor, locked, checker, good, errors, report, layout, hidden_rows)
            attempt.outcome = GiftImportOutcome.IMPORTED
            attempt.errors = [asdict(e) for e in errors]
            attempt.imported, attempt.people_created = report.imported, report.people_created
            report.attempt = attempt_save(attempt).pk
    if refused_rows:
        # Kept outside the import's transaction: the officer can download
        # the file with these rows marked, or import only its valid rows.
        attempt.outcome = GiftImportOutcome.REFUSED
        attempt.errors = [asdict(e) for e in refused_rows]
        raise _import_errors(refused_rows, attempt_save(attempt))
    return report


def _write(
    actor: User,
    gift_list: GiftList,
    checker: RowChecker,
    good: list[ImportRow],
    errors: list[RowError],
    report: ImportReport,
    layout: Table,
    hidden_rows: str,
) -> None:
    """The good rows' people and rows, under the list's lock."""
    report.skipped = errors
    people = _create_people(actor, gift_list, good, checker.existing, report.sha256)
    report.people_created = len(people) - len(checker.existing)
    pairs = []
    notes = {}
    for r in good:
        assert r.package is not None
        person_id = people[r.national_id]
        pairs.append((person_id, r.package))
        if r.note:
            notes[(person_id, r.package.pk)] = r.note
    result = gift_rows_add(
        actor=actor,
        gift_list=gift_list,
        pairs=pairs,
        how="import",
        notes=notes,
        event="gift_import",
        audit_data={
            "file_name": report.file_name,
            "sha256": report.sha256,
            "header_row": layout.header_row,
            "rows_read": report.rows_read,
            "rows_skipped": len({e.row for e in errors}),
            # Counts only (no code for the audit explorer to show): the
            # hidden rows left out, or imported as the officer chose.
            "hidden_rows_skipped": len(layout.hidden) if hidden_rows == HiddenRows.SKIP else 0,
            "hidden_rows_imported": len(layout.hidden) if hidden_rows == HiddenRows.INCLUDE else 0,
            "people_created": report.people_created,
        },
    )
    if result.skipped:
        # Checked under the list's lock, but another commune's list may
        # have taken one of these people meanwhile: all or nothing.
        raise TransitionNotAllowed(
            _("Someone changed these lists a moment ago. Try again."),
            code="concurrent_change",
        )
    report.imported = result.added


def _create_people(
    actor: User,
    gift_list: GiftList,
    rows: list[ImportRow],
    existing: dict[str, Person],
    digest: str,
) -> dict[str, int]:
    """National ID -> person id for every good row, creating the missing people
    from their first row (bulk), each with its registry audit event."""
    ids = {nid: p.pk for nid, p in existing.items()}
    new: dict[str, ImportRow] = {}
    for r in rows:
        if r.national_id in ids or r.national_id in new:
            continue
        assert r.date_of_birth is not None
        new[r.national_id] = r
    if not new:
        return ids
    try:
        with transaction.atomic():
            created = _insert_people(gift_list.commune_id, list(new.values()))
    except IntegrityError:
        # Someone registered one of these national IDs a moment ago.
        raise TransitionNotAllowed(
            _("Someone registered one of these people a moment ago. Try again."),
            code="concurrent_change",
        ) from None
    template = audit.new_event(
        actor=actor,
        commune_id=gift_list.commune_id,
        event="person_create",
        object_type="cases.person",
        data={"how": "gift_import", "gift_list": gift_list.pk, "sha256": digest},
    )
    audit.append_many(template, [(str(pk), gift_list.commune_id, "") for pk, _nid in created])
    ids.update((nid, pk) for pk, nid in created)
    return ids


def _insert_people(commune_id: int, rows: list[ImportRow]) -> list[tuple[int, str]]:
    """Register the rows' people in one INSERT ... SELECT FROM unnest; (id,
    national ID) of each. Categories travel as comma-joined text."""
    columns = (
        [r.full_name for r in rows],
        [r.date_of_birth for r in rows],
        [r.birth_year_only for r in rows],
        [r.sex for r in rows],
        [r.national_id for r in rows],
        [r.address for r in rows],
        [",".join(r.categories) for r in rows],
        [r.merit_subtype for r in rows],
    )
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Person._meta.db_table}
                (full_name, date_of_birth, birth_year_only, sex, national_id, address,
                 commune_id, categories, merit_subtype, created_at)
                SELECT u.full_name, u.dob, u.year_only, u.sex, u.nid, u.address, %s,
                       CASE WHEN u.categories = '' THEN ARRAY[]::varchar[]
                            ELSE string_to_array(u.categories, ',')::varchar[] END,
                       u.subtype, %s
                  FROM unnest(%s::text[], %s::date[], %s::boolean[], %s::text[], %s::text[],
                              %s::text[], %s::text[], %s::text[])
                       AS u(full_name, dob, year_only, sex, nid, address, categories, subtype)
                RETURNING id, national_id""",
            [commune_id, timezone.now(), *columns],
        )
        return [(pk, nid) for pk, nid in cur.fetchall()]
