"""Import a commune's gift list from an .xlsx file: the template download, the
upload page (errors shown as a table of row, column and reason, the question
about hidden rows, the file back with its refused rows marked) and the page
of an import that skipped rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases.exports.models import ExportJob
from cases.gifts.import_attempts import attempt_for_rerun, attempt_get, gift_import_error_file
from cases.gifts.import_template import gift_import_template
from cases.gifts.imports import HiddenRows, gift_import
from cases.gifts.models import GiftImportAttempt, GiftList, GiftListState
from cases.gifts.selectors import gift_list_get
from cases.gifts.services import require_officer
from cases.gifts.views.documents import file_response
from cases.views.base import CaseflowMixin, CaseflowView
from workflows.actors import signed_in
from workflows.exceptions import InvalidData, TransitionNotAllowed
from workflows.formatting import number

# The page shows this many row errors; the API returns them all.
SHOWN_ERRORS = 500


class GiftImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"), required=False)
    hidden_rows = forms.ChoiceField(
        label=gettext_lazy("Hidden rows in the file"),
        choices=HiddenRows.choices,
        initial=HiddenRows.ASK,
        required=False,
        widget=forms.RadioSelect,
    )
    only_valid = forms.BooleanField(
        label=gettext_lazy("Import only the valid rows"),
        required=False,
        help_text=gettext_lazy("Rows with errors are skipped and listed with their reasons."),
    )
    # An earlier upload of this page, imported again without choosing the file
    # again (after the question about hidden rows, or for its valid rows only).
    attempt = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not data.get("attempt"):
            self.add_error("file", _("Choose an .xlsx file to import."))
        data["hidden_rows"] = data.get("hidden_rows") or HiddenRows.ASK
        return data


def _importable_list(request: HttpRequest, pk: int) -> GiftList:
    gift_list = gift_list_get(request.user, pk)  # another commune's list: 404
    require_officer(signed_in(request), gift_list.commune_id)
    return gift_list


def gift_list_url(gift_list: GiftList) -> str:
    """The list's page once it exists (built by the lists' UI), else the import page."""
    try:
        return reverse("gift_list_detail", kwargs={"pk": gift_list.pk})
    except NoReverseMatch:
        return reverse("gift_list_import", kwargs={"pk": gift_list.pk})


def error_file_url(gift_list_pk: int, attempt_pk: int) -> str:
    return reverse("gift_import_error_file", kwargs={"pk": gift_list_pk, "attempt": attempt_pk})


class GiftListImportTemplateView(CaseflowView):
    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = _importable_list(request, pk)
        content = gift_import_template(gift_list.campaign, gift_list.commune)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"danh-sach-qua-{gift_list.campaign.code}-{gift_list.commune.code}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class GiftListImportView(CaseflowView):
    template_name = "gifts/import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        gift_list = _importable_list(self.request, self.kwargs["pk"])
        if gift_list.state != GiftListState.PREPARING and self.error is None:
            raise TransitionNotAllowed(
                _("Recipients can only be added while the list is being prepared.")
            )
        extra = self.error.extra if self.error else {}
        rows = extra.get("rows") or []
        attempt = extra.get("attempt")
        form = self.bound_form or GiftImportForm()
        context.update(
            gift_list=gift_list,
            form=form,
            row_errors=rows[:SHOWN_ERRORS],
            more_errors=max(0, len(rows) - SHOWN_ERRORS),
            back_url=gift_list_url(gift_list),
            attempt=attempt,
            hidden_rows=extra.get("hidden_rows") or [],
            hidden_choices=[c for c in HiddenRows.choices if c[0] != HiddenRows.ASK],
            error_file_url=error_file_url(gift_list.pk, attempt) if rows and attempt else "",
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = _importable_list(request, pk)
        form = self.bound_form = GiftImportForm(request.POST, request.FILES)
        if not form.is_valid():
            raise InvalidData()
        actor = signed_in(request)
        data = form.cleaned_data
        earlier = None
        if data["attempt"] and not data["file"]:
            earlier = attempt_for_rerun(actor, gift_list, data["attempt"])
        report = gift_import(
            actor=actor,
            gift_list=gift_list,
            upload=data["file"],
            attempt=earlier,
            only_valid=data["only_valid"],
            hidden_rows=data["hidden_rows"],
        )
        messages.success(
            request,
            _("%(imported)s rows imported, %(created)s people added to the registry.")
            % {"imported": number(report.imported), "created": number(report.people_created)},
        )
        if report.skipped and report.attempt:
            return redirect("gift_import_result", pk=gift_list.pk, attempt=report.attempt)
        return redirect(gift_list_url(gift_list))


class GiftImportResultView(CaseflowView):
    """What an import did: counts, the hidden rows and how they were treated,
    and each skipped row with its reasons; the file with them marked."""

    template_name = "gifts/import_result.html"
    rerender_on_error = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        attempt: GiftImportAttempt = attempt_get(
            self.request.user, self.kwargs["pk"], self.kwargs["attempt"]
        )
        gift_list = attempt.gift_list
        context.update(
            gift_list=gift_list,
            attempt=attempt,
            skipped=attempt.errors[:SHOWN_ERRORS],
            more_errors=max(0, len(attempt.errors) - SHOWN_ERRORS),
            refused_rows=len(attempt.refused_rows),
            hidden_choice=HiddenRows(attempt.hidden_rows_choice or HiddenRows.ASK).label,
            error_file_url=error_file_url(gift_list.pk, attempt.pk) if attempt.errors else "",
            back_url=gift_list_url(gift_list),
        )
        return context


class GiftImportErrorFileView(CaseflowMixin, View):
    """The officer's own file back, a "Lỗi" column beside each refused row."""

    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int, attempt: int) -> HttpResponseBase:
        found = attempt_get(request.user, pk, attempt)
        exported = gift_import_error_file(actor=signed_in(request), attempt=found)
        if isinstance(exported, ExportJob):  # a long file: marked in the background
            return redirect("export_job", exported.pk)
        return file_response(exported)
