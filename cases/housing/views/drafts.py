"""Create and edit a draft housing case; register a person."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cases.housing.forms import HousingCaseEditForm, HousingCaseForm
from cases.housing.models import HousingCase
from cases.housing.selectors import housing_case_get
from cases.housing.services import housing_case_create, housing_case_update_draft
from cases.housing.views.detail import EDITABLE_STATES
from cases.models import AdministrativeUnit
from cases.selectors import officer_communes, people_for_user
from cases.views.base import CaseflowView
from cases.views.people import PEOPLE_SUGGESTIONS
from workflows.actors import signed_in
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.permissions import may_create_case


def _case_communes(request: HttpRequest) -> list[AdministrativeUnit]:
    """Communes where the user may open a case (only their own)."""
    communes = officer_communes(request)
    if not communes:
        raise NotPermitted(_("Only a commune officer can open a case."))
    return communes


class HousingCaseCreateView(CaseflowView):
    template_name = "housing/case_form.html"

    def get_form(self, communes: list[Any]) -> HousingCaseForm:
        data = self.request.POST if self.request.method == "POST" else None
        initial = {"national_id": self.request.GET.get("national_id", "")}
        ids = [c.pk for c in communes]
        people = people_for_user(self.request.user).filter(commune_id__in=ids)
        return HousingCaseForm(data, initial=initial, communes=communes, people=people)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        communes = _case_communes(self.request)
        form = self.bound_form or self.get_form(communes)
        suggestions = list(
            form.people.select_related("commune").order_by("-created_at")[:PEOPLE_SUGGESTIONS]
        )
        context.update(form=form, people=suggestions, creating=True)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        communes = _case_communes(request)
        form = self.bound_form = self.get_form(communes)
        if not form.is_valid():
            raise InvalidData()
        data = form.cleaned_data
        assert form.applicant is not None  # set by a valid form
        case = housing_case_create(
            actor=signed_in(request),
            commune=form.communes[data["commune"]],
            applicant=form.applicant,
            program=data["program"],
            kind=data["kind"],
            requested_amount=data["requested_amount"],
            description=data["description"],
        )
        messages.success(
            request,
            _("Draft %(ref)s created. Upload the required documents, then submit it.")
            % {"ref": case.reference},
        )
        return redirect("case_detail", pk=case.pk)


class HousingCaseEditView(CaseflowView):
    template_name = "housing/case_form.html"

    def get_case(self) -> HousingCase:
        case = housing_case_get(self.request.user, self.kwargs["pk"])
        if not may_create_case(self.request.user, case.commune_id):
            raise NotPermitted(_("Only an officer of this commune can edit the case."))
        if case.state not in EDITABLE_STATES:
            raise TransitionNotAllowed(_("Only a draft or returned case can be edited."))
        return case

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        context.update(case=case, form=self.bound_form or HousingCaseEditForm.for_case(case))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = self.get_case()
        form = self.bound_form = HousingCaseEditForm.for_case(case, data=request.POST)
        if not form.is_valid():
            raise InvalidData()
        housing_case_update_draft(actor=signed_in(request), case=case, **form.cleaned_data)
        messages.success(request, _("The draft was saved."))
        return redirect("case_detail", pk=case.pk)
