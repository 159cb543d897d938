"""My tasks (inbox) and the queue of unclaimed tasks, with claim and release."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cases.selectors import TaskAbout, task_get, tasks_inbox, tasks_queue, with_task_objects
from cases.templatetags.caseflow import spec_badge
from cases.views.base import CaseflowView, paginate
from workflows import flows
from workflows.deadlines import DeadlineClock
from workflows.permissions import Role, scope_for


class TaskRow:
    """A task with what its row shows, the same for every process: its
    object's name, kind, commune and state, and a link to its page (read
    through the process registry by `with_task_objects`)."""

    def __init__(self, about: TaskAbout, clock: DeadlineClock) -> None:
        task, obj = about.task, about.object
        self.task = task
        # A case's row also names its applicant (and housing flags duplicates).
        self.case = about.case
        node = task.flow_task
        # The flow's node titles are the step names people use (translated).
        self.step = node.task_title if node else ""
        self.name = self.url = self.badge = self.kind = ""
        self.commune = None
        if obj is not None:
            # Each process has its own page (rehab cases: the rehab page) and
            # labels; a step is named as its object's route names it.
            self.step = obj.spec.step_title(node.name) if node else self.step
            self.name, self.url, self.commune = obj.name, obj.url, obj.commune
            self.badge = spec_badge(obj.spec, obj.state)
            self.kind = obj.spec.label
        deadline = getattr(task, "deadline", None)
        self.due_on = deadline.due_on if deadline else None
        self.due_status = clock.status(self.due_on)


# How many of the queue's tasks an empty inbox shows.
QUEUE_PREVIEW = 5


class TaskListView(CaseflowView):
    template_name = "cases/tasks.html"
    scope = "inbox"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tasks = tasks_inbox(user) if self.scope == "inbox" else tasks_queue(user)
        page = paginate(self.request, tasks)
        clock = DeadlineClock.load()
        context.update(
            scope=self.scope,
            is_queue=self.scope == "queue",
            page=page,
            rows=[TaskRow(t, clock) for t in with_task_objects(page.object_list)],
        )
        if self.scope == "inbox" and not page.paginator.count:
            # Nothing taken yet: what waits for them in the queue, not an empty page.
            waiting = tasks_queue(user)
            first = list(waiting[:QUEUE_PREVIEW])
            context.update(
                queue_rows=[TaskRow(t, clock) for t in with_task_objects(first)],
                queue_count=len(first) if len(first) < QUEUE_PREVIEW else waiting.count(),
            )
        return context


class TaskActionView(CaseflowView):
    """POST-only claim / release; errors are shown on the page the user came from."""

    http_method_names = ["post"]
    rerender_on_error = False
    action = "claim"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = task_get(request.user, pk)
        # flows checks role, commune, owner and status under the case's lock and
        # raises our domain errors (403 / 409), answered by CaseflowView.
        if self.action == "claim":
            flows.task_claim(task, request.user)
            messages.success(request, _("The task is now in your inbox."))
            return redirect(self._next("inbox"))
        flows.task_release(task, request.user)
        messages.success(request, _("The task is back in the queue."))
        return redirect(self._next("queue"))

    def _next(self, default: str) -> str:
        target = self.request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return target
        return default


def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user starts: their tasks (with what waits in their
    queue when they have none), the case list for auditors, who have no step
    of their own, and the administration page for the administrator, who
    has no case role."""

    roles = scope_for(request.user).all_roles()
    if roles == {Role.AUDITOR}:
        return redirect("case_list")
    if not roles and (request.user.is_staff or request.user.is_superuser):
        return redirect("admin_home")
    return redirect("inbox")
