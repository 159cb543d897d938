"""Allowances: the services people call (open a decision dossier, generate a
commune's payroll, record payment results, settle lines not paid). State
changes go through `workflows.engine.transition`; lines move with
`bulk_transition` (`cases/allowances/lines.py`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.allowances import differences, generation
from cases.allowances.lines import move_lines, payroll_lines, payroll_lines_among, totals_refresh
from cases.allowances.models import (
    AllowanceCase,
    AllowanceCategory,
    DecisionKind,
    Entitlement,
    LineState,
    Payroll,
    PayrollState,
    Regime,
)
from cases.allowances.rates import month_start
from cases.models import AdministrativeUnit, Case, Person
from workflows import audit, flows
from workflows.actors import User
from workflows.devolution import step_role
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.formatting import month_label
from workflows.permissions import Role, does_step, may_create_case, scope_for
from workflows.specs import refuse

LN = LineState
PAYROLL_TYPE = "allowances.payroll"
ACCOUNTANT = frozenset({Role.ACCOUNTANT})


# --- decision dossiers -------------------------------------------------------------


def allowance_case_create(
    *,
    actor: User,
    commune: AdministrativeUnit,
    applicant: Person,
    regime: str,
    category: AllowanceCategory,
    requested_start_month: dt.date,
    degree: int | None = None,
    payment_method: str = "post",
    bank_account: str = "",
    bank_name: str = "",
    replaces: Entitlement | None = None,
    note: str = "",
) -> AllowanceCase:
    """Open a draft dossier (a new entitlement, or a change of category or
    degree of `replaces`) and its viewflow process (first task: prepare)."""
    if not may_create_case(actor, commune.pk):
        raise NotPermitted(_("Only an officer of this commune can open a dossier here."))
    errors: dict[str, list[str]] = {}
    if regime not in Regime.values or category.regime != regime:
        errors["category"] = [_("Choose a category of this allowance.")]
    if category.by_degree and not (degree and 21 <= degree <= 100):
        errors["degree"] = [_("Give the degree of lost working capacity (21–100 %).")]
    if not category.by_degree and degree:
        errors["degree"] = [_("This category is not paid by degree.")]
    if payment_method == "bank" and not bank_account:
        errors["bank_account"] = [_("Give the bank account for a bank transfer.")]
    if applicant.commune_id != commune.pk:
        errors["applicant"] = [_("The person is not registered in this commune.")]
    if replaces is not None and (replaces.person_id != applicant.pk or replaces.regime != regime):
        errors["replaces"] = [_("The decision to change is not this person's.")]
    refuse(errors)
    with transaction.atomic():
        case = AllowanceCase.objects.create(
            reference=uuid.uuid4().hex[:20],
            process=Case.Process.ALLOWANCE,
            commune=commune,
            applicant=applicant,
            created_by=actor,
            kind=DecisionKind.CHANGE if replaces else DecisionKind.NEW,
            regime=regime,
            category=category,
            degree=degree,
            requested_start_month=month_start(requested_start_month),
            payment_method=payment_method,
            bank_account=bank_account,
            bank_name=bank_name,
            replaces=replaces,
            note=note,
        )
        case.reference = f"TC-{timezone.localdate(case.created_at).year}-{case.pk:06d}"
        AllowanceCase.objects.filter(pk=case.pk).update(reference=case.reference)
        audit.record(
            actor=actor,
            actor_role=Role.COMMUNE_OFFICER,
            commune_id=commune.pk,
            case_id=case.pk,
            object_type="cases.case",
            object_id=str(case.pk),
            event="create",
            to_state=case.state,
            # The category's name (its code would reach the trail's screens).
            data={"regime": regime, "category": category.name, "kind": case.kind},
        )
        flows.process_start(case)
    return case


# --- payrolls ----------------------------------------------------------------------


def _require_officer(actor: User, commune_id: int) -> None:
    if Role.COMMUNE_OFFICER not in scope_for(actor).roles_in(commune_id):
        raise NotPermitted(_("Only an officer of this commune can prepare its payroll."))


def payroll_generate(*, actor: User, commune: AdministrativeUnit, month: dt.date) -> Payroll:
    """Open the commune's payroll for the month (once, with its process) and
    (re)generate its lines from the entitlements and the rates in force.
    Allowed while the payroll is a draft; a payroll sent back for correction
    is a draft again. One audit event with the counts and the total."""
    _require_officer(actor, commune.pk)
    month = month_start(month)
    with transaction.atomic():
        payroll, created = Payroll.objects.get_or_create(
            commune=commune, month=month, defaults={"created_by": actor}
        )
        if created:
            flows.process_start(payroll)
        payroll = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if payroll.state != PayrollState.DRAFT:
            raise TransitionNotAllowed(
                _("The payroll of %(month)s is past its draft: it can no longer be regenerated.")
                % {"month": month_label(month)},
                code="payroll_state",
            )
        result = generation.generate(payroll)
        now = timezone.now()
        Payroll.objects.filter(pk=payroll.pk).update(generated_at=now, generated_by=actor)
        totals_refresh(payroll)
        differences.compute(payroll)
        differences.compute_following(payroll)
        payroll.refresh_from_db()
        audit.record(
            actor=actor,
            actor_role=Role.COMMUNE_OFFICER,
            commune_id=commune.pk,
            object_type=PAYROLL_TYPE,
            object_id=str(payroll.pk),
            event="payroll_generate",
            data={
                "lines": result.lines,
                "regular": result.regular,
                "arrears": result.arrears,
                "carried": result.carried,
                "one_off": result.one_off,
                "total": payroll.total_amount,
                "revised_from": result.revised_from,
            },
        )
    return payroll


def require_accountant(actor: User, payroll: Payroll) -> None:
    """The payroll's accountant (the commune's, in the two-level government)."""
    if not does_step(actor, Role.ACCOUNTANT, payroll.commune_id):
        raise NotPermitted(_("Only an accountant can record payment results."))


def _locked_in(payroll: Payroll, state: str) -> Payroll:
    locked = Payroll.objects.select_for_update().get(pk=payroll.pk)
    if locked.state != state:
        raise TransitionNotAllowed(
            _("This can only be done while the payroll is “%(state)s”.")
            % {"state": PayrollState(state).label},
            code="payroll_state",
        )
    return locked


@dataclass
class ResultsRecorded:
    paid: int = 0
    unpaid: int = 0


def payroll_results_record(
    *,
    actor: User,
    payroll: Payroll,
    paid: dict[int, dt.date],
    unpaid: dict[int, str],
    source: str = "",
) -> ResultsRecorded:
    """Record payment results of lines sent for payment: paid on a date, or
    not paid with a reason. Lines are moved in groups (one statement per
    date or reason, whatever the number of lines); a line not sent (already
    recorded, or not this payroll's) refuses the whole lot."""
    require_accountant(actor, payroll)
    out = ResultsRecorded()
    with transaction.atomic():
        locked = _locked_in(payroll, PayrollState.SENT)
        by_date: dict[dt.date, list[int]] = defaultdict(list)
        for line_id, day in paid.items():
            by_date[day].append(line_id)
        by_reason: dict[str, list[int]] = defaultdict(list)
        for line_id, reason in unpaid.items():
            by_reason[reason].append(line_id)
        for day, ids in sorted(by_date.items()):
            r = move_lines(
                locked,
                payroll_lines_among(locked, ids),
                "record_paid",
                actor=actor,
                roles=ACCOUNTANT,
                values={"paid_on": day},
                refresh=False,
            )
            out.paid += r.count
        for reason, ids in sorted(by_reason.items()):
            r = move_lines(
                locked,
                payroll_lines_among(locked, ids),
                "record_unpaid",
                actor=actor,
                roles=ACCOUNTANT,
                values={"unpaid_reason": reason},
                refresh=False,
            )
            out.unpaid += r.count
        totals_refresh(locked)
        audit.record(
            actor=actor,
            actor_role=step_role(Role.ACCOUNTANT, locked.commune_id),
            commune_id=locked.commune_id,
            object_type=PAYROLL_TYPE,
            object_id=str(locked.pk),
            event="payroll_results",
            data={"paid": out.paid, "unpaid": out.unpaid, "source": source},
        )
    return out


def payroll_unpaid_settle(
    *, actor: User, payroll: Payroll, carry: list[int], give_back: list[int]
) -> tuple[int, int]:
    """Lines not paid: carry them to the next month's payroll (it lists them
    again when generated) or return their money to the budget."""
    require_accountant(actor, payroll)
    if set(carry) & set(give_back):
        raise InvalidData(_("A line cannot be both carried and returned."), code="line_twice")
    with transaction.atomic():
        locked = _locked_in(payroll, PayrollState.SENT)
        lines = payroll_lines(locked)
        carried = move_lines(
            locked,
            lines.filter(pk__in=carry),
            "carry",
            actor=actor,
            roles=ACCOUNTANT,
            refresh=False,
        )
        returned = move_lines(
            locked,
            lines.filter(pk__in=give_back),
            "return_unpaid",
            actor=actor,
            roles=ACCOUNTANT,
            refresh=False,
        )
        totals_refresh(locked)
        # Next month's payroll compares itself with this one's live lines.
        differences.compute_following(locked)
    return carried.count, returned.count
