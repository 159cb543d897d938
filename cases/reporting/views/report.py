"""The six-month report page: choose the period and district, see the figures
and the body as the .docx will print them, edit the text sections, download
the .docx (office head, specialists) or the .xlsx annex (auditors too).
Thin: `cases.reporting.report` computes, `cases.reporting.report_documents` builds and audits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from cases.gifts.views.documents import file_response
from cases.reporting.forms import ReportDocumentForm, ReportPeriodForm
from cases.reporting.report import (
    district_get,
    may_draft_report,
    require_report_access,
    six_month_report,
)
from cases.reporting.report_documents import report_export
from cases.reporting.report_text import body, default_texts, summary_vi
from cases.views.base import CaseflowView
from workflows.actors import signed_in
from workflows.exceptions import InvalidData
from workflows.formatting import display_name


class SixMonthReportView(CaseflowView):
    template_name = "report/six_month.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        require_report_access(user)
        context = super().get_context_data(**kwargs)
        # A refused .docx/.xlsx POST comes back here with the office's form as
        # posted: its errors and every edited text are shown again.
        posted = self.bound_form if isinstance(self.bound_form, ReportDocumentForm) else None
        period = (
            ReportPeriodForm(posted.data)
            if posted is not None
            else ReportPeriodForm.from_query(self.request.GET)
        )
        context.update(period_form=period, may_draft=may_draft_report(user))
        if not period.is_valid():
            return context
        d = period.cleaned_data
        district = district_get(d["district"])
        data = six_month_report(
            user, district=district, start=d["start"], end=d["end"], grouping=d["grouping"]
        )
        texts = default_texts(d["start"], d["end"])
        if posted is not None:
            edited = {k: posted.data.get(f"text_{k}", "") for k in texts}
            texts.update({k: v for k, v in edited.items() if v.strip()})
        initial = ReportDocumentForm.initial_for(
            district=district,
            start=d["start"],
            end=d["end"],
            signer_name=display_name(signed_in(self.request)),
            grouping=d["grouping"],
        )
        context.update(
            data=data,
            district=district,
            summary=summary_vi(d["start"], d["end"]),
            blocks=body(data, texts),
            document_form=posted or ReportDocumentForm(initial=initial),
            query=(self.request.GET.urlencode() if posted is None else "") or period_query(period),
        )
        return context


def period_query(form: ReportPeriodForm) -> str:
    from urllib.parse import urlencode

    d = form.cleaned_data
    return urlencode(
        {
            "district": d["district"],
            "start": f"{d['start']:%d/%m/%Y}",
            "end": f"{d['end']:%d/%m/%Y}",
            "grouping": d["grouping"],
        }
    )


class SixMonthReportFileView(SixMonthReportView):
    """GET: the file with the default texts (and the query's date, if any);
    POST (the page's form): with the office's number, date, signer, recipients
    and edited sections. Refused input re-renders the report page with the
    field errors and the posted edits (status 400)."""

    fmt = "docx"

    # A file, not the page: the page's template is only for re-rendering errors.
    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        return self._export(ReportDocumentForm.from_query(request.GET))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_report_access(request.user, draft=self.fmt == "docx")
        form = ReportDocumentForm(request.POST)
        self.bound_form = form
        return self._export(form)

    def _export(self, form: ReportDocumentForm) -> HttpResponseBase:
        require_report_access(self.request.user, draft=self.fmt == "docx")
        if not form.is_valid():
            raise InvalidData(_("Check the report's fields."), fields=_errors(form))
        d = form.cleaned_data
        return file_response(
            report_export(
                actor=signed_in(self.request),
                district=district_get(d["district"]),
                start=d["start"],
                end=d["end"],
                fmt=self.fmt,
                options=form.options(),
                grouping=d["grouping"],
            )
        )


def _errors(form: ReportPeriodForm) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in form.errors.items()}
