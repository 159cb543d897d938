"""The audit explorer (filters, keyset pages, case timeline, a user's
activity, exports) and the tamper check. Reads go through
`workflows.audit_explorer`, which scopes every event to the viewer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases.audit_export import audit_export_response
from workflows.audit_check import audit_verify_and_notify, may_verify
from workflows.audit_explorer import (
    EVENT_TYPES,
    EXPORT_CAP,
    AuditFilters,
    audit_case_get,
    audit_communes_for_user,
    audit_page,
    audit_processes_for_user,
    audit_user_get,
    display_rows,
    is_auditor,
)
from workflows.exceptions import InvalidData

from .base import CaseflowView, error_page


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    commune = forms.TypedChoiceField(
        label=gettext_lazy("Commune"), required=False, coerce=int, empty_value=None
    )
    actor = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    process = forms.ChoiceField(label=gettext_lazy("Process"), required=False)
    case = forms.CharField(label=gettext_lazy("Case (reference or id)"), required=False)
    event = forms.CharField(label=gettext_lazy("Event"), required=False, max_length=30)
    q = forms.CharField(label=gettext_lazy("Text"), required=False, max_length=200)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        communes = audit_communes_for_user(user)
        commune_field = self.fields["commune"]
        process_field = self.fields["process"]
        assert isinstance(commune_field, forms.ChoiceField)
        assert isinstance(process_field, forms.ChoiceField)
        commune_field.choices = [("", "—"), *((c.pk, c.name) for c in communes)]
        process_field.choices = [("", "—"), *audit_processes_for_user(user)]
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})

    def filters(self, **fixed: Any) -> AuditFilters:
        if not self.is_valid():
            raise InvalidData(
                fields={k: [str(m) for m in v] for k, v in self.errors.items()},
            )
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return AuditFilters(**data, **fixed)


def _querystring(request: HttpRequest, **changes: str | None) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return query.urlencode()


class AuditExplorerView(CaseflowView):
    """Newest first, filtered; the same page serves a case's timeline and a user's activity."""

    template_name = "audit/explorer.html"
    rerender_on_error = False

    def fixed_filters(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = AuditFilterForm(self.request.GET, user=user)
        self.bound_form = form
        filters = form.filters(**self.fixed_filters())
        page = audit_page(user, filters, self.request.GET.get("cursor", ""))
        context.update(
            form=form,
            rows=display_rows(user, page.rows),
            page=page,
            next_query=_querystring(self.request, cursor=page.next) if page.next else "",
            previous_query=(
                _querystring(self.request, cursor=page.previous) if page.previous else ""
            ),
            export_query=_querystring(self.request, cursor=None),
            event_types=EVENT_TYPES,
            export_cap=EXPORT_CAP,
            may_verify=may_verify(user),
            auditor=is_auditor(user),
        )
        return context


class AuditCaseView(AuditExplorerView):
    """Every event of one case the viewer may see (404 for a case they may not)."""

    def fixed_filters(self) -> dict[str, Any]:
        self.case = audit_case_get(self.request.user, self.kwargs["pk"])
        return {"case_id": self.case.pk}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timeline_case"] = self.case
        return context


class AuditUserView(AuditExplorerView):
    """One account's activity (only the events the viewer may see)."""

    def fixed_filters(self) -> dict[str, Any]:
        self.account = audit_user_get(self.request.user, self.kwargs["username"])
        return {"actor_id": self.account.pk}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["account"] = self.account
        return context


class AuditExportView(CaseflowView):
    """GET ?fmt=csv|xlsx plus the explorer's filters: the filtered view as a file."""

    rerender_on_error = False

    def get(  # type: ignore[override]  # a file, not the template
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        form = AuditFilterForm(request.GET, user=request.user)
        filters = form.filters()
        fmt = "csv" if request.GET.get("fmt") == "csv" else "xlsx"
        return audit_export_response(request.user, filters, fmt)


class AuditVerifyView(View):
    """The tamper check: GET shows the button, POST walks every chain and
    shows the verdict (admins are notified once per broken link). For
    auditors and the administrators, who have no case role."""

    template_name = "audit/verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_verify(request.user):
            return error_page(request, _("Only auditors and administrators run the tamper check."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"verdict": None})

    def post(self, request: HttpRequest) -> HttpResponse:
        verdict = audit_verify_and_notify()
        return render(request, self.template_name, {"verdict": verdict})
