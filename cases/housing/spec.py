"""The housing-support process (hỗ trợ xây mới / sửa chữa nhà ở)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import money_text
from cases.housing import duplicates
from cases.housing.forms import AcceptCompletionForm, ApproveForm, DisburseForm, ReviewForm
from cases.housing.models import Budget, Disbursement, HousingCap, HousingCase, HousingState
from cases.models import Case
from cases.selectors import missing_documents
from workflows.actors import User
from workflows.devolution import devolve
from workflows.exceptions import InvalidData
from workflows.formatting import money
from workflows.permissions import Role
from workflows.specs import Errors, OneStopSpec, ProcessSpec, Step, TransitionSpec, refuse

S = HousingState
OFFICER = frozenset({Role.COMMUNE_OFFICER})
LEADER = frozenset({Role.COMMUNE_LEADER})
SPECIALIST = frozenset({Role.DISTRICT_SPECIALIST})
HEAD = frozenset({Role.OFFICE_HEAD})
ACCOUNTANT = frozenset({Role.ACCOUNTANT})
REVIEWERS = {S.SUBMITTED: LEADER, S.COMMUNE_VERIFIED: SPECIALIST, S.DISTRICT_REVIEWED: HEAD}


def filing_date(case: Case) -> dt.date:
    return timezone.localdate(case.created_at) if case.created_at else timezone.localdate()


def cap_in_force(program: str, kind: str, on: dt.date) -> HousingCap | None:
    return (
        HousingCap.objects.filter(program=program, kind=kind, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )


def cap_for(case: HousingCase) -> HousingCap | None:
    """The cap in force on the day the case was filed (a case keeps its rules)."""
    return cap_in_force(case.program, case.kind, filing_date(case))


def _check_cap(case: HousingCase, amount: int, field: str) -> Errors | None:
    cap = cap_for(case)
    if cap is None:
        return {field: [_("No support cap is configured for this program and kind.")]}
    if amount > cap.amount:
        return {
            field: [
                _("%(amount)s is over the cap of %(cap)s for this program and kind.")
                % {"amount": money(amount), "cap": money(cap.amount)}
            ]
        }
    return None


def check_submit(case: Any, data: dict, actor: User) -> None:
    """No other open case of the person or household (cases entered before the
    rule may be there), no earlier support within the program's period, every
    required document."""
    # A case holding its person's and household's open places needs no
    # lookup: the database keeps any other case from taking them. A case that
    # older data left open beside another holds none and is checked.
    holds = (case.open_applicant_id, case.open_household_id) == (
        case.applicant_id,
        case.household_id,
    )
    if not holds:
        duplicates.refuse_open_case(
            actor, applicant=case.applicant, household_id=case.household_id, exclude_pk=case.pk
        )
    duplicates.refuse_earlier_support(
        actor,
        applicant_id=case.applicant_id,
        household_id=case.household_id,
        program=case.program,
        on=filing_date(case),
        exclude_pk=case.pk,
    )
    missing = missing_documents(case)
    if missing:
        labels = ", ".join(str(r.label) for r in missing)
        refuse(
            {"documents": [_("Required documents are missing: %(labels)s.") % {"labels": labels}]}
        )


def check_review(case: Any, data: dict, actor: User) -> None:
    refuse(_check_cap(case, data["assessed_amount"], "assessed_amount"))
    if data["assessed_amount"] > case.requested_amount and not data.get("over_request_reason"):
        refuse(
            {
                "over_request_reason": [
                    _(
                        "The assessed %(assessed)s is more than the requested %(requested)s: "
                        "give the reason."
                    )
                    % {
                        "assessed": money(data["assessed_amount"]),
                        "requested": money(case.requested_amount),
                    }
                ]
            }
        )


def check_approve(case: Any, data: dict, actor: User) -> None:
    refuse(_check_cap(case, data["approved_amount"], "approved_amount"))


def apply_approve(case: Any, data: dict, actor: User) -> None:
    """Reserve the approved amount on a budget of the decision's year (locked)."""
    amount = data["approved_amount"]
    qs = Budget.objects.select_for_update().filter(
        program=case.program, year=data["decision_date"].year
    )
    if data.get("funding_source"):
        qs = qs.filter(funding_source=data["funding_source"])
    budgets = list(qs.order_by("funding_source"))
    chosen = next((b for b in budgets if b.remaining >= amount), None)
    if chosen is None:
        remaining = max((b.remaining for b in budgets), default=0)
        raise InvalidData(
            _("The remaining budget is too small."),
            fields={
                "approved_amount": [
                    _("Only %(remaining)s remains in the %(year)s budget for this program.")
                    % {"remaining": money(remaining), "year": data["decision_date"].year}
                ]
            },
            code="budget_exhausted",
        )
    Budget.objects.filter(pk=chosen.pk).update(committed=F("committed") + amount)
    HousingCase.objects.filter(pk=case.pk).update(budget=chosen)
    case.budget = chosen


def check_disburse(case: Any, data: dict, actor: User) -> None:
    remaining = (case.approved_amount or 0) - case.disbursed_amount
    amount = data["amount"]
    if case.state == S.APPROVED and amount >= remaining:
        refuse(
            {
                "amount": [
                    _(
                        "The first tranche must be less than the approved %(approved)s; the rest "
                        "is paid after the completion is accepted."
                    )
                    % {"approved": money(case.approved_amount)}
                ]
            }
        )
        return
    if case.state == S.COMPLETION_ACCEPTED and amount != remaining:
        refuse(
            {
                "amount": [
                    _("The final tranche must be exactly the remaining %(remaining)s.")
                    % {"remaining": money(remaining)}
                ]
            }
        )
        return
    if case.decision_date and data["paid_on"] < case.decision_date:
        refuse({"paid_on": [_("The payment date cannot be before the decision date.")]})


def apply_disburse(case: Any, data: dict, actor: User) -> None:
    Disbursement.objects.create(
        case=case,
        budget_id=case.budget_id,
        amount=data["amount"],
        paid_on=data["paid_on"],
        recorded_by=actor,
    )
    Budget.objects.filter(pk=case.budget_id).update(disbursed=F("disbursed") + data["amount"])


def check_accept_completion(case: Any, data: dict, actor: User) -> None:
    first = case.disbursements.order_by("paid_on").values_list("paid_on", flat=True).first()
    if first and data["accepted_on"] < first:
        refuse({"accepted_on": [_("Completion cannot be accepted before the first payment.")]})


def apply_cancel(case: Any, data: dict, actor: User) -> None:
    """Give back to the budget what was reserved and not yet paid."""
    unspent = (case.approved_amount or 0) - case.disbursed_amount
    if case.budget_id and unspent:
        Budget.objects.filter(pk=case.budget_id).update(committed=F("committed") - unspent)


def initial_review(case: HousingCase) -> dict[str, Any]:
    return {"assessed_amount": money_text(case.requested_amount)}


def initial_approve(case: HousingCase) -> dict[str, Any]:
    return {"approved_amount": money_text(case.assessed_amount)}


def initial_disburse(case: HousingCase) -> dict[str, Any]:
    """The final tranche defaults to what is left; the first is typed in."""
    remaining = (case.approved_amount or 0) - case.disbursed_amount
    final = case.state == HousingState.COMPLETION_ACCEPTED
    return {"amount": money_text(remaining) if final else ""}


T = TransitionSpec
SPEC = ProcessSpec(
    code=Case.Process.HOUSING,
    label=_("Housing support"),
    model=HousingCase,
    states=HousingState,
    steps=(
        Step(
            "prepare",
            (S.DRAFT, S.RETURNED),
            Role.COMMUNE_OFFICER,
            _("Prepare and submit the dossier"),
        ),
        Step("verify", (S.SUBMITTED,), Role.COMMUNE_LEADER, _("Confirm (commune)")),
        Step("review", (S.COMMUNE_VERIFIED,), Role.DISTRICT_SPECIALIST, _("Review (district)")),
        Step("approve", (S.DISTRICT_REVIEWED,), Role.OFFICE_HEAD, _("Approve")),
        Step("disburse_advance", (S.APPROVED,), Role.ACCOUNTANT, _("Pay the first tranche")),
        Step(
            "accept_completion",
            (S.PARTIALLY_DISBURSED,),
            Role.COMMUNE_OFFICER,
            _("Accept completion (nghiệm thu)"),
        ),
        Step(
            "disburse_final", (S.COMPLETION_ACCEPTED,), Role.ACCOUNTANT, _("Pay the final tranche")
        ),
    ),
    happy_path=(
        S.DRAFT,
        S.SUBMITTED,
        S.COMMUNE_VERIFIED,
        S.DISTRICT_REVIEWED,
        S.APPROVED,
        S.PARTIALLY_DISBURSED,
        S.COMPLETION_ACCEPTED,
        S.CLOSED,
    ),
    terminal=frozenset({S.CLOSED, S.REJECTED, S.WITHDRAWN, S.CANCELLED}),
    # The result handed back is the district's decision: approval or refusal.
    one_stop=OneStopSpec(
        receipt=frozenset({"submit"}),
        results=frozenset({S.APPROVED, S.REJECTED}),
        void=frozenset({S.WITHDRAWN}),
        paused=frozenset({S.RETURNED}),
    ),
    transitions={
        t.name: t
        for t in [
            T("submit", _("Submit"), {"*": OFFICER}, check=check_submit),
            T("verify", _("Confirm (commune)"), {"*": LEADER}, not_by_actors_of=("submit",)),
            T(
                "review",
                _("Review (district)"),
                {"*": SPECIALIST},
                form=ReviewForm,
                check=check_review,
                initial=initial_review,
            ),
            T(
                "approve",
                _("Approve"),
                {"*": HEAD},
                form=ApproveForm,
                not_by_actors_of=("submit", "review"),
                check=check_approve,
                apply=apply_approve,
                initial=initial_approve,
            ),
            T(
                "disburse",
                _("Record payment"),
                {"*": ACCOUNTANT},
                form=DisburseForm,
                not_by_actors_of=("approve",),
                check=check_disburse,
                apply=apply_disburse,
                initial=initial_disburse,
            ),
            T(
                "accept_completion",
                _("Accept completion (nghiệm thu)"),
                {"*": OFFICER},
                form=AcceptCompletionForm,
                check=check_accept_completion,
            ),
            T("return_for_correction", _("Return for correction"), REVIEWERS, reason_required=True),
            T("reject", _("Reject"), REVIEWERS, reason_required=True, danger=True),
            T("withdraw", _("Withdraw"), {"*": OFFICER}, reason_required=True, danger=True),
            T(
                "cancel",
                _("Cancel"),
                {"*": HEAD},
                reason_required=True,
                danger=True,
                apply=apply_cancel,
            ),
        ]
    },
)


# In the two-level government (from 01/07/2025) the commune does the district's steps.
COMMUNE_SPEC = devolve(
    SPEC,
    titles={
        "review": _("Review (commune culture–society division)"),
        "approve": _("Approve (commune chairman)"),
    },
)
