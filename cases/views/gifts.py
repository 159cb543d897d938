"""Gift campaigns in the web UI: the campaign list and page, a commune's list
page with its rows, and the posts that move lists and rows.

Reads go through `cases.gifts` (scoped: another commune's list is 404); list
states move through `workflows.engine.transition`, rows through the services
of `cases.gifts` (bulk transitions). Domain errors are answered by
`CaseflowView`: the page is shown again with the Vietnamese message.

The list page reads a fixed number of queries whatever the number of rows:
the list, its packages, the totals by package (one grouped query), one COUNT
and the page of rows (ids first), the open step's deadline and the timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import gifts
from cases.formatting import vn_date
from cases.forms import date_input
from cases.models import (
    AdministrativeUnit,
    Campaign,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    ReturnReason,
    SignedBy,
)
from cases.templatetags.gift_ui import gift_list_badge
from workflows import engine
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotFound, NotPermitted
from workflows.gifts import SPEC
from workflows.permissions import Role, available_transitions, scope_for

from cases.views.base import ActionForm, CaseflowView, TimelineEntryBase, paginate, request_communes

L = GiftListState
R = GiftRecipientState
EVENT_LABELS = {
    "gift_list_create": gettext_lazy("Opened the list"),
    "gift_rows_add": gettext_lazy("Added recipients"),
    "gift_import": gettext_lazy("Imported recipients from a file"),
    "gift_rows_remove": gettext_lazy("Removed recipients"),
    "gift_rows_deliver": gettext_lazy("Recorded gifts as delivered"),
    "gift_rows_return": gettext_lazy("Recorded gifts as not delivered"),
    "export": gettext_lazy("Downloaded a document"),
}
HOW_LABELS = {
    "registry": gettext_lazy("from the registry"),
    "import": gettext_lazy("from a file"),
    "xlsx": gettext_lazy("from a file"),
}


def campaign_get(pk: Any) -> Campaign:
    """Campaigns belong to the district and are read by every role; the
    numbers shown with them are scoped."""
    try:
        return Campaign.objects.get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


ROW_TALLY = {
    "n_rows": Count("rows"),
    "amount": Sum("rows__amount", default=0),
    "delivered": Count("rows", filter=Q(rows__state=R.DELIVERED)),
    "returned": Count("rows", filter=Q(rows__state=R.RETURNED)),
}


def officer_communes(user: Any, request: HttpRequest) -> list[AdministrativeUnit]:
    ids = scope_for(user).commune_roles.get(Role.COMMUNE_OFFICER, frozenset())
    return [c for c in request_communes(request) if c.pk in ids]


def parse_date(value: str) -> dt.date | None:
    """dd/mm/yyyy (as typed) or yyyy-mm-dd (date inputs); None when neither."""
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def row_ids_from(post: Any) -> list[int]:
    return [int(v) for v in post.getlist("rows") if str(v).isdigit()]


# Date inputs post ISO dates; typed dates are dd/mm/yyyy.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


# --- forms (only for display and for attaching the services' field errors) ----


class DeliverAllForm(forms.Form):
    delivered_on = forms.DateField(
        label=gettext_lazy("Delivered on"), widget=date_input(), input_formats=DATE_FORMATS
    )


class RowsDeliverForm(forms.Form):
    delivered_on = forms.DateField(
        label=gettext_lazy("Delivered on"), widget=date_input(), input_formats=DATE_FORMATS
    )
    signed_by = forms.ChoiceField(
        label=gettext_lazy("Signed by"), choices=SignedBy.choices, initial=SignedBy.PROXY
    )
    proxy_name = forms.CharField(label=gettext_lazy("Proxy's name"), required=False)
    proxy_relationship = forms.CharField(
        label=gettext_lazy("Relationship to the recipient"), required=False
    )


class RowsReturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason not delivered"),
        choices=[("", "—"), *ReturnReason.choices],
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)


class RowFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or national ID"), required=False)
    package = forms.ChoiceField(label=gettext_lazy("Gift package"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("State"), required=False, choices=[("", "—"), *R.choices]
    )

    def __init__(self, *args: Any, packages: list[GiftPackage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(p.pk), p.name) for p in packages
        ]


def transition_form(name: str, reason_required: bool, state: str, data: Any = None) -> forms.Form:
    """A list transition takes no data: the state the user saw, and a reason
    where the process wants one."""
    fields: dict[str, forms.Field] = {
        "expected_state": forms.CharField(widget=forms.HiddenInput, required=False)
    }
    if reason_required:
        fields["reason"] = forms.CharField(
            label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
        )
    form_class = type(f"Gift{name.title()}Form", (forms.Form,), fields)
    return form_class(data=data, initial={"expected_state": state}, auto_id=f"id_{name}_%s")


# --- campaigns ----------------------------------------------------------------


class CampaignListView(CaseflowView):
    """Every campaign with the lists, rows and amounts the user may see (three
    queries whatever the number of campaigns and rows)."""

    template_name = "gifts/campaign_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaigns = list(Campaign.objects.order_by("-occasion_date", "name"))
        lists, rows = gifts.campaign_totals(user)
        context["campaigns"] = [
            {"campaign": c, "lists": lists.get(c.pk, 0), "tally": rows.get(c.pk, {})}
            for c in campaigns
        ]
        return context


class CampaignDetailView(CaseflowView):
    template_name = "gifts/campaign_detail.html"

    def get_campaign(self) -> Campaign:
        return campaign_get(self.kwargs["pk"])

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
            [c for c in officer_communes(user, self.request) if c.pk not in with_list]
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
            reconciliation=gifts.campaign_reconciliation(user, campaign),
            district=district,
            flagged=list(
                gifts.campaign_people_in_several_communes(user, campaign).select_related("commune")[
                    :200
                ]
            )
            if district
            else [],
        )
        return context


class CampaignActionView(CampaignDetailView):
    """A post on the campaign page; a reload of its URL leads back to the page."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("campaign_detail", pk=kwargs["pk"])


class CampaignListOpenView(CampaignActionView):
    """A commune officer opens their commune's list (with its process)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self.get_campaign()
        mine = officer_communes(request.user, request)
        wanted = request.POST.get("commune", "")
        commune = next((c for c in mine if str(c.pk) == wanted), None)
        if commune is None and not wanted and len(mine) == 1:
            commune = mine[0]
        if commune is None:
            raise NotPermitted(_("Only an officer of this commune can change its gift list."))
        gift_list = gifts.gift_list_open(actor=request.user, campaign=campaign, commune=commune)
        messages.success(request, _("The list of %(commune)s is open.") % {"commune": commune})
        return redirect("gift_list_detail", pk=gift_list.pk)


class CampaignListsTransitionView(CampaignActionView):
    """The office head approves every reviewed list (all their rows) in one
    action; the district specialist reviews every confirmed list."""

    transition = "approve"
    from_state = L.REVIEWED
    role = Role.OFFICE_HEAD

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self.get_campaign()
        if self.role not in scope_for(request.user).district_roles:
            raise NotPermitted(
                _("Your role does not allow “%(action)s” on this case.")
                % {"action": SPEC.transitions[self.transition].label}
            )
        moved = gifts.campaign_lists_transition(
            actor=request.user, campaign=campaign, name=self.transition, state=self.from_state
        )
        messages.success(
            request,
            _("%(action)s: %(count)s lists.")
            % {"action": SPEC.transitions[self.transition].label, "count": len(moved)},
        )
        return redirect("campaign_detail", pk=campaign.pk)


class CampaignReconcileView(CampaignActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = gifts.campaign_reconcile(actor=request.user, campaign=self.get_campaign())
        messages.success(request, _("The campaign is reconciled."))
        return redirect("campaign_detail", pk=campaign.pk)


# --- a commune's list ---------------------------------------------------------


class TimelineEntry(TimelineEntryBase):
    """One audit event of the list as the timeline shows it."""

    def __init__(self, event: Any) -> None:
        super().__init__(event, gift_list_badge)
        data = event.data or {}
        tspec = SPEC.transitions.get(event.transition) if event.transition else None
        if tspec is not None:
            self.action = str(tspec.label)
            return
        self.action = str(EVENT_LABELS.get(event.event, event.event))
        if "added" in data:
            how = HOW_LABELS.get(data.get("how", ""), "")
            self.note(
                _("%(count)s rows added") % {"count": data["added"]} + (f" ({how})" if how else "")
            )
        if "removed" in data:
            self.note(_("%(count)s rows removed") % {"count": data["removed"]})
        if "delivered" in data:
            self.note(
                _("%(count)s gifts, handed over on %(date)s")
                % {
                    "count": data["delivered"],
                    "date": vn_date(dt.date.fromisoformat(data["delivered_on"])),
                }
            )
        if "returned" in data:
            self.note(_("%(count)s gifts") % {"count": data["returned"]})
        if event.event == "export":
            self.note(str(data.get("document", "")))

    def note(self, text: str) -> None:
        self.details.append(("", text))


class GiftListDetailView(CaseflowView):
    template_name = "gifts/gift_list_detail.html"
    bound_action = ""

    def get_list(self) -> GiftList:
        return gifts.gift_list_get(self.request.user, self.kwargs["pk"])

    def filtered_rows(self, gift_list: GiftList, form: RowFilterForm) -> QuerySet[GiftRecipient]:
        qs = gifts.gift_rows_for_user(self.request.user).filter(gift_list_id=gift_list.pk)
        if form.is_valid():
            data = form.cleaned_data
            if data.get("package"):
                qs = qs.filter(package_id=data["package"])
            if data.get("state"):
                qs = qs.filter(state=data["state"])
            q = (data.get("q") or "").strip()
            if q.isdigit():
                qs = qs.filter(person__national_id__startswith=q)
            elif q:
                qs = qs.filter(person__full_name__icontains=q)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from workflows.models import AuditEvent

        context = super().get_context_data(**kwargs)
        user = self.request.user
        gift_list = self.get_list()
        packages = gifts.campaign_packages(gift_list.campaign, gift_list.commune)
        by_package: dict[int, Any] = {
            r["package_id"]: r
            for r in gifts.gift_rows_for_user(user)
            .filter(gift_list_id=gift_list.pk)
            .values("package_id")
            .annotate(**gifts.TALLY)
            .order_by()
        }
        totals = []
        grand: dict[str, int] = {k: 0 for k in gifts.TALLY}
        for p in packages:
            tally = by_package.get(p.pk)
            if tally is None:
                continue
            totals.append({"package": p, **tally})
            for k in grand:
                grand[k] += tally[k]
        form = RowFilterForm(self.request.GET or None, packages=packages)
        qs = (
            self.filtered_rows(gift_list, form)
            .select_related("person", "package")
            .order_by("person__full_name", "id")
        )
        page = paginate(self.request, qs)
        query = self.request.GET.copy()
        query.pop("page", None)

        actions = []
        for tspec in available_transitions(user, cast(Any, gift_list)):
            if self.bound_form is not None and tspec.name == self.bound_action:
                tform = self.bound_form
                tform.data = tform.data.copy()
                tform.data["expected_state"] = gift_list.state
            else:
                tform = transition_form(tspec.name, tspec.reason_required, gift_list.state)
            actions.append(ActionForm(tspec, tform))

        is_officer = Role.COMMUNE_OFFICER in scope_for(user).roles_in(gift_list.commune_id)
        preparing = gift_list.state == L.PREPARING
        distributing = gift_list.state == L.APPROVED and is_officer
        today = timezone.localdate()

        def bound(kind: type[forms.Form], **initial: Any) -> forms.Form:
            if isinstance(self.bound_form, kind):
                return self.bound_form
            return kind(initial=initial, auto_id=f"id_{kind.__name__.lower()}_%s")

        deadline, deadline_status = open_step_deadline(gift_list.flow_process_id)
        events = (
            AuditEvent.objects.filter(object_type=gifts.OBJECT_TYPE, object_id=str(gift_list.pk))
            .select_related("actor")
            .order_by("occurred_at", "id")
        )
        context.update(
            gift_list=gift_list,
            campaign=gift_list.campaign,
            spec=SPEC,
            acting_role=SPEC.acting_role.get(gift_list.state, ""),
            open_deadline=deadline,
            open_deadline_status=deadline_status,
            totals=totals,
            grand=grand,
            form=form,
            filtered=bool(form.is_bound and any(form.data.get(k) for k in form.fields)),
            page=page,
            querystring=query.urlencode(),
            actions=actions,
            can_prepare=preparing and is_officer,
            can_distribute=distributing,
            selectable=(preparing or distributing) and is_officer,
            deliver_all_form=bound(DeliverAllForm, delivered_on=today) if distributing else None,
            deliver_form=bound(RowsDeliverForm, delivered_on=today) if distributing else None,
            return_form=bound(RowsReturnForm) if distributing else None,
            show_documents=gift_list.state in (L.APPROVED, L.DISTRIBUTED, L.CLOSED),
            # Build/import or deliver-all stand beside the transitions.
            has_other_actions=(preparing and is_officer) or distributing,
            timeline=[TimelineEntry(e) for e in events],
        )
        return context


class GiftListActionView(GiftListDetailView):
    """A post on the list page. Re-rendered at the post's URL on refusal, so a
    reload (GET) of that URL leads back to the list page."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("gift_list_detail", pk=kwargs["pk"])

    def done(self, gift_list: GiftList, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return redirect("gift_list_detail", pk=gift_list.pk)


class GiftListTransitionView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        gift_list = self.get_list()
        tspec = SPEC.transitions.get(name)
        if tspec is not None:
            self.bound_action = name
            self.bound_form = transition_form(
                name, tspec.reason_required, gift_list.state, data=request.POST
            )
        engine.transition(
            gift_list,
            name,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            expected_state=request.POST.get("expected_state") or None,
        )
        gift_list.refresh_from_db(fields=["state"])
        return self.done(
            gift_list,
            _("%(action)s: done. The list is now “%(state)s”.")
            % {
                "action": tspec.label if tspec else name,
                "state": SPEC.state_label(gift_list.state),
            },
        )


class GiftListBuildView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = self.get_list()
        result = gifts.gift_list_build(actor=request.user, gift_list=gift_list)
        skipped = sum(result.skipped.values())
        return self.done(
            gift_list,
            _("%(added)s rows added from the registry; %(skipped)s already listed.")
            % {"added": result.added, "skipped": skipped},
        )


class GiftListRemoveRowsView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = self.get_list()
        removed = gifts.gift_rows_remove(
            actor=request.user, gift_list=gift_list, row_ids=row_ids_from(request.POST)
        )
        return self.done(gift_list, _("%(count)s rows removed.") % {"count": removed})


def _moved_message(result: Any, done: str) -> str:
    text = done % {"count": len(result.moved)}
    if result.refused:
        text += " " + _("%(count)s rows were not changed (not waiting for delivery).") % {
            "count": len(result.refused)
        }
    return text


class GiftListDeliverView(GiftListActionView):
    """Every remaining row (`all`), or the selected rows, as delivered: signed
    by the recipient or by a named proxy."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = self.get_list()
        post = request.POST
        every = post.get("all") == "1"
        self.bound_form = (DeliverAllForm if every else RowsDeliverForm)(
            post, auto_id=f"id_{'deliverallform' if every else 'rowsdeliverform'}_%s"
        )
        row_ids = None if every else row_ids_from(post)
        if row_ids == []:
            raise InvalidData(_("Select the rows first."), code="no_rows_selected")
        result = gifts.gift_rows_deliver(
            actor=request.user,
            gift_list=gift_list,
            row_ids=row_ids,
            delivered_on=parse_date(post.get("delivered_on", "")),
            signed_by=SignedBy.RECIPIENT if every else post.get("signed_by", ""),
            proxy_name=post.get("proxy_name", ""),
            proxy_relationship=post.get("proxy_relationship", ""),
        )
        return self.done(
            gift_list, _moved_message(result, _("%(count)s gifts recorded as delivered."))
        )


class GiftListReturnView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        gift_list = self.get_list()
        self.bound_form = RowsReturnForm(request.POST, auto_id="id_rowsreturnform_%s")
        row_ids = row_ids_from(request.POST)
        if not row_ids:
            raise InvalidData(_("Select the rows first."), code="no_rows_selected")
        result = gifts.gift_rows_return(
            actor=request.user,
            gift_list=gift_list,
            row_ids=row_ids,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
        return self.done(
            gift_list, _moved_message(result, _("%(count)s gifts recorded as returned."))
        )
