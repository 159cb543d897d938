"""Task deadlines: set when a human task is created, shown with a colour.

A task is overdue once its due date has passed, and due soon when it is due
within `SOON_WORKING_DAYS` working days counting today (today or the next
working day, for 2).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.utils import timezone

from workflows.calendar import (
    DECLARED_REACH,
    WorkingCalendar,
    add_declared_working_days,
    with_declared_days,
)
from workflows.models import MakeUpWorkday, OfficeDayOff, StepTimeLimit, TaskDeadline
from workflows.registry import flow_code
from workflows.task_status import OPEN_TASK

SOON_WORKING_DAYS = 2
OVERDUE, SOON = "overdue", "due-soon"
# Reach of the calendar that finds "the next working day": Tết and its
# bridges never close the office this long.
WINDOW = dt.timedelta(days=31)


@functools.cache
def _limit_sql() -> str:
    """The read of `deadline_create_for_task`, written once: the step's limit in
    force (latest `effective_from` not after the day) and the office's declared
    days of the span as two arrays. Raw SQL because it runs inside every
    transition that opens a task, where building the ORM query cost more than
    the query itself (bench/bench_housing_transitions.py)."""
    limit, off, work = (m._meta.db_table for m in (StepTimeLimit, OfficeDayOff, MakeUpWorkday))
    return f"""
        SELECT l.working_days,
               ARRAY(SELECT o.date FROM {off} o WHERE o.date BETWEEN %(first)s AND %(last)s),
               ARRAY(SELECT w.date FROM {work} w WHERE w.date BETWEEN %(first)s AND %(last)s)
          FROM {limit} l
         WHERE l.process = %(process)s AND l.step = %(step)s AND l.effective_from <= %(first)s
         ORDER BY l.effective_from DESC
         LIMIT 1"""


def deadline_create_for_task(task: Any) -> TaskDeadline | None:
    """Record the due date of a new human task; None when its step has no limit.

    The clock starts on the day the task was created (local time). One read:
    the limit in force, with the office's declared days of the months ahead
    riding along (a limit too long for them reads its own calendar); one INSERT.
    """
    process = flow_code(task.flow_task.flow_class)
    if process is None:
        return None
    step = task.flow_task.name
    started_on = timezone.localdate(task.created)
    params = {
        "process": process,
        "step": step,
        "first": started_on,
        "last": started_on + DECLARED_REACH,
    }
    with connection.cursor() as cur:
        cur.execute(_limit_sql(), params)
        row = cur.fetchone()
        if row is None:
            return None
        n, days_off, workdays = row
        due_on = add_declared_working_days(started_on, n, days_off=days_off, workdays=workdays)
        deadline = TaskDeadline(
            task_id=task.pk,
            process=process,
            step=step,
            started_on=started_on,
            working_days=n,
            due_on=due_on,
        )
        cur.execute(
            f"INSERT INTO {TaskDeadline._meta.db_table} "
            "(task_id, process, step, started_on, working_days, due_on) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [task.pk, process, step, started_on, n, due_on],
        )
        deadline.pk = cur.fetchone()[0]
    deadline._state.adding = False
    return deadline


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
        with_declared_days(
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
