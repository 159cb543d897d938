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

from cases.models import (
    AdministrativeUnit,
    Case,
    GiftList,
    GiftListState,
    HousingState,
    ReferralState,
    RehabCase,
    Route,
    VoluntaryState,
)

from workflows.deadlines import deadline_create_for_task
from workflows.exceptions import NotPermitted, TransitionNotAllowed
from workflows.permissions import Role, may_take_task, role_permission

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


def _case_route(activation: Any) -> str:
    """Route of the process's rehab case (the procedure version's steps)."""
    if not hasattr(activation, "_case_route"):
        activation._case_route = (
            RehabCase.objects.filter(pk=activation.process.artifact_object_id)
            .values_list("route", flat=True)
            .get()
        )
    return activation._case_route


def _on(route: str, *states: str) -> Any:
    return lambda activation: _case_route(activation) == route and _case_state(activation) in states


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


R = ReferralState
V = VoluntaryState
R22, R25 = Route.ND116_2022, Route.TTLT03_2025


class RehabReferralFlow(flow.Flow):
    """Compulsory drug rehab referral

    From the dossier to the court's decision, placement, post-rehab management and
    completion. The route (who compiles, whether the district office reviews) is the
    procedure version's the case bound to at filing.
    """

    lock_impl = lock.select_for_update_lock
    artifact_model = RehabCase
    detail_url = "rehab_detail"

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.compile, _on(R22, R.DRAFT))
        .Case(this.police_compile, _on(R25, R.DRAFT))
        .Case(this.reading, _on(R22, R.NOTIFIED))
        .Case(this.police_file, _on(R25, R.NOTIFIED))
        .Case(this.legality_review, _on(R22, R.LEGALITY_REVIEW))
        .Case(this.court_decision, _on(R22, R.FILED))
        .Case(this.police_court_decision, _on(R25, R.FILED))
        .Case(this.placement, _in(R.DECIDED))
        .Case(this.postponed, _in(R.POSTPONED))
        .Case(this.treatment, _in(R.IN_TREATMENT))
        .Case(this.post_rehab, _in(R.POST_REHAB))
        .Default(this.end)
    )
    compile = _task(Role.COMMUNE_REHAB, gettext_lazy("Compile the dossier and notify the family"))
    police_compile = _task(
        Role.COMMUNE_POLICE, gettext_lazy("Compile the dossier and notify the family")
    )
    reading = _task(
        Role.COMMUNE_REHAB, gettext_lazy("Send for legality review after the reading period")
    )
    police_file = _task(
        Role.COMMUNE_POLICE, gettext_lazy("File with the court after the reading period")
    )
    legality_review = _task(Role.DISTRICT_REHAB, gettext_lazy("Legality review and court filing"))
    court_decision = _task(Role.DISTRICT_REHAB, gettext_lazy("Record the court decision"))
    police_court_decision = _task(Role.COMMUNE_POLICE, gettext_lazy("Record the court decision"))
    placement = _task(Role.COMMUNE_REHAB, gettext_lazy("Place the person in the centre"))
    postponed = _task(Role.COMMUNE_REHAB, gettext_lazy("Follow the postponement"))
    treatment = _task(Role.COMMUNE_REHAB, gettext_lazy("Record the release"))
    post_rehab = _task(Role.COMMUNE_REHAB, gettext_lazy("Post-rehab management"))
    end = flow.End()

    def start_case(self, activation: Any, case: Case) -> Process:
        activation.process.artifact = case
        return activation.process


class VoluntaryRehabFlow(flow.Flow):
    """Voluntary drug rehab

    Registration at the commune, the chairman's decision within 3 working days,
    treatment at home, in the community or at a facility, post-rehab management.
    """

    lock_impl = lock.select_for_update_lock
    artifact_model = RehabCase
    detail_url = "rehab_detail"

    start = flow.StartHandle(this.start_case).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.register, _in(V.DRAFT))
        .Case(this.decide, _in(V.REGISTERED))
        .Case(this.begin, _in(V.APPROVED))
        .Case(this.treatment, _in(V.IN_TREATMENT))
        .Case(this.post_rehab, _in(V.POST_REHAB))
        .Default(this.end)
    )
    register = _task(Role.COMMUNE_REHAB, gettext_lazy("Register the voluntary rehab"))
    decide = _task(Role.COMMUNE_REHAB, gettext_lazy("Record the commune decision"))
    begin = _task(Role.COMMUNE_REHAB, gettext_lazy("Record the start of treatment"))
    treatment = _task(Role.COMMUNE_REHAB, gettext_lazy("Record the end of treatment"))
    post_rehab = _task(Role.COMMUNE_REHAB, gettext_lazy("Post-rehab management"))
    end = flow.End()

    def start_case(self, activation: Any, case: Case) -> Process:
        activation.process.artifact = case
        return activation.process


FLOWS: dict[str, type[flow.Flow]] = {
    Case.Process.HOUSING: HousingFlow,
    "gift_list": GiftListFlow,
    Case.Process.REHAB_COMPULSORY: RehabReferralFlow,
    Case.Process.REHAB_VOLUNTARY: VoluntaryRehabFlow,
}


def process_start(case: Any) -> Process:
    """Start the viewflow process of a case (or list); its first task goes to
    the commune officers."""
    from workflows.registry import spec_for

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
