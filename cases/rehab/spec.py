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
and the complaint window are the version's data (ProcedureVersion)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.rehab.models import (
    CheckinResult,
    ReferralState,
    RehabReferral,
    Route,
    VoluntaryRehab,
    VoluntaryState,
)
from cases.rehab.rules import (
    apply_decision,
    apply_drop_out,
    apply_finish,
    apply_notify,
    apply_place,
    apply_relapse,
    apply_release,
    apply_start,
    check_complete,
    check_decision,
    check_drop_out,
    check_file,
    check_finish,
    check_notify,
    check_place,
    check_postpone,
    check_refusal,
    check_register,
    check_relapse,
    check_release,
    check_send_for_review,
    check_start,
    check_voluntary_decision,
)
from cases.rehab.transition_forms import (
    CompleteForm,
    CourtDecisionForm,
    CourtFilingForm,
    CourtRefusalForm,
    DropOutForm,
    ExemptForm,
    FinishTreatmentForm,
    NotifyForm,
    PlaceForm,
    PostponeForm,
    RegisterForm,
    RelapseForm,
    ReleaseForm,
    StartTreatmentForm,
    VoluntaryDecisionForm,
)
from workflows.formatting import vn_date
from workflows.permissions import Role
from workflows.specs import ProcessSpec, Step, TransitionSpec

R = ReferralState
V = VoluntaryState
REHAB = frozenset({Role.COMMUNE_REHAB})
POLICE = frozenset({Role.COMMUNE_POLICE})
DISTRICT = frozenset({Role.DISTRICT_REHAB})
COMMUNE_2025 = REHAB | POLICE
MIN_AGE, ADULT_AGE = 12, 18


# --- the specs ---------------------------------------------------------------------

EVENT_LABELS = {"checkin": _("Recorded a post-rehab check-in")}


def describe_event(event: Any) -> list[tuple[str, str]] | None:
    """A check-in: its date and result as people read them."""
    if event.event != "checkin":
        return None
    data = event.data or {}
    out = []
    if data.get("checked_on"):
        out.append((str(_("Check-in date")), vn_date(dt.date.fromisoformat(data["checked_on"]))))
    if data.get("result"):
        results = dict(CheckinResult.choices)
        out.append((str(_("Result")), str(results.get(data["result"], data["result"]))))
    return out


T = TransitionSpec


def _after_decision(commune: frozenset[str]) -> list[TransitionSpec]:
    """The steps after the court's decision, the same on both routes."""
    return [
        T(
            "postpone",
            _("Postpone placement"),
            {"*": commune},
            form=PostponeForm,
            reason_required=True,
            check=check_postpone,
        ),
        T("resume", _("End the postponement"), {"*": commune}),
        T(
            "exempt",
            _("Exempt from placement"),
            {"*": commune},
            form=ExemptForm,
            reason_required=True,
            danger=True,
        ),
        T(
            "place",
            _("Record placement in the centre"),
            {"*": commune},
            form=PlaceForm,
            check=check_place,
            apply=apply_place,
        ),
        T(
            "release",
            _("Record release (post-rehab management starts)"),
            {"*": commune},
            form=ReleaseForm,
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
            form=CompleteForm,
            check=check_complete,
        ),
        T(
            "relapse",
            relapse_label,
            {"*": roles},
            form=RelapseForm,
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
            form=NotifyForm,
            check=check_notify,
            apply=apply_notify,
        ),
        T(
            "file_with_court",
            _("File with the court"),
            {R.LEGALITY_REVIEW if is_2022 else R.NOTIFIED: filer},
            form=CourtFilingForm,
            check=check_file,
        ),
        T(
            "record_decision",
            _("Record the court decision"),
            {"*": filer},
            form=CourtDecisionForm,
            check=check_decision,
            apply=apply_decision,
        ),
        T(
            "record_refusal",
            _("Record that the court did not order rehab"),
            {"*": filer},
            form=CourtRefusalForm,
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
    if is_2022:
        compiling = [
            Step(
                "compile", (R.DRAFT,), compiler_role, _("Compile the dossier and notify the family")
            ),
            Step(
                "reading",
                (R.NOTIFIED,),
                compiler_role,
                _("Send for legality review after the reading period"),
            ),
            Step(
                "legality_review",
                (R.LEGALITY_REVIEW,),
                Role.DISTRICT_REHAB,
                _("Legality review and court filing"),
            ),
            Step("court_decision", (R.FILED,), filer_role, _("Record the court decision")),
        ]
    else:
        compiling = [
            Step(
                "police_compile",
                (R.DRAFT,),
                compiler_role,
                _("Compile the dossier and notify the family"),
            ),
            Step(
                "police_file",
                (R.NOTIFIED,),
                compiler_role,
                _("File with the court after the reading period"),
            ),
            Step("police_court_decision", (R.FILED,), filer_role, _("Record the court decision")),
        ]
    after_decision = [
        Step("placement", (R.DECIDED,), Role.COMMUNE_REHAB, _("Place the person in the centre")),
        Step("postponed", (R.POSTPONED,), Role.COMMUNE_REHAB, _("Follow the postponement")),
        Step("treatment", (R.IN_TREATMENT,), Role.COMMUNE_REHAB, _("Record the release")),
        Step("post_rehab", (R.POST_REHAB,), Role.COMMUNE_REHAB, _("Post-rehab management")),
    ]
    happy = [R.DRAFT, R.NOTIFIED, R.FILED, R.DECIDED, R.IN_TREATMENT, R.POST_REHAB, R.CLOSED]
    if is_2022:
        happy.insert(2, R.LEGALITY_REVIEW)
    return ProcessSpec(
        code=Case.Process.REHAB_COMPULSORY,
        label=_("Compulsory drug rehab referral"),
        model=RehabReferral,
        states=ReferralState,
        route=route,
        steps=(*compiling, *after_decision),
        happy_path=tuple(happy),
        terminal=frozenset({R.CLOSED, R.RELAPSED, R.COURT_REFUSED, R.EXEMPTED, R.WITHDRAWN}),
        detail_url="rehab_detail",
        sensitive=True,
        event_labels=EVENT_LABELS,
        event_details=describe_event,
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
    steps=(
        Step("register", (V.DRAFT,), Role.COMMUNE_REHAB, _("Register the voluntary rehab")),
        Step("decide", (V.REGISTERED,), Role.COMMUNE_REHAB, _("Record the commune decision")),
        Step("begin", (V.APPROVED,), Role.COMMUNE_REHAB, _("Record the start of treatment")),
        Step("treatment", (V.IN_TREATMENT,), Role.COMMUNE_REHAB, _("Record the end of treatment")),
        Step("post_rehab", (V.POST_REHAB,), Role.COMMUNE_REHAB, _("Post-rehab management")),
    ),
    happy_path=(V.DRAFT, V.REGISTERED, V.APPROVED, V.IN_TREATMENT, V.POST_REHAB, V.CLOSED),
    terminal=frozenset({V.CLOSED, V.RELAPSED, V.DROPPED_OUT, V.REFUSED, V.WITHDRAWN}),
    detail_url="rehab_detail",
    sensitive=True,
    event_labels=EVENT_LABELS,
    event_details=describe_event,
    transitions={
        t.name: t
        for t in [
            T(
                "register",
                _("Register (the commune decides within 3 working days)"),
                {"*": REHAB},
                form=RegisterForm,
                check=check_register,
            ),
            T(
                "approve",
                _("Record the commune chairman's decision"),
                {"*": REHAB},
                form=VoluntaryDecisionForm,
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
                form=StartTreatmentForm,
                check=check_start,
                apply=apply_start,
            ),
            T(
                "finish",
                _("Record the end of treatment (post-rehab management starts)"),
                {"*": REHAB},
                form=FinishTreatmentForm,
                check=check_finish,
                apply=apply_finish,
            ),
            T(
                "drop_out",
                _("Record a drop-out (opens a compulsory referral)"),
                {"*": REHAB},
                form=DropOutForm,
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
