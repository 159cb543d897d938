"""Due dates: set when a task is created, shown on the inbox, queue and case pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.housing.models import HousingState
from cases.housing.services import housing_case_create
from tests.factories import PersonFactory
from workflows import flows
from workflows.calendar import add_working_days
from workflows.deadlines import deadline_create_for_task
from workflows.models import TaskDeadline

pytestmark = pytest.mark.django_db


def _open_task(case):
    [task] = flows.open_tasks(case)
    return task


def test_verify_task_gets_its_due_date_when_created(make_case, today):
    task = _open_task(make_case(HousingState.SUBMITTED))
    assert task.flow_task.name == "verify"
    deadline = TaskDeadline.objects.get(task=task)
    assert (deadline.process, deadline.step, deadline.working_days) == ("housing", "verify", 7)
    assert deadline.started_on == today
    assert deadline.due_on == add_working_days(today, 7)


def test_the_clock_starts_on_the_local_day_the_task_was_created(make_case):
    task = _open_task(make_case(HousingState.SUBMITTED))
    TaskDeadline.objects.filter(task=task).delete()
    # 00:30 in Hà Nội on Thu 08/02/2024 is still the 7th in UTC; Tết follows.
    created = timezone.make_aware(dt.datetime(2024, 2, 8, 0, 30))
    Task.objects.filter(pk=task.pk).update(created=created)
    task.refresh_from_db()
    deadline = deadline_create_for_task(task)
    assert deadline is not None
    assert deadline.started_on == dt.date(2024, 2, 8)
    assert deadline.due_on == add_working_days(dt.date(2024, 2, 8), 7)
    # Tết closes 08-14/02: Thu 15/02 is day 1, Fri 23/02 day 7.
    assert deadline.due_on == dt.date(2024, 2, 23)


def test_prepare_has_no_deadline(make_case):
    task = _open_task(make_case(HousingState.DRAFT))
    assert task.flow_task.name == "prepare"
    assert not TaskDeadline.objects.filter(task=task).exists()


def test_every_later_step_gets_a_deadline(make_case):
    case = make_case(HousingState.COMPLETION_ACCEPTED)
    steps = set(
        TaskDeadline.objects.filter(task__process_id=case.flow_process_id).values_list(
            "step", flat=True
        )
    )
    assert steps == {
        "verify",
        "review",
        "approve",
        "disburse_advance",
        "accept_completion",
        "disburse_final",
    }


def _due_cell(html: str) -> str:
    start = html.index('data-testid="due"')
    return html[html.rindex("<span", 0, start) : html.index("</span>", start)]


def test_queue_shows_the_due_date_and_overdue(make_case, users, client_for, today):
    task = _open_task(make_case(HousingState.SUBMITTED))
    due = add_working_days(today, 7)
    client = client_for(users.leader)
    html = client.get(reverse("queue")).content.decode()
    cell = _due_cell(html)
    assert due.strftime("%d/%m/%Y") in cell
    assert "overdue" not in cell and "due-soon" not in cell

    past = today - dt.timedelta(days=3)
    TaskDeadline.objects.filter(task=task).update(due_on=past)
    cell = _due_cell(client.get(reverse("queue")).content.decode())
    assert past.strftime("%d/%m/%Y") in cell
    assert 'class="due overdue"' in cell


def test_inbox_and_case_page_show_due_soon(make_case, users, client_for, today):
    case = make_case(HousingState.SUBMITTED)
    task = _open_task(case)
    flows.task_claim(task, users.leader)
    TaskDeadline.objects.filter(task=task).update(due_on=today)
    client = client_for(users.leader)
    cell = _due_cell(client.get(reverse("inbox")).content.decode())
    assert 'class="due due-soon"' in cell and today.strftime("%d/%m/%Y") in cell
    # The next working day is still "soon"; the one after is not.
    TaskDeadline.objects.filter(task=task).update(due_on=add_working_days(today, 1))
    assert "due-soon" in _due_cell(client.get(reverse("inbox")).content.decode())
    TaskDeadline.objects.filter(task=task).update(due_on=add_working_days(today, 2))
    cell = _due_cell(client.get(reverse("inbox")).content.decode())
    assert "due-soon" not in cell and "overdue" not in cell

    TaskDeadline.objects.filter(task=task).update(due_on=today - dt.timedelta(days=1))
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="open-step-due"' in html
    assert 'class="due overdue"' in _due_cell(html)


def test_api_task_list_has_due_on(make_case, users, today):
    from rest_framework.test import APIClient

    make_case(HousingState.SUBMITTED)
    make_case(HousingState.DRAFT)
    api = APIClient()
    api.force_authenticate(users.leader)
    [row] = api.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"]
    assert row["due_on"] == add_working_days(today, 7).isoformat()
    api.force_authenticate(users.officer)
    [row] = api.get("/api/v1/tasks/", {"scope": "queue"}).json()["results"]
    assert row["due_on"] is None


def test_queue_page_query_count_is_the_same_for_3_and_30_tasks(
    users, config, applicant, client_for
):
    def drafts(n):
        for i in range(n):
            case = housing_case_create(
                actor=users.officer,
                commune=applicant.commune,
                # One open housing case per person: each draft has its own applicant.
                applicant=PersonFactory(commune=applicant.commune),
                program="ho_ngheo",
                kind="repair",
                requested_amount=10_000_000 + i,
            )
            # Every task of the queue with a deadline, some overdue.
            task = Task.objects.get(
                process_id=case.flow_process_id, status="NEW", flow_task_type="HUMAN"
            )
            TaskDeadline.objects.create(
                task=task,
                process="housing",
                step="prepare",
                started_on=timezone.localdate(),
                working_days=1,
                due_on=timezone.localdate() - dt.timedelta(days=i % 3),
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("queue"))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode().count('data-testid="due"')

    client = client_for(users.officer)
    drafts(3)
    few, shown = count()
    assert shown == 3
    drafts(27)
    many, shown = count()
    assert shown == 25
    assert many == few
