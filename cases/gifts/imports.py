"""Import of a commune's gift list from an .xlsx file, and its template.

The officer downloads the template (a sheet to fill in, a sheet listing the
packages open to the commune and the category codes), fills it in Excel and
uploads it. Every row is checked before anything is written; each bad row is
reported with its row number, column title and a reason. Nothing is written
while errors remain unless the officer asks for "only the valid rows"; either
way the writes (new people, rows, audit) happen in one transaction.

Built for the Tết volume (26,553 rows in one file): the sheet is read by
python-calamine in a child process within bounds (`cases.uploads`: a hostile
file is refused, it cannot take the server down), rows are checked in Python
against sets, the database is read a fixed number of times per 10,000 rows and
written with bulk inserts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.gifts.import_rows import ImportRow, RowChecker, RowError, check_header, file_error
from cases.gifts.models import (
    GiftList,
    GiftListState,
)
from cases.gifts.services import gift_list_lock, gift_rows_add, require_officer
from cases.models import Person
from cases.uploads.refusals import Refusal, refused
from cases.uploads.spreadsheet import read_first_sheet
from workflows import audit
from workflows.actors import User
from workflows.exceptions import InvalidData, TransitionNotAllowed

OBJECT_TYPE = "cases.giftlist"


def max_bytes() -> int:
    return int(getattr(settings, "GIFT_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "GIFT_IMPORT_MAX_ROWS", 60_000))


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    rows_read: int = 0
    imported: int = 0
    people_created: int = 0
    skipped: list[RowError] = field(default_factory=list)

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


def _sheet_rows(blob: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the first sheet, header first; blank rows skipped.

    Read with python-calamine (Rust: 26,553 rows in about a second, where
    openpyxl's read-only mode took over ten), in a child process within the
    bounds of `cases.uploads`; its refusals are InvalidData with their codes."""
    yield from read_first_sheet(blob, type_message=_not_xlsx())


def _import_errors(errors: list[RowError]) -> InvalidData:
    bad_rows = len({e.row for e in errors})
    return InvalidData(
        _("%(count)s rows have errors; no row was imported.") % {"count": bad_rows},
        code="import_errors",
        extra={"rows": [asdict(e) for e in errors]},
    )


# --- the service ------------------------------------------------------------------


def gift_import(
    *, actor: User, gift_list: GiftList, upload: Any, only_valid: bool = False
) -> ImportReport:
    """Import an .xlsx file (the template's layout) into a list being prepared.

    Preconditions: the actor is an officer of the list's commune; the list is
    being prepared; the upload is an .xlsx of at most GIFT_IMPORT_MAX_BYTES
    with the template's header, readable within the bounds of `cases.uploads`
    (otherwise InvalidData with one of its codes: file_type, file_too_large,
    file_sheet_too_large, file_unsafe, file_parse_failed, file_parse_timeout;
    nothing is written). Every row is checked; with errors and not
    `only_valid`, InvalidData "import_errors" (the errors in extra["rows"]) and
    nothing is written. Otherwise, in one transaction: people not in the
    registry are created from their rows (one per national ID, each with a
    "person_create" audit event), the rows are added at their package's amount
    and one "gift_import" audit event records the counts, file name and SHA-256.
    """
    require_officer(actor, gift_list.commune_id)
    if gift_list.state != GiftListState.PREPARING:
        raise TransitionNotAllowed(
            _("Recipients can only be added while the list is being prepared."),
            code="gift_list_state",
        )
    blob, name = _read_upload(upload)
    digest = hashlib.sha256(blob).hexdigest()
    report = ImportReport(file_name=name, sha256=digest)
    lines = _sheet_rows(blob)
    header = next(lines, None)
    if header is None:
        raise file_error(_("The sheet is empty."), "empty_file")
    check_header(header[1])
    checker = RowChecker(gift_list)
    rows: list[ImportRow] = []
    for number, values in lines:
        if len(rows) >= max_rows():
            raise file_error(
                _("The file has more than %(n)s rows: split it.") % {"n": max_rows()},
                "too_many_rows",
            )
        rows.append(checker.parse(number, values))
    if not rows:
        raise file_error(_("The sheet has no rows below its header."), "empty_file")
    report.rows_read = len(rows)

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
            raise _import_errors(errors)
        report.skipped = errors
        people = _create_people(actor, locked, good, checker.existing, digest)
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
            gift_list=locked,
            pairs=pairs,
            how="import",
            notes=notes,
            event="gift_import",
            audit_data={
                "file_name": name,
                "sha256": digest,
                "rows_read": report.rows_read,
                "rows_skipped": len({e.row for e in errors}),
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
    return report


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
        [r.sex for r in rows],
        [r.national_id for r in rows],
        [r.address for r in rows],
        [",".join(r.categories) for r in rows],
        [r.merit_subtype for r in rows],
    )
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Person._meta.db_table}
                (full_name, date_of_birth, sex, national_id, address, commune_id,
                 categories, merit_subtype, created_at)
                SELECT u.full_name, u.dob, u.sex, u.nid, u.address, %s,
                       CASE WHEN u.categories = '' THEN ARRAY[]::varchar[]
                            ELSE string_to_array(u.categories, ',')::varchar[] END,
                       u.subtype, %s
                  FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::text[],
                              %s::text[], %s::text[])
                       AS u(full_name, dob, sex, nid, address, categories, subtype)
                RETURNING id, national_id""",
            [commune_id, timezone.now(), *columns],
        )
        return [(pk, nid) for pk, nid in cur.fetchall()]
