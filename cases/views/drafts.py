"""Create and edit a draft housing case; register a person."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases.forms import HousingCaseEditForm, HousingCaseForm, PersonForm
from cases.models import AdministrativeUnit, HousingCase
from cases.selectors import housing_case_get, people_for_user
from cases.services import housing_case_create, housing_case_update_draft, person_create
from workflows.exceptions import InvalidData, NotPermitted
from workflows.permissions import may_create_case, may_manage_registry

from cases.views.base import CaseflowView, request_communes
from cases.views.case_detail import EDITABLE_STATES

# The national-ID field offers this many of the user's people as suggestions.
PEOPLE_SUGGESTIONS = 300


def officer_communes(request: HttpRequest) -> list[AdministrativeUnit]:
    """Communes where the user may open a case (only their own)."""
    communes = [c for c in request_communes(request) if may_create_case(request.user, c.pk)]
    if not communes:
        raise NotPermitted(_("Only a commune officer can open a case."))
    return communes


class HousingCaseCreateView(CaseflowView):
    template_name = "cases/case_form.html"

    def get_form(self, communes: list[Any]) -> HousingCaseForm:
        data = self.request.POST if self.request.method == "POST" else None
        initial = {"national_id": self.request.GET.get("national_id", "")}
        ids = [c.pk for c in communes]
        people = people_for_user(self.request.user).filter(commune_id__in=ids)
        return HousingCaseForm(data, initial=initial, communes=communes, people=people)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        communes = officer_communes(self.request)
        form = self.bound_form or self.get_form(communes)
        suggestions = list(
            form.people.select_related("commune").order_by("-created_at")[:PEOPLE_SUGGESTIONS]
        )
        context.update(form=form, people=suggestions, creating=True)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        communes = officer_communes(request)
        form = self.bound_form = self.get_form(communes)
        if not form.is_valid():
            raise InvalidData()
        data = form.cleaned_data
        assert form.applicant is not None  # set by a valid form
        case = housing_case_create(
            actor=request.user,
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
    template_name = "cases/case_form.html"

    def get_case(self) -> HousingCase:
        case = housing_case_get(self.request.user, self.kwargs["pk"])
        if not may_create_case(self.request.user, case.commune_id):
            raise NotPermitted(_("Only an officer of this commune can edit the case."))
        if case.state not in EDITABLE_STATES:
            from workflows.exceptions import TransitionNotAllowed

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
        housing_case_update_draft(actor=request.user, case=case, **form.cleaned_data)
        messages.success(request, _("The draft was saved."))
        return redirect("case_detail", pk=case.pk)


class PersonCreateView(CaseflowView):
    template_name = "cases/person_form.html"

    def communes(self) -> list[AdministrativeUnit]:
        communes = [
            c
            for c in request_communes(self.request)
            if may_manage_registry(self.request.user, c.pk)
        ]
        if not communes:
            raise NotPermitted(_("You cannot register people."))
        return communes

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        communes = self.communes()
        form = self.bound_form or PersonForm(
            initial={"commune": communes[0].pk if len(communes) == 1 else None},
            communes=communes,
        )
        context["form"] = form
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.bound_form = PersonForm(request.POST, communes=self.communes())
        if not form.is_valid():
            raise InvalidData()
        data = form.cleaned_data
        person = person_create(
            actor=request.user,
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            national_id=data["national_id"].strip(),
            commune=form.communes[data["commune"]],
            address=data["address"],
            categories=data["categories"],
            merit_subtype=data["merit_subtype"] or "",
        )
        messages.success(
            request,
            _("%(name)s is registered. You can now open a case for them.")
            % {"name": person.full_name},
        )
        if may_create_case(request.user, person.commune_id):
            query = urlencode({"national_id": person.national_id})
            return redirect(f"{reverse('case_create')}?{query}")
        return redirect("case_list")
