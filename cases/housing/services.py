"""Writes to housing cases other than their state (state changes go through `workflows.engine`)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.housing import duplicates
from cases.housing.models import HousingCase, HousingKind, HousingProgram, HousingState
from cases.housing.spec import cap_in_force
from cases.models import AdministrativeUnit, Case, Category, Person
from workflows import audit, flows
from workflows.actors import User
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.formatting import money
from workflows.permissions import (
    may_create_case,
)
from workflows.uniqueness import refuse_duplicates

PROGRAM_CATEGORY: dict[str, str] = {
    HousingProgram.MERIT: Category.MERIT,
    HousingProgram.POOR: Category.POOR,
    HousingProgram.NEAR_POOR: Category.NEAR_POOR,
}


def housing_case_create(
    *,
    actor: User,
    commune: AdministrativeUnit,
    applicant: Person,
    program: str,
    kind: str,
    requested_amount: int,
    description: str = "",
) -> HousingCase:
    """Open a draft housing case and its viewflow process (first task: prepare).

    Refused (`housing_open_case_exists`, naming the case) while the applicant
    or their household has an open housing case — by this check, or by the
    database's constraint when another request won a race — and
    (`housing_already_supported`) when the household was supported under the
    program within the period its rule sets. The case keeps the applicant's
    household and address as they are today."""
    if not may_create_case(actor, commune.pk):
        raise NotPermitted(_("Only an officer of this commune can open a case here."))
    errors = _housing_errors(
        commune=commune,
        applicant=applicant,
        program=program,
        kind=kind,
        requested_amount=requested_amount,
    )
    if errors:
        raise InvalidData(fields=errors)
    household_id = applicant.household_id
    duplicates.refuse_open_case(actor, applicant=applicant, household_id=household_id)
    duplicates.refuse_earlier_support(
        actor,
        applicant_id=applicant.pk,
        household_id=household_id,
        program=program,
        on=timezone.localdate(),
    )
    rules = duplicates.holders(actor, applicant=applicant, household_id=household_id)
    with refuse_duplicates(*rules):
        case = HousingCase.objects.create(
            reference=uuid.uuid4().hex[:20],
            process=Case.Process.HOUSING,
            commune=commune,
            applicant=applicant,
            created_by=actor,
            program=program,
            kind=kind,
            requested_amount=requested_amount,
            description=description,
            household_id=household_id,
            address_key=duplicates.address_key(duplicates.applicant_address(applicant)),
            open_applicant=applicant,
            open_household_id=household_id,
        )
        case.reference = f"HT-{timezone.localdate(case.created_at).year}-{case.pk:06d}"
        HousingCase.objects.filter(pk=case.pk).update(reference=case.reference)
        audit.record(
            actor=actor,
            actor_role="commune_officer",
            commune_id=commune.pk,
            case_id=case.pk,
            object_type="cases.case",
            object_id=str(case.pk),
            event="create",
            to_state=case.state,
            data={"program": program, "kind": kind, "requested_amount": requested_amount},
        )
        flows.process_start(case)
    return case


def _housing_errors(
    *,
    commune: AdministrativeUnit,
    applicant: Person,
    program: str,
    kind: str,
    requested_amount: Any,
) -> dict[str, list[str]]:

    errors: dict[str, list[str]] = {}
    if program not in HousingProgram.values:
        errors["program"] = [_("Choose a program.")]
    if kind not in HousingKind.values:
        errors["kind"] = [_("Choose build new or repair.")]
    if not isinstance(requested_amount, int) or requested_amount <= 0:
        errors["requested_amount"] = [_("Enter a positive amount in đồng.")]
    elif not errors:
        cap = cap_in_force(program, kind, timezone.localdate())
        if cap is not None and requested_amount > cap.amount:
            errors["requested_amount"] = [
                _("%(amount)s is over the cap of %(cap)s for this program and kind.")
                % {"amount": money(requested_amount), "cap": money(cap.amount)}
            ]
    if applicant.commune_id != commune.pk:
        errors["applicant"] = [_("The applicant does not live in this commune.")]
    elif program in PROGRAM_CATEGORY and PROGRAM_CATEGORY[program] not in applicant.categories:
        errors["applicant"] = [
            _("The applicant is not registered in the category this program requires.")
        ]
    return errors


def housing_case_update_draft(*, actor: User, case: HousingCase, **fields: Any) -> HousingCase:
    """Edit a draft (or returned) case's own fields; the state is not touched."""
    if case.state not in (HousingState.DRAFT, HousingState.RETURNED):
        raise TransitionNotAllowed(_("Only a draft or returned case can be edited."))
    if not may_create_case(actor, case.commune_id):
        raise NotPermitted()
    allowed = {"program", "kind", "requested_amount", "description"}
    changes = {k: v for k, v in fields.items() if k in allowed and getattr(case, k) != v}
    merged = {k: changes.get(k, getattr(case, k)) for k in ("program", "kind", "requested_amount")}
    errors = _housing_errors(commune=case.commune, applicant=case.applicant, **merged)
    if errors:
        raise InvalidData(fields=errors)
    if not changes:
        return case
    if "program" in changes:
        duplicates.refuse_earlier_support(
            actor,
            applicant_id=case.applicant_id,
            household_id=case.household_id,
            program=changes["program"],
            on=timezone.localdate(case.created_at),
            exclude_pk=case.pk,
        )
    with transaction.atomic():
        locked = HousingCase.objects.select_for_update().get(pk=case.pk)
        if locked.state not in (HousingState.DRAFT, HousingState.RETURNED):
            # Submitted since the caller read it: the check above saw a stale state.

            raise TransitionNotAllowed(_("Only a draft or returned case can be edited."))
        old = {k: getattr(locked, k) for k in changes}
        for k, v in changes.items():
            setattr(locked, k, v)
        locked.save(update_fields=[*changes, "updated_at"])
        audit.record(
            actor=actor,
            commune_id=case.commune_id,
            case_id=case.pk,
            object_type="cases.case",
            object_id=str(case.pk),
            event="edit",
            data={k: [old[k], v] for k, v in changes.items()},
        )
    return locked
