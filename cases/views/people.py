"""The people of the shared registry the user may see, searched by name (with
or without diacritics) or national ID; and registering a person (the commune
officer's own communes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases.forms import PersonForm, PersonSearchForm
from cases.models import AdministrativeUnit, Category
from cases.selectors import people_search, request_communes
from cases.services import person_create
from cases.views.base import CaseflowView, paginate
from workflows.actors import signed_in
from workflows.exceptions import InvalidData, NotPermitted
from workflows.permissions import may_create_case, may_manage_registry

# The national-ID field offers this many of the user's people as suggestions.
PEOPLE_SUGGESTIONS = 300


class PersonListView(CaseflowView):
    """Query budget: session, user, scope, unread count, the user's communes,
    one COUNT and one page query (the commune joined), whatever the page size."""

    template_name = "cases/person_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        communes = request_communes(self.request)
        form = PersonSearchForm(self.request.GET or None, communes=communes)
        data = form.cleaned_data if form.is_valid() else {}
        qs = people_search(self.request.user, data.get("q") or "")
        if data.get("commune"):
            qs = qs.filter(commune_id=data["commune"])
        # Vietnamese order: the name column's collation (vi-x-icu).
        page = paginate(self.request, qs.select_related("commune").order_by("full_name", "id"))
        labels = {str(k): str(v) for k, v in Category.choices}
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            rows=[(p, [labels.get(c, c) for c in p.categories]) for p in page.object_list],
            querystring=query.urlencode(),
            filtered=bool(data.get("q") or data.get("commune")),
            may_register=any(may_manage_registry(self.request.user, c.pk) for c in communes),
        )
        return context


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
            actor=signed_in(request),
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            national_id=data["national_id"].strip(),
            commune=form.communes[data["commune"]],
            address=data["address"],
            village=data["village"],
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
