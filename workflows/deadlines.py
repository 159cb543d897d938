"""Task deadlines: set when a human task is created, shown with a colour.

A task is overdue once its due date has passed, and due soon when it is due
within `SOON_WORKING_DAYS` working days counting today (today or the next
working day, for 2).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.utils import timezone

from workflows.calendar import WorkingCalendar, add_working_days, time_limit_in_force
from workflows.models import MakeUpWorkday, OfficeDayOff, TaskDeadline
from workflows.registry import flow_code
from workflows.task_status import OPEN_TASK

SOON_WORKING_DAYS = 2
OVERDUE, SOON = "overdue", "due-soon"
# Reach of the calendar that finds "the next working day": Tết and its
# bridges never close the office this long.
WINDOW = dt.timedelta(days=31)


def _process_of(flow_class: type) -> str | None:
    return flow_code(flow_class)


def deadline_create_for_task(task: Any) -> TaskDeadline | None:
    """Record the due date of a new human task; None when its step has no limit.

    The clock starts on the day the task was created (local time). Two reads:
    the limit in force and the calendar up to the due date.
    """
    process = _process_of(task.flow_task.flow_class)
    if process is None:
        return None
    step = task.flow_task.name
    started_on = timezone.localdate(task.created)
    limit = time_limit_in_force(process, step, started_on)
    if limit is None:
        return None
    due_on = add_working_days(started_on, limit.working_days)
    return TaskDeadline.objects.create(
        task=task,
        process=process,
        step=step,
        started_on=started_on,
        working_days=limit.working_days,
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
        TaskDeadline.objects.filter(
            task__process_id=flow_process_id,
            task__flow_task_type="HUMAN",
            task__status__in=OPEN_TASK,
        )
        .annotate(
            days_off=ArraySubquery(OfficeDayOff.objects.filter(date__range=span).values("date")),
            workdays=ArraySubquery(MakeUpWorkday.objects.filter(date__range=span).values("date")),
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
