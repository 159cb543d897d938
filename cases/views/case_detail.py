"""The case page, the transition posts, document upload and download.

The page reads a fixed number of queries whatever the number of events,
documents or payments: the case with its commune, applicant and budget;
documents; the checklist; events with their actors; payments; the cap; the
open step's deadline.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases import formatting
from cases.forms import ApologyForm, DocumentUploadForm, transition_data, transition_form
from cases.models import Document, HousingCase, HousingState
from cases.selectors import (
    case_document_checklist,
    case_timeline,
    housing_case_get,
    people_for_user,
)
from cases.services import document_upload
from cases.templatetags.caseflow import state_badge
from notifications.services import notifications_mark_read_for_case
from workflows import engine
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotPermitted
from workflows.forms import MoneyField
from workflows.housing import cap_for
from workflows.onestop import (
    apology_issue,
    may_issue_apology,
    onestop_record_for_case,
    record_status,
)
from workflows.permissions import (
    available_transitions,
    may_create_case,
    may_upload_document,
)
from workflows.registry import spec_for
from workflows.specs import ProcessSpec

from cases.views.base import ActionForm, CaseflowMixin, CaseflowView, TimelineEntryBase

UNIT_SUFFIX = re.compile(r"\s*\((đồng|đ)\)$")
EVENT_LABELS = {
    "create": gettext_lazy("Created the case"),
    "edit": gettext_lazy("Edited the draft"),
    "document_upload": gettext_lazy("Uploaded a document"),
    "onestop_apology": gettext_lazy("Issued the apology and new appointment letter (Mẫu 04)"),
}
EDITABLE_STATES = {HousingState.DRAFT, HousingState.RETURNED}


def _value_text(field: forms.Field | None, value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(field, MoneyField):
        return formatting.money(int(value))
    if isinstance(field, forms.DateField) and isinstance(value, str):
        try:
            return formatting.vn_date(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(field, forms.ChoiceField):
        return str(dict(cast(Any, field.choices)).get(value, value))
    return str(value)


def load_documents(case: HousingCase) -> list[Document]:
    """The case's documents, also cached on the case for the checklist selector."""
    prefetch_related_objects(
        [case],
        Prefetch(
            "documents",
            queryset=Document.objects.select_related("uploaded_by").order_by("kind", "id"),
        ),
    )
    return list(case.documents.all())


class TimelineEntry(TimelineEntryBase):
    """One audit event of the case as the timeline shows it."""

    def __init__(self, event: Any, spec: ProcessSpec, doc_labels: dict[str, str]) -> None:
        super().__init__(event, state_badge)
        data = event.data or {}
        tspec = spec.transitions.get(event.transition) if event.transition else None
        if tspec is not None:
            self.action = str(tspec.label)
            fields = tspec.form.base_fields if tspec.form else {}
            for key, value in data.items():
                text = _value_text(fields.get(key), value)
                if text:
                    label = str(fields[key].label) if key in fields else key
                    # "Amount (đồng): 80.000.000 đ" says the unit twice.
                    self.details.append((UNIT_SUFFIX.sub("", label), text))
        elif event.event == "document_upload":
            self.action = str(EVENT_LABELS["document_upload"])
            kind = data.get("kind", "")
            self.details.append((str(doc_labels.get(kind, kind)), data.get("name", "")))
        else:
            self.action = str(EVENT_LABELS.get(event.event, event.event))
            if event.event == "onestop_apology" and data.get("new_due_on"):
                self.details.append(
                    (_("New appointment date"), _value_text(forms.DateField(), data["new_due_on"]))
                )
            if event.event == "create" and data.get("requested_amount"):
                self.details.append(
                    (_("Requested amount"), formatting.money(int(data["requested_amount"])))
                )


class CaseDetailView(CaseflowView):
    template_name = "cases/case_detail.html"
    bound_action = ""

    def get_case(self) -> HousingCase:
        return housing_case_get(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = self.get_case()
        if self.request.method == "GET":
            # Having opened the case, its notifications are no longer news.
            notifications_mark_read_for_case(user=user, case_id=case.pk)
        spec = spec_for(case)
        documents = load_documents(case)
        checklist = case_document_checklist(case)
        doc_labels = {row["kind"]: row["label"] for row in checklist}
        events = list(case_timeline(case).select_related("actor"))
        timeline = [TimelineEntry(e, spec, doc_labels) for e in events]
        visited = {e.to_state for e in events if e.to_state} | {case.state}

        actions = []
        for tspec in available_transitions(user, case):
            if self.bound_form is not None and tspec.name == self.bound_action:
                form = self.bound_form
                # The page now shows this state: a new post is checked against it.
                form.data = form.data.copy()
                form.data["expected_state"] = case.state
            else:
                form = transition_form(tspec, case)
            actions.append(ActionForm(tspec, form))
        upload_form = None
        if may_upload_document(self.request.user, case):
            if isinstance(self.bound_form, DocumentUploadForm):
                upload_form = self.bound_form
            else:
                upload_form = DocumentUploadForm(checklist=checklist)
        household_members: list[Any] = []
        household = case.applicant.household if case.applicant.household_id else None
        if household is not None:
            household_members = list(
                people_for_user(user)
                .filter(household_id=household.pk)
                .exclude(pk=case.applicant_id)
                .order_by("full_name")
            )
        open_deadline, open_deadline_status = open_step_deadline(case.flow_process_id)
        record = onestop_record_for_case(case)
        one_stop = record_status(record, case.state) if record else None
        apology_form = None
        if one_stop and one_stop.needs_apology and may_issue_apology(user, case):
            apology_form = (
                self.bound_form if isinstance(self.bound_form, ApologyForm) else ApologyForm()
            )
        context.update(
            one_stop=one_stop,
            apology_form=apology_form,
            case=case,
            spec=spec,
            open_deadline=open_deadline,
            open_deadline_status=open_deadline_status,
            acting_role=spec.acting_role.get(case.state, ""),
            checklist=[
                {**row, "documents": [d for d in documents if d.kind == row["kind"]]}
                for row in checklist
            ],
            documents=documents,
            timeline=timeline,
            visited=visited,
            actions=actions,
            upload_form=upload_form,
            can_edit=case.state in EDITABLE_STATES and may_create_case(user, case.commune_id),
            disbursements=list(case.disbursements.select_related("recorded_by")),
            remaining_to_pay=(case.approved_amount or 0) - case.disbursed_amount
            if case.approved_amount
            else None,
            cap=cap_for(case),
            household=household,
            household_members=household_members,
        )
        return context


class CaseActionView(CaseDetailView):
    """A form post on the case page. Re-rendered at the post's URL on refusal,
    so a reload (GET) of that URL leads back to the case page."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("case_detail", pk=kwargs["pk"])


class CaseTransitionView(CaseActionView):
    """POST one transition through the engine; on refusal re-render the case page."""

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        case = self.get_case()
        tspec = spec_for(case).transitions.get(name)
        if tspec is not None:
            self.bound_action = name
            self.bound_form = transition_form(tspec, case, data=request.POST)
        engine.transition(
            case,
            name,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            data=transition_data(tspec, request.POST) if tspec else {},
            expected_state=request.POST.get("expected_state") or None,
        )
        case.refresh_from_db(fields=["state"])
        messages.success(
            request,
            _("%(action)s: done. The case is now “%(state)s”.")
            % {
                "action": tspec.label if tspec else name,
                "state": spec_for(case).state_label(case.state),
            },
        )
        return redirect("case_detail", pk=case.pk)


def upload_posted_document(view: Any, case: Any) -> Document:
    """The page's document upload: the form kept on `view` for a re-render on
    refusal, the service to store it, a message saying what was stored."""
    request = view.request
    checklist = case_document_checklist(case)
    view.bound_form = DocumentUploadForm(request.POST, request.FILES, checklist=checklist)
    doc = document_upload(
        actor=request.user,
        case=case,
        kind=request.POST.get("kind", ""),
        upload=request.FILES.get("file"),
    )
    label = {row["kind"]: row["label"] for row in checklist}.get(doc.kind, doc.kind)
    messages.success(
        request,
        _("Uploaded “%(name)s” as %(label)s.") % {"name": doc.original_name, "label": label},
    )
    return doc


class CaseDocumentUploadView(CaseActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = self.get_case()
        upload_posted_document(self, case)
        return redirect("case_detail", pk=case.pk)


class CaseApologyView(CaseActionView):
    """POST a Mẫu 04 letter (apology and new appointment) for a one-stop dossier."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = self.get_case()
        if not may_issue_apology(request.user, case):
            raise NotPermitted(_("Your role does not allow issuing Mẫu 04 for this case."))
        self.bound_form = form = ApologyForm(request.POST)
        if not form.is_valid() and "new_due_on" in form.errors:
            raise InvalidData()  # the form shows why the date was not understood
        letter = apology_issue(
            case,
            actor=request.user,
            new_due_on=form.cleaned_data.get("new_due_on"),
            reason=request.POST.get("reason", ""),
        )
        messages.success(
            request,
            _("Mẫu 04 recorded: the new appointment date is %(date)s.")
            % {"date": formatting.vn_date(letter.new_due_on)},
        )
        return redirect("case_detail", pk=case.pk)


class CaseDocumentDownloadView(CaseflowMixin, View):
    """Documents are served through the case's scope, never as public media URLs."""

    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int, doc_pk: int) -> HttpResponseBase:
        case = housing_case_get(request.user, pk)
        doc = case.documents.filter(pk=doc_pk).first()
        if doc is None:
            raise Http404()
        return FileResponse(
            doc.file.open("rb"),
            as_attachment=request.GET.get("inline") != "1",
            filename=doc.original_name,
            content_type=doc.content_type,
        )
