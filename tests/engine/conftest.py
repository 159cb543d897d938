"""Fixtures and helpers for the engine tests: extra users holding two roles,
a snapshot of everything a transition writes, and a throw-away MEDIA_ROOT."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connections
from viewflow.workflow.models import Task

from cases.housing.models import Budget
from cases.models import Case
from notifications.models import Notification
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope
from workflows.services import role_grant
from workflows.task_status import OPEN_TASK

from ..conftest import PASSWORD


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploads go to a throw-away folder (and "nothing stored" can be checked)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def grant(username: str, role: str, codes: list[str] = ()) -> Any:  # type: ignore[assignment]
    user = role_grant(
        actor=None, username=username, role=role, commune_codes=list(codes), password=PASSWORD
    )
    forget_scope(user)
    return user


@pytest.fixture
def officer_leader(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    """One person holding both commune roles in commune a (small communes do this)."""
    grant("officer_leader_a", Role.COMMUNE_OFFICER, [communes.a.code])
    user = grant("officer_leader_a", Role.COMMUNE_LEADER, [communes.a.code])
    return user


@pytest.fixture
def leader2(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    return grant("leader_a2", Role.COMMUNE_LEADER, [communes.a.code])


@pytest.fixture
def specialist_head(users: SimpleNamespace) -> Any:
    grant("specialist_head", Role.DISTRICT_SPECIALIST)
    return grant("specialist_head", Role.OFFICE_HEAD)


@pytest.fixture
def head_accountant(users: SimpleNamespace) -> Any:
    grant("head_accountant", Role.OFFICE_HEAD)
    return grant("head_accountant", Role.ACCOUNTANT)


def open_human_tasks(case: Case) -> list[Task]:
    case = Case.objects.get(pk=case.pk)
    return list(
        Task.objects.filter(
            process_id=case.flow_process_id, flow_task_type="HUMAN", status__in=OPEN_TASK
        ).order_by("id")
    )


@dataclass(frozen=True)
class Snapshot:
    """Everything a transition may write, to prove a refusal wrote nothing."""

    state: str
    case_row: tuple
    audit_ids: frozenset[int]
    outbox_ids: frozenset[int]
    tasks: tuple
    budgets: tuple

    @classmethod
    def take(cls, case: Case) -> Snapshot:
        from cases.housing.models import HousingCase

        row = HousingCase.objects.filter(pk=case.pk).values_list(
            "state",
            "assessed_amount",
            "approved_amount",
            "decision_number",
            "budget_id",
            "disbursed_amount",
            "accepted_on",
        )
        return cls(
            state=Case.objects.get(pk=case.pk).state,
            case_row=tuple(row.get()),
            audit_ids=frozenset(AuditEvent.objects.values_list("id", flat=True)),
            outbox_ids=frozenset(Notification.objects.values_list("id", flat=True)),
            tasks=tuple(
                Task.objects.filter(process__case__id=case.pk)
                .order_by("id")
                .values_list("id", "status", "owner_id")
            ),
            budgets=tuple(
                Budget.objects.order_by("id").values_list("id", "committed", "disbursed")
            ),
        )


def run_together(*calls: Callable[[], Any], stagger: float = 0.0) -> list[tuple[str, Any]]:
    """Run each call in its own thread (its own database connection), released
    at the same moment by a barrier (call i waits i * `stagger` seconds more, to
    choose who reaches the lock first). Returns ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("pending", None)] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            if stagger:
                time.sleep(i * stagger)
            results[i] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    return results
