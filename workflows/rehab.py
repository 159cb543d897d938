"""The drug-rehab processes (sensitive): compulsory referral to the court on
two routes, and voluntary rehab.

A referral follows the route of the procedure version it bound to at filing
(`RehabReferral.route`):

- 2022 (NĐ 116/2021): the commune rehab officer compiles the dossier →
  notifies the person and family, who may read it → the district office's
  legality review → filed with the district court → court decision.
- 2025 (TTLT 03/2025, from 01/3/2025): the head of commune police compiles →
  notification and reading → filed with the court directly → decision.

After the decision both routes place the person in a centre, release them
into post-rehab management and complete it (Mẫu 54) or record a relapse,
which opens a new referral linked to the old case. Terms, the reading period
and the complaint window are the version's data (ProcedureVersion).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.formatting import vn_date
from cases.models import (
    Case,
    PendingManagement,
    ReferralGround,
    ReferralState,
    RehabReferral,
    Route,
    VoluntaryRehab,
    VoluntaryState,
)

from workflows import forms
from workflows.calendar import add_working_days
from workflows.permissions import Role
from workflows.specs import Errors, ProcessSpec, TransitionSpec

R = ReferralState
V = VoluntaryState
REHAB = frozenset({Role.COMMUNE_REHAB})
POLICE = frozenset({Role.COMMUNE_POLICE})
DISTRICT = frozenset({Role.DISTRICT_REHAB})
COMMUNE_2025 = REHAB | POLICE
MIN_AGE, ADULT_AGE = 12, 18


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_months(start: dt.date, months: int) -> dt.date:
    return start + relativedelta(months=months)


def missing_documents(case: Any) -> list[Any]:
    from workflows.housing import missing_documents as missing

    return missing(case)


def _filed_on(case: Case) -> dt.date:
    return timezone.localdate(case.created_at) if case.created_at else timezone.localdate()


def _not_before(value: dt.date | None, floor: dt.date | None, field: str, message: Any) -> Errors:
    if value and floor and value < floor:
        return {field: [message % {"date": vn_date(floor)}]}
    return {}


# --- compulsory referral: checks (under the engine's lock) and effects ---------


def check_notify(case: Any, data: dict, actor: Any) -> Errors | None:
    missing = missing_documents(case)
    if missing:
        labels = ", ".join(str(r.label) for r in missing)
        return {
            "documents": [
                _("The dossier is missing: %(labels)s.") % {"labels": labels},
            ]
        }
    return _not_before(
        data["notified_on"],
        _filed_on(case),
        "notified_on",
        _("The notification cannot be before the dossier was opened (%(date)s)."),
    ) or _not_before(
        data["notified_on"],
        data.get("pending_from"),
        "pending_from",
        _("The facility cannot take the person in after the notification (%(date)s)."),
    )


def apply_notify(case: Any, data: dict, actor: Any) -> None:
    days = case.procedure_version.reading_working_days
    case.reading_until = add_working_days(data["notified_on"], days)
    RehabReferral.objects.filter(pk=case.pk).update(reading_until=case.reading_until)


def _check_reading_over(case: Any) -> Errors | None:
    if case.reading_until and timezone.localdate() <= case.reading_until:
        return {
            "notified_on": [
                _(
                    "The person and family may read the dossier until %(date)s; it can be "
                    "sent on from the next day."
                )
                % {"date": vn_date(case.reading_until)}
            ]
        }
    return None


def check_send_for_review(case: Any, data: dict, actor: Any) -> Errors | None:
    return _check_reading_over(case)


def _sent_for_review_on(case: Any) -> dt.date | None:
    from workflows.models import AuditEvent

    at = (
        AuditEvent.objects.filter(case_id=case.pk, transition="send_for_review")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return timezone.localdate(at) if at else None


def check_file(case: Any, data: dict, actor: Any) -> Errors | None:
    if case.state == R.NOTIFIED:
        errors = _check_reading_over(case)
        if errors:
            return errors
    filed_on = data["filed_on"]
    if case.reading_until and filed_on <= case.reading_until:
        return {
            "filed_on": [
                _(
                    "The family could read the dossier until %(date)s: it can only have "
                    "been filed with the court after that."
                )
                % {"date": vn_date(case.reading_until)}
            ]
        }
    if case.state == R.LEGALITY_REVIEW:
        return _not_before(
            filed_on,
            _sent_for_review_on(case),
            "filed_on",
            _("The dossier reached the district office on %(date)s: it cannot be filed before."),
        )
    return None


def term_range(case: Any) -> tuple[int, int]:
    """The term the court may order under the case's version: minors or adults."""
    v = case.procedure_version
    if case.is_minor:
        return v.minor_months_min, v.minor_months_max
    return v.adult_months_min, v.adult_months_max


def check_decision(case: Any, data: dict, actor: Any) -> Errors | None:
    low, high = term_range(case)
    months = data["duration_months"]
    if not low <= months <= high:
        who = _("ages 12 to under 18") if case.is_minor else _("adults")
        return {
            "duration_months": [
                _("The term for %(who)s is %(low)s to %(high)s months.")
                % {"who": who, "low": low, "high": high}
            ]
        }
    return _not_before(
        data["decision_date"],
        case.filed_on,
        "decision_date",
        _("The decision cannot be before the dossier was filed (%(date)s)."),
    )


def apply_decision(case: Any, data: dict, actor: Any) -> None:
    days = case.procedure_version.complaint_working_days
    case.complaint_until = add_working_days(data["decision_date"], days)
    RehabReferral.objects.filter(pk=case.pk).update(complaint_until=case.complaint_until)


def check_refusal(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["decision_date"],
        case.filed_on,
        "decision_date",
        _("The decision cannot be before the dossier was filed (%(date)s)."),
    )


def check_postpone(case: Any, data: dict, actor: Any) -> Errors | None:
    if data["postponed_until"] <= timezone.localdate():
        return {"postponed_until": [_("The postponement must end after today.")]}
    return None


def check_place(case: Any, data: dict, actor: Any) -> Errors | None:
    if case.complaint_until and data["placed_on"] <= case.complaint_until:
        return {
            "placed_on": [
                _(
                    "The complaint window runs until %(date)s (5 working days from the "
                    "decision); the person can be placed from the next day."
                )
                % {"date": vn_date(case.complaint_until)}
            ]
        }
    return None


def release_due(case: Any, placed_on: dt.date) -> dt.date:
    """Placement plus the term, less the days already spent at a facility while
    the case was pending (NĐ 116 Art. 44–45: they count towards the term)."""
    due = add_months(placed_on, case.duration_months or 0)
    if (
        case.pending_management == PendingManagement.FACILITY
        and case.pending_from
        and case.pending_from < placed_on
    ):
        due -= placed_on - case.pending_from
    return due


def apply_place(case: Any, data: dict, actor: Any) -> None:
    case.release_due_on = release_due(case, data["placed_on"])
    RehabReferral.objects.filter(pk=case.pk).update(release_due_on=case.release_due_on)


def check_release(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["released_on"],
        case.placed_on,
        "released_on",
        _("The release cannot be before the placement (%(date)s)."),
    )


def post_rehab_months(case: Any) -> int:
    """2 years after an adult's compulsory rehab; 1 year after voluntary rehab
    or for minors (Art. 40) — as the version's data says."""
    v = case.procedure_version
    return v.post_rehab_months_minor if case.is_minor else v.post_rehab_months_adult


def _start_post_rehab(case: Any, start: dt.date) -> None:
    months = post_rehab_months(case)
    case.post_rehab_months = months
    case.post_rehab_until = add_months(start, months)
    type(case).objects.filter(pk=case.pk).update(
        post_rehab_months=months, post_rehab_until=case.post_rehab_until
    )


def apply_release(case: Any, data: dict, actor: Any) -> None:
    _start_post_rehab(case, data["released_on"])


def check_complete(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["completed_on"],
        case.post_rehab_until,
        "completed_on",
        _("Post-rehab management runs until %(date)s."),
    )


def check_relapse(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["relapse_on"],
        case.post_rehab_from,
        "relapse_on",
        _("Post-rehab management started on %(date)s."),
    )


def _follow_up(case: Any, ground: str, on: dt.date, actor: Any) -> None:
    """Open the compulsory referral a relapse or drop-out calls for (linked to
    `case`), unless the person's age rules it out (relapse: adults only)."""
    from cases.rehab import referral_follow_up

    age = age_on(case.applicant.date_of_birth, on)
    if age < MIN_AGE or (ground == ReferralGround.RELAPSE and age < ADULT_AGE):
        return
    referral_follow_up(previous=case, ground=ground, actor=actor, found_on=on)


def apply_relapse(case: Any, data: dict, actor: Any) -> None:
    _follow_up(case, ReferralGround.RELAPSE, data["relapse_on"], actor)


# --- voluntary rehab ---------------------------------------------------------------


def check_register(case: Any, data: dict, actor: Any) -> Errors | None:
    missing = missing_documents(case)
    if missing:
        labels = ", ".join(str(r.label) for r in missing)
        return {"documents": [_("The dossier is missing: %(labels)s.") % {"labels": labels}]}
    return _not_before(
        data["registered_on"],
        _filed_on(case),
        "registered_on",
        _("The registration cannot be before the case was opened (%(date)s)."),
    )


def check_voluntary_decision(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["decision_date"],
        case.registered_on,
        "decision_date",
        _("The decision cannot be before the registration (%(date)s)."),
    )


def check_start(case: Any, data: dict, actor: Any) -> Errors | None:
    from cases.models import RehabSetting

    if case.setting == RehabSetting.FACILITY:
        low, high = term_range(case)
        if not low <= data["duration_months"] <= high:
            return {
                "duration_months": [
                    _("Voluntary rehab at a facility lasts %(low)s to %(high)s months.")
                    % {"low": low, "high": high}
                ]
            }
    return _not_before(
        data["start_on"],
        case.decision_date,
        "start_on",
        _("Treatment cannot start before the decision (%(date)s)."),
    )


def apply_start(case: Any, data: dict, actor: Any) -> None:
    case.end_due_on = add_months(data["start_on"], data["duration_months"])
    VoluntaryRehab.objects.filter(pk=case.pk).update(end_due_on=case.end_due_on)


def check_finish(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["finished_on"],
        case.start_on,
        "finished_on",
        _("Treatment started on %(date)s."),
    )


def apply_finish(case: Any, data: dict, actor: Any) -> None:
    # Voluntary rehab: 1 year of post-rehab management whatever the age.
    months = case.procedure_version.post_rehab_months_adult
    case.post_rehab_months = months
    case.post_rehab_until = add_months(data["finished_on"], months)
    VoluntaryRehab.objects.filter(pk=case.pk).update(
        post_rehab_months=months, post_rehab_until=case.post_rehab_until
    )


def check_drop_out(case: Any, data: dict, actor: Any) -> Errors | None:
    return _not_before(
        data["dropped_on"], case.start_on, "dropped_on", _("Treatment started on %(date)s.")
    )


def apply_drop_out(case: Any, data: dict, actor: Any) -> None:
    _follow_up(case, ReferralGround.VOLUNTARY_DROPOUT, data["dropped_on"], actor)


# --- the specs ---------------------------------------------------------------------

T = TransitionSpec


def _after_decision(commune: frozenset[str]) -> list[TransitionSpec]:
    """The steps after the court's decision, the same on both routes."""
    return [
        T(
            "postpone",
            _("Postpone placement"),
            {"*": commune},
            form=forms.PostponeForm,
            reason_required=True,
            check=check_postpone,
        ),
        T("resume", _("End the postponement"), {"*": commune}),
        T(
            "exempt",
            _("Exempt from placement"),
            {"*": commune},
            form=forms.ExemptForm,
            reason_required=True,
            danger=True,
        ),
        T(
            "place",
            _("Record placement in the centre"),
            {"*": commune},
            form=forms.PlaceForm,
            check=check_place,
            apply=apply_place,
        ),
        T(
            "release",
            _("Record release (post-rehab management starts)"),
            {"*": commune},
            form=forms.ReleaseForm,
            check=check_release,
            apply=apply_release,
        ),
        *_post_rehab_end(commune, _("Record a relapse (opens a new referral)")),
    ]


def _post_rehab_end(roles: frozenset[str], relapse_label: Any) -> list[TransitionSpec]:
    """How post-rehab management ends, after either process: completion
    (Mẫu 54) or a relapse, which opens a new compulsory referral."""
    return [
        T(
            "complete",
            _("Complete post-rehab management (Mẫu 54)"),
            {"*": roles},
            form=forms.CompleteForm,
            check=check_complete,
        ),
        T(
            "relapse",
            relapse_label,
            {"*": roles},
            form=forms.RelapseForm,
            reason_required=True,
            check=check_relapse,
            apply=apply_relapse,
            danger=True,
        ),
    ]


def _referral_spec(route: str) -> ProcessSpec:
    is_2022 = route == Route.ND116_2022
    compiler = REHAB if is_2022 else POLICE
    filer = DISTRICT if is_2022 else POLICE
    commune = REHAB if is_2022 else COMMUNE_2025
    compiler_role = Role.COMMUNE_REHAB if is_2022 else Role.COMMUNE_POLICE
    filer_role = Role.DISTRICT_REHAB if is_2022 else Role.COMMUNE_POLICE
    steps = [
        T(
            "notify",
            _("Record the notification (the family may read the dossier)"),
            {"*": compiler},
            form=forms.NotifyForm,
            check=check_notify,
            apply=apply_notify,
        ),
        T(
            "file_with_court",
            _("File with the court"),
            {R.LEGALITY_REVIEW if is_2022 else R.NOTIFIED: filer},
            form=forms.CourtFilingForm,
            check=check_file,
        ),
        T(
            "record_decision",
            _("Record the court decision"),
            {"*": filer},
            form=forms.CourtDecisionForm,
            check=check_decision,
            apply=apply_decision,
        ),
        T(
            "record_refusal",
            _("Record that the court did not order rehab"),
            {"*": filer},
            form=forms.CourtRefusalForm,
            reason_required=True,
            check=check_refusal,
            danger=True,
        ),
        *_after_decision(commune),
        T(
            "withdraw",
            _("Withdraw the dossier"),
            {"*": compiler},
            reason_required=True,
            danger=True,
        ),
    ]
    if is_2022:
        steps += [
            T(
                "send_for_review",
                _("Send to the district office for legality review"),
                {"*": REHAB},
                check=check_send_for_review,
            ),
            T(
                "return_for_correction",
                _("Return to the commune for correction"),
                {"*": DISTRICT},
                reason_required=True,
            ),
        ]
    acting: dict[str, str] = {
        R.DRAFT: compiler_role,
        R.NOTIFIED: compiler_role,
        R.FILED: filer_role,
        R.DECIDED: Role.COMMUNE_REHAB,
        R.POSTPONED: Role.COMMUNE_REHAB,
        R.IN_TREATMENT: Role.COMMUNE_REHAB,
        R.POST_REHAB: Role.COMMUNE_REHAB,
    }
    if is_2022:
        acting[R.LEGALITY_REVIEW] = Role.DISTRICT_REHAB
    happy = [R.DRAFT, R.NOTIFIED, R.FILED, R.DECIDED, R.IN_TREATMENT, R.POST_REHAB, R.CLOSED]
    if is_2022:
        happy.insert(2, R.LEGALITY_REVIEW)
    return ProcessSpec(
        code=Case.Process.REHAB_COMPULSORY,
        label=_("Compulsory drug rehab referral"),
        model=RehabReferral,
        states=ReferralState,
        route=route,
        acting_role=acting,
        happy_path=tuple(happy),
        terminal=frozenset({R.CLOSED, R.RELAPSED, R.COURT_REFUSED, R.EXEMPTED, R.WITHDRAWN}),
        detail_url="rehab_detail",
        sensitive=True,
        transitions={t.name: t for t in steps},
    )


REFERRAL_2022 = _referral_spec(Route.ND116_2022)
REFERRAL_2025 = _referral_spec(Route.TTLT03_2025)

VOLUNTARY = ProcessSpec(
    code=Case.Process.REHAB_VOLUNTARY,
    label=_("Voluntary drug rehab"),
    model=VoluntaryRehab,
    states=VoluntaryState,
    route=Route.VOLUNTARY,
    acting_role={
        V.DRAFT: Role.COMMUNE_REHAB,
        V.REGISTERED: Role.COMMUNE_REHAB,
        V.APPROVED: Role.COMMUNE_REHAB,
        V.IN_TREATMENT: Role.COMMUNE_REHAB,
        V.POST_REHAB: Role.COMMUNE_REHAB,
    },
    happy_path=(V.DRAFT, V.REGISTERED, V.APPROVED, V.IN_TREATMENT, V.POST_REHAB, V.CLOSED),
    terminal=frozenset({V.CLOSED, V.RELAPSED, V.DROPPED_OUT, V.REFUSED, V.WITHDRAWN}),
    detail_url="rehab_detail",
    sensitive=True,
    transitions={
        t.name: t
        for t in [
            T(
                "register",
                _("Register (the commune decides within 3 working days)"),
                {"*": REHAB},
                form=forms.RegisterForm,
                check=check_register,
            ),
            T(
                "approve",
                _("Record the commune chairman's decision"),
                {"*": REHAB},
                form=forms.VoluntaryDecisionForm,
                check=check_voluntary_decision,
            ),
            T(
                "refuse",
                _("Refuse the registration"),
                {"*": REHAB},
                reason_required=True,
                danger=True,
            ),
            T(
                "start",
                _("Record the start of treatment"),
                {"*": REHAB},
                form=forms.StartTreatmentForm,
                check=check_start,
                apply=apply_start,
            ),
            T(
                "finish",
                _("Record the end of treatment (post-rehab management starts)"),
                {"*": REHAB},
                form=forms.FinishTreatmentForm,
                check=check_finish,
                apply=apply_finish,
            ),
            T(
                "drop_out",
                _("Record a drop-out (opens a compulsory referral)"),
                {"*": REHAB},
                form=forms.DropOutForm,
                reason_required=True,
                check=check_drop_out,
                apply=apply_drop_out,
                danger=True,
            ),
            *_post_rehab_end(REHAB, _("Record a relapse (opens a compulsory referral)")),
            T("withdraw", _("Withdraw"), {"*": REHAB}, reason_required=True, danger=True),
        ]
    },
)
