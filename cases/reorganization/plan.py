"""What a reorganisation would carry across, read without writing: for each
former unit of the mapping in force from a date, the open work of every
registered process (by process and state), the open tasks (claimed or
waiting), the budgets and quotas it draws on, the commune roles carried
(`staff.carried_roles`), the notifications not yet read; and
the people registered there; and what cannot be mapped (`portions`): in a
unit split by villages, people whose village is not on record or not in the
mapping, their work, and lists that belong to no one person. One query per
process and per kind of row, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task

from cases.allowances.models import Recuperation, RecuperationQuota
from cases.models import AdministrativeUnit, Person, UnitChange
from cases.reorganization.portions import Portion, is_split, portions_of, target_expression
from cases.reorganization.staff import carried_roles
from notifications.models import Notification
from workflows.formatting import money, number
from workflows.permissions import (
    ROLE_LABELS,
    Role,
)
from workflows.registry import all_specs, routed_specs
from workflows.task_status import OPEN_TASK

Unit = AdministrativeUnit
SECTIONS = {
    "people": gettext_lazy("People on record"),
    "open": gettext_lazy("Open work"),
    "rows": gettext_lazy("Rows of the open lists"),
    "tasks": gettext_lazy("Open tasks"),
    # Budgets and quotas the moved work draws on: what is committed goes with
    # it (the budget is the office's), a district's quota is shared on.
    "budgets": gettext_lazy("Budgets and quotas"),
    "grants": gettext_lazy("Commune roles held"),
    "notifications": gettext_lazy("Notifications not yet read"),
}

# The sections whose lines count items that move (a budget's line counts the
# items drawing on it: they are counted where they move).
COUNTED = [key for key in SECTIONS if key != "budgets"]


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


def following_rows(other: type[Any], fk: str, lists: Any) -> Any:
    """The rows of `lists` (a queryset of ids) that go with them: all but
    the settled ones (`COMMUNE_SETTLED` on the row model: a paid line, a
    delivered gift keep the unit they were settled in)."""
    rows = other._default_manager.filter(**{f"{fk}__in": lists})
    settled = getattr(other, "COMMUNE_SETTLED", None)
    return rows.exclude(state__in=settled) if settled else rows


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
                following_rows(other, fk, rows.values("pk"))
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
        _commitments(model, rows, target, add)
    _quotas(plan.effective, ids, portions, add)
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


def _commitments(model: Any, rows: Any, target: Any, add: Any) -> None:
    """What the open objects of `model` (`rows`) commit of each budget, if
    the model says it commits one (`COMMITS_BUDGET`)."""
    if not hasattr(model, "COMMITS_BUDGET"):
        return
    fk, committed, paid = model.COMMITS_BUDGET
    found = list(
        rows.filter(**{f"{fk}__isnull": False})
        .annotate(target=target)
        .values("commune_id", "target", fk)
        .annotate(n=Count("pk"), committed=Sum(committed), paid=Sum(paid))
        .order_by()
    )
    budgets = model._meta.get_field(fk).related_model.objects.in_bulk({r[fk] for r in found})
    for row in found:
        detail = _("%(committed)s committed, %(paid)s paid") % {
            "committed": money(row["committed"]),
            "paid": money(row["paid"]),
        }
        add("budgets", budgets[row[fk]], detail, row, row["n"])


def _quotas(
    effective: dt.date, ids: list[int], portions: dict[int, list[Portion]], add: Any
) -> None:
    """The recuperation quotas of the year of the date and after that govern
    the former units (their own, or their district's), with the people each
    former unit listed against them: a district's goes on governing the
    communes formed from its communes (shared); a commune's own is not
    carried (the new commune is given its own)."""
    formers = Unit.objects.filter(pk__in=ids).values_list("pk", "parent_id")
    parents = dict(formers)
    quotas = RecuperationQuota.objects.filter(
        year__gte=effective.year, area_id__in={*ids, *parents.values()}
    ).select_related("area")
    listed = Counter(
        (r["commune_id"], r["year"])
        for r in Recuperation.objects.filter(commune_id__in=ids, year__gte=effective.year).values(
            "commune_id", "year"
        )
    )
    for q in quotas.order_by("year", "area_id"):
        governed = [pk for pk in ids if q.area_id in (pk, parents[pk])]
        for pk in governed:
            own = q.area_id == pk
            if not own and any(o.area_id == pk and o.year == q.year for o in quotas):
                continue  # the commune's own quota governs it, not the district's
            what = _("Recuperation quota %(year)s of %(area)s") % {
                "year": q.year,
                "area": q.area.name,
            }
            detail = (
                _("%(quota)s people; not carried: the new commune is given its own")
                if own
                else _("%(quota)s people; shared by the communes formed from it")
            ) % {"quota": number(q.quota)}
            row = {
                "commune_id": pk,
                "target": portions[pk][0].successor.pk if portions.get(pk) else None,
            }
            add("budgets", what, detail, row, listed[(pk, q.year)])


def _grants(plan: Plan, ids: list[int], portions: dict[int, list[Portion]], add: Any) -> None:
    """Users of each commune role carried from a former unit to a successor,
    as the run will grant them (`staff.carried_roles`)."""
    counts = Counter(
        (c.former_id, c.successor_id, c.role) for c in carried_roles(plan.effective, ids, portions)
    )
    for (former_id, successor_id, role), n in sorted(counts.items()):
        row = {"commune_id": former_id, "target": successor_id}
        add("grants", ROLE_LABELS[Role(role)], "", row, n)
