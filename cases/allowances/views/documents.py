"""The allowances' documents and the import of payment results in the web
UI, on top of `cases.allowances.documents_exports` (each document checks the
state it needs, is audited, and a long list becomes a background job) and
`cases.allowances.imports` (every row checked, all or nothing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases.allowances import selectors
from cases.allowances.documents_exports import (
    PAYROLL_DOCUMENTS,
    ExportedFile,
    entitlement_decision_export,
    monthly_summary_export,
    payroll_document_export,
)
from cases.allowances.import_rows import TITLE
from cases.allowances.imports import payment_results_import
from cases.allowances.models import Payroll, PayrollState
from cases.allowances.spec import PAYROLL_SPEC
from cases.views.base import CaseflowMixin, CaseflowView
from workflows.actors import signed_in
from workflows.exceptions import InvalidData, NotFound, NotPermitted
from workflows.formatting import number
from workflows.forms import MonthField
from workflows.permissions import Role, does_step, scope_for

# The payroll's documents as the page names them.
DOCUMENT_LABELS = {
    "post_office_list": gettext_lazy("Post office payment list (.xlsx)"),
    "bank_transfer": gettext_lazy("Bank transfer file (.csv)"),
    "payroll_list_xlsx": gettext_lazy("Payroll with signature column (.xlsx)"),
    "payroll_list_docx": gettext_lazy("Payroll with signature column (.docx)"),
    "reconciliation": gettext_lazy("Payment reconciliation (.xlsx)"),
}


def payroll_documents(payroll: Payroll) -> list[tuple[Any, str]]:
    """(label, url) of each document the payroll may be printed as now."""
    return [
        (
            DOCUMENT_LABELS.get(name, name),
            reverse("payroll_document_download", args=[payroll.pk, name]),
        )
        for name, spec in PAYROLL_DOCUMENTS.items()
        if payroll.state in spec.states
    ]


def _file(result: Any) -> HttpResponseBase:
    """The file, or the page of the background job building it."""
    if not isinstance(result, ExportedFile):
        return redirect("export_job", pk=result.pk)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


class PayrollDocumentView(CaseflowMixin, View):
    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int, document: str) -> HttpResponseBase:
        payroll = selectors.payroll_get(request.user, pk)
        return _file(
            payroll_document_export(actor=signed_in(request), payroll=payroll, document=document)
        )


class MonthlySummaryForm(forms.Form):
    month = MonthField(label=gettext_lazy("Month"))


class MonthlySummaryView(CaseflowMixin, View):
    """The month's summary by regime and category over the user's communes."""

    rerender_on_error = False

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not scope_for(request.user).sees_general:
            raise NotFound()
        form = MonthlySummaryForm(request.GET)
        if not form.is_valid():
            raise InvalidData(_("Enter a month as mm/yyyy, e.g. 07/2024."), code="month")
        return _file(
            monthly_summary_export(actor=signed_in(request), month=form.cleaned_data["month"])
        )


class AllowanceDecisionView(CaseflowMixin, View):
    """The decision (.docx) of a decided dossier."""

    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        case = selectors.allowance_case_get(request.user, pk)
        return _file(entitlement_decision_export(actor=signed_in(request), case=case))


# --- import of payment results -------------------------------------------------------


class ResultsImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File of payment results (.xlsx or .csv)"))


class PaymentResultsImportView(CaseflowView):
    """Upload the post office's or the bank's results; every row is checked
    and nothing is recorded while one is wrong (the rows and reasons are
    listed on the page)."""

    template_name = "allowances/payroll_import.html"

    def get_payroll(self) -> Payroll:
        payroll = selectors.payroll_get(self.request.user, self.kwargs["pk"])
        if not does_step(self.request.user, Role.ACCOUNTANT, payroll.commune_id):
            raise NotPermitted(_("Only an accountant records payment results."))
        return payroll

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        payroll = self.get_payroll()
        extra = self.error.extra if self.error is not None else {}
        rows = list(extra.get("rows") or [])
        context.update(
            payroll=payroll,
            spec=PAYROLL_SPEC,
            open=payroll.state == PayrollState.SENT,
            form=self.bound_form or ResultsImportForm(),
            columns=[
                TITLE[k]
                for k in ("line", "national_id", "for_month", "result", "paid_on", "reason")
            ],
            row_errors=rows,
            more_errors=max(0, int(extra.get("errors_total") or 0) - len(rows)),
            imports=list(payroll.imports.select_related("actor")[:10]),
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        payroll = self.get_payroll()
        form = self.bound_form = ResultsImportForm(request.POST, request.FILES)
        if not form.is_valid():
            raise InvalidData()
        upload = form.cleaned_data["file"]
        record = payment_results_import(
            actor=signed_in(request),
            payroll=payroll,
            file_name=upload.name,
            content=upload.read(),
        )
        messages.success(
            request,
            _("%(paid)s lines recorded as paid, %(unpaid)s as not paid.")
            % {"paid": number(record.paid), "unpaid": number(record.unpaid)},
        )
        return redirect("payroll_results", pk=payroll.pk)
