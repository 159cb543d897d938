"""What a reorganisation would carry across, read without writing: for each
former unit of the mapping in force from a date, the open work of every
registered process (by process and state), the open tasks (claimed or
waiting), the commune roles held there, the notifications not yet read; and
what cannot be mapped: the work of a unit split by villages, whose people
have no village on record yet. One query per process and per kind of row,
whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task

from cases.models import AdministrativeUnit, UnitChange
from notifications.models import Notification
from workflows.permissions import (
    COMMUNE_ROLES,
    ROLE_LABELS,
    Role,
    role_codename,
    role_grants_sql,
    unit_content_type,
)
from workflows.registry import all_specs, routed_specs
from workflows.task_status import OPEN_TASK

Unit = AdministrativeUnit
SECTIONS = {
    "open": gettext_lazy("Open work"),
    "tasks": gettext_lazy("Open tasks"),
    "grants": gettext_lazy("Commune roles held"),
    "notifications": gettext_lazy("Notifications not yet read"),
}


@dataclass(frozen=True)
class PlanLine:
    section: str  # a key of SECTIONS
    what: str  # the process, the role, or the kind of row, as people call it
    detail: str  # the state, or whether a task is claimed
    former: Unit
    # Where it goes; None: it cannot be mapped (a unit split by villages, and
    # its people's village is not on record).
    successor: Unit | None
    count: int

    @property
    def section_label(self) -> str:
        return str(SECTIONS[self.section])


@dataclass
class Plan:
    effective: dt.date
    changes: list[UnitChange]
    lines: list[PlanLine] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """The mapping's former units are all closed: the run has happened."""
        return bool(self.changes) and all(c.predecessor.valid_to for c in self.changes)

    @property
    def unmapped(self) -> list[PlanLine]:
        return [line for line in self.lines if line.successor is None]

    def total(self, section: str) -> int:
        return sum(line.count for line in self.lines if line.section == section)


def targets_of(changes: list[UnitChange]) -> tuple[dict[int, Unit], dict[int, Unit | None]]:
    """(former units by id, where each one's work goes: its one successor, or
    None for a unit split by villages)."""
    formers: dict[int, Unit] = {}
    targets: dict[int, Unit | None] = {}
    for change in changes:
        formers[change.predecessor_id] = change.predecessor
        if change.kind == UnitChange.Kind.SPLIT:
            targets[change.predecessor_id] = None
        elif change.predecessor_id not in targets:
            targets[change.predecessor_id] = change.successor
    return formers, targets


def _has_field(model: type[Any], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def open_work_models() -> list[tuple[Any, Any, frozenset[str]]]:
    """(label, model, terminal states) of each process whose objects belong to
    a commune; a model shared by several routes once, ended in any of them."""
    terminal: dict[type[Any], set[str]] = defaultdict(set)
    for spec in routed_specs():
        terminal[spec.model] |= set(spec.terminal)
    seen, found = set(), []
    for spec in all_specs().values():
        model = spec.model
        if model in seen or not _has_field(model, "commune"):
            continue
        seen.add(model)
        found.append((spec, model, frozenset(terminal[model] | set(spec.terminal))))
    return found


def reorganization_plan(effective: dt.date) -> Plan:
    """The plan of the reorganisation in force from `effective` (its mapping
    loaded by `load_unit_mapping`)."""
    changes = list(
        UnitChange.objects.filter(effective=effective).select_related("predecessor", "successor")
    )
    plan = Plan(effective=effective, changes=changes)
    formers, targets = targets_of(changes)
    # A former unit the run has closed has nothing left to move.
    ids = sorted(pk for pk, unit in formers.items() if unit.valid_to is None)
    if not ids:
        return plan

    def add(section: str, what: Any, detail: Any, former_id: int, count: int) -> None:
        plan.lines.append(
            PlanLine(section, str(what), str(detail), formers[former_id], targets[former_id], count)
        )

    for spec, model, terminal in open_work_models():
        rows = model._default_manager.filter(commune_id__in=ids).exclude(state__in=terminal)
        # Drug rehab is sensitive: how many records move, not in which step.
        keys = ("commune_id",) if spec.sensitive else ("commune_id", "state")
        for row in rows.values(*keys).annotate(n=Count("pk")).order_by():
            state = "" if spec.sensitive else spec.state_label(row["state"])
            add("open", spec.label, state, row["commune_id"], row["n"])
        if not _has_field(model, "flow_process"):
            continue
        commune = model._default_manager.filter(flow_process_id=OuterRef("process_id"))
        tasks = (
            Task.objects.filter(status__in=OPEN_TASK, flow_task_type="HUMAN")
            .annotate(commune=Subquery(commune.values("commune_id")[:1]))
            .filter(commune__in=ids)
            .values("commune")
            .annotate(
                claimed=Count("pk", filter=Q(owner__isnull=False)),
                waiting=Count("pk", filter=Q(owner__isnull=True)),
            )
            .order_by()
        )
        for row in tasks:
            for detail, n in ((_("claimed"), row["claimed"]), (_("waiting"), row["waiting"])):
                if n:
                    add("tasks", spec.label, detail, row["commune"], n)
    _grants(plan, ids, add)
    unread = (
        Notification.objects.filter(commune_id__in=ids, read_at__isnull=True)
        .values("commune_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in unread:
        add("notifications", _("Notifications"), "", row["commune_id"], row["n"])
    order = list(SECTIONS)
    plan.lines.sort(
        key=lambda line: (line.former.code, order.index(line.section), line.what, line.detail)
    )
    return plan


def _grants(plan: Plan, ids: list[int], add: Any) -> None:
    """Users holding each commune role on a former unit (one query)."""
    by_codename = {role_codename(r): r for r in Role if r in COMMUNE_ROLES}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT g.object_pk, g.codename, count(DISTINCT g.user_id) "
            f"FROM ({role_grants_sql()}) g "
            "WHERE g.object_pk = ANY(%s) AND g.codename = ANY(%s) GROUP BY 1, 2",
            [*[unit_content_type().pk] * 4, [str(i) for i in ids], list(by_codename)],
        )
        for object_pk, codename, n in cur.fetchall():
            add("grants", ROLE_LABELS[by_codename[codename]], "", int(object_pk), n)
