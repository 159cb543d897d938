"""Decision dossiers (a monthly allowance asked for, or a change of category
or degree) in the web UI: the list, the new dossier, its page with the
documents and the transitions, and the download of a document."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from cases.allowances import selectors, services
from cases.allowances.models import AllowanceCase, DecisionState, Entitlement, EntitlementState
from cases.allowances.page_forms import AllowanceCaseForm
from cases.allowances.spec import CASE_SPEC
from cases.allowances.views.common import page_actions
from cases.allowances.views.entitlements import categories
from cases.forms import DocumentUploadForm
from cases.selectors import (
    case_document_checklist,
    case_documents,
    case_timeline,
    officer_communes,
    people_for_user,
    request_communes,
)
from cases.views.base import CaseflowMixin, CaseflowView, paginate
from cases.views.documents import upload_posted_document
from cases.views.people import PEOPLE_SUGGESTIONS
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin
from notifications.services import notifications_mark_read_for_case
from workflows.actors import signed_in
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotPermitted
from workflows.permissions import may_upload_document

D = DecisionState


class AllowanceCaseListView(CaseflowView):
    template_name = "allowances/case_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        qs = selectors.allowance_cases_for_user(self.request.user)
        state = self.request.GET.get("state", "")
        if state in D.values:
            qs = qs.filter(state=state)
        commune = self.request.GET.get("commune", "")
        if commune.isdigit():
            qs = qs.filter(commune_id=int(commune))
        qs = qs.select_related("commune", "applicant", "category").order_by("-created_at", "-id")
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=paginate(self.request, qs),
            querystring=query.urlencode(),
            states=D.choices,
            state=state,
            communes=request_communes(self.request),
            commune=int(commune) if commune.isdigit() else None,
            can_open=bool(officer_communes(self.request)),
            spec=CASE_SPEC,
        )
        return context


class AllowanceCaseCreateView(CaseflowView):
    """A new dossier; `?replaces=<entitlement>`: a change of its category or degree."""

    template_name = "allowances/case_form.html"

    def replaced(self) -> Entitlement | None:
        pk = self.request.GET.get("replaces") or self.request.POST.get("replaces")
        if not pk:
            return None
        ent = selectors.entitlement_get(self.request.user, pk)
        if ent.state != EntitlementState.ACTIVE:
            raise NotPermitted(_("Only an allowance being paid can be changed."))
        return ent

    def get_form(self, replaces: Entitlement | None) -> AllowanceCaseForm:
        communes = officer_communes(self.request)
        if not communes:
            raise NotPermitted(_("Only a commune officer can open a dossier."))
        if replaces is not None:
            communes = [c for c in communes if c.pk == replaces.commune_id]
            if not communes:
                raise NotPermitted(_("Only an officer of this commune can open a dossier here."))
        data = self.request.POST if self.request.method == "POST" else None
        initial: dict[str, Any] = {"national_id": self.request.GET.get("national_id", "")}
        if replaces is not None:
            initial.update(
                national_id=replaces.person.national_id,
                regime=replaces.regime,
                payment_method=replaces.payment_method,
                bank_account=replaces.bank_account,
                bank_name=replaces.bank_name,
            )
        people = people_for_user(self.request.user).filter(commune_id__in=[c.pk for c in communes])
        return AllowanceCaseForm(
            data, initial=initial, communes=communes, people=people, categories=categories()
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        replaces = self.replaced()
        form = self.bound_form or self.get_form(replaces)
        suggestions = list(
            form.people.select_related("commune").order_by("-created_at")[:PEOPLE_SUGGESTIONS]
        )
        context.update(form=form, people=suggestions, replaces=replaces)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        replaces = self.replaced()
        form = self.bound_form = self.get_form(replaces)
        if not form.is_valid():
            raise InvalidData()
        data = form.cleaned_data
        assert form.applicant is not None  # set by a valid form
        category = form.categories.get(data["category"])
        if category is None:
            raise InvalidData(fields={"category": [_("Choose a category of this allowance.")]})
        case = services.allowance_case_create(
            actor=signed_in(request),
            commune=form.communes[data["commune"]],
            applicant=form.applicant,
            regime=data["regime"],
            category=category,
            requested_start_month=data["requested_start_month"],
            degree=data.get("degree"),
            payment_method=data["payment_method"],
            bank_account=data.get("bank_account") or "",
            bank_name=data.get("bank_name") or "",
            replaces=replaces,
            note=data.get("note") or "",
        )
        messages.success(
            request,
            _("Draft %(ref)s created. Upload the required documents, then submit it.")
            % {"ref": case.reference},
        )
        return redirect("allowance_case_detail", pk=case.pk)


class AllowanceCaseDetailView(CaseflowView):
    template_name = "allowances/case_detail.html"
    bound_action = ""

    def get_case(self) -> AllowanceCase:
        return selectors.allowance_case_get(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = self.get_case()
        if self.request.method == "GET":
            notifications_mark_read_for_case(user=signed_in(self.request), case_id=case.pk)
        documents = case_documents(case)
        checklist = case_document_checklist(case)
        upload_form = None
        if may_upload_document(user, case) and checklist:
            upload_form = (
                self.bound_form
                if isinstance(self.bound_form, DocumentUploadForm)
                else DocumentUploadForm(checklist=checklist)
            )
        deadline, deadline_status = open_step_deadline(case.flow_process_id)
        doc_labels = {row["kind"]: row["label"] for row in checklist}
        entitlement = selectors.entitlement_of_case(case) if case.state == D.DECIDED else None
        context.update(
            case=case,
            spec=CASE_SPEC,
            acting_role=CASE_SPEC.acting_role.get(case.state, ""),
            open_deadline=deadline,
            open_deadline_status=deadline_status,
            checklist=[
                {**row, "documents": [d for d in documents if d.kind == row["kind"]]}
                for row in checklist
            ],
            upload_form=upload_form,
            actions=page_actions(self, user, case),
            entitlement=entitlement,
            timeline=timeline_entries(list(case_timeline(case)), CASE_SPEC, doc_labels=doc_labels),
        )
        return context


class AllowanceCaseActionView(ActionPostMixin, AllowanceCaseDetailView):
    page_url_name = "allowance_case_detail"


class AllowanceCaseTransitionView(TransitionPostMixin, AllowanceCaseActionView):
    def get_transition_object(self) -> Any:
        return self.get_case()


class AllowanceCaseDocumentUploadView(AllowanceCaseActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: upload_posted_document(self, self.get_case()))


class AllowanceCaseDocumentDownloadView(CaseflowMixin, View):
    """Documents are served through the dossier's scope, never as public media URLs."""

    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int, doc_pk: int) -> HttpResponseBase:
        case = selectors.allowance_case_get(request.user, pk)
        doc = case.documents.filter(pk=doc_pk).first()
        if doc is None:
            raise Http404()
        return FileResponse(
            doc.file.open("rb"),
            as_attachment=request.GET.get("inline") != "1",
            filename=doc.original_name,
            content_type=doc.content_type,
        )
