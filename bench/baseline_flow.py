"""Baseline for bench_housing_transitions: viewflow alone.

`BaselineHousingFlow` has the node graph of `cases.housing.flow.HousingFlow`
(StartHandle → state Switch → seven human View tasks with the same role
permissions on the case's commune, by route where the commune took a step
over → End, `select_for_update_lock`), written
out by hand with the helpers HousingFlow is generated with
(`workflows.flows.state_in`, `human_task`), but lives here so that nothing of
ours is hooked into it: it is registered with no process (so its tasks get no
deadline row) and no engine. A baseline step is: one transaction, a raw
UPDATE of the case's state, then the open task completed exactly as
`workflows.flows.task_complete_for` does it (that very function is called).
No row lock on the case, no role, scope or separation-of-duties check, no
form, cap, budget, audit or outbox.

Viewflow stores a flow as `<app label>/<module>.<class>` in its process and
task rows, so this module must sit in an installed app:
`bench.common.throwaway_database` adds `bench` to INSTALLED_APPS (in the
benchmark process only) and the rows read `bench/baseline_flow.Baseline…`.

`graph_signature` lets the benchmark check that this layout still matches
HousingFlow's, which is generated from the housing spec (others edit it).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process

from cases.housing.models import HousingState
from cases.models import Case
from workflows import flows as ours
from workflows.permissions import DEVOLVED_ROLES, Role, role_permission
from workflows.specs import DEVOLVED_ROUTE

S = HousingState


def _waits_for(role: str) -> Any:
    """A step the commune took over in the two-level government waits for the
    role of the case's route, as HousingFlow's does."""
    return ours.RoutePermission({"": role, DEVOLVED_ROUTE: DEVOLVED_ROLES[role]})


class BaselineHousingFlow(flow.Flow):
    """Housing support (benchmark baseline: viewflow only)"""

    lock_impl = lock.select_for_update_lock
    # Read by state_in (the Switch) and process_commune (task permissions).
    artifact_model = Case
    detail_url = "case_detail"

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.prepare, ours.state_in(S.DRAFT, S.RETURNED))
        .Case(this.verify, ours.state_in(S.SUBMITTED))
        .Case(this.review, ours.state_in(S.COMMUNE_VERIFIED))
        .Case(this.approve, ours.state_in(S.DISTRICT_REVIEWED))
        .Case(this.disburse_advance, ours.state_in(S.APPROVED))
        .Case(this.accept_completion, ours.state_in(S.PARTIALLY_DISBURSED))
        .Case(this.disburse_final, ours.state_in(S.COMPLETION_ACCEPTED))
        .Default(this.end)
    )
    prepare = ours.human_task(role_permission(Role.COMMUNE_OFFICER))
    verify = ours.human_task(role_permission(Role.COMMUNE_LEADER))
    review = ours.human_task(_waits_for(Role.DISTRICT_SPECIALIST))
    approve = ours.human_task(_waits_for(Role.OFFICE_HEAD))
    disburse_advance = ours.human_task(_waits_for(Role.ACCOUNTANT))
    accept_completion = ours.human_task(role_permission(Role.COMMUNE_OFFICER))
    disburse_final = ours.human_task(_waits_for(Role.ACCOUNTANT))
    end = flow.End()

    def start_case(self, activation: Any, case: Case) -> Process:
        activation.process.artifact = case
        return activation.process


class _ProbeModel:
    """Stands in for a flow's `artifact_model` when its Switch is probed:
    `objects.filter(...).values_list(field, flat=True).get()` (how the
    conditions of workflows.flows read the case) returns `values[field]`."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.objects = self
        self.field = ""

    def filter(self, *args: Any, **kwargs: Any) -> _ProbeModel:
        return self

    def values_list(self, field: str, flat: bool = False) -> _ProbeModel:
        self.field = field
        return self

    def get(self) -> str:
        return self.values[self.field]


def _routing(node: Any, states: Any) -> tuple[tuple[str, str], ...]:
    """(state, node the Switch opens) for every state, the conditions evaluated
    on a stand-in activation rather than compared as (opaque) lambdas."""
    out = []
    for state in states:
        probe = SimpleNamespace(
            flow_class=SimpleNamespace(artifact_model=_ProbeModel({"state": state, "route": ""})),
            process=SimpleNamespace(artifact_object_id=0, pk=0),
        )
        chosen = next(dst for dst, cond in node._branches if cond is None or cond(probe))
        out.append((str(state), chosen.name))
    return tuple(out)


def graph_signature(flow_class: Any, states: Any = HousingState) -> list[tuple[Any, ...]]:
    """(node, node type, outgoing nodes in order, permission, routing by state)
    for every node; the routing is that of Switch nodes, empty elsewhere."""
    out = []
    for name, node in sorted(flow_class._nodes_by_name.items()):
        targets = tuple(edge.dst.name for edge in node._outgoing())
        routing = _routing(node, states) if isinstance(node, flow.Switch) else ()
        permission = str(getattr(node, "_owner_permission", ""))
        out.append((name, type(node).__name__, targets, permission, routing))
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
