"""Reminders and escalation for open human tasks with a due date.

Four thresholds, each sent once per task however often the sweep runs:

- "before": due within `REMINDER_WORKING_DAYS_BEFORE` working days (default 2);
- "due": due today;
- "overdue": the due date has passed;
- "escalated": overdue by at least `ESCALATE_AFTER_WORKING_DAYS` working days
  (default 2), sent to the supervising role: commune leaders of the task's
  commune for commune steps, office heads for district steps, the district's
  rehab staff for drug-rehab steps (nobody outside the rehab roles hears of them).

Reminders go to the task's owner when it is assigned, else to every active
holder of the task's role in the task's commune (district roles: every holder).
Each names the task's object and links to its page, whatever the process: the
engine finds them through the registry (`workflows.artifacts`), never by name.

Set-based: the threshold dates are computed once in Python (one calendar
query), then each threshold is one statement that records the new
`ReminderSent` rows (ON CONFLICT DO NOTHING) and writes the notifications for
exactly those rows. The number of queries does not depend on the number of tasks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from viewflow.workflow.status import STATUS

from workflows.artifacts import ID_SENTINEL, ArtifactSource, artifact_sources, first_of, url_of
from workflows.calendar import MARGIN, WorkingCalendar
from workflows.models import ReminderSent, TaskDeadline
from workflows.outbox import outbox
from workflows.permissions import (
    COMMUNE_ROLES,
    REHAB_ROLES,
    Role,
    role_codename,
    role_grants_sql,
    unit_content_type,
)

T = ReminderSent.Threshold
EVENTS = {
    T.BEFORE: "reminder_before",
    T.DUE: "reminder_due",
    T.OVERDUE: "reminder_overdue",
    T.ESCALATED: "escalation",
}
TITLES = {
    T.BEFORE: gettext_noop("%(ref)s is due on %(date)s"),
    T.DUE: gettext_noop("%(ref)s is due today (%(date)s)"),
    T.OVERDUE: gettext_noop("%(ref)s is overdue: it was due on %(date)s"),
    T.ESCALATED: gettext_noop("Escalation: %(ref)s is overdue since %(date)s"),
}
OPEN_STATUSES = [str(STATUS.NEW), str(STATUS.ASSIGNED), str(STATUS.STARTED)]

CODENAME = "split_part(t.owner_permission, '.', 2)"
IS_COMMUNE_STEP = f"{CODENAME} = ANY(%(commune_codes)s)"
TARGET_PK = f"CASE WHEN {IS_COMMUNE_STEP} THEN t.owner_permission_obj_pk END"
# Drug-rehab steps escalate to the district's rehab staff, never to the general
# supervisors (who may not know these cases exist).
IS_REHAB_STEP = f"{CODENAME} = ANY(%(rehab_codes)s)"
ESCALATION_CODENAME = (
    f"CASE WHEN {IS_REHAB_STEP} THEN %(rehab_head)s "
    f"WHEN {IS_COMMUNE_STEP} THEN %(leader)s ELSE %(head)s END"
)
ESCALATION_PK = (
    f"CASE WHEN {IS_REHAB_STEP} THEN NULL WHEN {IS_COMMUNE_STEP} THEN t.owner_permission_obj_pk END"
)

SWEEP_SQL = """
WITH new AS (
    INSERT INTO {reminders} (task_id, threshold, sent_at)
    SELECT t.id, %(threshold)s, now()
      FROM viewflow_task t
      JOIN {deadlines} d ON d.task_id = t.id
     WHERE t.flow_task_type = 'HUMAN' AND t.status = ANY(%(open)s)
       AND d.due_on > %(after)s AND d.due_on <= %(until)s
    ON CONFLICT (task_id, threshold) DO NOTHING
    RETURNING task_id
),
holders AS ({holders}),
recipients AS (
    SELECT n.task_id, t.owner_id AS user_id
      FROM new n JOIN viewflow_task t ON t.id = n.task_id
     WHERE t.owner_id IS NOT NULL AND NOT %(escalation)s
    UNION
    SELECT n.task_id, h.user_id
      FROM new n JOIN viewflow_task t ON t.id = n.task_id
      -- The commune's id, '' for a district role: equalities, so the join hashes.
      JOIN holders h ON h.codename = {target_codename}
                    AND COALESCE(h.object_pk, '') = COALESCE({target_pk}, '')
     WHERE %(escalation)s OR t.owner_id IS NULL
),
notes AS (
    INSERT INTO {notifications}
        (recipient_id, case_id, commune_id, event, title, body, url, created_at,
         read_at, email_status, attempts)
    SELECT u.id, {case_id}, {commune_id}, %(event)s,
           left(replace(replace(%(title)s, '{{ref}}', {name}),
                        '{{date}}', to_char(d.due_on, 'DD/MM/YYYY')), 200),
           '', {url}, now(), NULL, %(pending)s, 0
      FROM recipients r
      JOIN auth_user u ON u.id = r.user_id AND u.is_active
      JOIN viewflow_task t ON t.id = r.task_id
      JOIN {deadlines} d ON d.task_id = t.id
      -- The task's object, whatever its process (workflows.artifacts).
      {artifacts}
     WHERE {found} IS NOT NULL
    RETURNING 1
)
SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM notes)
"""


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _sql(escalation: bool, sources: list[ArtifactSource]) -> str:
    return SWEEP_SQL.format(
        reminders=ReminderSent._meta.db_table,
        deadlines=TaskDeadline._meta.db_table,
        notifications=outbox().table,
        holders=role_grants_sql("%(ct)s"),
        target_codename=ESCALATION_CODENAME if escalation else CODENAME,
        target_pk=ESCALATION_PK if escalation else TARGET_PK,
        artifacts="\n      ".join(s.join() for s in sources),
        case_id=first_of(sources, "r_object", cases_only=True),
        commune_id=first_of(sources, "r_commune"),
        name=first_of(sources, "r_name"),
        url=url_of(sources),
        found=first_of(sources, "r_object"),
    )


def threshold_windows(
    today: dt.date, calendar: WorkingCalendar, before: int, escalate_after: int
) -> dict[ReminderSent.Threshold, tuple[dt.date, dt.date]]:
    """Per threshold, the due dates it catches: (after, until], exclusive-inclusive."""
    ancient = dt.date.min
    return {
        T.BEFORE: (today, calendar.add_working_days(today, before)),
        T.DUE: (today - dt.timedelta(days=1), today),
        T.OVERDUE: (ancient, today - dt.timedelta(days=1)),
        T.ESCALATED: (ancient, calendar.add_working_days(today, -escalate_after)),
    }


def reminders_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Send the reminders and escalations due today; returns, per threshold,
    the number of tasks newly reminded (and "notifications": rows written)."""
    today = today or timezone.localdate()
    before = _setting("REMINDER_WORKING_DAYS_BEFORE", 2)
    escalate_after = _setting("ESCALATE_AFTER_WORKING_DAYS", 2)
    reach = dt.timedelta(days=3 * max(before, escalate_after, 1)) + MARGIN
    calendar = WorkingCalendar.load(today - reach, today + reach)
    windows = threshold_windows(today, calendar, before, escalate_after)
    common: dict[str, Any] = {
        "ct": unit_content_type().pk,
        "open": OPEN_STATUSES,
        "commune_codes": sorted(role_codename(r) for r in COMMUNE_ROLES),
        "leader": role_codename(Role.COMMUNE_LEADER),
        "head": role_codename(Role.OFFICE_HEAD),
        "rehab_codes": sorted(role_codename(r) for r in REHAB_ROLES),
        "rehab_head": role_codename(Role.DISTRICT_REHAB),
        "sentinel": str(ID_SENTINEL),
        "pending": outbox().pending,
    }
    counts: dict[str, int] = {}
    total = 0
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        # What each task is about, per registered flow: built once, in Python.
        sources = artifact_sources()
        for source in sources:
            common.update(source.all_params())
        for threshold, (after, until) in windows.items():
            escalation = threshold == T.ESCALATED
            title = gettext(TITLES[threshold]) % {"ref": "{ref}", "date": "{date}"}
            params = {
                **common,
                "threshold": str(threshold),
                "after": after,
                "until": until,
                "escalation": escalation,
                "event": EVENTS[threshold],
                "title": title,
            }
            with connection.cursor() as cur:
                cur.execute(_sql(escalation, sources), params)
                tasks, notes = cur.fetchone()
            counts[str(threshold)] = tasks
            total += notes
    counts["notifications"] = total
    return counts
