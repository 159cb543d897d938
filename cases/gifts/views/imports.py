"""Import a commune's gift list from an .xlsx file: the template download and
the upload page (errors shown as a table of row, column and reason)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.gifts.import_template import gift_import_template
from cases.gifts.imports import gift_import
from cases.gifts.models import GiftList, GiftListState
from cases.gifts.selectors import gift_list_get
from cases.gifts.services import require_officer
from cases.views.base import CaseflowView
from workflows.actors import signed_in
from workflows.exceptions import InvalidData, TransitionNotAllowed

# The page shows this many row errors; the API returns them all.
SHOWN_ERRORS = 500


class GiftImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    only_valid = forms.BooleanField(
        label=gettext_lazy("Import only the valid rows"),
        required=False,
        help_text=gettext_lazy("Rows with errors are skipped and listed after the import."),
    )


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
        rows = (self.error.extra.get("rows") or []) if self.error else []
        context.update(
            gift_list=gift_list,
            form=self.bound_form or GiftImportForm(),
            row_errors=rows[:SHOWN_ERRORS],
            more_errors=max(0, len(rows) - SHOWN_ERRORS),
            back_url=gift_list_url(gift_list),
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = _importable_list(request, pk)
        form = self.bound_form = GiftImportForm(request.POST, request.FILES)
        if not form.is_valid():
            raise InvalidData()
        report = gift_import(
            actor=signed_in(request),
            gift_list=gift_list,
            upload=form.cleaned_data["file"],
            only_valid=form.cleaned_data["only_valid"],
        )
        messages.success(
            request,
            _("%(imported)s rows imported, %(created)s people added to the registry.")
            % {"imported": report.imported, "created": report.people_created},
        )
        if report.skipped:
            skipped = sorted({e.row for e in report.skipped})
            shown = ", ".join(str(n) for n in skipped[:50]) + ("…" if len(skipped) > 50 else "")
            messages.warning(
                request,
                _("%(count)s rows with errors were skipped: rows %(rows)s.")
                % {"count": len(skipped), "rows": shown},
            )
        return redirect(gift_list_url(gift_list))
