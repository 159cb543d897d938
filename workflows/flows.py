"""Viewflow processes: one per housing case, tasks routed by the case's state.

The graph is a hub: after every human task a Switch reads the case's state
(which only the engine changes) and opens the task for whoever must act next,
so viewflow's task list, queue and history always follow the state machine.
The engine completes the open task in the same transaction as the transition.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import redirect
from django.views import View as DjangoView
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from cases.models import AdministrativeUnit, Case, HousingState

from .permissions import Role, role_permission

S = HousingState
OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


class OpenCaseView(DjangoView):
    """Viewflow's task URL leads to our case page, where the actions are."""

    def get(self, request: Any, **kwargs: Any) -> Any:
        task = Task.objects.select_related("process").get(pk=kwargs["task_pk"])
        return redirect("case_detail", pk=task.process.artifact_object_id)


def _case_state(activation: Any) -> str:
    """State of the process's case, read fresh once per activation."""
    if not hasattr(activation, "_case_state"):
        activation._case_state = (
            Case.objects.filter(pk=activation.process.artifact_object_id)
            .values_list("state", flat=True)
            .get()
        )
    return activation._case_state


def _in(*states: str) -> Any:
    return lambda activation: _case_state(activation) in states


def _commune(process: Process) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(cases__id=process.artifact_object_id)


def _task(role: str) -> Any:
    return (
        flow.View(OpenCaseView.as_view())
        .Permission(role_permission(role), obj=_commune)
        .Next(this.route)
    )


class HousingFlow(flow.Flow):
    """Housing support

    Build new or repair a house for people with meritorious service and poor households.
    """

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.prepare, _in(S.DRAFT, S.RETURNED))
        .Case(this.verify, _in(S.SUBMITTED))
        .Case(this.review, _in(S.COMMUNE_VERIFIED))
        .Case(this.approve, _in(S.DISTRICT_REVIEWED))
        .Case(this.disburse_advance, _in(S.APPROVED))
        .Case(this.accept_completion, _in(S.PARTIALLY_DISBURSED))
        .Case(this.disburse_final, _in(S.COMPLETION_ACCEPTED))
        .Default(this.end)
    )
    prepare = _task(Role.COMMUNE_OFFICER)
    verify = _task(Role.COMMUNE_LEADER)
    review = _task(Role.DISTRICT_SPECIALIST)
    approve = _task(Role.OFFICE_HEAD)
    disburse_advance = _task(Role.ACCOUNTANT)
    accept_completion = _task(Role.COMMUNE_OFFICER)
    disburse_final = _task(Role.ACCOUNTANT)
    end = flow.End()

    def start_case(self, activation: Any, case: Case) -> Process:
        activation.process.artifact = case
        return activation.process


FLOWS: dict[str, type[flow.Flow]] = {Case.Process.HOUSING: HousingFlow}


def process_start(case: Case) -> Process:
    """Start the case's viewflow process; its first task goes to the commune officers."""
    flow_class = FLOWS[case.process]
    process = flow_class.start.run(case=case)
    Case.objects.filter(pk=case.pk).update(flow_process=process)
    case.flow_process = process
    return process


def open_tasks(case: Case) -> list[Task]:
    if not case.flow_process_id:
        return []
    return list(
        Task.objects.filter(
            process_id=case.flow_process_id, flow_task_type="HUMAN", status__in=OPEN_TASK
        ).order_by("id")
    )


def task_complete_for(case: Case, actor: Any) -> None:
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


def task_claim(task: Task, user: Any) -> None:
    with transaction.atomic(), task.activation() as activation:
        activation.assign(user)


def task_release(task: Task, user: Any) -> None:
    with transaction.atomic(), task.activation() as activation:
        activation.unassign()
