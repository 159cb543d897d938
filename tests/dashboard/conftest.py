"""Dashboard fixtures: logged-in clients and a way to make a case's open task overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import sign_in
from workflows import flows
from workflows.models import TaskDeadline


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def client_for(db: Any) -> Any:
    def make(user: Any) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make


def make_overdue(case: Any, days: int = 3) -> list[TaskDeadline]:
    """Give each open human task of `case` a due date `days` days ago (negative:
    in the future). The deadline row is what the dashboard reads; the engine
    made the task."""
    case = type(case).objects.get(pk=case.pk)
    due = timezone.localdate() - dt.timedelta(days=days)
    out = []
    for task in flows.open_tasks(case):
        deadline, _created = TaskDeadline.objects.update_or_create(
            task=task,
            defaults={
                "process": case.process,
                "step": task.flow_task.name,
                "started_on": due - dt.timedelta(days=10),
                "working_days": 5,
                "due_on": due,
            },
        )
        out.append(deadline)
    assert out, f"{case} has no open task"
    return out
