"""Entitlements in the web UI: the list (search by name or national ID, with
or without diacritics; filters), and a person's entitlement page with its
decision, suspensions, payroll lines (who approved, sent and paid each one)
and the decisions the user may take on it (suspend, resume, end, transfer).

The list grows with the data (1,000,000 entitlements): it pages by keyset
over id DESC (`workflows.keyset`, as the case list), so its last page costs
what its first does, with a bounded count ("more than 1,000"); old
`?page=N` links go on to the same page's cursor. Measured in
bench/bench_allowance_pages.py."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from cases.allowances import selectors
from cases.allowances.models import AllowanceCategory, Entitlement, EntitlementState
from cases.allowances.page_forms import EntitlementFilterForm
from cases.allowances.spec import ENTITLEMENT_SPEC
from cases.allowances.views.common import line_histories, page_actions, with_labels
from cases.selectors import communes_for_user, request_communes
from cases.views.base import CaseflowView, keyset_paginate, old_page_redirect
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin
from workflows.audit_explorer import object_timeline
from workflows.keyset import Keyset
from workflows.permissions import Role, scope_for

OBJECT_TYPE = "allowances.entitlement"
LINES_SHOWN = 36  # three years of months on the page; the payroll pages hold the rest
# Newest first; the page's ids with the narrowest query, then their rows and joins.
ENTITLEMENT_PAGES = Keyset(("-id",), salt="entitlement_list", ids_first=True)


def categories() -> list[AllowanceCategory]:
    return list(AllowanceCategory.objects.order_by("regime", "position", "code"))


class EntitlementListView(CaseflowView):
    template_name = "allowances/entitlement_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "page" in request.GET:
            old = old_page_redirect(request, self.filtered()[1], ENTITLEMENT_PAGES)
            if old is not None:
                return old
        return super().get(request, *args, **kwargs)

    def filtered(self) -> tuple[EntitlementFilterForm, QuerySet[Entitlement]]:
        form = EntitlementFilterForm(
            self.request.GET or None,
            communes=request_communes(self.request),
            categories=categories(),
        )
        data = form.cleaned_data if form.is_valid() else {}
        qs = selectors.entitlement_search(
            self.request.user,
            commune=data.get("commune") or None,
            regime=data.get("regime") or "",
            category=data.get("category") or None,
            state=data.get("state") or "",
            q=data.get("q") or "",
        )
        return form, qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, qs = self.filtered()
        qs = qs.select_related("person", "category", "commune")
        page = keyset_paginate(self.request, qs, ENTITLEMENT_PAGES)
        context.update(
            form=form,
            page=page,
            filtered=bool(form.is_bound and any(form.data.get(k) for k in form.fields)),
            spec=ENTITLEMENT_SPEC,
        )
        return context


class EntitlementDetailView(CaseflowView):
    template_name = "allowances/entitlement_detail.html"
    bound_action = ""

    def get_entitlement(self) -> Entitlement:
        return selectors.entitlement_get(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        ent = self.get_entitlement()
        lines = with_labels(
            selectors.person_lines(user, ent.person_id)
            .filter(regime=ent.regime)
            .select_related("category", "commune")[:LINES_SHOWN]
        )
        histories = line_histories(lines)
        communes = [c for c in communes_for_user(user) if c.pk != ent.commune_id]
        roles = scope_for(user).roles_in(ent.commune_id)
        dossiers = list(
            selectors.allowance_cases_for_user(user)
            .filter(applicant_id=ent.person_id, regime=ent.regime)
            .select_related("category")
            .order_by("-created_at")
        )
        context.update(
            entitlement=ent,
            person=ent.person,
            spec=ENTITLEMENT_SPEC,
            suspensions=list(ent.suspensions.select_related("created_by")),
            lines=[{"line": line, "history": histories[line.pk]} for line in lines],
            more_lines=len(lines) == LINES_SHOWN,
            dossiers=dossiers,
            chain=_chain(ent),
            # A change of category or degree is its own dossier, filed by the commune.
            can_change=ent.state == EntitlementState.ACTIVE and Role.COMMUNE_OFFICER in roles,
            actions=page_actions(self, user, ent, hidden={"replace"}, communes=communes),
            timeline=timeline_entries(
                object_timeline(object_type=OBJECT_TYPE, object_id=ent.pk), ENTITLEMENT_SPEC
            ),
        )
        return context


def _chain(ent: Entitlement) -> dict[str, Any]:
    """The entitlement this one continues, and the one that continues it."""
    following = selectors.entitlement_following(ent)
    return {"previous": ent.previous, "next": following}


class EntitlementActionView(ActionPostMixin, EntitlementDetailView):
    page_url_name = "entitlement_detail"


class EntitlementTransitionView(TransitionPostMixin, EntitlementActionView):
    done_message = gettext_lazy("%(action)s: done. The allowance is now “%(state)s”.")

    def get_transition_object(self) -> Any:
        return self.get_entitlement()
