"""Drug-rehab cases: scoped reads, filing, check-ins, read and export logging.

These records are sensitive (health and law-enforcement data). Only users
holding a rehab role see them: the commune rehab officer and the head of
commune police of the case's commune, and district rehab staff. Everyone
else is told "not found", as for another commune's case. Every opening of a
case is logged with the purpose the reader gave; exports need their own
permission (`cases.export_rehab`) and are logged too.

State changes go through `workflows.engine.transition`, as for every case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import AdministrativeUnit, Case, Person
from cases.rehab.models import (
    ADULT_AGE,
    MIN_AGE,
    MINOR_GROUNDS,
    CheckinResult,
    PostRehabCheckin,
    ReferralGround,
    ReferralState,
    RehabCase,
    RehabReferral,
    RehabSetting,
    Route,
    SupportCategory,
    VoluntaryRehab,
    VoluntaryState,
)
from cases.rehab.selectors import (
    REFERENCE_PREFIX,
    ReadPurpose,
    may_export,
    support_rate,
    version_in_force,
)
from cases.services import person_errors, person_insert
from notifications.services import notifications_enqueue_for_role
from workflows import audit, flows
from workflows.actors import Reader, User
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent, ProcedureVersion
from workflows.permissions import REHAB_COMMUNE_ROLES, ROLE_LABELS, Role, scope_for
from workflows.registry import route_specs

# Who files a referral on each route (then acts on it until the court).
COMPILER = {Route.ND116_2022: Role.COMMUNE_REHAB, Route.TTLT03_2025: Role.COMMUNE_POLICE}


def _rehab_role(user: Reader, commune_id: int | None) -> str:
    scope = scope_for(user)
    roles = scope.roles_in(commune_id) if commune_id else set(scope.district_roles)
    picked = sorted(roles & {Role.COMMUNE_REHAB, Role.COMMUNE_POLICE, Role.DISTRICT_REHAB})
    return picked[0] if picked else ""


# --- logging of reads and exports ----------------------------------------------------


def purpose_errors(purpose: str, note: str) -> dict[str, list[str]]:
    if purpose not in ReadPurpose.values:
        return {"purpose": [_("Choose why you are opening this record.")]}
    if purpose == ReadPurpose.OTHER and not (note or "").strip():
        return {"purpose_note": [_("Explain why you are opening this record.")]}
    return {}


def rehab_read_record(
    *, user: Reader, case: RehabCase, purpose: str, note: str = "", via: str = "web"
) -> AuditEvent:
    """Log one reading of a case: who, when, why. The caller authorized the read."""
    errors = purpose_errors(purpose, note)
    if errors:
        raise InvalidData(
            _("Say why you are opening this record."), fields=errors, code="purpose_required"
        )
    return audit.record(
        actor=user,
        actor_role=_rehab_role(user, case.commune_id),
        commune_id=case.commune_id,
        case_id=case.pk,
        object_type="cases.case",
        object_id=str(case.pk),
        event="read",
        data={"purpose": purpose, "note": (note or "").strip()[:300], "via": via},
    )


def rehab_export_record(
    *, user: Reader, rows: int, filters: dict[str, Any], fmt: str, purpose: str, note: str = ""
) -> AuditEvent:
    """Check the export permission and log the export (what, how many, why)."""
    if not may_export(user):
        raise NotPermitted(_("Exporting drug-rehab records needs its own permission."))
    errors = purpose_errors(purpose, note)
    if errors:
        raise InvalidData(
            _("Say why you are exporting these records."), fields=errors, code="purpose_required"
        )
    return audit.record(
        actor=user,
        actor_role=_rehab_role(user, None) or Role.DISTRICT_REHAB,
        event="export",
        object_type="cases.rehabcase",
        data={
            "format": fmt,
            "rows": rows,
            "filters": {k: str(v) for k, v in filters.items() if v},
            "purpose": purpose,
            "note": (note or "").strip()[:300],
        },
    )


# --- filing -------------------------------------------------------------------------


def _age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def rehab_person(
    *,
    actor: User,
    commune: AdministrativeUnit,
    national_id: str,
    full_name: str,
    date_of_birth: dt.date | None,
    sex: str,
    address: str = "",
) -> Person:
    """The rehab registry's person with this national ID, or a new one there
    (`rehab_only`: separate from the general registry, so neither tells the
    other anything). A known ID must belong to the same name and date of birth."""
    errors = person_errors(
        full_name=full_name, date_of_birth=date_of_birth, sex=sex, national_id=national_id
    )
    if errors:
        raise InvalidData(fields=errors)
    assert date_of_birth is not None
    # The rehab registry only: nothing is shared with the general one.
    existing = Person.objects.filter(national_id=national_id, rehab_only=True).first()
    if existing is not None:
        same = (
            existing.full_name.casefold() == full_name.strip().casefold()
            and existing.date_of_birth == date_of_birth
        )
        if not same:
            msg = _(
                "This national ID is registered to a person with another name or date of birth."
            )
            raise InvalidData(msg, fields={"national_id": [msg]}, code="national_id_mismatch")
        return existing
    person = person_insert(
        actor=actor,
        actor_role=_rehab_role(actor, commune.pk),
        event="rehab_person_create",
        commune=commune,
        national_id=national_id,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=address,
        rehab_only=True,
    )
    if person is None:
        return Person.objects.get(national_id=national_id, rehab_only=True)
    return person


def _open_case_errors(process: str, person: Person) -> dict[str, list[str]]:
    """One open case per person and procedure: a second dossier is refused
    with the reference of the open one."""

    terminal = set().union(*(spec.terminal for spec in route_specs(process)))
    open_case = (
        RehabCase.objects.filter(process=process, applicant=person)
        .exclude(state__in=terminal)
        .values_list("reference", flat=True)
        .first()
    )
    if open_case:
        return {
            "national_id": [
                _("This person already has an open case of this procedure: %(ref)s.")
                % {"ref": open_case}
            ]
        }
    return {}


def _age_errors(person: Person, on: dt.date, ground: str = "") -> dict[str, list[str]]:
    if person.date_of_birth > on:
        return {"date_of_birth": [_("The date of birth cannot be in the future.")]}
    age = _age_on(person.date_of_birth, on)
    if age < MIN_AGE:
        return {
            "date_of_birth": [
                _(
                    "The person is %(age)s years old: people under 12 cannot be sent to "
                    "rehab under this procedure."
                )
                % {"age": age}
            ]
        }
    if age < ADULT_AGE and ground and ground not in MINOR_GROUNDS:
        return {
            "ground": [
                _(
                    "For ages 12 to under 18 this ground does not apply: only failing or "
                    "leaving voluntary rehab or substitution therapy."
                )
            ]
        }
    return {}


def _open(case: RehabCase, actor: User, role: str, data: dict[str, Any]) -> None:
    """Number the new case, log its creation, start its process."""
    year = timezone.localdate(case.created_at).year
    case.reference = f"{REFERENCE_PREFIX[case.process]}-{year}-{case.pk:06d}"
    Case.objects.filter(pk=case.pk).update(reference=case.reference)
    audit.record(
        actor=actor,
        actor_role=role,
        commune_id=case.commune_id,
        case_id=case.pk,
        object_type="cases.case",
        object_id=str(case.pk),
        event="create",
        to_state=case.state,
        data={"version": case.procedure_version.code, "route": case.route, **data},
    )
    flows.process_start(case)


def referral_create(
    *,
    actor: User,
    commune: AdministrativeUnit,
    applicant: Person,
    ground: str,
    violation_record_number: str = "",
    violation_on: dt.date | None = None,
    stable_residence: bool = True,
) -> RehabReferral:
    """Open a compulsory referral, bound to the procedure version in force
    today. Who may open it follows that version's route: the commune rehab
    officer (2022) or the head of commune police (2025)."""
    today = timezone.localdate()
    version = version_in_force(Case.Process.REHAB_COMPULSORY, today)
    role = COMPILER[Route(version.route)]
    if role not in scope_for(actor).roles_in(commune.pk):
        raise NotPermitted(
            _("Under the procedure in force (%(version)s) this dossier is compiled by: %(role)s.")
            % {"version": version.name, "role": _role_label(role)}
        )
    errors: dict[str, list[str]] = {}
    if ground not in ReferralGround.values:
        errors["ground"] = [_("Choose the ground for the referral.")]
    if violation_on and violation_on > today:
        errors["violation_on"] = [_("The date cannot be in the future.")]
    person_errors, code = _person_errors(Case.Process.REHAB_COMPULSORY, applicant, today, ground)
    errors.update(person_errors)
    if errors:
        raise InvalidData(fields=errors, code=code)
    with transaction.atomic():
        case = _new_referral(
            actor=actor,
            commune=commune,
            applicant=applicant,
            version=version,
            ground=ground,
            violation_record_number=violation_record_number,
            violation_on=violation_on,
            stable_residence=stable_residence,
        )
        _open(case, actor, role, {"ground": ground})
    return case


def _person_errors(
    process: str, person: Person, on: dt.date, ground: str = ""
) -> tuple[dict[str, list[str]], str]:
    """The age rules and the one-open-case rule, with the error's stable code."""
    age = _age_errors(person, on, ground)
    if age:
        under_12 = person.date_of_birth <= on and _age_on(person.date_of_birth, on) < MIN_AGE
        return age, "under_minimum_age" if under_12 else "invalid"
    open_case = _open_case_errors(process, person)
    return open_case, "open_case_exists" if open_case else "invalid"


def _role_label(role: str) -> str:

    return str(ROLE_LABELS.get(Role(role), role))


def _new_referral(
    *,
    actor: User,
    commune: AdministrativeUnit,
    applicant: Person,
    version: ProcedureVersion,
    **fields: Any,
) -> RehabReferral:
    today = timezone.localdate()
    return RehabReferral.objects.create(
        reference=uuid.uuid4().hex[:20],
        process=Case.Process.REHAB_COMPULSORY,
        commune=commune,
        applicant=applicant,
        created_by=actor,
        procedure_version=version,
        route=version.route,
        is_minor=_age_on(applicant.date_of_birth, today) < ADULT_AGE,
        **fields,
    )


def referral_follow_up(
    *, previous: RehabCase, ground: str, actor: User, found_on: dt.date | None = None
) -> RehabReferral:
    """A new referral after a relapse or a drop-out (found on `found_on`),
    linked to `previous`, under the version in force today (its filing day);
    its compiler is told. Called by the engine inside the transition that
    recorded the relapse or drop-out."""
    today = timezone.localdate()
    version = version_in_force(Case.Process.REHAB_COMPULSORY, today)
    case = _new_referral(
        actor=actor,
        commune=previous.commune,
        applicant=previous.applicant,
        version=version,
        ground=ground,
        violation_on=found_on or today,
        previous_case=previous,
    )
    _open(
        case,
        actor,
        _rehab_role(actor, previous.commune_id),
        {
            "ground": ground,
            "previous": previous.reference,
        },
    )
    notifications_enqueue_for_role(
        role=COMPILER[Route(version.route)],
        commune_id=case.commune_id,
        event="task_waiting",
        title=_("%(ref)s is waiting for you: %(state)s")
        % {"ref": case.reference, "state": ReferralState(case.state).label},
        body=_("New referral after %(ref)s.") % {"ref": previous.reference},
        url=reverse("rehab_detail", args=[case.pk]),
        case_id=case.pk,
        exclude_user_id=None,
    )
    return case


PERSON_FIELDS = ("national_id", "full_name", "date_of_birth", "sex", "address")


def rehab_case_file(
    *, actor: User, commune: AdministrativeUnit, person: dict[str, Any], create: Any, **fields: Any
) -> RehabCase:
    """Find or register the person in the rehab registry, then open the case
    with `create` (referral_create or voluntary_create), in one transaction:
    a refused case leaves no person behind. Only the commune's rehab roles
    file, checked before the registry is looked at (no probing through it)."""
    if not scope_for(actor).roles_in(commune.pk) & REHAB_COMMUNE_ROLES:
        raise NotPermitted(_("Only the commune's rehab officer or head of police files here."))
    with transaction.atomic():
        applicant = rehab_person(
            actor=actor,
            commune=commune,
            national_id=str(person["national_id"]).strip(),
            full_name=person["full_name"],
            date_of_birth=person["date_of_birth"],
            sex=person["sex"],
            address=person.get("address") or "",
        )
        case: RehabCase = create(actor=actor, commune=commune, applicant=applicant, **fields)
    return case


def voluntary_create(
    *,
    actor: User,
    commune: AdministrativeUnit,
    applicant: Person,
    setting: str,
    facility_name: str = "",
    support_category: str = "",
    estimated_cost: int = 0,
) -> VoluntaryRehab:
    """Open a voluntary-rehab registration (commune rehab officer), with the
    state's share of the costs for the support categories (dated rates)."""
    if Role.COMMUNE_REHAB not in scope_for(actor).roles_in(commune.pk):
        raise NotPermitted(_("Only the commune's rehab officer registers voluntary rehab."))
    today = timezone.localdate()
    version = version_in_force(Case.Process.REHAB_VOLUNTARY, today)
    errors: dict[str, list[str]] = {}
    if setting not in RehabSetting.values:
        errors["setting"] = [_("Choose where the rehab takes place.")]
    if setting == RehabSetting.FACILITY and not (facility_name or "").strip():
        errors["facility_name"] = [_("Name the facility.")]
    if support_category not in SupportCategory.values:
        errors["support_category"] = [_("Unknown cost-support category.")]
    if estimated_cost < 0:
        errors["estimated_cost"] = [_("The cost cannot be negative.")]
    person_errors, code = _person_errors(Case.Process.REHAB_VOLUNTARY, applicant, today)
    errors.update(person_errors)
    if errors:
        raise InvalidData(fields=errors, code=code)
    percent = support_rate(support_category, today)
    with transaction.atomic():
        case = VoluntaryRehab.objects.create(
            reference=uuid.uuid4().hex[:20],
            process=Case.Process.REHAB_VOLUNTARY,
            commune=commune,
            applicant=applicant,
            created_by=actor,
            procedure_version=version,
            route=version.route,
            is_minor=_age_on(applicant.date_of_birth, today) < ADULT_AGE,
            setting=setting,
            facility_name=(facility_name or "").strip(),
            support_category=support_category,
            estimated_cost=estimated_cost,
            support_percent=percent,
            support_amount=estimated_cost * percent // 100,
        )
        _open(case, actor, Role.COMMUNE_REHAB, {"setting": setting})
    return case


# --- post-rehab check-ins -------------------------------------------------------------

CHECKIN_STATES = {ReferralState.POST_REHAB, VoluntaryState.POST_REHAB}


def checkin_record(
    *, actor: User, case: RehabCase, checked_on: dt.date | None, result: str, note: str = ""
) -> PostRehabCheckin:
    """A periodic post-rehab check-in, by the commune (rehab officer or police)."""
    if not scope_for(actor).roles_in(case.commune_id) & REHAB_COMMUNE_ROLES:
        raise NotPermitted(_("Check-ins are recorded by the commune."))
    with transaction.atomic():
        locked = RehabCase.objects.select_for_update().get(pk=case.pk)
        if locked.state not in CHECKIN_STATES:
            raise TransitionNotAllowed(
                _("Check-ins are recorded during post-rehab management only."),
                code="not_in_post_rehab",
            )
        errors: dict[str, list[str]] = {}
        if checked_on is None:
            errors["checked_on"] = [_("Enter the date of the check-in.")]
        elif checked_on > timezone.localdate():
            errors["checked_on"] = [_("The date cannot be in the future.")]
        elif locked.post_rehab_from and checked_on < locked.post_rehab_from:
            errors["checked_on"] = [
                _("Post-rehab management started on %(date)s.")
                % {"date": locked.post_rehab_from.strftime("%d/%m/%Y")}
            ]
        if result not in CheckinResult.values:
            errors["result"] = [_("Choose the result of the check-in.")]
        if errors:
            raise InvalidData(fields=errors)
        assert checked_on is not None
        checkin = PostRehabCheckin.objects.create(
            case=locked, checked_on=checked_on, result=result, note=note, recorded_by=actor
        )
        audit.record(
            actor=actor,
            actor_role=_rehab_role(actor, case.commune_id),
            commune_id=case.commune_id,
            case_id=case.pk,
            object_type="cases.case",
            object_id=str(case.pk),
            event="checkin",
            data={"checked_on": checked_on.isoformat(), "result": result},
        )
    return checkin
