"""Scoped reads. Every list, detail page, export and API endpoint reads
cases through these functions, which build on the user's commune ids."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.exceptions import NotFound
from workflows.permissions import COMMUNE_ROLES, SENSITIVE_PROCESSES, role_permission, scope_for

from cases.models import AdministrativeUnit, Case, HousingCase, Person


def communes_for_user(user: Any) -> QuerySet[AdministrativeUnit]:
    qs = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE)
    scope = scope_for(user)
    if not scope.sees_general:
        return qs.none()
    return scope.filter_communes(qs, "id").order_by("name")


def rehab_communes_for_user(user: Any) -> QuerySet[AdministrativeUnit]:
    """Communes where the user holds a rehab role (all of them for district rehab staff)."""
    qs = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE)
    scope = scope_for(user)
    if not scope.sees_rehab:
        return qs.none()
    return scope.filter_rehab(qs, "id").order_by("name")


def cases_for_user(user: Any) -> QuerySet[Case]:
    """Cases of the general processes. Drug-rehab cases are never here, for
    anyone: they are read through `cases.rehab.rehab_cases_for_user`."""
    scope = scope_for(user)
    if not scope.sees_general:
        return Case.objects.none()
    return scope.filter_communes(Case.objects.exclude(process__in=SENSITIVE_PROCESSES))


def housing_cases_for_user(user: Any) -> QuerySet[HousingCase]:
    scope = scope_for(user)
    if not scope.sees_general:
        return HousingCase.objects.none()
    return scope.filter_communes(HousingCase.objects.all())


def housing_case_get(user: Any, pk: int, *, for_update: bool = False) -> HousingCase:
    """Fetch and authorize in one call: another commune's case is 'not found'."""
    qs = housing_cases_for_user(user).select_related("commune", "applicant", "budget")
    try:
        return qs.get(pk=pk)
    except (HousingCase.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def people_for_user(user: Any) -> QuerySet[Person]:
    scope = scope_for(user)
    if not scope.sees_general:
        return Person.objects.none()
    return scope.filter_communes(Person.objects.filter(rehab_only=False))


def person_get(user: Any, pk: int) -> Person:
    try:
        return people_for_user(user).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _task_scope_q(user: Any) -> Q:
    """Tasks whose permission the user holds, in a commune they may act in."""
    scope = scope_for(user)
    q = Q(pk__in=[])
    for role in scope.district_roles:
        q |= Q(owner_permission=role_permission(role))
    for role in COMMUNE_ROLES:
        ids = scope.commune_roles.get(role)
        if ids:
            q |= Q(
                owner_permission=role_permission(role),
                owner_permission_obj_pk__in=[str(i) for i in sorted(ids)],
            )
    return q


def tasks_inbox(user: Any) -> QuerySet[Task]:
    """Tasks assigned to the user and still open (in communes they still serve)."""
    return (
        Task.objects.filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])
        .filter(_task_scope_q(user))
        .select_related(
            "process__case__commune",
            "process__case__applicant",
            "process__gift_list__commune",
            "process__gift_list__campaign",
            "deadline",
        )
        .order_by("created", "id")
    )


def tasks_queue(user: Any) -> QuerySet[Task]:
    """Unclaimed tasks the user could take."""
    return (
        Task.objects.filter(status=STATUS.NEW, owner__isnull=True, flow_task_type="HUMAN")
        .filter(_task_scope_q(user))
        .select_related(
            "process__case__commune",
            "process__case__applicant",
            "process__gift_list__commune",
            "process__gift_list__campaign",
            "deadline",
        )
        .order_by("created", "id")
    )


def task_get(user: Any, pk: int) -> Task:
    try:
        return (
            Task.objects.filter(Q(owner=user) | _task_scope_q(user))
            .select_related("process")
            .get(pk=pk)
        )
    except (Task.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def case_timeline(case: Case) -> QuerySet:
    """The case's audit events, oldest first (the caller already authorized the case)."""
    from workflows.models import AuditEvent

    return AuditEvent.objects.filter(case_id=case.pk).order_by("occurred_at", "id")


def case_document_checklist(case: Case) -> list[dict[str, Any]]:
    """Each configured document kind for the case's process and program, with
    whether the case has one. Uses prefetched `documents` when present."""
    from cases.models import DocumentRequirement

    present = {d.kind for d in case.documents.all()}
    program = getattr(case, "program", "")
    return [
        {"kind": r.kind, "label": r.label, "required": r.required, "present": r.kind in present}
        for r in DocumentRequirement.objects.filter(
            process=case.process, program__in=["", program]
        ).order_by("position", "kind")
    ]


def case_search(
    user: Any,
    *,
    commune: int | None = None,
    program: str = "",
    state: str = "",
    created_from: Any = None,
    created_before: Any = None,
    q: str = "",
) -> QuerySet[Case]:
    """The user's cases, filtered. `q` is an exact 12-digit national ID or part
    of the applicant's name. Joins only what a filter needs, so the COUNT of a
    list page stays on the Case table."""
    qs = cases_for_user(user)
    if commune:
        qs = qs.filter(commune_id=commune)
    if program:
        qs = qs.filter(housingcase__program=program)
    if state:
        qs = qs.filter(state=state)
    if created_from:
        qs = qs.filter(created_at__gte=created_from)
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    q = (q or "").strip()
    if len(q) == 12 and q.isdigit():
        qs = qs.filter(applicant__national_id=q)
    elif q:
        qs = qs.filter(applicant__full_name__icontains=q)
    return qs
