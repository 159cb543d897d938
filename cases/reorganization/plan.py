"""What a reorganisation would carry across, read without writing: for each
former unit of the mapping in force from a date, the open work of every
registered process (by process and state), the open tasks (claimed or
waiting), the commune roles held there, the notifications not yet read; and
the people registered there; and what cannot be mapped (`portions`): in a
unit split by villages, people whose village is not on record or not in the
mapping, their work, and lists that belong to no one person. One query per
process and per kind of row, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task

from cases.models import AdministrativeUnit, Person, UnitChange
from cases.reorganization.portions import Portion, is_split, portions_of, target_expression
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
    "people": gettext_lazy("People on record"),
    "open": gettext_lazy("Open work"),
    "rows": gettext_lazy("Rows of the open lists"),
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
    # the person's village is not on record or not in the mapping).
    successor: Unit | None
    count: int

    @property
    def section_label(self) -> str:
        return str(SECTIONS[self.section])

    @property
    def text(self) -> str:
        """ "Open work: Housing support — Submitted", as people read it."""
        what = f": {self.what}" if self.what else ""
        detail = f" — {self.detail}" if self.detail else ""
        return f"{self.section_label}{what}{detail}"


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


def has_field(model: type[Any], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def followers(model: type[Any]) -> list[tuple[type[Any], str]]:
    """(model, field) of the rows whose commune is that of their `model`
    object (payroll lines, gift-list rows): a row model says so by naming the
    field in `COMMUNE_FOLLOWS`. Other rows keep their unit (a paid line of an
    entitlement that moved stays where it was paid)."""
    found = []
    for other in apps.get_models():
        parent = getattr(other, "COMMUNE_FOLLOWS", None)
        if parent and other._meta.get_field(parent).related_model is model:
            found.append((other, parent))
    return found


def open_work_models() -> list[tuple[Any, Any, frozenset[str]]]:
    """(label, model, terminal states) of each process whose objects belong to
    a commune; a model shared by several routes once, ended in any of them."""
    terminal: dict[type[Any], set[str]] = defaultdict(set)
    for spec in routed_specs():
        terminal[spec.model] |= set(spec.terminal)
    seen, found = set(), []
    for spec in all_specs().values():
        model = spec.model
        if model in seen or not has_field(model, "commune"):
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
    formers, portions = portions_of(changes)
    # A former unit the run has closed has nothing left to move.
    ids = sorted(pk for pk, unit in formers.items() if unit.valid_to is None)
    if not ids:
        return plan
    successors = {p.successor.pk: p.successor for parts in portions.values() for p in parts}

    def add(section: str, what: Any, detail: Any, row: Any, count: int) -> None:
        """A line for `row`'s former unit (`commune_id`) and successor (`target`)."""
        former, target = formers[row["commune_id"]], successors.get(row["target"])
        plan.lines.append(PlanLine(section, str(what), str(detail), former, target, count))

    people = (
        Person.objects.filter(commune_id__in=ids)
        .annotate(target=target_expression(Person, portions))
        .values("commune_id", "target")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in people:
        add("people", "", "", row, row["n"])
    for spec, model, terminal in open_work_models():
        target = target_expression(model, portions)
        rows = model._default_manager.filter(commune_id__in=ids).exclude(state__in=terminal)
        # Drug rehab is sensitive: how many records move, not in which step.
        keys = ("commune_id", "target") if spec.sensitive else ("commune_id", "target", "state")
        for row in rows.annotate(target=target).values(*keys).annotate(n=Count("pk")).order_by():
            state = "" if spec.sensitive else spec.state_label(row["state"])
            add("open", spec.label, state, row, row["n"])
        # The rows of the open lists go with them (a split unit's list: not mapped).
        for other, fk in followers(model):
            goes = Subquery(rows.filter(pk=OuterRef(fk)).annotate(t=target).values("t")[:1])
            of_list = (
                other._default_manager.filter(**{f"{fk}__in": rows.values("pk")})
                .values(former=F(f"{fk}__commune_id"), goes=goes)
                .annotate(n=Count("pk"))
                .order_by()
            )
            for row in of_list:
                where = {"commune_id": row["former"], "target": row["goes"]}
                add("rows", other._meta.verbose_name_plural, "", where, row["n"])
        if not has_field(model, "flow_process"):
            continue
        of_task = model._default_manager.filter(flow_process_id=OuterRef("process_id"))
        tasks = (
            Task.objects.filter(status__in=OPEN_TASK, flow_task_type="HUMAN")
            .annotate(
                commune_id=Subquery(of_task.values("commune_id")[:1]),
                target=Subquery(of_task.annotate(t=target).values("t")[:1]),
            )
            .filter(commune_id__in=ids)
            .values("commune_id", "target")
            .annotate(
                claimed=Count("pk", filter=Q(owner__isnull=False)),
                waiting=Count("pk", filter=Q(owner__isnull=True)),
            )
            .order_by()
        )
        for row in tasks:
            for detail, n in ((_("claimed"), row["claimed"]), (_("waiting"), row["waiting"])):
                if n:
                    add("tasks", spec.label, detail, row, n)
    _grants(plan, ids, portions, add)
    # Notifications go with a whole unit; a split unit's stay where they are.
    whole = [pk for pk in ids if not is_split(portions.get(pk, []))]
    unread = (
        Notification.objects.filter(commune_id__in=whole, read_at__isnull=True)
        .values("commune_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for note in unread:
        goes_to = portions[note["commune_id"]][0].successor.pk
        add("notifications", _("Notifications"), "", {**note, "target": goes_to}, note["n"])
    order = list(SECTIONS)
    plan.lines.sort(
        key=lambda line: (
            line.former.code,
            line.successor.code if line.successor else "~",  # what cannot be mapped last
            order.index(line.section),
            line.what,
            line.detail,
        )
    )
    return plan


def _grants(plan: Plan, ids: list[int], portions: dict[int, list[Portion]], add: Any) -> None:
    """Users holding each commune role on a former unit (one query): carried
    to its successor, or to each successor of a split unit."""
    by_codename = {role_codename(r): r for r in Role if r in COMMUNE_ROLES}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT g.object_pk, g.codename, count(DISTINCT g.user_id) "
            f"FROM ({role_grants_sql()}) g "
            "WHERE g.object_pk = ANY(%s) AND g.codename = ANY(%s) GROUP BY 1, 2",
            [*[unit_content_type().pk] * 4, [str(i) for i in ids], list(by_codename)],
        )
        for object_pk, codename, n in cur.fetchall():
            for part in portions.get(int(object_pk), []):
                row = {"commune_id": int(object_pk), "target": part.successor.pk}
                add("grants", ROLE_LABELS[by_codename[codename]], "", row, n)
