"""The monthly payroll in the web UI: the list with the month's generation,
a commune's payroll page (totals, what changed since last month, the lines,
the transitions, the timeline) and the accountant's page of payment results
and unpaid lines.

Reads go through `cases.allowances.selectors` (another commune's payroll is
404); the payroll moves through `workflows.engine.transition`, its lines
through the services. The payroll page reads a fixed number of queries
whatever the number of lines: the payroll (with its totals by kind and state
and its differences' counts, kept when lines are generated or moved), the
first people of each difference, the page of lines in the list's order (ids
first, then the rows), a bounded count only for a filtered list, the
deadline and the timeline (12 at most with the session's and the
layout's; bench/bench_allowance_pages.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.allowances import selectors, services
from cases.allowances.models import LineKind, LineState, Payroll, PayrollLine, PayrollState
from cases.allowances.page_forms import (
    GenerateForm,
    LineFilterForm,
    PaidForm,
    PayrollFilterForm,
    SettleForm,
    UnpaidForm,
)
from cases.allowances.spec import PAYROLL_SPEC
from cases.allowances.views.common import CHANGES, page_actions, with_labels
from cases.allowances.views.documents import MonthlySummaryForm, payroll_documents
from cases.selectors import officer_communes, request_communes
from cases.templatetags.caseflow import badge
from cases.views.base import PAGE_SIZE, CaseflowView, IdsFirstPaginator, paginate
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin
from workflows.actors import Reader, signed_in
from workflows.audit_explorer import object_timeline
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotPermitted
from workflows.formatting import month_label, number
from workflows.idempotency import Outcome, form_once
from workflows.permissions import Role, does_step
from workflows.text import clean_text, fold_search_q, national_id_terms

P = PayrollState
LN = LineState
OBJECT_TYPE = "allowances.payroll"


def url_if(name: str, *args: Any) -> str:
    """The URL named `name`, or "" while that page is not part of the project."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def lines_matching(qs: QuerySet[PayrollLine], q: str) -> QuerySet[PayrollLine]:
    """A national ID, or part of the name with or without diacritics."""
    q = clean_text(q or "")
    ids = national_id_terms(q)
    if ids:
        return qs.filter(person__national_id__in=ids)
    return qs.filter(fold_search_q("person__full_name_folded", q)) if q else qs


def lines_page(request: HttpRequest, qs: QuerySet[PayrollLine], count: int | None) -> Page:
    """A page of a payroll's lines; `count`: the lines' number when it is
    known already (the payroll keeps it), so no COUNT query is made."""
    number = request.GET.get("page")
    paginator = IdsFirstPaginator(qs, PAGE_SIZE, requested=number, known_count=count)
    return paginator.get_page(number)


def payroll_badge(state: str) -> str:
    """A state on the payroll's timeline: the payroll's, or its lines' (the
    events that moved the lines together sit on the payroll's timeline)."""
    return badge("state", {**dict(LineState.choices), **dict(PayrollState.choices)}, state)


def _is(user: Reader, role: str, payroll: Payroll) -> bool:
    """Does `user` hold `role` (or the commune role that took it over) here?"""
    return does_step(user, role, payroll.commune_id)


# --- the list and the month's generation ---------------------------------------------


class PayrollListView(CaseflowView):
    template_name = "allowances/payroll_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        communes = request_communes(self.request)
        form = PayrollFilterForm(self.request.GET or None, communes=communes)
        qs = selectors.payrolls_for_user(self.request.user)
        if form.is_valid():
            data = form.cleaned_data
            if data.get("month"):
                qs = qs.filter(month=data["month"])
            if data.get("commune"):
                qs = qs.filter(commune_id=data["commune"])
            if data.get("state"):
                qs = qs.filter(state=data["state"])
        qs = qs.select_related("commune").order_by("-month", "commune__name", "id")
        page = paginate(self.request, qs)
        query = self.request.GET.copy()
        query.pop("page", None)
        own = officer_communes(self.request)
        generate_form = None
        if own:
            generate_form = (
                self.bound_form
                if isinstance(self.bound_form, GenerateForm)
                else GenerateForm(
                    communes=own, month=selectors.next_payroll_month(self.request.user, own)
                )
            )
        context.update(
            form=form,
            page=page,
            querystring=query.urlencode(),
            filtered=bool(form.is_bound and any(form.data.get(k) for k in form.fields)),
            generate_form=generate_form,
            summary_form=MonthlySummaryForm(auto_id="id_summary_%s"),
            spec=PAYROLL_SPEC,
        )
        return context


class PayrollGenerateView(PayrollListView):
    """POST: open (or regenerate) a commune's payroll for the month."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("payroll_list")

    def post(self, request: HttpRequest) -> HttpResponse:
        return form_once(request, lambda: self.generate(request))

    def generate(self, request: HttpRequest) -> Outcome:
        own = officer_communes(request)
        if not own:
            raise NotPermitted(_("Only a commune officer can prepare the payroll."))
        form = self.bound_form = GenerateForm(request.POST, communes=own)
        if not form.is_valid():
            raise InvalidData()
        payroll = services.payroll_generate(
            actor=signed_in(request),
            commune=form.communes[form.cleaned_data["commune"]],
            month=form.cleaned_data["month"],
        )
        return Outcome(reverse("payroll_detail", kwargs={"pk": payroll.pk}), [generated(payroll)])


def generated(payroll: Payroll) -> tuple[int, str]:
    return (
        messages.SUCCESS,
        _("The payroll of %(month)s was generated: %(lines)s lines, %(total)s đ.")
        % {
            "month": month_label(payroll.month),
            "lines": number(payroll.line_count),
            "total": number(payroll.total_amount),
        },
    )


# --- a commune's payroll -------------------------------------------------------------


class PayrollDetailView(CaseflowView):
    template_name = "allowances/payroll_detail.html"
    bound_action = ""

    def get_payroll(self) -> Payroll:
        return selectors.payroll_get(self.request.user, self.kwargs["pk"])

    def totals(self, payroll: Payroll) -> dict[str, Any]:
        """Lines and amounts by kind and by state, as the payroll keeps them."""
        tallies = payroll.tallies
        by_kind, by_state = tallies.get("kind", {}), tallies.get("state", {})
        return {
            "kinds": [
                {"label": label, "n": by_kind[k][0], "amount": by_kind[k][1]}
                for k, label in LineKind.choices
                if k in by_kind
            ],
            "states": [
                {"state": k, "label": label, "n": by_state[k][0], "amount": by_state[k][1]}
                for k, label in LineState.choices
                if k in by_state
            ],
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        payroll = self.get_payroll()
        form = LineFilterForm(self.request.GET or None)
        qs = selectors.payroll_lines_for_user(user, payroll)
        if form.is_valid():
            data = form.cleaned_data
            if data.get("kind"):
                qs = qs.filter(kind=data["kind"])
            if data.get("state"):
                qs = qs.filter(state=data["state"])
            qs = lines_matching(qs, data.get("q") or "")
        qs = selectors.lines_by_name(qs)
        totals = self.totals(payroll)
        filtered = bool(form.is_bound and any(form.data.get(k) for k in form.fields))
        page = lines_page(self.request, qs, None if filtered else payroll.line_count)
        page.object_list = with_labels(page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        differences = selectors.payroll_differences(payroll, limit=5)
        changes = [
            {
                "code": code,
                "label": label,
                "count": differences.counts[code],
                "amount": differences.amounts.get(code, 0),
                "rows": differences.rows.get(code, []),
            }
            for code, label in CHANGES
            if differences.counts.get(code)
        ]
        deadline, deadline_status = open_step_deadline(payroll.flow_process_id)
        events = object_timeline(object_type=OBJECT_TYPE, object_id=payroll.pk)
        is_officer = _is(user, Role.COMMUNE_OFFICER, payroll)
        is_accountant = _is(user, Role.ACCOUNTANT, payroll)
        shows_results = payroll.state in (P.SENT, P.RECONCILED, P.CLOSED)
        context.update(
            payroll=payroll,
            spec=PAYROLL_SPEC,
            acting_role=PAYROLL_SPEC.acting_role.get(payroll.state, ""),
            open_deadline=deadline,
            open_deadline_status=deadline_status,
            totals=totals,
            differences=differences,
            changes=changes,
            form=form,
            filtered=filtered,
            page=page,
            querystring=query.urlencode(),
            actions=page_actions(self, user, payroll),
            can_regenerate=is_officer and payroll.state == P.DRAFT,
            can_record=is_accountant and payroll.state == P.SENT,
            import_url=url_if("payroll_results_import", payroll.pk)
            if is_accountant and payroll.state == P.SENT
            else "",
            documents=payroll_documents(payroll),
            shows_results=shows_results,
            timeline=timeline_entries(events, PAYROLL_SPEC, payroll_badge),
        )
        return context


class PayrollActionView(ActionPostMixin, PayrollDetailView):
    page_url_name = "payroll_detail"


class PayrollTransitionView(TransitionPostMixin, PayrollActionView):
    done_message = gettext_lazy("%(action)s: done. The payroll is now “%(state)s”.")

    def get_transition_object(self) -> Any:
        return self.get_payroll()


class PayrollRegenerateView(PayrollActionView):
    """Generate the draft's lines again (after a decision or a rate changed)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.regenerate(request))

    def regenerate(self, request: HttpRequest) -> Outcome:
        payroll = self.get_payroll()
        payroll = services.payroll_generate(
            actor=signed_in(request), commune=payroll.commune, month=payroll.month
        )
        return Outcome(reverse("payroll_detail", kwargs={"pk": payroll.pk}), [generated(payroll)])


# --- the accountant's payment results -------------------------------------------------


def line_ids(post: Any) -> list[int]:
    return [int(v) for v in post.getlist("lines") if str(v).isdigit()]


class PayrollResultsView(CaseflowView):
    """The lines sent for payment and those not paid, for the accountant:
    record them paid (on a date) or not paid (with a reason); carry the
    unpaid ones to next month or return their money."""

    template_name = "allowances/payroll_results.html"

    def get_payroll(self) -> Payroll:
        payroll = selectors.payroll_get(self.request.user, self.kwargs["pk"])
        if not _is(self.request.user, Role.ACCOUNTANT, payroll):
            raise NotPermitted(_("Only an accountant records payment results."))
        return payroll

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        payroll = self.get_payroll()
        lines = selectors.payroll_lines_for_user(self.request.user, payroll)
        waiting = dict(
            lines.filter(state__in=[LN.SENT, LN.UNPAID])
            .values_list("state")
            .annotate(n=Count("id"))
            .order_by()
        )
        shown = self.request.GET.get("state")
        if shown not in (LN.SENT, LN.UNPAID):
            shown = LN.UNPAID if waiting.get(LN.UNPAID) and not waiting.get(LN.SENT) else LN.SENT
        form = LineFilterForm(self.request.GET or None)
        q = form.cleaned_data.get("q", "") if form.is_valid() else ""
        qs = lines_matching(lines.filter(state=shown), q)
        qs = qs.select_related("person", "category").order_by("person__full_name", "kind", "id")
        page = paginate(self.request, qs, per_page=50)
        page.object_list = with_labels(page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)

        def bound(kind: type, **kw: Any) -> Any:
            return self.bound_form if isinstance(self.bound_form, kind) else kind(**kw)

        context.update(
            payroll=payroll,
            spec=PAYROLL_SPEC,
            open=payroll.state == P.SENT,
            waiting_sent=waiting.get(LN.SENT, 0),
            waiting_unpaid=waiting.get(LN.UNPAID, 0),
            shown=shown,
            form=form,
            q=q,
            page=page,
            querystring=query.urlencode(),
            paid_form=bound(PaidForm),
            pay_all_form=PaidForm(auto_id="id_payall_%s"),
            unpaid_form=bound(UnpaidForm),
            settle_form=bound(SettleForm),
            import_url=url_if("payroll_results_import", payroll.pk),
        )
        return context


class PayrollResultsPostView(ActionPostMixin, PayrollResultsView):
    page_url_name = "payroll_results"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.record(request))

    def record(self, request: HttpRequest) -> Outcome:
        payroll = self.get_payroll()
        actor = signed_in(request)
        post = request.POST
        if post.get("outcome") == "unpaid":
            form: Any = UnpaidForm(post)
            self.bound_form = form
            ids = self.selected(post)
            if not form.is_valid():
                raise InvalidData()
            done = services.payroll_results_record(
                actor=actor,
                payroll=payroll,
                paid={},
                unpaid=dict.fromkeys(ids, form.cleaned_data["reason"]),
            )
        else:
            form = PaidForm(post)
            self.bound_form = form
            if post.get("all") == "1":
                ids = list(
                    selectors.payroll_lines_for_user(actor, payroll)
                    .filter(state=LN.SENT)
                    .values_list("pk", flat=True)
                )
            else:
                ids = self.selected(post)
            if not form.is_valid():
                raise InvalidData()
            done = services.payroll_results_record(
                actor=actor,
                payroll=payroll,
                paid=dict.fromkeys(ids, form.cleaned_data["paid_on"]),
                unpaid={},
            )
        text = _("%(paid)s lines recorded as paid, %(unpaid)s as not paid.") % {
            "paid": number(done.paid),
            "unpaid": number(done.unpaid),
        }
        return self.done(payroll.pk, text)

    def selected(self, post: Any) -> list[int]:
        ids = line_ids(post)
        if not ids:
            raise InvalidData(_("Select the lines first."), code="no_lines_selected")
        return ids


class PayrollSettleView(PayrollResultsPostView):
    def record(self, request: HttpRequest) -> Outcome:
        payroll = self.get_payroll()
        form = self.bound_form = SettleForm(request.POST)
        ids = self.selected(request.POST)
        if not form.is_valid():
            raise InvalidData()
        carry = form.cleaned_data["how"] == "carry"
        carried, returned = services.payroll_unpaid_settle(
            actor=signed_in(request),
            payroll=payroll,
            carry=ids if carry else [],
            give_back=[] if carry else ids,
        )
        text = _("%(carried)s lines carried to next month, %(returned)s returned.") % {
            "carried": number(carried),
            "returned": number(returned),
        }
        return Outcome(
            reverse("payroll_results", kwargs={"pk": payroll.pk}) + "?state=unpaid",
            [(messages.SUCCESS, text)],
        )
