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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View as DjangoView
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from cases.models import AdministrativeUnit, Case, HousingState

from .deadlines import deadline_create_for_task
from .exceptions import NotPermitted, TransitionNotAllowed
from .permissions import Role, may_take_task, role_permission

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


def _task(role: str, title: Any = None) -> Any:
    return (
        flow.View(OpenCaseView.as_view())
        .Annotation(title=title)
        .Permission(role_permission(role), obj=_commune)
        .onCreate(lambda activation: deadline_create_for_task(activation.task))
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
    prepare = _task(Role.COMMUNE_OFFICER, gettext_lazy("Prepare and submit the dossier"))
    verify = _task(Role.COMMUNE_LEADER, gettext_lazy("Confirm (commune)"))
    review = _task(Role.DISTRICT_SPECIALIST, gettext_lazy("Review (district)"))
    approve = _task(Role.OFFICE_HEAD, gettext_lazy("Approve"))
    disburse_advance = _task(Role.ACCOUNTANT, gettext_lazy("Pay the first tranche"))
    accept_completion = _task(Role.COMMUNE_OFFICER, gettext_lazy("Accept completion (nghiệm thu)"))
    disburse_final = _task(Role.ACCOUNTANT, gettext_lazy("Pay the final tranche"))
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


def _lock_case_of(task: Task) -> None:
    """Lock the task's case row, as the engine does before a transition.

    A claim and a transition on the same case then queue on one lock instead of
    racing for viewflow's NOWAIT process lock (whose failure is a raw DatabaseError).
    """
    list(
        Case.objects.select_for_update()
        .filter(flow_process_id=task.process_id)
        .values_list("pk", flat=True)
    )


def task_claim(task: Task, user: Any) -> None:
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


def task_release(task: Task, user: Any) -> None:
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
