"""The one-stop register (một cửa): receipt, appointment, result, apology letters.

A process is a one-stop procedure when a `OneStopProcedure` row is in force
for it (data, editable by admins); its spec's `OneStopSpec` says which
transitions receive the dossier and which states are the result.

- Receipt (the engine calls `register_on_transition` inside every transition):
  the appointment date is the procedure's time limit in working days after
  the day of receipt (the working-day calendar's counting convention).
- Result: the first result state reached sets the result date; the dossier
  is late when that date is after the receipt's appointment date.
- Mẫu 04: from `PROMPT_WORKING_DAYS` working days before the appointment in
  force, until the result, the people responsible are prompted (on the case
  page, and once per appointment date by `apology_prompts_sweep`) to issue the
  apology and new appointment letter; `apology_issue` records it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from workflows import audit
from workflows.actors import Reader, User
from workflows.calendar import (
    DECLARED_REACH,
    MARGIN,
    WorkingCalendar,
    add_declared_working_days,
    with_declared_days,
)
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.formatting import vn_date
from workflows.models import ApologyLetter, OneStopProcedure, OneStopRecord
from workflows.outbox import outbox
from workflows.permissions import (
    COMMUNE_ROLES,
    Role,
    role_codename,
    role_grants_sql,
    roles_for_case,
    scoped,
    unit_content_type,
)
from workflows.registry import all_specs, spec_for
from workflows.registry_models import case_model, case_processes
from workflows.specs import ProcessSpec

PENDING, DUE_SOON, OVERDUE, PAUSED = "pending", "due-soon", "overdue", "paused"
ON_TIME, LATE, VOID = "on-time", "late", "void"
STATUS_LABELS = {
    PENDING: gettext_noop("In progress, within the appointment"),
    DUE_SOON: gettext_noop("Appointment date is near: issue Mẫu 04 if the result will be late"),
    OVERDUE: gettext_noop("Past the appointment date"),
    PAUSED: gettext_noop("Waiting for the applicant (returned for more documents)"),
    ON_TIME: gettext_noop("Result returned on time"),
    LATE: gettext_noop("Result returned late"),
    VOID: gettext_noop("Withdrawn: not counted"),
}
ID_SENTINEL = 987654321
PROMPT_EVENT = "onestop_apology_due"


def prompt_working_days() -> int:
    """How many working days before the appointment the Mẫu 04 prompt starts."""
    return int(getattr(settings, "ONE_STOP_PROMPT_WORKING_DAYS", 1))


def register_on_transition(
    spec: ProcessSpec, case: Any, name: str, *, on: dt.date | None = None
) -> OneStopRecord | None:
    """Keep the register in step with a transition that just happened (inside
    the engine's transaction, the case locked). No query for a transition
    that neither receives the dossier nor reaches a result."""
    rules = spec.one_stop
    if rules is None:
        return None
    today = on or timezone.localdate()
    if name in rules.receipt:
        # One read: the procedure in force with the office's declared days.
        in_force = OneStopProcedure.objects.filter(process=case.process, effective_from__lte=today)
        span = (today, today + DECLARED_REACH)
        procedure = with_declared_days(in_force.order_by("-effective_from"), span).first()
        if procedure is None:
            return None
        appointment = add_declared_working_days(
            today,
            procedure.working_days,
            days_off=procedure.days_off,  # type: ignore[attr-defined]
            workdays=procedure.workdays,  # type: ignore[attr-defined]
        )
        record = OneStopRecord(
            case_id=case.pk,
            procedure=procedure,
            process=case.process,
            commune_id=case.commune_id,
            received_on=today,
            working_days=procedure.working_days,
            appointment_on=appointment,
            due_on=appointment,
            result_on=None,
            result_state="",
            counted=True,
            prompted_for=None,
        )
        # A dossier submitted again (after its return) starts its line again:
        # one INSERT … ON CONFLICT, the case being locked by the engine.
        OneStopRecord.objects.bulk_create(
            [record],
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=[
                f.name for f in OneStopRecord._meta.concrete_fields if f.name not in ("id", "case")
            ],
        )
        return record
    if case.state in rules.results or case.state in rules.void:
        OneStopRecord.objects.filter(case_id=case.pk, result_on__isnull=True).update(
            result_on=today, result_state=case.state, counted=case.state in rules.results
        )
    return None


def onestop_record_for_case(case: Any) -> OneStopRecord | None:
    """The register line of a case the caller may already see, with its
    letters and who issued them (two queries)."""
    from django.db.models import Prefetch

    letters = ApologyLetter.objects.select_related("issued_by")
    return (
        OneStopRecord.objects.filter(case_id=case.pk)
        .prefetch_related(Prefetch("apologies", queryset=letters))
        .first()
    )


@dataclass
class RecordStatus:
    """A register line as the case page shows it."""

    record: OneStopRecord
    status: str
    needs_apology: bool
    prompt_from: dt.date

    @property
    def label(self) -> str:
        return gettext(STATUS_LABELS[self.status])


def record_status(
    record: OneStopRecord, case_state: str, *, today: dt.date | None = None
) -> RecordStatus:
    """Where a dossier stands against its appointment (one calendar query)."""
    today = today or timezone.localdate()
    spec = spec_for(record)
    rules = spec.one_stop
    start = min(today, record.due_on) - MARGIN
    calendar = WorkingCalendar.load(start, max(today, record.due_on) + MARGIN)
    prompt_from = calendar.add_working_days(record.due_on, -prompt_working_days())
    if record.result_on is not None:
        status = VOID if not record.counted else (LATE if record.is_late else ON_TIME)
    elif rules is not None and case_state in rules.paused:
        status = PAUSED
    elif today > record.due_on:
        status = OVERDUE
    elif today >= prompt_from:
        status = DUE_SOON
    else:
        status = PENDING
    return RecordStatus(record, status, status in (DUE_SOON, OVERDUE), prompt_from)


def responsible_roles(case: Any) -> set[str]:
    """Who answers for the delay: the role acting on the case now, and the
    commune's officers (the one-stop desk that hands the letter over)."""
    acting = spec_for(case).acting_role.get(case.state)
    return {Role.COMMUNE_OFFICER} | ({acting} if acting else set())


def may_issue_apology(user: Reader, case: Any) -> bool:
    return bool(roles_for_case(user, case) & responsible_roles(case))


def apology_issue(
    case: Any,
    *,
    actor: User,
    new_due_on: dt.date | None,
    reason: str,
    today: dt.date | None = None,
) -> ApologyLetter:
    """Record a Mẫu 04 letter: a new appointment date, later than the one in
    force, on a working day, with the reason for the delay. Locks the case;
    audited; the register's appointment in force moves to the new date."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = case_model().objects.select_for_update().get(pk=case.pk)
        record = OneStopRecord.objects.filter(case_id=locked.pk).first()
        if record is None:
            raise TransitionNotAllowed(
                _("This case is not in the one-stop register."), code="not_one_stop"
            )
        if record.result_on is not None:
            raise TransitionNotAllowed(
                _("The result of this dossier has already been returned."),
                code="one_stop_result_returned",
            )
        if not may_issue_apology(actor, locked):
            raise NotPermitted(_("Your role does not allow issuing Mẫu 04 for this case."))
        errors: dict[str, list[str]] = {}
        if not (reason or "").strip():
            errors["reason"] = [_("Please give the reason for the delay.")]
        if new_due_on is None:
            errors["new_due_on"] = [_("Please give the new appointment date.")]
        else:
            floor = max(record.due_on, today)
            calendar = WorkingCalendar.load(min(floor, new_due_on), max(floor, new_due_on))
            if new_due_on <= floor:
                errors["new_due_on"] = [
                    _("The new appointment must be after %(date)s.") % {"date": vn_date(floor)}
                ]
            elif not calendar.is_working_day(new_due_on):
                errors["new_due_on"] = [_("The new appointment must be on a working day.")]
        if errors:
            raise InvalidData(fields=errors)
        assert new_due_on is not None
        letter = ApologyLetter.objects.create(
            record=record,
            issued_on=today,
            issued_by=actor,
            reason=reason.strip(),
            previous_due_on=record.due_on,
            new_due_on=new_due_on,
        )
        OneStopRecord.objects.filter(pk=record.pk).update(due_on=new_due_on)
        acting = sorted(roles_for_case(actor, locked) & responsible_roles(locked))
        audit.record(
            actor=actor,
            actor_role=acting[0],
            commune_id=locked.commune_id,
            case_id=locked.pk,
            object_type="workflows.apologyletter",
            object_id=str(letter.pk),
            event="onestop_apology",
            reason=letter.reason,
            data={
                "previous_due_on": record.due_on.isoformat(),
                "new_due_on": new_due_on.isoformat(),
            },
        )
    return letter


PROMPT_SQL = """
WITH acting(process, state, codename) AS (
    SELECT * FROM unnest(%(a_process)s::varchar[], %(a_state)s::varchar[],
                         %(a_codename)s::varchar[])
),
paused(process, state) AS (
    SELECT * FROM unnest(%(p_process)s::varchar[], %(p_state)s::varchar[])
),
due AS (
    UPDATE {records} r SET prompted_for = r.due_on
      FROM cases_case c
     WHERE c.id = r.case_id AND r.result_on IS NULL AND r.due_on <= %(horizon)s
       AND r.prompted_for IS DISTINCT FROM r.due_on
       AND NOT EXISTS (SELECT 1 FROM paused p WHERE p.process = c.process AND p.state = c.state)
    RETURNING r.case_id, r.commune_id, r.due_on, c.process, c.state, c.reference
),
targets AS (
    SELECT d.*, a.codename FROM due d
      JOIN acting a ON a.process = d.process AND a.state = d.state
    UNION
    SELECT d.*, %(officer)s FROM due d
),
holders AS ({holders}),
notes AS (
    INSERT INTO {notifications}
        (recipient_id, case_id, commune_id, event, title, body, url, created_at,
         read_at, email_status, attempts)
    SELECT DISTINCT ON (u.id, t.case_id) u.id, t.case_id, t.commune_id, %(event)s,
           left(replace(replace(CASE WHEN t.due_on < %(today)s THEN %(title_past)s
                                     ELSE %(title)s END, '{{ref}}', t.reference),
                        '{{date}}', to_char(t.due_on, 'DD/MM/YYYY')), 200),
           %(body)s, replace(%(url)s, %(sentinel)s, t.case_id::text), now(), NULL,
           %(pending)s, 0
      FROM targets t
      JOIN holders h ON h.codename = t.codename
                    AND h.object_pk IS NOT DISTINCT FROM
                        (CASE WHEN t.codename = ANY(%(commune_codes)s)
                              THEN t.commune_id::text END)
      JOIN auth_user u ON u.id = h.user_id AND u.is_active
    RETURNING 1
)
SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM notes)
"""


def apology_prompts_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Prompt, once per appointment date, the people responsible for every
    open dossier whose appointment is within `PROMPT_WORKING_DAYS` working
    days (or past): one statement, whatever the number of dossiers."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar.load(today, today + MARGIN)
    horizon = calendar.add_working_days(today, prompt_working_days())
    a_process, a_state, a_codename, p_process, p_state = [], [], [], [], []
    for code, spec in all_specs().items():
        if spec.one_stop is None:
            continue
        for state, role in spec.acting_role.items():
            a_process.append(code)
            a_state.append(str(state))
            a_codename.append(role_codename(role))
        for state in spec.one_stop.paused:
            p_process.append(code)
            p_state.append(str(state))
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext(
            "%(ref)s: the appointment date %(date)s is near. Issue Mẫu 04 if the result "
            "will be late."
        ) % {"ref": "{ref}", "date": "{date}"}
        title_past = gettext(
            "%(ref)s: the appointment date %(date)s has passed. Issue Mẫu 04 with a new date."
        ) % {"ref": "{ref}", "date": "{date}"}
        body = gettext(
            "Issue the apology and new appointment letter (Mẫu 04) before the appointment "
            "date, and record it on the case page."
        )
    sql = PROMPT_SQL.format(
        records=OneStopRecord._meta.db_table,
        notifications=outbox().table,
        holders=role_grants_sql("%(ct)s"),
    )
    params: dict[str, Any] = {
        "a_process": a_process,
        "a_state": a_state,
        "a_codename": a_codename,
        "p_process": p_process,
        "p_state": p_state,
        "horizon": horizon,
        "event": PROMPT_EVENT,
        "officer": role_codename(Role.COMMUNE_OFFICER),
        "commune_codes": sorted(role_codename(r) for r in COMMUNE_ROLES),
        "ct": unit_content_type().pk,
        "title": title,
        "title_past": title_past,
        "today": today,
        "body": body,
        "url": reverse("case_detail", kwargs={"pk": ID_SENTINEL}),
        "sentinel": str(ID_SENTINEL),
        "pending": outbox().pending,
    }
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        dossiers, notes = cur.fetchone()
    return {"dossiers": dossiers, "notifications": notes}


# --- The on-time KPI -------------------------------------------------------

DIMENSIONS = ("process", "commune", "month")


@dataclass
class KpiRow:
    """Dossiers whose result came in a period: early, on the day, late."""

    resolved: int
    early: int
    on_day: int
    late: int
    apologised: int
    process: str = ""
    commune_id: int | None = None
    commune_name: str = ""
    month: dt.date | None = None

    @property
    def on_time(self) -> int:
        return self.early + self.on_day

    @property
    def on_time_rate(self) -> float | None:
        """Share of dossiers returned on or before the appointment date; None
        when nothing was returned."""
        return self.on_time / self.resolved if self.resolved else None

    @property
    def process_label(self) -> str:
        return str(dict(case_processes()).get(self.process, self.process))


@dataclass
class Kpi:
    rows: list[KpiRow]
    total: KpiRow
    received: int
    open_in_time: int
    open_overdue: int
    open_paused: int
    by: tuple[str, ...]


def onestop_records_for_user(user: Reader) -> Any:
    """The register lines of the user's communes (all of them for district roles)."""
    return scoped(OneStopRecord, user)


def onestop_kpi(
    user: Reader,
    *,
    year: int,
    month: int | None = None,
    process: str = "",
    commune_id: int | None = None,
    by: tuple[str, ...] = DIMENSIONS,
    today: dt.date | None = None,
) -> Kpi:
    """On-time rate of the dossiers whose result came in the period, grouped
    by any of procedure, commune and month (of the result), commune-scoped;
    with the dossiers received in the period and those still open today.
    Four queries whatever the number of dossiers."""
    from django.db.models import Count, Exists, F, OuterRef, Q
    from django.db.models.functions import TruncMonth

    today = today or timezone.localdate()
    base = onestop_records_for_user(user)
    if process:
        base = base.filter(process=process)
    if commune_id:
        base = base.filter(commune_id=commune_id)
    period = Q(result_on__year=year)
    received = Q(received_on__year=year)
    if month:
        period &= Q(result_on__month=month)
        received &= Q(received_on__month=month)
    counts = {
        "resolved": Count("id"),
        "early": Count("id", filter=Q(result_on__lt=F("appointment_on"))),
        "on_day": Count("id", filter=Q(result_on=F("appointment_on"))),
        "late": Count("id", filter=Q(result_on__gt=F("appointment_on"))),
        "apologised": Count(
            "id", filter=Q(Exists(ApologyLetter.objects.filter(record_id=OuterRef("pk"))))
        ),
    }
    done = base.filter(period, counted=True).annotate(month=TruncMonth("result_on"))
    columns = {
        "process": ["process"],
        "commune": ["commune_id", "commune__name"],
        "month": ["month"],
    }
    keys = [c for d in DIMENSIONS if d in by for c in columns[d]]
    order = [c for c in keys if c != "commune_id"]
    rows = [
        KpiRow(
            resolved=r["resolved"],
            early=r["early"],
            on_day=r["on_day"],
            late=r["late"],
            apologised=r["apologised"],
            process=r.get("process", ""),
            commune_id=r.get("commune_id"),
            commune_name=r.get("commune__name", ""),
            month=r.get("month"),
        )
        for r in (done.values(*keys).annotate(**counts).order_by(*order) if keys else [])
    ]
    total = KpiRow(**done.aggregate(**counts))
    # Waiting on the applicant: neither in time nor overdue. (pk IS NULL: never.)
    paused_q = Q(pk__isnull=True)
    for code, spec in all_specs().items():
        if spec.one_stop and spec.one_stop.paused:
            paused_q |= Q(process=code, case__state__in=list(spec.one_stop.paused))
    open_counts = base.filter(result_on__isnull=True).aggregate(
        paused=Count("id", filter=paused_q),
        overdue=Count("id", filter=Q(due_on__lt=today) & ~paused_q),
        total=Count("id"),
    )
    return Kpi(
        rows=rows,
        total=total,
        received=base.filter(received).count(),
        open_in_time=open_counts["total"] - open_counts["overdue"] - open_counts["paused"],
        open_overdue=open_counts["overdue"],
        open_paused=open_counts["paused"],
        by=tuple(d for d in DIMENSIONS if d in by),
    )
