"""The allowance processes, each declared once: the entitlement decision (a
case), the entitlement's own decisions (no task waits on them), the monthly
payroll of a commune, and the recuperation list. The viewflow flows are built
from these in `flow.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.allowances import decisions
from cases.allowances import recuperation as recup
from cases.allowances.forms import (
    DecideForm,
    ReplaceForm,
    ResumeForm,
    SuspendForm,
    TerminateForm,
    TransferForm,
)
from cases.allowances.lines import move_lines, payroll_lines
from cases.allowances.models import (
    AllowanceCase,
    DecisionState,
    Entitlement,
    EntitlementState,
    LineState,
    Payroll,
    PayrollState,
    RecuperationList,
    RecuperationListState,
    UnpaidReason,
)
from cases.models import Case
from workflows.actors import User
from workflows.artifacts import month_text, phrase
from workflows.audit_labels import document_label
from workflows.devolution import devolve
from workflows.exceptions import InvalidData, SeparationOfDuties
from workflows.formatting import money, month_label, number
from workflows.permissions import Role
from workflows.registry import RowLabels
from workflows.specs import OneStopSpec, ProcessSpec, Step, TransitionSpec

T = TransitionSpec
D = DecisionState
P = PayrollState
RL = RecuperationListState
LN = LineState
OFFICER = frozenset({Role.COMMUNE_OFFICER})
LEADER = frozenset({Role.COMMUNE_LEADER})
SPECIALIST = frozenset({Role.DISTRICT_SPECIALIST})
HEAD = frozenset({Role.OFFICE_HEAD})
ACCOUNTANT = frozenset({Role.ACCOUNTANT})

# --- the entitlement decision (a case) -----------------------------------------

CASE_SPEC = ProcessSpec(
    code=Case.Process.ALLOWANCE,
    label=_("Monthly allowance decision"),
    model=AllowanceCase,
    states=DecisionState,
    steps=(
        Step(
            "prepare",
            (D.DRAFT, D.RETURNED),
            Role.COMMUNE_OFFICER,
            _("Prepare and submit the dossier"),
        ),
        Step("confirm", (D.SUBMITTED,), Role.COMMUNE_LEADER, _("Confirm (commune)")),
        Step("review", (D.CONFIRMED,), Role.DISTRICT_SPECIALIST, _("Review (district)")),
        Step("decide", (D.REVIEWED,), Role.OFFICE_HEAD, _("Decide")),
    ),
    happy_path=(D.DRAFT, D.SUBMITTED, D.CONFIRMED, D.REVIEWED, D.DECIDED),
    terminal=frozenset({D.DECIDED, D.REJECTED, D.WITHDRAWN}),
    # NĐ 20/2021 Art. 8: an initial application is a one-stop procedure.
    one_stop=OneStopSpec(
        receipt=frozenset({"submit"}),
        results=frozenset({D.DECIDED, D.REJECTED}),
        void=frozenset({D.WITHDRAWN}),
        paused=frozenset({D.RETURNED, D.DRAFT}),
    ),
    detail_url="allowance_case_detail",
    transitions={
        t.name: t
        for t in [
            T("submit", _("Submit"), {"*": OFFICER}, check=decisions.check_submit),
            T("confirm", _("Confirm (commune)"), {"*": LEADER}, not_by_actors_of=("submit",)),
            T("review", _("Review (district)"), {"*": SPECIALIST}),
            T(
                "decide",
                _("Decide: grant the allowance"),
                {"*": HEAD},
                form=DecideForm,
                not_by_actors_of=("submit", "confirm", "review"),
                check=decisions.check_decide,
                apply=decisions.apply_decide,
            ),
            T(
                "return_for_correction",
                _("Return for correction"),
                {D.SUBMITTED: LEADER, D.CONFIRMED: SPECIALIST, D.REVIEWED: HEAD},
                reason_required=True,
            ),
            T("reject", _("Refuse"), {"*": HEAD}, reason_required=True, danger=True),
            T("withdraw", _("Withdraw"), {"*": OFFICER}, reason_required=True, danger=True),
        ]
    },
)

# --- the entitlement's own decisions ---------------------------------------------

DECIDERS = HEAD
ENTITLEMENT_SPEC = ProcessSpec(
    code="entitlement",
    label=_("Monthly allowance"),
    model=Entitlement,
    states=EntitlementState,
    steps=(),
    # No path: an entitlement changes only by decisions, nobody's task waits on it.
    happy_path=(),
    terminal=frozenset({EntitlementState.ENDED}),
    object_type="allowances.entitlement",
    detail_url="entitlement_detail",
    inform_role=Role.COMMUNE_OFFICER,
    transitions={
        t.name: t
        for t in [
            T(
                "suspend",
                _("Suspend payment"),
                {"*": SPECIALIST | HEAD},
                form=SuspendForm,
                reason_required=True,
                check=decisions.check_suspend,
                apply=decisions.apply_suspend,
            ),
            T(
                "resume",
                _("Resume payment"),
                {"*": HEAD},
                form=ResumeForm,
                apply=decisions.apply_resume,
                initial=lambda ent: {"resume_month": timezone.localdate().replace(day=1)},
            ),
            T(
                "terminate",
                _("End the allowance"),
                {"*": HEAD},
                form=TerminateForm,
                reason_required=True,
                check=decisions.check_terminate,
                danger=True,
            ),
            T(
                "transfer",
                _("Transfer to another commune"),
                {"*": HEAD},
                form=TransferForm,
                reason_required=True,
                check=decisions.check_transfer,
                apply=decisions.apply_transfer,
            ),
            T(
                "replace",
                _("Replace by a new decision"),
                {"*": HEAD},
                form=ReplaceForm,
                check=decisions.check_replace,
            ),
        ]
    },
)

# --- the commune's monthly payroll ------------------------------------------------


def check_payroll_submit(payroll: Payroll, data: dict[str, Any], actor: User) -> None:
    if payroll.generated_at is None or not payroll_lines(payroll).exists():
        raise InvalidData(_("Generate the payroll first: it has no lines."), code="payroll_empty")


def check_payroll_approve(payroll: Payroll, data: dict[str, Any], actor: User) -> None:
    """Whoever generated the payroll may not approve it."""
    if payroll.generated_by_id == actor.pk:
        raise SeparationOfDuties(
            _(
                "Separation of duties: you generated this payroll, so another person must "
                "approve it."
            )
        )


def apply_payroll_approve(payroll: Payroll, data: dict[str, Any], actor: User) -> None:
    """Approve every line; the arrears this payroll computed are settled."""
    move_lines(
        payroll, payroll_lines(payroll).filter(state=LN.LISTED), "approve", actor=actor, roles=HEAD
    )
    Entitlement.objects.filter(
        commune_id=payroll.commune_id, arrears_from__lt=payroll.month
    ).update(arrears_from=None)


def apply_payroll_send(payroll: Payroll, data: dict[str, Any], actor: User) -> None:
    move_lines(
        payroll,
        payroll_lines(payroll).filter(state=LN.APPROVED),
        "send",
        actor=actor,
        roles=ACCOUNTANT,
    )


def check_payroll_reconcile(payroll: Payroll, data: dict[str, Any], actor: User) -> None:
    waiting = payroll_lines(payroll).filter(state__in=[LN.SENT, LN.UNPAID]).count()
    if waiting:
        raise InvalidData(
            _(
                "%(count)s lines have no payment result yet, or are not paid and neither "
                "carried to next month nor returned: settle them first."
            )
            % {"count": number(waiting)},
            code="payroll_results_incomplete",
        )


PAYROLL_EVENTS = {
    "payroll_generate": gettext_lazy("Generated the payroll"),
    "payroll_results": gettext_lazy("Recorded payment results"),
    "export": gettext_lazy("Downloaded a document"),
}


def describe_payroll_event(event: Any) -> list[tuple[str, str]] | None:
    """What a payroll's own events say beyond their label."""
    data = event.data or {}
    if event.event == "payroll_generate":
        out = [
            (_("Lines"), number(int(data.get("lines", 0)))),
            (_("Total"), money(int(data.get("total", 0)))),
        ]
        for key, label in (
            ("arrears", _("Arrears lines")),
            ("carried", _("Lines carried from earlier months")),
            ("one_off", _("One-off support lines")),
        ):
            if data.get(key):
                out.append((label, number(int(data[key]))))
        if data.get("revised_from"):
            months = sorted(set(data["revised_from"].values()))
            text = ", ".join(month_label(dt.date.fromisoformat(m)) for m in months)
            out.append((_("Arrears for a rate revised from"), str(text)))
        return [(str(k), str(v)) for k, v in out]
    if event.event == "payroll_results":
        out = [
            (_("Paid lines"), number(int(data.get("paid", 0)))),
            (_("Lines not paid"), number(int(data.get("unpaid", 0)))),
        ]
        if str(data.get("source", "")).startswith("payment_results_import"):
            out.append((_("Source"), str(_("from a file"))))
        return [(str(k), str(v)) for k, v in out]
    if event.event == "export":
        out = [(_("Document"), document_label(str(data.get("document", ""))))]
        if data.get("month"):
            out.append((_("Month"), str(data["month"])))
        return [(str(k), str(v)) for k, v in out]
    return None


def payroll_reference() -> Any:
    """How a sentence names a payroll (a reminder), as `Payroll.reference` does."""
    return phrase(
        gettext("Payroll %(month)s · %(commune)s"),
        month=month_text("month"),
        commune=F("commune__name"),
    )


PAYROLL_SPEC = ProcessSpec(
    code="payroll",
    label=_("Monthly allowance payroll"),
    model=Payroll,
    states=PayrollState,
    steps=(
        Step("prepare", (P.DRAFT,), Role.COMMUNE_OFFICER, _("Generate and submit the payroll")),
        Step("review", (P.SUBMITTED,), Role.DISTRICT_SPECIALIST, _("Review the payroll")),
        Step("approve", (P.REVIEWED,), Role.OFFICE_HEAD, _("Approve the payroll")),
        Step("send", (P.APPROVED,), Role.ACCOUNTANT, _("Send to the payment organisation")),
        Step("reconcile", (P.SENT,), Role.ACCOUNTANT, _("Record results and reconcile")),
        Step("close", (P.RECONCILED,), Role.OFFICE_HEAD, _("Close the payroll")),
    ),
    happy_path=(P.DRAFT, P.SUBMITTED, P.REVIEWED, P.APPROVED, P.SENT, P.RECONCILED, P.CLOSED),
    terminal=frozenset({P.CLOSED}),
    object_type="allowances.payroll",
    detail_url="payroll_detail",
    reference=payroll_reference,
    event_labels=PAYROLL_EVENTS,
    event_details=describe_payroll_event,
    transitions={
        t.name: t
        for t in [
            T("submit", _("Submit for review"), {"*": OFFICER}, check=check_payroll_submit),
            T("review", _("Mark as reviewed"), {"*": SPECIALIST}, not_by_actors_of=("submit",)),
            T(
                "approve",
                _("Approve the payroll"),
                {"*": HEAD},
                not_by_actors_of=("submit", "review"),
                check=check_payroll_approve,
                apply=apply_payroll_approve,
            ),
            T(
                "send",
                _("Send for payment"),
                {"*": ACCOUNTANT},
                apply=apply_payroll_send,
            ),
            T(
                "reconcile",
                _("Reconcile"),
                {"*": ACCOUNTANT},
                check=check_payroll_reconcile,
            ),
            T("close", _("Close the payroll"), {"*": HEAD}),
            T(
                "return_for_correction",
                _("Return for correction"),
                {P.SUBMITTED: SPECIALIST, P.REVIEWED: HEAD},
                reason_required=True,
            ),
        ]
    },
)

LINE_LABELS = RowLabels(
    states=dict(LineState.choices),
    transitions={
        "approve": _("Approved with the payroll"),
        "send": _("Sent for payment"),
        "record_paid": _("Recorded as paid"),
        "record_unpaid": _("Recorded as not paid"),
        "carry": _("Carried to the next month"),
        "return_unpaid": _("Returned to the budget"),
    },
    values={"unpaid_reason": dict(UnpaidReason.choices)},
)

# --- recuperation lists ------------------------------------------------------------


def recuperation_reference() -> Any:
    """How a sentence names a recuperation list, as `RecuperationList.reference` does."""
    return phrase(
        gettext("Recuperation list %(year)s · %(commune)s"),
        year=F("year"),
        commune=F("commune__name"),
    )


RECUPERATION_SPEC = ProcessSpec(
    code="recuperation_list",
    label=_("Recuperation list"),
    model=RecuperationList,
    states=RecuperationListState,
    steps=(
        Step("prepare", (RL.DRAFT,), Role.COMMUNE_OFFICER, _("Prepare and submit the list")),
        Step("approve", (RL.SUBMITTED,), Role.OFFICE_HEAD, _("Approve the list")),
        Step("pay", (RL.APPROVED,), Role.ACCOUNTANT, _("Record the trips sent and paid")),
        Step("close", (RL.PAID,), Role.COMMUNE_OFFICER, _("Close the list")),
    ),
    happy_path=(RL.DRAFT, RL.SUBMITTED, RL.APPROVED, RL.PAID, RL.DONE),
    terminal=frozenset({RL.DONE}),
    object_type="allowances.recuperationlist",
    detail_url="recuperation_list_detail",
    reference=recuperation_reference,
    event_labels=recup.EVENT_LABELS,
    event_details=recup.describe_event,
    transitions={
        t.name: t
        for t in [
            T("submit", _("Submit the list"), {"*": OFFICER}, check=recup.check_submit),
            T(
                "approve",
                _("Approve the list"),
                {"*": HEAD},
                not_by_actors_of=("submit",),
                check=recup.check_approve,
            ),
            T(
                "record_paid",
                _("Record as sent and paid"),
                {"*": ACCOUNTANT},
                form=recup.RecuperationPaidForm,
                check=recup.check_record_paid,
                apply=recup.apply_record_paid,
                initial=recup.paid_initial,
            ),
            T("close", _("Close the list"), {"*": OFFICER}),
            T(
                "return_for_correction",
                _("Return for correction"),
                {RL.SUBMITTED: HEAD},
                reason_required=True,
            ),
        ]
    },
)


# In the two-level government (from 01/07/2025) the commune decides, reviews,
# approves and pays what the district office did.
COMMUNE_CASE_SPEC = devolve(
    CASE_SPEC,
    titles={
        "review": _("Review (commune culture–society division)"),
        "decide": _("Decide (commune chairman)"),
    },
)
COMMUNE_ENTITLEMENT_SPEC = devolve(ENTITLEMENT_SPEC)
COMMUNE_PAYROLL_SPEC = devolve(PAYROLL_SPEC)
COMMUNE_RECUPERATION_SPEC = devolve(RECUPERATION_SPEC)
