"""The case page, the transition posts, document upload and download.

The page reads a fixed number of queries whatever the number of events,
documents or payments: the case with its commune, applicant and budget;
documents; the checklist; events with their actors; payments; the cap; the
open step's deadline; the possible duplicates."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from cases.forms import ApologyForm, DocumentUploadForm
from cases.housing.duplicates import possible_duplicates
from cases.housing.models import HousingCase, HousingState
from cases.housing.selectors import housing_case_get
from cases.housing.spec import cap_for
from cases.selectors import case_document_checklist, case_documents, case_timeline, people_for_user
from cases.views.base import CaseflowMixin, CaseflowView
from cases.views.documents import upload_posted_document
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin, transition_actions
from notifications.services import notifications_mark_read_for_case
from workflows import formatting
from workflows.actors import signed_in
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotPermitted
from workflows.idempotency import Outcome
from workflows.onestop import (
    apology_issue,
    may_issue_apology,
    onestop_record_for_case,
    record_status,
)
from workflows.permissions import (
    may_create_case,
    may_upload_document,
)
from workflows.registry import spec_for

EDITABLE_STATES = {HousingState.DRAFT, HousingState.RETURNED}


class CaseDetailView(CaseflowView):
    template_name = "housing/case_detail.html"
    bound_action = ""

    def get_case(self) -> HousingCase:
        return housing_case_get(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = self.get_case()
        if self.request.method == "GET":
            # Having opened the case, its notifications are no longer news.
            notifications_mark_read_for_case(user=signed_in(self.request), case_id=case.pk)
        spec = spec_for(case)
        documents = case_documents(case)
        checklist = case_document_checklist(case)
        doc_labels = {row["kind"]: row["label"] for row in checklist}
        events = list(case_timeline(case))
        timeline = timeline_entries(events, spec, doc_labels=doc_labels)
        visited = {e.to_state for e in events if e.to_state} | {case.state}

        actions = transition_actions(self, user, case)
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
            over_requested=(case.assessed_amount or 0) - case.requested_amount,
            possible_duplicates=possible_duplicates(user, case, timezone.localdate()),
        )
        return context


class CaseActionView(ActionPostMixin, CaseDetailView):
    """A form post on the case page."""

    page_url_name = "case_detail"


class CaseTransitionView(TransitionPostMixin, CaseActionView):
    """POST one transition through the engine; on refusal re-render the case page."""

    def get_transition_object(self) -> Any:
        return self.get_case()


class CaseDocumentUploadView(CaseActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: upload_posted_document(self, self.get_case()))


class CaseApologyView(CaseActionView):
    """POST a Mẫu 04 letter (apology and new appointment) for a one-stop dossier."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.issue(request))

    def issue(self, request: HttpRequest) -> Outcome:
        case = self.get_case()
        if not may_issue_apology(request.user, case):
            raise NotPermitted(_("Your role does not allow issuing Mẫu 04 for this case."))
        self.bound_form = form = ApologyForm(request.POST)
        if not form.is_valid() and "new_due_on" in form.errors:
            raise InvalidData()  # the form shows why the date was not understood
        letter = apology_issue(
            case,
            actor=signed_in(request),
            new_due_on=form.cleaned_data.get("new_due_on"),
            reason=request.POST.get("reason", ""),
        )
        return self.done(
            case.pk,
            _("Mẫu 04 recorded: the new appointment date is %(date)s.")
            % {"date": formatting.vn_date(letter.new_due_on)},
        )


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
