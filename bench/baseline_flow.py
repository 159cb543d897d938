"""Baseline for bench_housing_transitions: viewflow alone.

`BaselineHousingFlow` has the node graph of `workflows.flows.HousingFlow`
(StartHandle → state Switch → seven human View tasks with the same role
permissions on the case's commune → End, `select_for_update_lock`), built
from the same helpers, but lives here so that nothing of ours is hooked into
it. A baseline step is: one transaction, a raw UPDATE of the case's state,
then the open task completed exactly as `workflows.flows.task_complete_for`
does it (that very function is called). No row lock on the case, no role,
scope or separation-of-duties check, no form, cap, budget, audit or outbox.

`graph_signature` lets the benchmark check that this layout still matches
HousingFlow's (others edit workflows/flows.py).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process

from cases.models import Case, HousingState
from workflows import flows as ours
from workflows.permissions import Role

S = HousingState


class BaselineHousingFlow(flow.Flow):
    """Housing support (benchmark baseline: viewflow only)"""

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.prepare, ours._in(S.DRAFT, S.RETURNED))
        .Case(this.verify, ours._in(S.SUBMITTED))
        .Case(this.review, ours._in(S.COMMUNE_VERIFIED))
        .Case(this.approve, ours._in(S.DISTRICT_REVIEWED))
        .Case(this.disburse_advance, ours._in(S.APPROVED))
        .Case(this.accept_completion, ours._in(S.PARTIALLY_DISBURSED))
        .Case(this.disburse_final, ours._in(S.COMPLETION_ACCEPTED))
        .Default(this.end)
    )
    prepare = ours._task(Role.COMMUNE_OFFICER)
    verify = ours._task(Role.COMMUNE_LEADER)
    review = ours._task(Role.DISTRICT_SPECIALIST)
    approve = ours._task(Role.OFFICE_HEAD)
    disburse_advance = ours._task(Role.ACCOUNTANT)
    accept_completion = ours._task(Role.COMMUNE_OFFICER)
    disburse_final = ours._task(Role.ACCOUNTANT)
    end = flow.End()

    def start_case(self, activation: Any, case: Case) -> Process:
        activation.process.artifact = case
        return activation.process


def graph_signature(flow_class: Any) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(node, node type, outgoing nodes in order, permission) for every node."""
    out = []
    for name, node in sorted(flow_class._nodes_by_name.items()):
        targets = tuple(edge.dst.name for edge in node._outgoing())
        out.append(
            (name, type(node).__name__, targets, str(getattr(node, "_owner_permission", "")))
        )
    return out


def start(case: Case) -> Process:
    """Start the baseline process for `case` (set-up, not timed)."""
    process = BaselineHousingFlow.start.run(case=case)
    Case.objects.filter(pk=case.pk).update(flow_process=process)
    case.flow_process = process
    return process


def step(case: Case, target_state: str, actor: Any) -> None:
    """One baseline transition: raw state UPDATE + viewflow task completion."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {Case._meta.db_table} SET state = %s WHERE id = %s",
                [target_state, case.pk],
            )
        ours.task_complete_for(case, actor)
