"""The checks and effects of the drug-rehab transitions (terms, dates, reading and
complaint periods, post-rehab), which the spec attaches to each transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.rehab.models import (
    ADULT_AGE,
    MIN_AGE,
    PendingManagement,
    R,
    ReferralGround,
    RehabReferral,
    RehabSetting,
    VoluntaryRehab,
)
from cases.rehab.services import referral_follow_up
from cases.selectors import missing_documents
from workflows.actors import User
from workflows.calendar import add_working_days
from workflows.formatting import vn_date
from workflows.models import AuditEvent
from workflows.specs import Errors, refuse


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_months(start: dt.date, months: int) -> dt.date:
    return start + relativedelta(months=months)


def _filed_on(case: Case) -> dt.date:
    return timezone.localdate(case.created_at) if case.created_at else timezone.localdate()


def _not_before(value: dt.date | None, floor: dt.date | None, field: str, message: Any) -> Errors:
    if value and floor and value < floor:
        return {field: [message % {"date": vn_date(floor)}]}
    return {}


# --- compulsory referral: checks (under the engine's lock) and effects ---------


def check_notify(case: Any, data: dict, actor: User) -> None:
    missing = missing_documents(case)
    if missing:
        labels = ", ".join(str(r.label) for r in missing)
        refuse(
            {
                "documents": [
                    _("The dossier is missing: %(labels)s.") % {"labels": labels},
                ]
            }
        )
        return
    refuse(
        _not_before(
            data["notified_on"],
            _filed_on(case),
            "notified_on",
            _("The notification cannot be before the dossier was opened (%(date)s)."),
        )
        or _not_before(
            data["notified_on"],
            data.get("pending_from"),
            "pending_from",
            _("The facility cannot take the person in after the notification (%(date)s)."),
        )
    )


def apply_notify(case: Any, data: dict, actor: User) -> None:
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


def check_send_for_review(case: Any, data: dict, actor: User) -> None:
    refuse(_check_reading_over(case))


def _sent_for_review_on(case: Any) -> dt.date | None:

    at = (
        AuditEvent.objects.filter(case_id=case.pk, transition="send_for_review")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return timezone.localdate(at) if at else None


def check_file(case: Any, data: dict, actor: User) -> None:
    if case.state == R.NOTIFIED:
        errors = _check_reading_over(case)
        if errors:
            refuse(errors)
            return
    filed_on = data["filed_on"]
    if case.reading_until and filed_on <= case.reading_until:
        refuse(
            {
                "filed_on": [
                    _(
                        "The family could read the dossier until %(date)s: it can only have "
                        "been filed with the court after that."
                    )
                    % {"date": vn_date(case.reading_until)}
                ]
            }
        )
        return
    if case.state == R.LEGALITY_REVIEW:
        refuse(
            _not_before(
                filed_on,
                _sent_for_review_on(case),
                "filed_on",
                _(
                    "The dossier reached the district office on %(date)s: "
                    "it cannot be filed before."
                ),
            )
        )


def term_range(case: Any) -> tuple[int, int]:
    """The term the court may order under the case's version: minors or adults."""
    v = case.procedure_version
    if case.is_minor:
        return v.minor_months_min, v.minor_months_max
    return v.adult_months_min, v.adult_months_max


def check_decision(case: Any, data: dict, actor: User) -> None:
    low, high = term_range(case)
    months = data["duration_months"]
    if not low <= months <= high:
        who = _("ages 12 to under 18") if case.is_minor else _("adults")
        refuse(
            {
                "duration_months": [
                    _("The term for %(who)s is %(low)s to %(high)s months.")
                    % {"who": who, "low": low, "high": high}
                ]
            }
        )
        return
    refuse(
        _not_before(
            data["decision_date"],
            case.filed_on,
            "decision_date",
            _("The decision cannot be before the dossier was filed (%(date)s)."),
        )
    )


def apply_decision(case: Any, data: dict, actor: User) -> None:
    days = case.procedure_version.complaint_working_days
    case.complaint_until = add_working_days(data["decision_date"], days)
    RehabReferral.objects.filter(pk=case.pk).update(complaint_until=case.complaint_until)


def check_refusal(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["decision_date"],
            case.filed_on,
            "decision_date",
            _("The decision cannot be before the dossier was filed (%(date)s)."),
        )
    )


def check_postpone(case: Any, data: dict, actor: User) -> None:
    if data["postponed_until"] <= timezone.localdate():
        refuse({"postponed_until": [_("The postponement must end after today.")]})


def check_place(case: Any, data: dict, actor: User) -> None:
    if case.complaint_until and data["placed_on"] <= case.complaint_until:
        refuse(
            {
                "placed_on": [
                    _(
                        "The complaint window runs until %(date)s (5 working days from the "
                        "decision); the person can be placed from the next day."
                    )
                    % {"date": vn_date(case.complaint_until)}
                ]
            }
        )


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


def apply_place(case: Any, data: dict, actor: User) -> None:
    case.release_due_on = release_due(case, data["placed_on"])
    RehabReferral.objects.filter(pk=case.pk).update(release_due_on=case.release_due_on)


def check_release(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["released_on"],
            case.placed_on,
            "released_on",
            _("The release cannot be before the placement (%(date)s)."),
        )
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


def apply_release(case: Any, data: dict, actor: User) -> None:
    _start_post_rehab(case, data["released_on"])


def check_complete(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["completed_on"],
            case.post_rehab_until,
            "completed_on",
            _("Post-rehab management runs until %(date)s."),
        )
    )


def check_relapse(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["relapse_on"],
            case.post_rehab_from,
            "relapse_on",
            _("Post-rehab management started on %(date)s."),
        )
    )


def _follow_up(case: Any, ground: str, on: dt.date, actor: User) -> None:
    """Open the compulsory referral a relapse or drop-out calls for (linked to
    `case`), unless the person's age rules it out (relapse: adults only)."""

    age = age_on(case.applicant.date_of_birth, on)
    if age < MIN_AGE or (ground == ReferralGround.RELAPSE and age < ADULT_AGE):
        return
    referral_follow_up(previous=case, ground=ground, actor=actor, found_on=on)


def apply_relapse(case: Any, data: dict, actor: User) -> None:
    _follow_up(case, ReferralGround.RELAPSE, data["relapse_on"], actor)


# --- voluntary rehab ---------------------------------------------------------------


def check_register(case: Any, data: dict, actor: User) -> None:
    missing = missing_documents(case)
    if missing:
        labels = ", ".join(str(r.label) for r in missing)
        refuse({"documents": [_("The dossier is missing: %(labels)s.") % {"labels": labels}]})
        return
    refuse(
        _not_before(
            data["registered_on"],
            _filed_on(case),
            "registered_on",
            _("The registration cannot be before the case was opened (%(date)s)."),
        )
    )


def check_voluntary_decision(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["decision_date"],
            case.registered_on,
            "decision_date",
            _("The decision cannot be before the registration (%(date)s)."),
        )
    )


def check_start(case: Any, data: dict, actor: User) -> None:

    if case.setting == RehabSetting.FACILITY:
        low, high = term_range(case)
        if not low <= data["duration_months"] <= high:
            refuse(
                {
                    "duration_months": [
                        _("Voluntary rehab at a facility lasts %(low)s to %(high)s months.")
                        % {"low": low, "high": high}
                    ]
                }
            )
            return
    refuse(
        _not_before(
            data["start_on"],
            case.decision_date,
            "start_on",
            _("Treatment cannot start before the decision (%(date)s)."),
        )
    )


def apply_start(case: Any, data: dict, actor: User) -> None:
    case.end_due_on = add_months(data["start_on"], data["duration_months"])
    VoluntaryRehab.objects.filter(pk=case.pk).update(end_due_on=case.end_due_on)


def check_finish(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["finished_on"],
            case.start_on,
            "finished_on",
            _("Treatment started on %(date)s."),
        )
    )


def apply_finish(case: Any, data: dict, actor: User) -> None:
    # Voluntary rehab: 1 year of post-rehab management whatever the age.
    months = case.procedure_version.post_rehab_months_adult
    case.post_rehab_months = months
    case.post_rehab_until = add_months(data["finished_on"], months)
    VoluntaryRehab.objects.filter(pk=case.pk).update(
        post_rehab_months=months, post_rehab_until=case.post_rehab_until
    )


def check_drop_out(case: Any, data: dict, actor: User) -> None:
    refuse(
        _not_before(
            data["dropped_on"], case.start_on, "dropped_on", _("Treatment started on %(date)s.")
        )
    )


def apply_drop_out(case: Any, data: dict, actor: User) -> None:
    _follow_up(case, ReferralGround.VOLUNTARY_DROPOUT, data["dropped_on"], actor)
