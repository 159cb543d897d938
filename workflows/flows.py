"""Viewflow processes built from a process's spec: one process per case (or
gift list), its tasks routed by the object's state.

The graph is a hub: after every human task a Switch reads the object's state
(which only the engine changes) and opens the task of the spec's step for that
state, so viewflow's task list, queue and history always follow the state
machine. The engine completes the open task in the same transaction as the
transition."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View as DjangoView
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from workflows.actors import Reader, User
from workflows.deadlines import deadline_create_for_task
from workflows.exceptions import NotPermitted, TransitionNotAllowed
from workflows.permissions import may_take_task, role_permission
from workflows.registry import flow_for, spec_for
from workflows.registry_models import devolved_unit, unit_model
from workflows.specs import DEVOLVED_ROUTE, ProcessSpec, Step
from workflows.task_status import OPEN_TASK

Condition = Callable[[Any], bool]
_MISSING = object()


class OpenCaseView(DjangoView):
    """Viewflow's task URL leads to our page of the case (or list), where the actions are."""

    def get(self, request: Any, **kwargs: Any) -> Any:
        task = Task.objects.select_related("process").get(pk=kwargs["task_pk"])
        flow_class = task.process.flow_class
        return redirect(flow_class.detail_url, pk=task.process.artifact_object_id)


# What the engine read under its row lock, for the activations it runs in the
# same transaction: (process id, {field: value}). Saves the Switch and the next
# task's permission a read each of what the engine already holds.
_held: ContextVar[tuple[int | None, dict[str, Any]] | None] = ContextVar("held", default=None)


def _held_value(process_id: int, field: str) -> Any:
    held = _held.get()
    if held is not None and held[0] == process_id and field in held[1]:
        return held[1][field]
    return _MISSING


def _artifact_value(activation: Any, field: str) -> Any:
    """A field of the process's case (or list), read fresh once per activation."""
    cache = activation.__dict__.setdefault("_artifact_values", {})
    if field not in cache:
        held = _held_value(activation.process.pk, field)
        if held is not _MISSING:
            cache[field] = held
            return held
        model = activation.flow_class.artifact_model
        cache[field] = (
            model.objects.filter(pk=activation.process.artifact_object_id)
            .values_list(field, flat=True)
            .get()
        )
    return cache[field]


def state_in(*states: str) -> Condition:
    return lambda activation: _artifact_value(activation, "state") in states


def on_route(states_by_route: dict[str, tuple[str, ...]]) -> Condition:
    """In one of the route's states, for a case on one of these routes."""
    return lambda activation: (
        _artifact_value(activation, "state")
        in states_by_route.get(str(_artifact_value(activation, "route")), ())
    )


def process_commune(process: Process) -> Any:
    commune_id = _held_value(process.pk, "commune_id")
    if commune_id is not _MISSING:
        # Only its key is used (the permission is on the commune row).
        return unit_model()(pk=commune_id)
    model = process.flow_class.artifact_model
    return unit_model().objects.get(
        pk__in=model.objects.filter(pk=process.artifact_object_id).values("commune_id")
    )


def human_task(permission: Any, title: Any = None) -> Any:
    return (
        flow.View(OpenCaseView.as_view())
        .Annotation(title=title)
        .Permission(permission, obj=process_commune)
        .onCreate(lambda activation: deadline_create_for_task(activation.task))
        .Next(this.route)
    )


def _start_case(self: Any, activation: Any, case: Any) -> Process:
    activation.process.artifact = case
    return activation.process


Node = tuple[Step, dict[str, tuple[str, ...]], dict[str, str]]


def _nodes(specs: Sequence[ProcessSpec]) -> dict[str, Node]:
    """Every step of every route, by node name, with its states and its role
    on each route. Only the commune route of a devolved process may give a
    step to another role (`workflows.devolution`)."""
    nodes: dict[str, Node] = {}
    for spec in specs:
        for step in spec.steps:
            first, by_route, roles = nodes.setdefault(step.name, (step, {}, {}))
            same = (first.role, str(first.title)) == (step.role, str(step.title))
            if not same and spec.route != DEVOLVED_ROUTE:
                raise ValueError(f"step {step.name} differs between the routes of {spec.code}")
            by_route[str(spec.route)] = tuple(str(s) for s in step.states)
            roles[str(spec.route)] = step.role
    return nodes


def _task_route(activation: Any) -> str:
    """The route whose roles a new task waits for: the commune route in a
    commune of the two-level government."""
    commune_id = _artifact_value(activation, "commune_id")
    return DEVOLVED_ROUTE if devolved_unit(commune_id) else ""


@dataclass(frozen=True)
class RoutePermission:
    """The permission a task of a step a commune role took over waits for:
    that of the role of the route its object follows."""

    roles: dict[str, str]  # route -> role

    def __call__(self, activation: Any) -> str:
        return role_permission(self.roles[_task_route(activation)])


def _permission(roles: dict[str, str]) -> Any:
    """The permission a step's task waits for: its role's, or, for a step a
    commune role took over, the role of the route the object follows."""
    if len(set(roles.values())) == 1:
        return role_permission(next(iter(roles.values())))
    return RoutePermission(roles)


def flow_from_spec(
    *specs: ProcessSpec, name: str, module: str, artifact_model: type[Any], doc: str
) -> type[flow.Flow]:
    """The viewflow flow of a process: one human task per step of its spec (of
    every route, for a versioned process), a Switch choosing the step by the
    object's state (and route), an end when no step waits.

    `name` and `module` place the class where viewflow's stored references
    (process and task rows) find it; `doc` is its title and description."""
    switch = flow.Switch()
    attrs: dict[str, Any] = {}
    for node, (step, by_route, roles) in _nodes(specs).items():
        everywhere = len(by_route) == len(specs) and len(set(by_route.values())) == 1
        condition = state_in(*step.states) if everywhere else on_route(by_route)
        switch = switch.Case(getattr(this, node), condition)
        attrs[node] = human_task(_permission(roles), step.title)
    return type(
        name,
        (flow.Flow,),
        {
            "__module__": module,
            "__qualname__": name,
            "__doc__": doc,
            "lock_impl": lock.select_for_update_lock,
            "artifact_model": artifact_model,
            "detail_url": specs[0].detail_url,
            "start": flow.StartHandle(this.start_case).Next(this.route),
            "route": switch.Default(this.end),
            **attrs,
            "end": flow.End(),
            "start_case": _start_case,
        },
    )


def process_start(case: Any) -> Process:
    """Start the viewflow process of a case (or list); its first task goes to
    the commune officers."""
    flow_class = flow_for(spec_for(case).code)
    process = flow_class.start.run(case=case)
    type(case).objects.filter(pk=case.pk).update(flow_process=process)
    case.flow_process = process
    return process


def open_tasks(case: Any) -> list[Task]:
    if not getattr(case, "flow_process_id", None):
        return []
    return list(
        Task.objects.filter(
            process_id=case.flow_process_id, flow_task_type="HUMAN", status__in=OPEN_TASK
        ).order_by("id")
    )


def task_complete_for(case: Any, actor: User) -> None:
    """Complete the case's open human task as `actor`; the Switch opens the next one.

    Called by the engine inside its transaction, after the state changed. The
    task is completed whoever held it: the transition is what happened.
    """
    for task in open_tasks(case):
        with task.activation() as activation:
            if task.status == STATUS.NEW:
                activation.assign(actor)
            elif task.owner_id != actor.pk:
                activation.reassign(actor)
            if activation.task.status == STATUS.ASSIGNED:
                activation.start(None)
            activation.execute()


@contextmanager
def holding(case: Any) -> Iterator[None]:
    """While the engine holds `case` locked (fresh state, route, commune), the
    flow's Switch and its tasks' permission read them from it, not again from
    the database."""
    known = {"state": case.state, "commune_id": case.commune_id}
    if hasattr(case, "route"):
        known["route"] = case.route
    # Objects without a flow (an entitlement) hold nothing any task reads.
    token = _held.set((getattr(case, "flow_process_id", None), known))
    try:
        yield
    finally:
        _held.reset(token)


def _lock_case_of(task: Task) -> None:
    """Lock the task's case row, as the engine does before a transition.

    A claim and a transition on the same case then queue on one lock instead of
    racing for viewflow's NOWAIT process lock (whose failure is a raw DatabaseError).
    """
    model = task.process.flow_class.artifact_model
    list(
        model.objects.select_for_update()
        .filter(flow_process_id=task.process_id)
        .values_list("pk", flat=True)
    )


def task_claim(task: Task, user: Reader) -> None:
    """Assign an unclaimed task to `user`, who must hold its role in its commune.

    NotPermitted (403) otherwise; TransitionNotAllowed (409, code already_claimed
    or task_closed) when someone holds it already or it is finished.
    """
    with transaction.atomic():
        _lock_case_of(task)
        with task.activation() as activation:  # re-reads the task under the lock
            current = activation.task
            if not may_take_task(user, current):
                raise NotPermitted(_("This task is for another role or commune."))
            if current.status not in OPEN_TASK:
                raise TransitionNotAllowed(_("This task is already finished."), code="task_closed")
            if current.status != STATUS.NEW or current.owner_id is not None:
                raise TransitionNotAllowed(
                    _("This task has already been claimed."), code="already_claimed"
                )
            activation.assign(user)


def task_release(task: Task, user: Reader) -> None:
    """Put a task `user` holds back in the queue (or any task, for flow managers)."""
    with transaction.atomic():
        _lock_case_of(task)
        with task.activation() as activation:
            current = activation.task
            if current.status != STATUS.ASSIGNED:
                raise TransitionNotAllowed(
                    _("Only a claimed task that is not started can be released."),
                    code="not_claimed",
                )
            if not activation.flow_task.can_unassign(user, current):
                raise NotPermitted(_("Only whoever holds this task can release it."))
            activation.unassign()
