"""The audit explorer's filtered view as .csv (streamed) or .xlsx, for the web
page and the API alike. Both stop at `EXPORT_CAP` rows (newest first) and say
so in a last line; the export itself is logged in the audit trail.

Cells come from the explorer's presenter (`EventPresenter`): labels, not
codes, the same as the page shows; headers are translated."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from workflows import audit
from workflows.actors import Reader
from workflows.audit_explorer import EXPORT_CAP, AuditFilters, export_events
from workflows.audit_presenter import EXPORT_COLUMNS, EventPresenter, export_cells, export_headers
from workflows.permissions import scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIME_COLUMN = 1  # index of the time in export_cells()


def _truncated_note(cap: int) -> str:
    return _("Cut at %(cap)s rows (the newest first): narrow the filters to export the rest.") % {
        "cap": f"{cap:,}".replace(",", ".")
    }


def _log(user: Reader, filters: AuditFilters, fmt: str, via: str) -> None:
    scope = scope_for(user)
    roles = sorted(scope.all_roles())
    audit.record(
        actor=user,
        actor_role=roles[0] if len(roles) == 1 else ",".join(roles)[:40],
        event="audit_export",
        object_type="workflows.auditevent",
        data={"format": fmt, "filters": filters.as_params(), "via": via},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(user: Reader, filters: AuditFilters, cap: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    presenter = EventPresenter(user)
    yield "\ufeff" + writer.writerow(export_headers())
    for n, ev in enumerate(export_events(user, filters, cap)):
        if n == cap:
            yield writer.writerow([_truncated_note(cap)])
            return
        cells = export_cells(presenter.row(ev))
        cells[TIME_COLUMN] = cells[TIME_COLUMN].strftime("%d/%m/%Y %H:%M:%S")
        yield writer.writerow(cells)


def _xlsx(user: Reader, filters: AuditFilters, cap: int) -> bytes:
    """Column widths, a bold frozen header row and real (local, naive) datetimes."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit trail"))
    for i, (_key, _label, width) in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in export_headers():
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    presenter = EventPresenter(user)
    for n, ev in enumerate(export_events(user, filters, cap)):
        if n == cap:
            ws.append([_truncated_note(cap)])
            break
        cells: list[Any] = export_cells(presenter.row(ev))
        when = WriteOnlyCell(ws, value=cells[TIME_COLUMN].replace(tzinfo=None))
        when.number_format = "DD/MM/YYYY HH:MM:SS"
        cells[TIME_COLUMN] = when
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _filename(fmt: str) -> str:
    return f"nhat-ky-he-thong-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


def audit_export_response(
    user: Reader, filters: AuditFilters, fmt: str, *, via: str = "web", cap: int = EXPORT_CAP
) -> HttpResponse | StreamingHttpResponse:
    """The export as a download; logs it first (who exported which filters)."""
    _log(user, filters, fmt, via)
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            _csv_lines(user, filters, cap), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(_xlsx(user, filters, cap), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
    return response
