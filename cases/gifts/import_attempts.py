"""The uploads of a gift list kept as import attempts, and the officer's own
file given back with its refused rows marked: a "Lỗi" column holding each
refused row's reasons, those rows' failing cells filled red, everything else
as it was (written by openpyxl in the bounded child of `cases.uploads`). A
file of more than EXPORT_INLINE_MAX_ROWS rows is marked in the background
(an export job of kind "gift_import_errors")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.exports.kinds import Built, ExportKind, Progress, inline_max_rows
from cases.exports.models import ExportJob
from cases.exports.services import export_job_create
from cases.exports.tabular import safe_text
from cases.gifts.documents import XLSX, ExportedFile
from cases.gifts.import_rows import COLUMNS
from cases.gifts.models import GiftImportAttempt, GiftImportOutcome, GiftList
from cases.gifts.selectors import gift_list_get
from cases.gifts.services import require_officer
from cases.uploads.spreadsheet import mark_rows
from workflows.actors import Reader, User
from workflows.exceptions import DomainError, InvalidData, NotFound

# The column added to the officer's file: a file-format word, not UI text.
ERROR_COLUMN = "Lỗi"
ERRORS_KIND = "gift_import_errors"
KEY_BY_TITLE = {title: key for key, title, _w in COLUMNS}


def keep_days() -> float:
    return float(getattr(settings, "GIFT_IMPORT_KEEP_DAYS", 7))


def attempt_save(attempt: GiftImportAttempt) -> GiftImportAttempt:
    """Store an attempt (new or answered again) and forget those past their
    keeping time: they hold whole files of personal data."""
    attempt.save()
    cutoff = timezone.now() - dt.timedelta(days=keep_days())
    GiftImportAttempt.objects.filter(created_at__lt=cutoff).delete()
    return attempt


def attempt_get(user: Reader, gift_list_pk: Any, pk: Any) -> GiftImportAttempt:
    """An attempt on a list the user sees, made by the user (the file is
    theirs): anyone else's, or another list's, is "not found"."""
    gift_list = gift_list_get(user, gift_list_pk)
    try:
        attempt = GiftImportAttempt.objects.select_related("gift_list").get(
            pk=int(pk), gift_list=gift_list
        )
    except (GiftImportAttempt.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if attempt.actor_id != getattr(user, "pk", None):
        raise NotFound()
    return attempt


def attempt_for_rerun(actor: User, gift_list: GiftList, pk: Any) -> GiftImportAttempt:
    """An earlier attempt whose file is imported again (the hidden rows
    answered, or only its valid rows): the actor's own, on this list."""
    attempt = attempt_get(actor, gift_list.pk, pk)
    require_officer(actor, gift_list.commune_id)
    if attempt.outcome == GiftImportOutcome.IMPORTED:
        raise InvalidData(
            _("This file was imported already. Choose the file to import."),
            fields={"file": [_("This file was imported already. Choose the file to import.")]},
            code="attempt_imported",
        )
    return attempt


# --- the marked file -----------------------------------------------------------


def _marks(attempt: GiftImportAttempt) -> tuple[dict[int, str], dict[int, list[int]]]:
    texts: dict[int, list[str]] = defaultdict(list)
    cells: dict[int, set[int]] = defaultdict(set)
    for error in attempt.errors:
        row = int(error["row"])
        texts[row].append(f"{error['column']}: {error['message']}")
        column = attempt.columns.get(KEY_BY_TITLE.get(str(error["column"]), ""))
        if column:
            cells[row].add(int(column))
    rows = {row: safe_text("; ".join(parts)) for row, parts in texts.items()}
    return rows, {row: sorted(columns) for row, columns in cells.items()}


def error_file_name(attempt: GiftImportAttempt) -> str:
    stem = attempt.file_name.rsplit(".", 1)[0] or "danh-sach"
    return f"{stem}-loi.xlsx"


def error_file_build(attempt: GiftImportAttempt) -> ExportedFile:
    rows, cells = _marks(attempt)
    content = mark_rows(
        bytes(attempt.content),
        header_row=attempt.header_row or 1,
        title=ERROR_COLUMN,
        rows=rows,
        cells=cells,
        type_message=_("The file could not be read as an Excel workbook."),
    )
    return ExportedFile(error_file_name(attempt), XLSX, content)


def gift_import_error_file(*, actor: User, attempt: GiftImportAttempt) -> ExportedFile | ExportJob:
    """The officer's file with its refused rows marked (the attempt fetched
    through `attempt_get`). NotFound when no row was refused; a file of more
    than EXPORT_INLINE_MAX_ROWS rows is marked in the background: the queued
    job is returned instead."""
    if not attempt.errors or attempt.header_row is None:
        raise NotFound(_("No row of this file was refused."))
    if attempt.rows_read > inline_max_rows():
        return export_job_create(
            actor=actor,
            kind=ERRORS_KIND,
            fmt="xlsx",
            params={"gift_list": attempt.gift_list_id, "attempt": attempt.pk},
            commune_id=attempt.gift_list.commune_id,
            rows_total=attempt.rows_read,
        )
    return error_file_build(attempt)


def _build(job: ExportJob, out: IO[bytes], progress: Progress) -> Built:
    attempt = attempt_get(job.requester, job.params["gift_list"], job.params["attempt"])
    exported = error_file_build(attempt)
    progress.total(job.rows_total or 0)
    progress.advance(job.rows_total or 0)
    out.write(exported.content)
    return Built(exported.filename, exported.content_type)


def _may_access(user: Any, job: ExportJob) -> bool:
    try:
        attempt_get(user, job.params.get("gift_list"), job.params.get("attempt"))
    except DomainError:
        return False
    return True


EXPORT_KIND = ExportKind(ERRORS_KIND, build=_build, may_access=_may_access)
