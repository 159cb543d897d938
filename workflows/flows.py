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

from cases.models import AdministrativeUnit, Case, GiftList, GiftListState, HousingState

from .deadlines import deadline_create_for_task
from .exceptions import NotPermitted, TransitionNotAllowed
from .permissions import Role, may_take_task, role_permission

S = HousingState
G = GiftListState
OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


class OpenCaseView(DjangoView):
    """Viewflow's task URL leads to our page of the case (or list), where the actions are."""

    def get(self, request: Any, **kwargs: Any) -> Any:
        task = Task.objects.select_related("process").get(pk=kwargs["task_pk"])
        flow_class = task.process.flow_class
        return redirect(flow_class.detail_url, pk=task.process.artifact_object_id)


def _case_state(activation: Any) -> str:
    """State of the process's case (or list), read fresh once per activation."""
    if not hasattr(activation, "_case_state"):
        model = activation.flow_class.artifact_model
        activation._case_state = (
            model.objects.filter(pk=activation.process.artifact_object_id)
            .values_list("state", flat=True)
            .get()
        )
    return activation._case_state


def _in(*states: str) -> Any:
    return lambda activation: _case_state(activation) in states


def _commune(process: Process) -> AdministrativeUnit:
    model = process.flow_class.artifact_model
    return AdministrativeUnit.objects.get(
        pk__in=model.objects.filter(pk=process.artifact_object_id).values("commune_id")
    )


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
    artifact_model = Case
    detail_url = "case_detail"

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


class GiftListFlow(flow.Flow):
    """Commune gift list

    A commune's recipient list for a gift campaign, from preparation to closing.
    """

    lock_impl = lock.select_for_update_lock
    artifact_model = GiftList
    detail_url = "gift_list_detail"

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.prepare, _in(G.PREPARING))
        .Case(this.confirm, _in(G.SUBMITTED))
        .Case(this.review, _in(G.CONFIRMED))
        .Case(this.approve, _in(G.REVIEWED))
        .Case(this.distribute, _in(G.APPROVED))
        .Case(this.close, _in(G.DISTRIBUTED))
        .Default(this.end)
    )
    prepare = _task(Role.COMMUNE_OFFICER, gettext_lazy("Prepare and submit the list"))
    confirm = _task(Role.COMMUNE_LEADER, gettext_lazy("Confirm the list (commune)"))
    review = _task(Role.DISTRICT_SPECIALIST, gettext_lazy("Review the list (district)"))
    approve = _task(Role.OFFICE_HEAD, gettext_lazy("Approve the list"))
    distribute = _task(Role.COMMUNE_OFFICER, gettext_lazy("Record the distribution"))
    close = _task(Role.COMMUNE_LEADER, gettext_lazy("Close the list"))
    end = flow.End()

    def start_case(self, activation: Any, case: GiftList) -> Process:
        activation.process.artifact = case
        return activation.process


FLOWS: dict[str, type[flow.Flow]] = {
    Case.Process.HOUSING: HousingFlow,
    "gift_list": GiftListFlow,
}


def process_start(case: Any) -> Process:
    """Start the viewflow process of a case (or list); its first task goes to
    the commune officers."""
    from .registry import spec_for

    flow_class = FLOWS[spec_for(case).code]
    process = flow_class.start.run(case=case)
    type(case).objects.filter(pk=case.pk).update(flow_process=process)
    case.flow_process = process
    return process


def open_tasks(case: Any) -> list[Task]:
    if not case.flow_process_id:
        return []
    return list(
        Task.objects.filter(
            process_id=case.flow_process_id, flow_task_type="HUMAN", status__in=OPEN_TASK
        ).order_by("id")
    )


def task_complete_for(case: Any, actor: Any) -> None:
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
    model = task.process.flow_class.artifact_model
    list(
        model.objects.select_for_update()
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
