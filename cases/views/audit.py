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
from cases.views.base import CaseflowView, error_page
from workflows.actors import Reader
from workflows.audit_check import audit_verify_and_notify, may_verify
from workflows.audit_explorer import (
    EXPORT_CAP,
    AuditFilters,
    AuditPage,
    audit_case_get,
    audit_communes_for_user,
    audit_page,
    audit_processes_for_user,
    audit_user_get,
    case_reference_exists,
    is_auditor,
)
from workflows.audit_presenter import EVENT_LABELS, display_rows
from workflows.exceptions import DomainError, InvalidData, NotFound
from workflows.forms import VnDateField
from workflows.permissions import is_admin


class AuditFilterForm(forms.Form):
    date_from = VnDateField(label=gettext_lazy("From date"), required=False)
    date_to = VnDateField(label=gettext_lazy("To date"), required=False)
    commune = forms.TypedChoiceField(
        label=gettext_lazy("Commune"), required=False, coerce=int, empty_value=None
    )
    actor = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    process = forms.ChoiceField(label=gettext_lazy("Process"), required=False)
    case = forms.CharField(label=gettext_lazy("Case (reference or id)"), required=False)
    event = forms.ChoiceField(label=gettext_lazy("Event"), required=False)
    q = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Searches the reason, the step's code, the user name and the start of a "
            "case reference (e.g. HT-2024)."
        ),
    )

    def __init__(self, data: Any, *, user: Reader, hidden: tuple[str, ...] = ()) -> None:
        super().__init__(data)
        for name in hidden:  # fixed by the page (a case timeline, a user's activity)
            del self.fields[name]
        if "commune" in self.fields:
            commune_field = self.fields["commune"]
            assert isinstance(commune_field, forms.ChoiceField)
            communes = audit_communes_for_user(user)
            commune_field.choices = [("", "—"), *((c.pk, c.name) for c in communes)]
        if "process" in self.fields:
            process_field = self.fields["process"]
            assert isinstance(process_field, forms.ChoiceField)
            process_field.choices = [("", "—"), *audit_processes_for_user(user)]
        event_field = self.fields["event"]
        assert isinstance(event_field, forms.ChoiceField)
        event_field.choices = [("", "—"), *((k, v) for k, v in EVENT_LABELS.items())]

    def clean_case(self) -> str:
        ref = (self.cleaned_data.get("case") or "").strip()
        if ref and not case_reference_exists(ref):
            raise forms.ValidationError(_("No case has this reference or id."))
        return ref

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

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
    """Newest first, filtered; the same page serves a case's timeline and a
    user's activity. Bad filters (a date, a commune, a cursor) show the page
    again with the message on the field, status 400."""

    template_name = "audit/explorer.html"
    hidden_filters: tuple[str, ...] = ()
    export_url = "audit_export"

    def fixed_filters(self) -> dict[str, Any]:
        return {}

    def domain_error(self, exc: DomainError) -> HttpResponse:
        if isinstance(exc, InvalidData):
            return self.rerender(exc)
        return super().domain_error(exc)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        fixed = self.fixed_filters()
        if self.bound_form is None:
            self.bound_form = AuditFilterForm(
                self.request.GET, user=user, hidden=self.hidden_filters
            )
        form = self.bound_form
        if self.error is None:
            page = audit_page(user, form.filters(**fixed), self.request.GET.get("cursor", ""))
        else:  # shown again with the errors: no rows for filters that mean nothing
            page = AuditPage([])
        context.update(
            form=form,
            rows=display_rows(user, page.rows),
            page=page,
            next_query=_querystring(self.request, cursor=page.next) if page.next else "",
            previous_query=(
                _querystring(self.request, cursor=page.previous) if page.previous else ""
            ),
            export_query=_querystring(self.request, cursor=None, **self.export_filters()),
            export_cap=EXPORT_CAP,
            may_verify=may_verify(user),
            auditor=is_auditor(user),
            link_accounts=may_see_accounts(user),
            focus=self.request.GET.get("focus", ""),
            # The empty page says "no event yet" or "none matches these filters".
            filtered=any(v for k, v in self.request.GET.items() if k not in ("cursor", "focus")),
        )
        return context

    def export_filters(self) -> dict[str, str]:
        """The page's fixed filter as the export's query parameter."""
        return {}


class AuditCaseView(AuditExplorerView):
    """Every event of one case the viewer may see (404 for a case they may not)."""

    hidden_filters = ("commune", "process", "case")

    def fixed_filters(self) -> dict[str, Any]:
        self.case = audit_case_get(self.request.user, self.kwargs["pk"])
        return {"case_id": self.case.pk}

    def export_filters(self) -> dict[str, str]:
        return {"case": str(self.case.pk)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timeline_case"] = self.case
        return context


def may_see_accounts(user: Reader) -> bool:
    """Auditors and administrators look people up by account; for everyone
    else the user-activity page does not exist (no names, no account list)."""
    return is_auditor(user) or is_admin(user)


class AuditUserView(AuditExplorerView):
    """One account's activity (only the events the viewer may see), for
    auditors and administrators. Anyone else gets the same 404 for every
    name, known or not, before any account is looked up."""

    hidden_filters = ("actor",)

    def fixed_filters(self) -> dict[str, Any]:
        if not may_see_accounts(self.request.user):
            raise NotFound()
        self.account = audit_user_get(self.request.user, self.kwargs["username"])
        return {"actor_id": self.account.pk}

    def export_filters(self) -> dict[str, str]:
        return {"actor": self.account.username}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["account"] = self.account
        return context


class AuditExportView(CaseflowView):
    """GET ?fmt=csv|xlsx plus the explorer's filters: the filtered view as a
    file. A case timeline exports with case=<id>, a user's activity with
    actor=<user name> (the same events: scoping applies either way)."""

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
