"""The drug-rehab list as a file (.xlsx or .csv), for the page and the API:
one set of columns, every cell through the formula-safe writer
(`cases.exports.tabular`), dates as dates. Past EXPORT_INLINE_MAX_ROWS cases
the file is built in the background (kind "rehab_cases"). The caller checks
the permission and logs the export (`rehab_export_record`) first."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.exports import tabular
from cases.exports.kinds import Built, ExportKind, Progress, inline_max_rows
from cases.exports.models import ExportJob
from cases.exports.services import export_job_create
from cases.rehab.models import RehabCase
from cases.rehab.selectors import may_export, rehab_search
from workflows.registry import spec_for

KIND = "rehab_cases"
EXPORT_COLUMNS = [
    (gettext_lazy("Reference"), 16),
    (gettext_lazy("Procedure"), 30),
    (gettext_lazy("Version"), 14),
    (gettext_lazy("Commune"), 20),
    (gettext_lazy("Full name"), 26),
    (gettext_lazy("National ID"), 16),
    (gettext_lazy("Date of birth"), 14),
    (gettext_lazy("State"), 30),
    (gettext_lazy("Opened on"), 14),
]


def export_header() -> list[str]:
    return [str(label) for label, _width in EXPORT_COLUMNS]


def export_rows(cases: Iterable[RehabCase]) -> Iterator[list[Any]]:
    """One row per case (fetched with commune, applicant and version)."""
    for c in cases:
        yield [
            c.reference,
            str(c.get_process_display()),
            c.procedure_version.code,
            str(c.commune),
            c.applicant.full_name,
            c.applicant.national_id,
            c.applicant.date_of_birth,
            spec_for(c).state_label(c.state),
            timezone.localtime(c.created_at).date(),
        ]


def _filename(fmt: str) -> str:
    return f"cai-nghien-{timezone.localdate().strftime('%Y%m%d')}.{fmt}"


def _write(out: IO[bytes], cases: Iterable[RehabCase], fmt: str, progress: Progress) -> None:
    def rows() -> Iterator[list[Any]]:
        for row in export_rows(cases):
            yield row
            progress.advance()

    if fmt == "csv":
        out.write(tabular.csv_text(export_header(), rows()).encode())
        return
    columns = [tabular.Column(str(label), width) for label, width in EXPORT_COLUMNS]
    with tabular.XlsxStream(out, "Cai nghiện", columns) as sheet:
        for row in rows():
            sheet.row(row)


def rehab_export_file(
    user: Any, cases: QuerySet[RehabCase], fmt: str, filters: dict[str, Any]
) -> HttpResponseBase | ExportJob:
    """The file as a download, or a queued job past the inline size (the
    caller answers it: a redirect on the page, 202 in the API). `filters` are
    those of `rehab_search` (commune as an id), for the worker."""
    limit = inline_max_rows()
    if cases[: limit + 1].count() > limit:
        params = {k: filters.get(k) or "" for k in ("process", "commune", "state", "q")}
        return export_job_create(actor=user, kind=KIND, fmt=fmt, params=params)
    out = io.BytesIO()
    _write(out, cases, fmt, Progress())
    content_type = tabular.CSV if fmt == "csv" else tabular.XLSX
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
    return response


def _build(job: ExportJob, out: IO[bytes], progress: Progress) -> Built:
    p = job.params
    cases = rehab_search(
        job.requester,
        process=p.get("process", ""),
        commune=p.get("commune") or None,
        state=p.get("state", ""),
        q=p.get("q", ""),
    )
    progress.total(cases.count())
    _write(out, cases.iterator(chunk_size=1000), job.fmt, progress)
    return Built(_filename(job.fmt), tabular.CSV if job.fmt == "csv" else tabular.XLSX)


def _may_access(user: Any, job: ExportJob) -> bool:
    return may_export(user)


EXPORT_KIND = ExportKind(KIND, build=_build, may_access=_may_access)
