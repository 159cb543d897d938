"""The audit explorer's filtered view as .csv (streamed) or .xlsx, for the web
page and the API alike. Both stop at `EXPORT_CAP` rows (newest first) and say
so in a last line; the export itself is logged in the audit trail."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from workflows import audit
from workflows.audit_explorer import (
    EXPORT_CAP,
    EXPORT_HEADERS,
    AuditFilters,
    event_row,
    export_events,
)
from workflows.permissions import scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _truncated_note(cap: int) -> str:
    return _("Cut at %(cap)s rows (the newest first): narrow the filters to export the rest.") % {
        "cap": f"{cap:,}".replace(",", ".")
    }


def _log(user: Any, filters: AuditFilters, fmt: str, via: str) -> None:
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


def _csv_lines(user: Any, filters: AuditFilters, cap: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_HEADERS)
    for n, ev in enumerate(export_events(user, filters, cap)):
        if n == cap:
            yield writer.writerow([_truncated_note(cap)])
            return
        yield writer.writerow(event_row(user, ev))


def _filename(fmt: str) -> str:
    return f"nhat-ky-he-thong-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


def audit_export_response(
    user: Any, filters: AuditFilters, fmt: str, *, via: str = "web", cap: int = EXPORT_CAP
) -> HttpResponse | StreamingHttpResponse:
    """The export as a download; logs it first (who exported which filters)."""
    _log(user, filters, fmt, via)
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            _csv_lines(user, filters, cap), content_type="text/csv; charset=utf-8"
        )
    else:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("Audit trail"))
        ws.append(list(EXPORT_HEADERS))
        for n, ev in enumerate(export_events(user, filters, cap)):
            if n == cap:
                ws.append([_truncated_note(cap)])
                break
            ws.append(event_row(user, ev))
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
    return response
