"""Two actors at the same moment, on two real database connections: exactly
one transition wins, the other gets a 409, and nothing is written twice."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from cases.housing.flow import HousingFlow
from cases.housing.models import Budget, HousingCase, HousingProgram, HousingState
from notifications.models import Notification
from workflows import audit, engine, flows
from workflows.exceptions import ConcurrentChange, InvalidData, TransitionNotAllowed
from workflows.models import AuditEvent

from .conftest import open_human_tasks, run_together

S = HousingState
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _hold_the_lock_a_little_longer(monkeypatch: Any) -> None:
    """The winner keeps its locks for 0.3 s after its writes, so the loser is
    certainly waiting on the row lock (not merely arriving late)."""
    original = flows.task_complete_for

    def slow(case: Any, actor: Any) -> None:
        original(case, actor)
        time.sleep(0.3)

    monkeypatch.setattr(flows, "task_complete_for", slow)


def fire(pk: int, name: str, actor: Any, **kwargs: Any) -> Any:
    def call() -> Any:
        # Each thread reads the case itself, as a request would.
        return engine.transition(HousingCase.objects.get(pk=pk), name, actor=actor, **kwargs)

    return call


def outcome(results: list[tuple[str, Any]]) -> tuple[list[Any], list[BaseException]]:
    wins = [r for kind, r in results if kind == "ok"]
    losses = [r for kind, r in results if kind == "error"]
    assert len(wins) + len(losses) == len(results)
    return wins, losses


def test_two_leaders_verifying_the_same_case_one_wins_and_the_other_gets_409(
    make_case: Any, users: SimpleNamespace, leader2: Any
) -> None:
    case = make_case(S.SUBMITTED)
    outbox_before = Notification.objects.count()

    wins, losses = outcome(
        run_together(fire(case.pk, "verify", users.leader), fire(case.pk, "verify", leader2))
    )

    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], TransitionNotAllowed) and losses[0].status == 409
    assert HousingCase.objects.get(pk=case.pk).state == S.COMMUNE_VERIFIED
    verified = AuditEvent.objects.filter(case_id=case.pk, transition="verify")
    assert verified.count() == 1
    assert verified.get().actor_id in {users.leader.pk, leader2.pk}
    [task] = open_human_tasks(case)
    assert task.flow_task == HousingFlow.review and task.status == STATUS.NEW
    assert Notification.objects.count() == outbox_before + 1  # the one specialist
    assert audit.verify().ok


@pytest.mark.parametrize("first", ["verify", "return_for_correction", "nobody"])
def test_verify_and_return_fired_together_exactly_one_wins(
    first: str, make_case: Any, users: SimpleNamespace, leader2: Any
) -> None:
    case = make_case(S.SUBMITTED)
    calls = {
        "verify": fire(case.pk, "verify", users.leader),
        "return_for_correction": fire(
            case.pk, "return_for_correction", leader2, reason="Thiếu giấy tờ"
        ),
    }
    if first == "nobody":  # released together: the database decides
        results = run_together(*calls.values())
    else:  # the other one arrives 50 ms later and waits on the row lock
        results = run_together(calls[first], *(c for n, c in calls.items() if n != first),
                               stagger=0.05)  # fmt: skip

    wins, losses = outcome(results)
    if first != "nobody":
        assert wins[0].transition == first

    assert len(wins) == 1 and len(losses) == 1
    # Whichever lost gets a 409 (wrong state now, or changed under it), never a 403.
    assert isinstance(losses[0], TransitionNotAllowed | ConcurrentChange), losses[0]
    assert losses[0].status == 409
    winner = wins[0]
    state = HousingCase.objects.get(pk=case.pk).state
    assert state == winner.to_state
    assert state in {S.COMMUNE_VERIFIED, S.RETURNED}
    events = AuditEvent.objects.filter(
        case_id=case.pk, transition__in=["verify", "return_for_correction"]
    )
    assert list(events) == [winner]
    [task] = open_human_tasks(case)
    expected = HousingFlow.review if state == S.COMMUNE_VERIFIED else HousingFlow.prepare
    assert task.flow_task == expected
    assert audit.verify().ok


def test_two_accountants_paying_the_first_tranche_together_pay_it_once(
    make_case: Any, users: SimpleNamespace
) -> None:
    from tests.engine.conftest import grant
    from workflows.permissions import Role

    accountant2 = grant("accountant2", Role.ACCOUNTANT)
    case = make_case(S.APPROVED)
    data = {"amount": 30_000_000, "paid_on": timezone.localdate().isoformat()}

    wins, losses = outcome(
        run_together(
            fire(case.pk, "disburse", users.accountant, data=data),
            fire(case.pk, "disburse", accountant2, data=data),
        )
    )

    assert len(wins) == 1 and isinstance(losses[0], TransitionNotAllowed)
    case = HousingCase.objects.get(pk=case.pk)
    assert (case.state, case.disbursed_amount) == (S.PARTIALLY_DISBURSED, 30_000_000)
    assert case.disbursements.count() == 1
    budget = Budget.objects.get(pk=case.budget_id or 0)
    assert budget.disbursed == 30_000_000


def test_two_approvals_competing_for_the_last_of_a_budget_approve_exactly_one(
    make_case: Any, users: SimpleNamespace
) -> None:
    first = make_case(S.DISTRICT_REVIEWED)
    second = make_case(S.DISTRICT_REVIEWED)
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=timezone.localdate().year)
    # 100m left: room for one 80m approval, not two.
    Budget.objects.filter(pk=budget.pk).update(committed=budget.allocated - 100_000_000)
    data = {
        "decision_number": "7/QĐ-UBND",
        "decision_date": timezone.localdate().isoformat(),
        "approved_amount": 80_000_000,
    }

    wins, losses = outcome(
        run_together(
            fire(first.pk, "approve", users.head, data=data),
            fire(second.pk, "approve", users.head2, data=data),
        )
    )

    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], InvalidData) and losses[0].code == "budget_exhausted"
    states = sorted(
        HousingCase.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    )
    assert states == sorted([S.APPROVED, S.DISTRICT_REVIEWED])
    budget.refresh_from_db()
    assert budget.committed == budget.allocated - 20_000_000
    assert AuditEvent.objects.filter(transition="approve").count() == 1
    assert audit.verify().ok


def test_a_claim_racing_a_transition_waits_for_it_and_gets_a_409_not_a_database_error(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)

    results = run_together(
        fire(case.pk, "submit", users.officer),
        lambda: flows.task_claim(task, users.officer2),
        stagger=0.05,
    )

    assert results[0][0] == "ok"
    kind, error = results[1]
    assert kind == "error" and isinstance(error, TransitionNotAllowed), error
    assert error.code == "task_closed"
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.DONE, users.officer.pk)
