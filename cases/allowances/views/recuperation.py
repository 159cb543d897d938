"""Recuperation trips in the web UI: the lists of the user's communes (and
opening a commune's list for a year), a list's page with its people, the
people who may still go with a form to add them, and the posts that add,
remove and move the list.

Reads go through `cases.allowances.recuperation` (scoped: another commune's
list is 404); the list moves through `workflows.engine.transition`; domain
errors are answered by `CaseflowView` (the page again, with the message)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.allowances import recuperation as recup
from cases.allowances.models import RecuperationList, RecuperationListState, RecuperationMode
from cases.allowances.selectors import recuperation_lists_for_user
from cases.allowances.spec import RECUPERATION_SPEC
from cases.selectors import officer_communes
from cases.views.base import CaseflowView, paginate
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin, transition_actions
from workflows.actors import signed_in
from workflows.audit_explorer import object_timeline
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotPermitted
from workflows.formatting import number
from workflows.idempotency import Outcome, form_once
from workflows.permissions import Role, scope_for

RL = RecuperationListState
ELIGIBLE_SHOWN = 300
ROW_TALLY = {
    "n_rows": Count("rows"),
    "amount": Sum("rows__amount", default=0),
    "home": Count("rows", filter=Q(rows__mode=RecuperationMode.HOME)),
    "centre": Count("rows", filter=Q(rows__mode=RecuperationMode.CENTRE)),
}


class OpenListForm(forms.Form):
    commune = forms.ChoiceField(label=gettext_lazy("Commune"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [(str(c.pk), c.name) for c in communes]  # type: ignore[attr-defined]


class YearFilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000)


# --- the lists ------------------------------------------------------------------------


class RecuperationListsView(CaseflowView):
    """The recuperation lists of the user's communes, newest year first (one
    grouped query for the page)."""

    template_name = "allowances/recuperation_lists.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request = self.request
        lists = recuperation_lists_for_user(request.user).select_related("commune")
        year_form = YearFilterForm(request.GET or None)
        if year_form.is_valid() and year_form.cleaned_data.get("year"):
            lists = lists.filter(year=year_form.cleaned_data["year"])
        page = paginate(
            request, lists.annotate(**ROW_TALLY).order_by("-year", "commune__name", "id")
        )
        mine = officer_communes(request)
        open_form = self.bound_form or OpenListForm(
            initial={"year": timezone.localdate().year}, communes=mine
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            year_form=year_form,
            querystring=query.urlencode(),
            open_form=open_form if mine else None,
            spec=RECUPERATION_SPEC,
        )
        return context


class RecuperationListOpenView(RecuperationListsView):
    """A commune officer opens their commune's list for a year (or goes to it)."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("recuperation_lists")

    def post(self, request: HttpRequest) -> HttpResponse:
        return form_once(request, lambda: self.open_list(request))

    def open_list(self, request: HttpRequest) -> Outcome:
        mine = officer_communes(request)
        if not mine:
            raise NotPermitted(
                _("Only an officer of this commune can prepare its recuperation list.")
            )
        form = OpenListForm(request.POST, communes=mine)
        self.bound_form = form
        if not form.is_valid():
            raise InvalidData(fields={k: [str(m) for m in v] for k, v in form.errors.items()})
        commune = next(c for c in mine if str(c.pk) == form.cleaned_data["commune"])
        rl = recup.recuperation_list_open(
            actor=signed_in(request), commune=commune, year=form.cleaned_data["year"]
        )
        return Outcome(
            reverse("recuperation_list_detail", kwargs={"pk": rl.pk}),
            [
                (
                    messages.SUCCESS,
                    _("The recuperation list of %(commune)s for %(year)s is open.")
                    % {"commune": commune.name, "year": rl.year},
                )
            ],
        )


# --- a commune's list ---------------------------------------------------------------


class RecuperationListDetailView(CaseflowView):
    """A list: its quota, its people (mode, amount, day sent), the people who
    may still go (officers, while a draft) and the actions."""

    template_name = "allowances/recuperation_list_detail.html"
    bound_action = ""

    def get_list(self) -> RecuperationList:
        return recup.recuperation_list_get(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request = self.request
        user = request.user
        rl = self.get_list()
        rows = recup.recuperation_rows_for_user(user, rl)
        tally = rows.aggregate(
            n=Count("id"),
            total=Sum("amount", default=0),
            home=Count("id", filter=Q(mode=RecuperationMode.HOME)),
            home_amount=Sum("amount", filter=Q(mode=RecuperationMode.HOME), default=0),
            centre=Count("id", filter=Q(mode=RecuperationMode.CENTRE)),
            centre_amount=Sum("amount", filter=Q(mode=RecuperationMode.CENTRE), default=0),
        )
        page = paginate(
            request,
            rows.select_related("person", "category").order_by("person__full_name", "id"),
            exact=True,
        )
        is_officer = Role.COMMUNE_OFFICER in scope_for(user).roles_in(rl.commune_id)
        can_prepare = rl.state == RL.DRAFT and is_officer
        eligible: list[Any] | None = None
        eligible_count = 0
        amounts_note = ""
        if can_prepare:
            # A commune's people whose turn it is: a few hundred at most; the
            # first ones shown, the next appear once these are added.
            qs = recup.recuperation_eligible(user, commune_id=rl.commune_id, year=rl.year)
            eligible = list(qs.select_related("person", "category")[:ELIGIBLE_SHOWN])
            eligible_count = len(eligible) if len(eligible) < ELIGIBLE_SHOWN else qs.count()
            try:
                amounts_note = recup.amounts_note(timezone.localdate())
            except InvalidData as exc:
                amounts_note = str(exc.message)
        deadline, deadline_status = open_step_deadline(rl.flow_process_id)
        events = object_timeline(object_type=recup.OBJECT_TYPE, object_id=rl.pk)
        context.update(
            rl=rl,
            spec=RECUPERATION_SPEC,
            acting_role=RECUPERATION_SPEC.acting_role.get(rl.state, ""),
            open_deadline=deadline,
            open_deadline_status=deadline_status,
            quota=recup.quota_use(rl.commune_id, rl.year),
            tally=tally,
            page=page,
            eligible=eligible,
            eligible_count=eligible_count,
            eligible_more=eligible_count > len(eligible or []),
            modes=RecuperationMode.choices,
            amounts_note=amounts_note,
            can_prepare=can_prepare,
            actions=transition_actions(self, user, rl),
            timeline=timeline_entries(events, RECUPERATION_SPEC),
        )
        return context


class RecuperationListActionView(ActionPostMixin, RecuperationListDetailView):
    """A post on the list page (each through `once`: see ActionPostMixin)."""

    page_url_name = "recuperation_list_detail"


class RecuperationListTransitionView(TransitionPostMixin, RecuperationListActionView):
    done_message = gettext_lazy("%(action)s: done. The list is now “%(state)s”.")

    def get_transition_object(self) -> Any:
        return self.get_list()


def chosen_modes(post: Any) -> dict[int, str]:
    """{person id: mode} of the people ticked, each with the mode chosen beside them."""
    out = {}
    for value in post.getlist("people"):
        if str(value).isdigit():
            out[int(value)] = post.get(f"mode_{value}", "")
    return out


class RecuperationAddView(RecuperationListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.add(request))

    def add(self, request: HttpRequest) -> Outcome:
        rl = self.get_list()
        added = recup.recuperation_rows_add(
            actor=signed_in(request), recuperation_list=rl, choices=chosen_modes(request.POST)
        )
        return self.done(rl.pk, _("%(count)s people added.") % {"count": number(added)})


class RecuperationRemoveView(RecuperationListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.remove(request))

    def remove(self, request: HttpRequest) -> Outcome:
        rl = self.get_list()
        ids = [int(v) for v in request.POST.getlist("rows") if str(v).isdigit()]
        removed = recup.recuperation_rows_remove(
            actor=signed_in(request), recuperation_list=rl, row_ids=ids
        )
        return self.done(rl.pk, _("%(count)s people removed.") % {"count": number(removed)})
