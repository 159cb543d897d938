"""Builders for the drug-rehab tests: people, dossier documents, and referrals
or voluntary cases walked to any state through the real services and engine,
on a clock the test controls (time_machine, Hà Nội time).

Every builder takes the test's `clock` (a time_machine traveller) and moves
it forward as the steps need (past the reading period, the complaint window,
the term, post-rehab management); the clock is left on the day of the last
step, so the test continues from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Case, Document, DocumentRequirement
from cases.rehab.models import (
    PendingManagement,
    ReferralGround,
    ReferralState,
    RehabReferral,
    RehabSetting,
    Route,
    VoluntaryRehab,
    VoluntaryState,
)
from cases.rehab.services import referral_create, rehab_person, voluntary_create
from cases.services import document_upload
from workflows import engine, flows
from workflows.calendar import add_working_days

from ..factories import national_id_for

VN = ZoneInfo("Asia/Ho_Chi_Minh")
R = ReferralState
V = VoluntaryState
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# A Monday well inside the 2022 route, and the day the 2025 route starts.
ON_2022 = dt.date(2024, 6, 3)
SWITCH = dt.date(2025, 3, 1)
ADULT_DOB = dt.date(1990, 4, 10)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """`day` at `hour` o'clock, Hà Nội time."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=VN)


@contextmanager
def travel(day: dt.date) -> Iterator[Any]:
    """The clock stopped at 09:00 on `day` (Hà Nội); the traveller moves it."""
    with time_machine.travel(at(day), tick=False) as traveller:
        yield traveller


def go(clock: Any, day: dt.date | None) -> dt.date:
    """Move the clock to 09:00 on `day` (never backwards) and return `day`."""
    assert day is not None
    assert day >= timezone.localdate(), f"the clock would go back to {day}"
    clock.move_to(at(day))
    assert timezone.localdate() == day
    return day


def next_working_day(day: dt.date | None) -> dt.date:
    assert day is not None
    return add_working_days(day, 1)


def iso(day: dt.date) -> str:
    return day.isoformat()


def person(
    actor: Any,
    commune: Any,
    *,
    born: dt.date = ADULT_DOB,
    sex: str = "M",
    name: str = "Trần Văn Thử",
) -> Any:
    """A person registered through `cases.rehab.rehab_person` (valid national ID)."""
    return rehab_person(
        actor=actor,
        commune=commune,
        national_id=national_id_for(born, sex),
        full_name=name,
        date_of_birth=born,
        sex=sex,
        address="Thôn Đoài",
    )


def referral_filed_today(commune: Any, police: Any) -> RehabReferral:
    """A 2025-route referral in `commune`, opened today by the head of commune
    police `police` (the person: Trần Văn Nghiện, born 10/04/1990)."""
    born = dt.date(1990, 4, 10)
    applicant = rehab_person(
        actor=police,
        commune=commune,
        national_id=national_id_for(born, "M"),
        full_name="Trần Văn Nghiện",
        date_of_birth=born,
        sex="M",
    )
    return referral_create(
        actor=police, commune=commune, applicant=applicant, ground="not_registered"
    )


def attach_documents(case: Case, by: Any, *, kinds: list[str] | None = None) -> list[Document]:
    """Upload the dossier's required documents (or `kinds`) as small PDFs,
    through `cases.services.document_upload`, as `by`."""
    route = getattr(case, "route", "")
    if kinds is None:
        kinds = list(
            DocumentRequirement.objects.filter(
                process=case.process, program__in=["", route], required=True
            ).values_list("kind", flat=True)
        )
    return [
        document_upload(
            actor=by,
            case=case,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf"),
        )
        for kind in kinds
    ]


def referral_actors(route: str, ru: SimpleNamespace) -> SimpleNamespace:
    """Who does what on a route (commune a): compiler, court filer, commune after the decision."""
    if route == Route.ND116_2022:
        return SimpleNamespace(compiler=ru.rehab, filer=ru.district_rehab, commune=ru.rehab)
    return SimpleNamespace(compiler=ru.police, filer=ru.police, commune=ru.rehab)


def reload(case: Any) -> Any:
    return type(case).objects.get(pk=case.pk)


# The order of the happy path's states, per route.
PATH_2022 = [
    R.DRAFT,
    R.NOTIFIED,
    R.LEGALITY_REVIEW,
    R.FILED,
    R.DECIDED,
    R.IN_TREATMENT,
    R.POST_REHAB,
    R.CLOSED,
]
PATH_2025 = [R.DRAFT, R.NOTIFIED, R.FILED, R.DECIDED, R.IN_TREATMENT, R.POST_REHAB, R.CLOSED]


def referral_step(case: RehabReferral, clock: Any, ru: SimpleNamespace, **opts: Any) -> Any:
    """Fire the next happy-path step of `case` as the right actor, moving the
    clock as far as that step needs. Returns the reloaded case."""
    who = referral_actors(case.route, ru)
    today = timezone.localdate()
    state = case.state
    if state == R.DRAFT:
        data = {"notified_on": iso(today), "pending_management": PendingManagement.FAMILY}
        data.update(opts.get("notify", {}))
        engine.transition(case, "notify", actor=who.compiler, data=data)
    elif state == R.NOTIFIED and case.route == Route.ND116_2022:
        go(clock, next_working_day(case.reading_until))
        engine.transition(case, "send_for_review", actor=ru.rehab)
    elif state in (R.NOTIFIED, R.LEGALITY_REVIEW):
        if state == R.NOTIFIED:
            go(clock, next_working_day(case.reading_until))
        data = {"court_name": "TAND huyện Sóc Sơn", "filed_on": iso(timezone.localdate())}
        engine.transition(case, "file_with_court", actor=who.filer, data=data)
    elif state == R.FILED:
        day = go(clock, next_working_day(today))
        data = {
            "decision_number": "12/QĐ-TA",
            "decision_date": iso(day),
            "duration_months": opts.get("months", 12 if case.is_minor else 18),
            "centre_name": "Cơ sở cai nghiện số 1",
        }
        engine.transition(case, "record_decision", actor=who.filer, data=data)
    elif state == R.DECIDED:
        day = go(clock, next_working_day(case.complaint_until))
        engine.transition(case, "place", actor=who.commune, data={"placed_on": iso(day)})
    elif state == R.IN_TREATMENT:
        day = go(clock, max(case.release_due_on or today, today))
        engine.transition(case, "release", actor=who.commune, data={"released_on": iso(day)})
    elif state == R.POST_REHAB:
        day = go(clock, case.post_rehab_until)
        data = {"certificate_number": "54/GCN", "completed_on": iso(day)}
        engine.transition(case, "complete", actor=who.commune, data=data)
    else:  # pragma: no cover - a test asked for a state off the happy path
        raise AssertionError(f"no happy-path step from {state}")
    return reload(case)


def make_referral(
    clock: Any,
    ru: SimpleNamespace,
    commune: Any,
    *,
    state: str = R.DRAFT,
    applicant: Any = None,
    ground: str = ReferralGround.NOT_REGISTERED,
    documents: bool = True,
    **opts: Any,
) -> RehabReferral:
    """A referral in commune `commune` filed today (the clock's day) by the
    compiler of the version in force, walked to `state` through the engine.
    `opts`: notify={...} extra notify data, months=term."""
    today = timezone.localdate()
    police_route = today >= SWITCH
    compiler = ru.police if police_route else ru.rehab
    if applicant is None:
        applicant = person(compiler, commune)
    case = referral_create(
        actor=compiler,
        commune=commune,
        applicant=applicant,
        ground=ground,
        violation_record_number="27/BB",
        violation_on=today,
    )
    if documents:
        attach_documents(case, compiler)
    path = PATH_2022 if case.route == Route.ND116_2022 else PATH_2025
    assert state in path, f"{state} is not on the {case.route} route's happy path"
    while case.state != state:
        case = referral_step(case, clock, ru, **opts)
    return case


def make_voluntary(
    clock: Any,
    ru: SimpleNamespace,
    commune: Any,
    *,
    state: str = V.DRAFT,
    applicant: Any = None,
    setting: str = RehabSetting.HOME,
    months: int = 6,
    support_category: str = "",
    estimated_cost: int = 10_000_000,
) -> VoluntaryRehab:
    """A voluntary-rehab case registered today by the commune rehab officer,
    walked to `state`."""
    path = [V.DRAFT, V.REGISTERED, V.APPROVED, V.IN_TREATMENT, V.POST_REHAB, V.CLOSED]
    assert state in path
    if applicant is None:
        applicant = person(ru.rehab, commune)
    case = voluntary_create(
        actor=ru.rehab,
        commune=commune,
        applicant=applicant,
        setting=setting,
        facility_name="Cơ sở cai nghiện tự nguyện" if setting == RehabSetting.FACILITY else "",
        support_category=support_category,
        estimated_cost=estimated_cost,
    )
    attach_documents(case, ru.rehab)
    while case.state != state:
        today = timezone.localdate()
        if case.state == V.DRAFT:
            engine.transition(case, "register", actor=ru.rehab, data={"registered_on": iso(today)})
        elif case.state == V.REGISTERED:
            data: dict[str, Any] = {"decision_number": "5/QĐ-UBND", "decision_date": iso(today)}
            engine.transition(case, "approve", actor=ru.rehab, data=data)
        elif case.state == V.APPROVED:
            data = {"start_on": iso(today), "duration_months": months}
            engine.transition(case, "start", actor=ru.rehab, data=data)
        elif case.state == V.IN_TREATMENT:
            day = go(clock, case.end_due_on)
            engine.transition(case, "finish", actor=ru.rehab, data={"finished_on": iso(day)})
        elif case.state == V.POST_REHAB:
            day = go(clock, case.post_rehab_until)
            data = {"certificate_number": "54/GCN", "completed_on": iso(day)}
            engine.transition(case, "complete", actor=ru.rehab, data=data)
        case = reload(case)
    return case


def open_task(case: Any) -> Any:
    """The case's one open human task."""
    tasks = flows.open_tasks(reload(case))
    assert len(tasks) == 1, tasks
    return tasks[0]


def assert_refused(
    exc_type: type[Exception],
    case: Any,
    name: str,
    actors: list[Any],
    *,
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> list[Any]:
    """Each actor's attempt at `name` is refused with `exc_type` and changes
    nothing (state, audit trail). Returns the exceptions."""
    from workflows.models import AuditEvent

    state = reload(case).state
    events = AuditEvent.objects.filter(case_id=case.pk).count()
    raised = []
    for actor in actors:
        try:
            engine.transition(case, name, actor=actor, data=data, reason=reason)
        except exc_type as exc:
            raised.append(exc)
        else:
            raise AssertionError(f"{actor} could fire {name} on a {state} case")
        assert reload(case).state == state
        assert AuditEvent.objects.filter(case_id=case.pk).count() == events
    return raised
