"""Gift campaigns in the web UI: the campaign list and page, a commune's list
page with its rows, and the posts that move lists and rows.

Reads go through `cases.gifts.selectors` (scoped: another commune's list is 404); list
states move through `workflows.engine.transition`, rows through the services
of `cases.gifts.services` (bulk transitions). Domain errors are answered by
`CaseflowView`: the page is shown again with the Vietnamese message.

The list page reads a fixed number of queries whatever the number of rows:
the list, its packages, the totals by package (one grouped query), one COUNT
and the page of rows (ids first), the open step's deadline and the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.forms import VnDateField
from cases.gifts import services as gifts
from cases.gifts.models import (
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    ReturnReason,
    SignedBy,
)
from cases.gifts.selectors import TALLY, gift_list_get, gift_rows_for_user, gift_rows_matching
from cases.gifts.spec import SPEC
from cases.gifts.templatetags.gift_ui import gift_list_badge
from cases.views.base import CaseflowView, paginate
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin, transition_actions
from workflows.actors import signed_in
from workflows.audit_explorer import object_timeline
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData
from workflows.formatting import number
from workflows.idempotency import Outcome
from workflows.permissions import Role, scope_for
from workflows.text import NormalizedFormField
from workflows.values import parse_vn_date

L = GiftListState
R = GiftRecipientState
ROW_TALLY = {
    "n_rows": Count("rows"),
    "amount": Sum("rows__amount", default=0),
    "delivered": Count("rows", filter=Q(rows__state=R.DELIVERED)),
    "returned": Count("rows", filter=Q(rows__state=R.RETURNED)),
}


def parse_date(value: str) -> dt.date | None:
    """The one date reading (dd/mm/yyyy as typed); None when empty. A date that
    is not one is refused with the forms' message, not taken as missing."""
    if not (value or "").strip():
        return None
    try:
        return parse_vn_date(value)
    except ValidationError as exc:
        raise InvalidData(fields={"delivered_on": list(exc.messages)}) from None


def row_ids_from(post: Any) -> list[int]:
    return [int(v) for v in post.getlist("rows") if str(v).isdigit()]


# --- forms (only for display and for attaching the services' field errors) ----


class DeliverAllForm(forms.Form):
    delivered_on = VnDateField(label=gettext_lazy("Delivered on"))


class RowsDeliverForm(forms.Form):
    delivered_on = VnDateField(label=gettext_lazy("Delivered on"))
    signed_by = forms.ChoiceField(
        label=gettext_lazy("Signed by"), choices=SignedBy.choices, initial=SignedBy.PROXY
    )
    proxy_name = NormalizedFormField(label=gettext_lazy("Proxy's name"), required=False)
    proxy_relationship = NormalizedFormField(
        label=gettext_lazy("Relationship to the recipient"), required=False
    )


class RowsReturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason not delivered"),
        choices=[("", "—"), *ReturnReason.choices],
    )
    note = NormalizedFormField(label=gettext_lazy("Note"), required=False, max_length=300)


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


# --- a commune's list ---------------------------------------------------------


class GiftListDetailView(CaseflowView):
    template_name = "gifts/gift_list_detail.html"
    bound_action = ""

    def get_list(self) -> GiftList:
        return gift_list_get(self.request.user, self.kwargs["pk"])

    def filtered_rows(self, gift_list: GiftList, form: RowFilterForm) -> QuerySet[GiftRecipient]:
        qs = gift_rows_for_user(self.request.user).filter(gift_list_id=gift_list.pk)
        if form.is_valid():
            data = form.cleaned_data
            if data.get("package"):
                qs = qs.filter(package_id=data["package"])
            if data.get("state"):
                qs = qs.filter(state=data["state"])
            qs = gift_rows_matching(qs, data.get("q") or "")
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:

        context = super().get_context_data(**kwargs)
        user = self.request.user
        gift_list = self.get_list()
        packages = gifts.campaign_packages(gift_list.campaign, gift_list.commune)
        by_package: dict[int, Any] = {
            r["package_id"]: r
            for r in gift_rows_for_user(user)
            .filter(gift_list_id=gift_list.pk)
            .values("package_id")
            .annotate(**TALLY)
            .order_by()
        }
        totals = []
        grand: dict[str, int] = {k: 0 for k in TALLY}
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
        # One commune's list (at most a few thousand rows): its exact total.
        page = paginate(self.request, qs, exact=True)
        query = self.request.GET.copy()
        query.pop("page", None)

        actions = transition_actions(self, user, gift_list)

        is_officer = Role.COMMUNE_OFFICER in scope_for(user).roles_in(gift_list.commune_id)
        preparing = gift_list.state == L.PREPARING
        distributing = gift_list.state == L.APPROVED and is_officer
        today = timezone.localdate()

        def bound(kind: type[forms.Form], **initial: Any) -> forms.Form:
            if isinstance(self.bound_form, kind):
                return self.bound_form
            return kind(initial=initial, auto_id=f"id_{kind.__name__.lower()}_%s")

        deadline, deadline_status = open_step_deadline(gift_list.flow_process_id)
        events = object_timeline(object_type=gifts.OBJECT_TYPE, object_id=gift_list.pk)
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
            timeline=timeline_entries(events, SPEC, gift_list_badge),
        )
        return context


class GiftListActionView(ActionPostMixin, GiftListDetailView):
    """A post on the list page (each through `once`: see ActionPostMixin)."""

    page_url_name = "gift_list_detail"


class GiftListTransitionView(TransitionPostMixin, GiftListActionView):
    done_message = gettext_lazy("%(action)s: done. The list is now “%(state)s”.")

    def get_transition_object(self) -> Any:
        return self.get_list()


class GiftListBuildView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.build(request))

    def build(self, request: HttpRequest) -> Outcome:
        gift_list = self.get_list()
        result = gifts.gift_list_build(actor=signed_in(request), gift_list=gift_list)
        skipped = sum(result.skipped.values())
        return self.done(
            gift_list.pk,
            _("%(added)s rows added from the registry; %(skipped)s already listed.")
            % {"added": number(result.added), "skipped": number(skipped)},
        )


class GiftListRemoveRowsView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.remove(request))

    def remove(self, request: HttpRequest) -> Outcome:
        gift_list = self.get_list()
        removed = gifts.gift_rows_remove(
            actor=signed_in(request), gift_list=gift_list, row_ids=row_ids_from(request.POST)
        )
        return self.done(gift_list.pk, _("%(count)s rows removed.") % {"count": number(removed)})


def _moved_message(result: Any, done: str) -> str:
    text = done % {"count": number(len(result.moved))}
    if result.refused:
        text += " " + _("%(count)s rows were not changed (not waiting for delivery).") % {
            "count": number(len(result.refused))
        }
    return text


class GiftListDeliverView(GiftListActionView):
    """Every remaining row (`all`), or the selected rows, as delivered: signed
    by the recipient or by a named proxy."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.deliver(request))

    def deliver(self, request: HttpRequest) -> Outcome:
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
            actor=signed_in(request),
            gift_list=gift_list,
            row_ids=row_ids,
            delivered_on=parse_date(post.get("delivered_on", "")),
            signed_by=SignedBy.RECIPIENT if every else post.get("signed_by", ""),
            proxy_name=post.get("proxy_name", ""),
            proxy_relationship=post.get("proxy_relationship", ""),
        )
        return self.done(
            gift_list.pk, _moved_message(result, _("%(count)s gifts recorded as delivered."))
        )


class GiftListReturnView(GiftListActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.record_returns(request))

    def record_returns(self, request: HttpRequest) -> Outcome:
        gift_list = self.get_list()
        self.bound_form = RowsReturnForm(request.POST, auto_id="id_rowsreturnform_%s")
        row_ids = row_ids_from(request.POST)
        if not row_ids:
            raise InvalidData(_("Select the rows first."), code="no_rows_selected")
        result = gifts.gift_rows_return(
            actor=signed_in(request),
            gift_list=gift_list,
            row_ids=row_ids,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
        return self.done(
            gift_list.pk, _moved_message(result, _("%(count)s gifts recorded as returned."))
        )
