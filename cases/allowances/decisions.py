"""What the decisions on an entitlement do (the checks and effects of the
entitlement decision and of the entitlement's own transitions), run by the
engine under its lock, in its transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _

from cases.allowances.models import (
    DECISION_OPEN,
    HELD,
    LINE_LIVE,
    AllowanceCase,
    DecisionKind,
    EndReason,
    Entitlement,
    LineKind,
    PayrollLine,
    Suspension,
)
from cases.allowances.rates import add_months, month_start
from cases.models import AdministrativeUnit
from cases.selectors import missing_documents
from workflows.actors import User
from workflows.engine import transition
from workflows.exceptions import InvalidData
from workflows.formatting import month_label
from workflows.specs import refuse
from workflows.uniqueness import AlreadyHeld, OneActive, refuse_duplicates, violated_constraint


def held_entitlement(person_id: int, regime: str) -> Entitlement | None:
    """The person's active or suspended entitlement of the regime, if any."""
    return (
        Entitlement.objects.filter(person_id=person_id, regime=regime, state__in=HELD)
        .order_by("-id")
        .first()
    )


def _already_held(existing: Entitlement | None) -> AlreadyHeld:
    return AlreadyHeld(
        _("This person already receives this allowance (from %(month)s).")
        % {"month": month_label(existing.start_month) if existing else "?"},
        code="entitlement_active_exists",
        existing_id=existing.pk if existing else None,
    )


def check_submit(case: AllowanceCase, data: dict[str, Any], actor: User) -> None:
    """The documents the regime requires are there; a new entitlement is not
    asked for a person who already has one (or another open dossier)."""
    missing = missing_documents(case)
    if missing:
        raise InvalidData(
            _("Documents missing: %(docs)s.") % {"docs": ", ".join(d.label for d in missing)},
            code="documents_missing",
        )
    if case.kind == DecisionKind.NEW:
        existing = held_entitlement(case.applicant_id, case.regime)
        if existing is not None:
            raise _already_held(existing)
    other = (
        AllowanceCase.objects.filter(applicant_id=case.applicant_id, regime=case.regime)
        .filter(state__in=DECISION_OPEN)
        .exclude(pk=case.pk)
        .exclude(state__in=["draft", "returned"])
        .first()
    )
    if other is not None:
        raise InvalidData(
            _("Another dossier of this person for this allowance is being processed: %(ref)s.")
            % {"ref": other.reference},
            code="allowance_case_open_exists",
        )


def check_decide(case: AllowanceCase, data: dict[str, Any], actor: User) -> None:
    start = data["start_month"]
    decided = data["decision_date"]
    if start > add_months(month_start(decided), 1):
        refuse(
            {
                "start_month": [
                    _("The allowance cannot start after the month following the decision.")
                ]
            }
        )
    if case.kind == DecisionKind.CHANGE and case.replaces is not None:
        if start <= case.replaces.start_month:
            refuse(
                {
                    "start_month": [
                        _(
                            "The change must start after %(month)s, when the current decision "
                            "starts."
                        )
                        % {"month": month_label(case.replaces.start_month)}
                    ]
                }
            )


def _entitlement_create(case: AllowanceCase, start: dt.date, previous: Entitlement | None) -> None:
    rule = OneActive(
        constraint="entitlement_one_active",
        holder=lambda: held_entitlement(case.applicant_id, case.regime),
        refusal=_already_held,
    )
    try:
        with refuse_duplicates(rule):
            Entitlement.objects.create(
                person_id=case.applicant_id,
                regime=case.regime,
                category_id=case.category_id,
                degree=case.degree,
                commune_id=case.commune_id,
                start_month=start,
                decision_number=case.decision_number,
                decision_date=case.decision_date,
                case=case,
                previous=previous,
                payment_method=case.payment_method,
                bank_account=case.bank_account,
                bank_name=case.bank_name,
                arrears_from=start,
            )
    except IntegrityError as exc:
        if violated_constraint(exc) == "entitlement_no_double_month":
            raise InvalidData(
                _("Another decision already pays this person for %(month)s or later.")
                % {"month": month_label(start)},
                code="entitlement_overlaps",
            ) from exc
        raise


def apply_decide(case: AllowanceCase, data: dict[str, Any], actor: User) -> None:
    """The decision creates the entitlement from its start month; a change ends
    the entitlement it replaces the month before (no gap, no double month)."""
    start = data["start_month"]
    previous = None
    if case.kind == DecisionKind.CHANGE and case.replaces_id:
        previous = Entitlement.objects.get(pk=case.replaces_id)
        transition(
            previous,
            "replace",
            actor=actor,
            data={"last_month": add_months(start, -1)},
            reason=_("Replaced by decision %(number)s") % {"number": case.decision_number},
        )
    _entitlement_create(case, start, previous)


# --- the entitlement's own decisions ----------------------------------------------


def apply_suspend(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    # The reason is the transition's own (its audit event keeps it).
    Suspension.objects.create(entitlement=ent, from_month=data["from_month"], created_by=actor)


def check_suspend(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    if data["from_month"] < ent.start_month:
        refuse({"from_month": [_("The entitlement starts later than this month.")]})


def apply_resume(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    """Close the open suspension before the month payment resumes; with
    `pay_back` its months are owed again, and the next payroll pays them."""
    suspension = Suspension.objects.select_for_update().get(entitlement=ent, to_month__isnull=True)
    resume = data["resume_month"]
    if resume < suspension.from_month:
        refuse({"resume_month": [_("Payment cannot resume before the suspension began.")]})
    pay_back = bool(data.get("pay_back")) or resume == suspension.from_month
    suspension.to_month = max(suspension.from_month, add_months(resume, -1))
    suspension.pay_back = pay_back
    suspension.save(update_fields=["to_month", "pay_back"])
    owed_from = suspension.from_month if pay_back else resume
    if ent.arrears_from is None or owed_from < ent.arrears_from:
        Entitlement.objects.filter(pk=ent.pk).update(arrears_from=owed_from)


def clean_terminate(data: dict[str, Any]) -> dict[str, Any]:
    """The last month paid: the month of death (the allowance stops the month
    after), or the month given."""
    if data.get("end_reason") == EndReason.DEATH:
        data["end_month"] = month_start(data["died_on"])
    else:
        data["end_month"] = data["last_month"]
    return data


def check_replace(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    data["end_month"] = data["last_month"]


def check_terminate(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    clean_terminate(data)
    if data["end_month"] < ent.start_month:
        refuse({"last_month": [_("The entitlement starts after this month.")]})


def check_transfer(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    """The receiving commune exists and is another commune; no payroll of the
    sending commune already lists the person for the first month the
    receiving commune pays (that would pay the month twice)."""
    start = data["from_month"]
    target = AdministrativeUnit.objects.filter(
        pk=data["to_commune"], level=AdministrativeUnit.Level.COMMUNE
    ).first()
    if target is None or target.pk == ent.commune_id:
        refuse({"to_commune": [_("Choose the commune the person moved to.")]})
    if start <= ent.start_month:
        refuse({"from_month": [_("The transfer must start after the entitlement starts.")]})
    listed = (
        PayrollLine.objects.filter(
            entitlement_id=ent.pk,
            kind=LineKind.REGULAR,
            for_month__gte=start,
            month__gte=start,
            state__in=LINE_LIVE,
        )
        .order_by("-for_month")
        .values_list("for_month", flat=True)
        .first()
    )
    if listed is not None:
        refuse(
            {
                "from_month": [
                    _(
                        "The payroll of %(month)s of the sending commune already pays this "
                        "person: the receiving commune can pay from %(next)s."
                    )
                    % {"month": month_label(listed), "next": month_label(add_months(listed, 1))}
                ]
            }
        )
    data["end_month"] = add_months(start, -1)


def apply_transfer(ent: Entitlement, data: dict[str, Any], actor: User) -> None:
    """The receiving commune pays from the month given, on the same decision."""
    Entitlement.objects.create(
        person_id=ent.person_id,
        regime=ent.regime,
        category_id=ent.category_id,
        degree=ent.degree,
        commune_id=data["to_commune"],
        start_month=data["from_month"],
        decision_number=ent.decision_number,
        decision_date=ent.decision_date,
        case_id=ent.case_id,
        previous=ent,
        payment_method=ent.payment_method,
        bank_account=ent.bank_account,
        bank_name=ent.bank_name,
    )
