"""Who read which drug-rehab record: the export (logged as a read) and the read
logs for auditors and the district's rehab staff."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from cases.exports.models import ExportJob
from cases.rehab.exports import rehab_export_file
from cases.rehab.forms import (
    ExportForm,
    RehabFilterForm,
)
from cases.rehab.selectors import (
    ReadPurpose,
    case_reads,
    may_see_read_log,
    read_log_case_get,
    read_log_events,
    rehab_search,
)
from cases.rehab.services import (
    rehab_export_record,
)
from cases.rehab.views import RehabListView, RehabMixin
from cases.selectors import rehab_communes_for_user
from cases.views.base import CaseflowView, paginate
from workflows import formatting
from workflows.actors import Reader
from workflows.registry import spec_for


class RehabExportView(RehabListView):
    """POST: the list filtered as in the query string, as .xlsx or .csv (own
    permission, purpose, logged); a refusal shows the list again with why.
    A long list is built in the background: the page goes to its progress."""

    def post(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        communes = list(rehab_communes_for_user(user))
        filters = RehabFilterForm(request.GET or None, communes=communes).filters()
        self.bound_form = form = ExportForm(request.POST)
        fmt = "csv" if request.POST.get("fmt") == "csv" else "xlsx"
        purpose = form.data.get("purpose", "")
        cases = rehab_search(user, **filters)
        rehab_export_record(
            user=user,
            rows=cases.count(),
            filters=filters,
            fmt=fmt,
            purpose=purpose,
            note=form.data.get("purpose_note", ""),
        )
        answer = rehab_export_file(user, cases, fmt, filters)
        if isinstance(answer, ExportJob):
            return redirect("export_job", answer.pk)
        return answer


class ReadLogMixin(RehabMixin):
    def allowed(self, user: Reader) -> bool:
        return may_see_read_log(user)


def _read_rows(events: Any) -> list[dict[str, Any]]:

    labels = dict(ReadPurpose.choices)
    rows = []
    for e in events:
        data = e.data or {}
        rows.append(
            {
                "event": e,
                "who": formatting.display_name(e.actor) if e.actor else e.actor_username,
                "purpose": labels.get(str(data.get("purpose", "")), data.get("purpose", "")),
                "note": data.get("note", ""),
                "via": data.get("via", ""),
            }
        )
    return rows


class RehabReadLogView(ReadLogMixin, CaseflowView):
    """Every read of a rehab record, newest first; filter by case reference or reader."""

    template_name = "rehab/read_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ref = (self.request.GET.get("case") or "").strip()
        reader = (self.request.GET.get("reader") or "").strip()
        qs = read_log_events(case_reference=ref, reader=reader)
        page = paginate(self.request, qs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            rows=_read_rows(page.object_list),
            case_ref=ref,
            reader=reader,
            querystring=query.urlencode(),
        )
        return context


class RehabCaseReadsView(ReadLogMixin, CaseflowView):
    """Who read this record: every read of one case (no personal data shown)."""

    template_name = "rehab/case_reads.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = read_log_case_get(self.request.user, self.kwargs["pk"])
        page = paginate(self.request, case_reads(case))
        context.update(
            case=case,
            spec=spec_for(case),
            page=page,
            rows=_read_rows(page.object_list),
            querystring="",
        )
        return context
