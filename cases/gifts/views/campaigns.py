"""Gift campaigns in the web UI: the campaign list and page, and the posts that
open lists and move every list of a campaign at once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.gifts import services as gifts
from cases.gifts.models import Campaign, GiftListState
from cases.gifts.selectors import (
    campaign_get,
    campaign_people_in_several_communes,
    campaign_reconciliation,
    campaign_totals,
)
from cases.gifts.spec import SPEC
from cases.gifts.views.lists import ROW_TALLY
from cases.selectors import officer_communes
from cases.views.base import CaseflowView
from cases.views.transitions import ActionPostMixin
from workflows.actors import signed_in
from workflows.exceptions import NotPermitted
from workflows.formatting import number
from workflows.idempotency import Outcome
from workflows.permissions import Role, scope_for

L = GiftListState


# --- campaigns ----------------------------------------------------------------


class CampaignListView(CaseflowView):
    """Every campaign with the lists, rows and amounts the user may see (three
    queries whatever the number of campaigns and rows)."""

    template_name = "gifts/campaign_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaigns = list(Campaign.objects.order_by("-occasion_date", "name"))
        lists, rows = campaign_totals(user)
        context["campaigns"] = [
            {"campaign": c, "lists": lists.get(c.pk, 0), "tally": rows.get(c.pk, {})}
            for c in campaigns
        ]
        return context


class CampaignDetailView(CaseflowView):
    template_name = "gifts/campaign_detail.html"

    def get_campaign(self) -> Campaign:
        return campaign_get(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = self.get_campaign()
        scope = scope_for(user)
        lists = list(
            gifts.gift_lists_for_user(user)
            .filter(campaign=campaign)
            .select_related("commune")
            .annotate(**ROW_TALLY)
            .order_by("commune__name")
        )
        with_list = {g.commune_id for g in lists}
        can_open = (
            [c for c in officer_communes(self.request) if c.pk not in with_list]
            if campaign.reconciled_at is None
            else []
        )
        district = scope.sees_all_communes
        states = {g.state for g in lists}
        context.update(
            campaign=campaign,
            packages=list(
                campaign.packages.select_related("commune").order_by("source", "-amount")
            ),
            budgets=list(campaign.budgets.order_by("source", "donor")),
            lists=lists,
            can_open=can_open,
            can_approve_all=Role.OFFICE_HEAD in scope.district_roles and L.REVIEWED in states,
            can_review_all=Role.DISTRICT_SPECIALIST in scope.district_roles
            and L.CONFIRMED in states,
            can_reconcile=Role.DISTRICT_SPECIALIST in scope.district_roles
            and campaign.reconciled_at is None
            and bool(lists)
            and states == {L.CLOSED},
            reconciliation=campaign_reconciliation(user, campaign),
            district=district,
            flagged=list(
                campaign_people_in_several_communes(user, campaign).select_related("commune")[:200]
            )
            if district
            else [],
        )
        return context


class CampaignActionView(ActionPostMixin, CampaignDetailView):
    """A post on the campaign page; a reload of its URL leads back to the page."""

    page_url_name = "campaign_detail"


class CampaignListOpenView(CampaignActionView):
    """A commune officer opens their commune's list (with its process)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.open_list(request))

    def open_list(self, request: HttpRequest) -> Outcome:
        campaign = self.get_campaign()
        mine = officer_communes(request)
        wanted = request.POST.get("commune", "")
        commune = next((c for c in mine if str(c.pk) == wanted), None)
        if commune is None and not wanted and len(mine) == 1:
            commune = mine[0]
        if commune is None:
            raise NotPermitted(_("Only an officer of this commune can change its gift list."))
        gift_list = gifts.gift_list_open(
            actor=signed_in(request), campaign=campaign, commune=commune
        )
        return Outcome(
            reverse("gift_list_detail", kwargs={"pk": gift_list.pk}),
            [(messages.SUCCESS, _("The list of %(commune)s is open.") % {"commune": commune})],
        )


class CampaignListsTransitionView(CampaignActionView):
    """The office head approves every reviewed list (all their rows) in one
    action; the district specialist reviews every confirmed list."""

    transition = "approve"
    from_state = L.REVIEWED
    role = Role.OFFICE_HEAD

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.move_lists(request))

    def move_lists(self, request: HttpRequest) -> Outcome:
        campaign = self.get_campaign()
        if self.role not in scope_for(request.user).district_roles:
            raise NotPermitted(
                _("Your role does not allow “%(action)s” on this case.")
                % {"action": SPEC.transitions[self.transition].label}
            )
        moved = gifts.campaign_lists_transition(
            actor=signed_in(request), campaign=campaign, name=self.transition, state=self.from_state
        )
        return self.done(
            campaign.pk,
            _("%(action)s: %(count)s lists.")
            % {"action": SPEC.transitions[self.transition].label, "count": number(len(moved))},
        )


class CampaignReconcileView(CampaignActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.reconcile(request))

    def reconcile(self, request: HttpRequest) -> Outcome:
        campaign = gifts.campaign_reconcile(actor=signed_in(request), campaign=self.get_campaign())
        return self.done(campaign.pk, _("The campaign is reconciled."))
