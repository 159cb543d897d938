"""Task deadlines: set when a human task is created, shown with a colour.

A task is overdue once its due date has passed, and due soon when it is due
within `SOON_WORKING_DAYS` working days counting today (today or the next
working day, for 2).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import QuerySet
from django.utils import timezone

from workflows.calendar import (
    MARGIN,
    OutsideCalendar,
    WorkingCalendar,
    add_working_days,
    limits_in_force,
)
from workflows.models import MakeUpWorkday, OfficeDayOff, TaskDeadline
from workflows.registry import flow_code
from workflows.task_status import OPEN_TASK

SOON_WORKING_DAYS = 2
OVERDUE, SOON = "overdue", "due-soon"
# Reach of the calendar that finds "the next working day": Tết and its
# bridges never close the office this long.
WINDOW = dt.timedelta(days=31)
# The declared days read with a step's limit: enough for any limit of up to 60
# working days (three calendar days each, and Tết).
DEADLINE_REACH = dt.timedelta(days=3 * 60) + MARGIN


def _with_declared_days(rows: QuerySet[Any], span: tuple[dt.date, dt.date]) -> QuerySet[Any]:
    """Each row with the office's declared days of `span` riding along as
    arrays (`days_off`, `workdays`), so its calendar needs no query of its own."""
    return rows.annotate(
        days_off=ArraySubquery(OfficeDayOff.objects.filter(date__range=span).values("date")),
        workdays=ArraySubquery(MakeUpWorkday.objects.filter(date__range=span).values("date")),
    )


def deadline_create_for_task(task: Any) -> TaskDeadline | None:
    """Record the due date of a new human task; None when its step has no limit.

    The clock starts on the day the task was created (local time). One read:
    the limit in force, with the office's declared days of the months ahead
    riding along (a limit too long for them reads its own calendar).
    """
    process = flow_code(task.flow_task.flow_class)
    if process is None:
        return None
    step = task.flow_task.name
    started_on = timezone.localdate(task.created)
    span = (started_on, started_on + DEADLINE_REACH)
    limit = _with_declared_days(limits_in_force(process, step, started_on), span).first()
    if limit is None:
        return None
    n = limit.working_days
    try:
        calendar = WorkingCalendar(
            *span,
            days_off=limit.days_off,  # type: ignore[attr-defined]
            workdays=limit.workdays,  # type: ignore[attr-defined]
        )
        due_on = calendar.add_working_days(started_on, n)
    except OutsideCalendar:
        due_on = add_working_days(started_on, n)
    return TaskDeadline.objects.create(
        task=task,
        process=process,
        step=step,
        started_on=started_on,
        working_days=n,
        due_on=due_on,
    )


class DeadlineClock:
    """Classifies due dates against today: pure once built."""

    def __init__(self, today: dt.date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.soon_until = calendar.add_working_days(today, SOON_WORKING_DAYS - 1)

    @classmethod
    def load(cls, today: dt.date | None = None) -> DeadlineClock:
        """One query: the office's declared days of the coming weeks."""
        today = today or timezone.localdate()
        return cls(today, WorkingCalendar.load(today, today + WINDOW))

    def status(self, due_on: dt.date | None) -> str:
        """ "overdue", "due-soon" or "" (also for no due date)."""
        if due_on is None:
            return ""
        if due_on < self.today:
            return OVERDUE
        if due_on <= self.soon_until:
            return SOON
        return ""


def open_step_deadline(flow_process_id: int | None) -> tuple[TaskDeadline | None, str]:
    """The deadline of the process's open human task and its status, in one
    query (the office's declared days ride along as arrays)."""

    if not flow_process_id:
        return None, ""
    today = timezone.localdate()
    span = (today, today + WINDOW)
    deadline = (
        _with_declared_days(
            TaskDeadline.objects.filter(
                task__process_id=flow_process_id,
                task__flow_task_type="HUMAN",
                task__status__in=OPEN_TASK,
            ),
            span,
        )
        .order_by("-task_id")
        .first()
    )
    if deadline is None:
        return None, ""
    calendar = WorkingCalendar(
        *span,
        days_off=deadline.days_off,  # type: ignore[attr-defined]
        workdays=deadline.workdays,  # type: ignore[attr-defined]
    )
    return deadline, DeadlineClock(today, calendar).status(deadline.due_on)
