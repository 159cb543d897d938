"""Scoped reads. Every list, detail page, export and API endpoint reads
cases through these functions, which build on the user's commune ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import (
    AdministrativeUnit,
    Case,
    Document,
    DocumentRequirement,
    Person,
    UnitChange,
)
from notifications.selectors import notification_unread_count
from workflows.actors import Reader, signed_in
from workflows.artifacts import TaskObject, task_objects
from workflows.audit_explorer import object_timeline
from workflows.models import AuditEvent
from workflows.permissions import (
    COMMUNE_ROLES,
    SENSITIVE_PROCESSES,
    Role,
    get_or_not_found,
    role_permission,
    scope_for,
    scoped,
)
from workflows.registry import spec_for
from workflows.text import fold_search_q, national_id_terms

# The event the reorganisation run writes for each object it carries to a
# successor unit (`cases.reorganization.run.MOVED_EVENT`; that floor is above
# this one, so the name is repeated here and a test keeps the two the same).
UNIT_TRANSFER_EVENT = "unit_transfer"


def _communes() -> QuerySet[AdministrativeUnit]:
    """Every commune: the rows the scoped selectors below narrow."""
    return AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE)


def communes_for_user(user: Reader) -> QuerySet[AdministrativeUnit]:
    return scoped(_communes(), user, field="id").order_by("name")


def communes_with_history(
    user: Reader, *, active_on: dt.date | None = None
) -> QuerySet[AdministrativeUnit]:
    """The user's communes (in force on `active_on`, when given) with the
    changes that made them and that ended them, and the units at their
    other ends (a fixed number of queries)."""
    qs = communes_for_user(user)
    if active_on is not None:
        qs = qs.filter(AdministrativeUnit.in_force_on(active_on))
    changes = UnitChange.objects.select_related("predecessor", "successor")
    return qs.prefetch_related(
        Prefetch("changes_in", queryset=changes), Prefetch("changes_out", queryset=changes)
    ).order_by("name", "valid_from", "id")


def cases_for_user(user: Reader) -> QuerySet[Case]:
    """Cases of the general processes. Drug-rehab cases are never here, for
    anyone: they are read through `cases.rehab.selectors.rehab_cases_for_user`."""
    return scoped(Case.objects.exclude(process__in=SENSITIVE_PROCESSES), user)


def people_for_user(user: Reader) -> QuerySet[Person]:
    return scoped(Person.objects.filter(rehab_only=False), user)


def people_search(user: Reader, q: str = "") -> QuerySet[Person]:
    """The user's people whose national ID is `q` (spaces and dots allowed; 11
    digits: also with the leading zero a spreadsheet dropped) or whose name
    contains `q`, with or without diacritics ("nguyen thi huong", "Hường")."""
    qs = people_for_user(user)
    ids = national_id_terms(q)
    if ids:
        return qs.filter(national_id__in=ids)
    return qs.filter(fold_search_q("full_name_folded", q)) if q.strip() else qs


def person_get(user: Reader, pk: int) -> Person:
    person: Person = get_or_not_found(people_for_user(user), pk)
    return person


def _task_scope_q(user: Reader) -> Q:
    """Tasks whose permission the user holds, in a commune they may act in."""
    scope = scope_for(user)
    q = Q(pk__in=[])
    for role in scope.district_roles:
        q |= Q(owner_permission=role_permission(role))
    for role in COMMUNE_ROLES:
        ids = scope.acting(role)
        if ids:
            q |= Q(
                owner_permission=role_permission(role),
                owner_permission_obj_pk__in=[str(i) for i in sorted(ids)],
            )
    return q


def tasks_inbox(user: Reader) -> QuerySet[Task]:
    """Tasks assigned to the user and still open (in communes they still serve)."""
    return (
        Task.objects.filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])
        .filter(_task_scope_q(user))
        .select_related("deadline")
        .order_by("created", "id")
    )


def tasks_queue(user: Reader) -> QuerySet[Task]:
    """Unclaimed tasks the user could take."""
    return (
        Task.objects.filter(status=STATUS.NEW, owner__isnull=True, flow_task_type="HUMAN")
        .filter(_task_scope_q(user))
        .select_related("deadline")
        .order_by("created", "id")
    )


@dataclass(frozen=True)
class TaskCase:
    """What a task's row says of a case beyond the registry's facts: who applied."""

    pk: int
    process: str
    applicant: str


@dataclass(frozen=True)
class TaskAbout:
    """A task with what it is about (None: no registered flow finds its
    object) and, when that is a case, its applicant."""

    task: Task
    object: TaskObject | None
    case: TaskCase | None


def with_task_objects(tasks: Iterable[Task]) -> list[TaskAbout]:
    """The tasks, each with its object's name, commune, state and page read
    through the process registry (`workflows.artifacts.task_objects`), for
    every process alike, a case's applicant with it: one statement whatever
    the number and processes of the tasks."""
    tasks = list(tasks)
    objects = task_objects(
        (t.pk for t in tasks), case_columns={"applicant": F("applicant__full_name")}
    )
    about = []
    for task in tasks:
        obj = objects.get(task.pk)
        case = None
        if obj is not None and obj.is_case:
            applicant = obj.case_values.get("applicant") or ""
            case = TaskCase(obj.object_id, obj.spec.code, applicant)
        about.append(TaskAbout(task, obj, case))
    return about


def task_get(user: Reader, pk: int) -> Task:
    tasks = Task.objects.filter(Q(owner=user) | _task_scope_q(user)).select_related("process")
    task: Task = get_or_not_found(tasks, pk)
    return task


def case_timeline(case: Case) -> QuerySet:
    """The case's audit events, oldest first (the caller already authorized the case)."""
    return object_timeline(case_id=case.pk)


def unit_history(obj: Any) -> list[dict[str, Any]]:
    """Where `obj` (a case, or another commune-owned object of a registered
    process: a gift list, a payroll, an entitlement) was carried by
    reorganisations of units, oldest first: from and to (code and name as
    they were then), the decision, the day the mapping took effect, when the
    run moved it, and the villages that went (a unit split by villages; else
    []). The events of the run, in one query; the caller has authorized `obj`."""
    events = (
        AuditEvent.objects.filter(
            object_type=spec_for(obj).object_type,
            object_id=str(obj.pk),
            event=UNIT_TRANSFER_EVENT,
        )
        .order_by("occurred_at", "id")
        .values_list("data", "occurred_at")
    )
    return [
        {
            "from": data.get("from"),
            "to": data.get("to"),
            "decision": data.get("decision", ""),
            "effective": data.get("effective"),
            "occurred_at": at,
            "villages": data.get("villages", []),
        }
        for data, at in events
    ]


def _requirements(case: Case) -> QuerySet[DocumentRequirement]:
    """The document kinds configured for the case's process and program, in
    checklist order."""
    program = getattr(case, "program", "")
    return DocumentRequirement.objects.filter(
        process=case.process, program__in=["", program]
    ).order_by("position", "kind")


def case_document_checklist(case: Case) -> list[dict[str, Any]]:
    """Each configured document kind for the case's process and program, with
    whether the case has one. Uses prefetched `documents` when present."""
    present = {d.kind for d in case.documents.all()}
    return [
        {"kind": r.kind, "label": r.label, "required": r.required, "present": r.kind in present}
        for r in _requirements(case)
    ]


def missing_documents(case: Case) -> list[DocumentRequirement]:
    """The required documents of the case's process (and program) not uploaded
    yet, in checklist order (one query: it runs inside the submit transition)."""
    uploaded = Document.objects.filter(case_id=case.pk, kind=OuterRef("kind"))
    return list(_requirements(case).filter(~Exists(uploaded), required=True))


def rehab_communes_for_user(user: Reader) -> QuerySet[AdministrativeUnit]:
    """Communes where the user holds a rehab role (all of them for district rehab staff)."""
    return scoped(_communes(), user, field="id", sensitive=True).order_by("name")


def request_communes(request: HttpRequest) -> list[Any]:
    """The user's communes (all of them for district roles), read once per request."""
    cached = getattr(request, "_caseflow_communes", None)
    if cached is None:
        cached = list(communes_for_user(request.user))
        request._caseflow_communes = cached  # type: ignore[attr-defined]
    return cached


def officer_communes(request: HttpRequest) -> list[AdministrativeUnit]:
    """The user's communes where they are a commune officer (read once per request)."""
    ids = scope_for(request.user).acting(Role.COMMUNE_OFFICER)
    return [c for c in request_communes(request) if c.pk in ids]


def unread_count(request: HttpRequest) -> int:
    cached = getattr(request, "_caseflow_unread", None)
    if cached is None:
        cached = notification_unread_count(signed_in(request))
        request._caseflow_unread = cached  # type: ignore[attr-defined]
    return cached


def unit_id_by_code(code: str) -> int | None:
    """The id of the administrative unit this code names today (codes are
    public; a code reused by a reorganisation names the new unit)."""
    unit = AdministrativeUnit.by_code([code]).get(code)
    return unit.pk if unit else None


def case_documents(case: Case) -> list[Document]:
    """The documents of a case the caller has authorized, also cached on the
    case for the checklist selector."""
    prefetch_related_objects(
        [case],
        Prefetch(
            "documents",
            queryset=Document.objects.select_related("uploaded_by").order_by("kind", "id"),
        ),
    )
    return list(case.documents.all())


def case_document_get(case: Case, pk: Any) -> Document:
    """One document of a case the caller has authorized; NotFound otherwise."""
    document: Document = get_or_not_found(Document.objects.filter(case_id=case.pk), pk)
    return document
