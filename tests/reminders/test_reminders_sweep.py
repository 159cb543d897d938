"""Reminders and escalation: the right people, once per task and threshold,
with a number of queries independent of the number of tasks."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.housing.models import HousingState
from notifications.models import Notification
from tests.factories import open_task_copies
from workflows import flows
from workflows.models import ReminderSent, TaskDeadline
from workflows.reminders import reminders_sweep

pytestmark = pytest.mark.django_db

# Monday 04/03/2024: no holiday within two weeks either side.
TODAY = dt.date(2024, 3, 4)
TUESDAY = dt.date(2024, 3, 5)  # 1 working day ahead: "before"
FRIDAY = dt.date(2024, 3, 1)  # 1 working day past: overdue, not yet escalated
WEDNESDAY = dt.date(2024, 2, 28)  # 3 working days past: escalated


def _task(case):
    [task] = flows.open_tasks(case)
    return task


def _due(task, due_on):
    TaskDeadline.objects.update_or_create(
        task=task,
        defaults={
            "process": "housing",
            "step": task.flow_task.name,
            "started_on": due_on - dt.timedelta(days=10),
            "working_days": 5,
            "due_on": due_on,
        },
    )


def _sent(event):
    return sorted(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


@pytest.fixture
def prepare_task(make_case):
    """A commune-officer task (commune a: officer, officer2) with a due date."""
    task = _task(make_case(HousingState.DRAFT))
    assert task.owner_permission == "cases.role_commune_officer"
    return task


def test_before_goes_to_every_officer_of_that_commune_when_unassigned(prepare_task):
    _due(prepare_task, TUESDAY)
    counts = reminders_sweep(today=TODAY)
    assert counts["before"] == 1
    assert (counts["due"], counts["overdue"], counts["escalated"]) == (0, 0, 0)
    assert _sent("reminder_before") == ["officer_a", "officer_a2"]
    note = Notification.objects.filter(event="reminder_before").first()
    case = prepare_task.process.case
    assert note.url == f"/cases/{case.pk}/"
    assert note.case_id == case.pk and note.commune_id == case.commune_id
    assert note.title == f"Hồ sơ {case.reference} đến hạn xử lý ngày 05/03/2024"


def test_due_goes_to_the_assignee_only(prepare_task, users):
    Task.objects.filter(pk=prepare_task.pk).update(owner=users.officer2, status=STATUS.ASSIGNED)
    _due(prepare_task, TODAY)
    counts = reminders_sweep(today=TODAY)
    assert counts["due"] == 1
    assert _sent("reminder_due") == ["officer_a2"]
    assert Notification.objects.count() == counts["notifications"] == 1


def test_overdue_commune_step_reminds_and_escalates_to_commune_leaders(make_case):
    task = _task(make_case(HousingState.SUBMITTED))  # verify: commune leader of a
    _due(task, FRIDAY)
    counts = reminders_sweep(today=TODAY)
    assert (counts["overdue"], counts["escalated"]) == (1, 0)
    assert _sent("reminder_overdue") == ["leader_a"]
    assert _sent("escalation") == []
    # Two working days later the escalation is due.
    counts = reminders_sweep(today=dt.date(2024, 3, 5))
    assert (counts["overdue"], counts["escalated"]) == (0, 1)
    assert _sent("escalation") == ["leader_a"]
    assert _sent("reminder_overdue") == ["leader_a"]


def test_escalation_of_a_commune_officer_step_goes_to_the_leader(prepare_task, users):
    Task.objects.filter(pk=prepare_task.pk).update(owner=users.officer, status=STATUS.ASSIGNED)
    _due(prepare_task, WEDNESDAY)
    reminders_sweep(today=TODAY)
    assert _sent("reminder_overdue") == ["officer_a"]
    assert _sent("escalation") == ["leader_a"]


def test_district_step_reminds_specialists_and_escalates_to_office_heads(make_case):
    task = _task(make_case(HousingState.COMMUNE_VERIFIED))  # review: district specialist
    _due(task, WEDNESDAY)
    counts = reminders_sweep(today=TODAY)
    assert (counts["overdue"], counts["escalated"]) == (1, 1)
    assert _sent("reminder_overdue") == ["specialist"]
    assert _sent("escalation") == ["head", "head2"]


def test_the_other_commune_never_hears_of_it(prepare_task, users):
    _due(prepare_task, WEDNESDAY)
    reminders_sweep(today=TODAY)
    others = {users.officer_b.pk, users.leader_b.pk}
    assert Notification.objects.exists()
    assert not Notification.objects.filter(recipient__in=others).exists()


def test_sweeping_again_sends_nothing_more(prepare_task):
    _due(prepare_task, WEDNESDAY)
    first = reminders_sweep(today=TODAY)
    assert first["notifications"] == 3  # overdue to 2 officers, escalation to the leader
    sent = Notification.objects.count()
    again = reminders_sweep(today=TODAY)
    assert again == {"before": 0, "due": 0, "overdue": 0, "escalated": 0, "notifications": 0}
    assert Notification.objects.count() == sent
    assert ReminderSent.objects.count() == 2


def test_a_closed_task_gets_nothing(prepare_task):
    _due(prepare_task, WEDNESDAY)
    Task.objects.filter(pk=prepare_task.pk).update(status=STATUS.DONE)
    counts = reminders_sweep(today=TODAY)
    assert counts["notifications"] == 0
    assert not ReminderSent.objects.exists()


def _queries(template, n):
    open_task_copies(template, n, [TUESDAY, TODAY, FRIDAY, WEDNESDAY])
    with CaptureQueriesContext(connection) as ctx:
        counts = reminders_sweep(today=TODAY)
    assert counts["before"] + counts["due"] + counts["overdue"] >= n
    return len(ctx)


def test_query_count_does_not_depend_on_the_number_of_tasks(make_case):
    template = _task(make_case(HousingState.DRAFT))
    TaskDeadline.objects.filter(task=template).delete()
    reminders_sweep(today=TODAY)  # warm the content-type cache
    few = _queries(template, 3)
    ReminderSent.objects.all().delete()
    many = _queries(template, 30)
    assert few == many


def test_run_scheduler_once_prints_the_counts(prepare_task):
    _due(prepare_task, timezone.localdate())  # the command sweeps on the real clock
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "before 0, due 1, overdue 0, escalated 0, notifications 2" in out.getvalue()


def test_a_tasks_life_on_a_frozen_clock(make_case, users):
    """The scheduler as it runs in production (no date passed in), twice a day on
    a clock frozen by time-machine: each reminder once, to the right people."""
    vn = timezone.get_current_timezone()

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=vn)

    with time_machine.travel(at(TODAY, 9), tick=False) as clock:
        case = make_case(HousingState.SUBMITTED)  # verify, 7 working days: due 13/03
        assert TaskDeadline.objects.get(task=_task(case)).due_on == dt.date(2024, 3, 13)
        seen = {}
        for day in [TODAY + dt.timedelta(days=n) for n in range(16)]:
            for hour in (8, 17):
                clock.move_to(at(day, hour))
                call_command("run_scheduler", "--once", stdout=StringIO())
            for event in ("reminder_before", "reminder_due", "reminder_overdue", "escalation"):
                if event not in seen and Notification.objects.filter(event=event).exists():
                    seen[event] = day
    assert seen == {
        "reminder_before": dt.date(2024, 3, 11),  # 2 working days ahead
        "reminder_due": dt.date(2024, 3, 13),
        "reminder_overdue": dt.date(2024, 3, 14),
        "escalation": dt.date(2024, 3, 15),  # 2 working days after the due date
    }
    for event in ("reminder_before", "reminder_due", "reminder_overdue", "escalation"):
        assert _sent(event) == ["leader_a"], event
