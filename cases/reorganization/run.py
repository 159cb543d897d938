"""The reorganisation run: in one transaction, the open work of every former
unit of the mapping in force from a date goes to its successor, and the
former unit closes.

What moves, for each former unit still open (a second run finds none: it
changes nothing):
- the open objects of every registered process (cases, gift lists, payrolls,
  entitlements, recuperation lists: not in a terminal state), each with an
  audit event in the successor's chain ("from A to B under decision X"), and
  the rows that belong to them (payroll lines, gift-list rows: their commune
  follows their list);
- the people registered there (their commune follows the merge) and the
  notifications not yet read;
- the commune roles: whoever held one on the former unit holds it on the
  successor (the former grants stay, to read its history), so claimed tasks
  stay with people who may still act on them.
History stays: closed work, paid lines and past audit events keep their unit.
The former unit gets `valid_to` (the date) and, for a merge, its successor;
its audit chain ends with a final event.

Refused, with nothing written: no mapping for the date; open work or people
in a unit split by villages (their village is not on record); a payroll of a
former unit sent for payment and not yet reconciled (money in flight),
unless `payroll_in_flight=True`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.allowances.models import Payroll, PayrollState
from cases.models import AdministrativeUnit, Person, UnitChange
from cases.reorganization.plan import open_work_models, targets_of
from notifications.models import Notification
from workflows import audit
from workflows.actors import User
from workflows.exceptions import InvalidData
from workflows.formatting import number
from workflows.services import roles_carry

Unit = AdministrativeUnit
MOVED_EVENT = "unit_transfer"
CLOSED_EVENT = "unit_closed"


@dataclass
class RunResult:
    moved: Counter[str] = field(default_factory=Counter)  # process label -> objects
    rows: int = 0  # lines and rows that follow their list
    people: int = 0
    notifications: int = 0
    grants: int = 0
    closed: list[Unit] = field(default_factory=list)
    events: int = 0


def _unit_data(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name}


def _refuse_unmapped(pending: dict[int, Unit], targets: dict[int, Unit | None]) -> None:
    split = [pk for pk in pending if targets[pk] is None]
    if not split:
        return
    people = Counter(
        Person.objects.filter(commune_id__in=split).values_list("commune_id", flat=True)
    )
    work = Counter[int]()
    for _spec, model, terminal in open_work_models():
        for commune_id in (
            model._default_manager.filter(commune_id__in=split)
            .exclude(state__in=terminal)
            .values_list("commune_id", flat=True)
        ):
            work[commune_id] += 1
    stuck = [
        _("%(unit)s: %(people)s people, %(work)s open items")
        % {"unit": pending[pk].name, "people": number(people[pk]), "work": number(work[pk])}
        for pk in split
        if people[pk] or work[pk]
    ]
    if stuck:
        raise InvalidData(
            _(
                "Some former units are split by villages and their people's village is not "
                "on record: nothing was moved."
            ),
            fields={"units": stuck},
            code="reorganization_unmapped",
        )


def _refuse_payroll_in_flight(pending: dict[int, Unit]) -> None:
    sent = Payroll.objects.filter(commune_id__in=list(pending), state=PayrollState.SENT)
    names = sorted({f"{p.commune.name} {p.month:%m/%Y}" for p in sent.select_related("commune")})
    if names:
        raise InvalidData(
            _(
                "Payrolls sent for payment are not reconciled yet: record their results "
                "first, or run with payroll in flight allowed."
            ),
            fields={"payrolls": names},
            code="reorganization_payroll_in_flight",
        )


def _followers(model: type[Any]) -> list[tuple[type[Any], str]]:
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


def reorganize(
    effective: dt.date, *, actor: User | None, payroll_in_flight: bool = False
) -> RunResult:
    """Carry the open work of the mapping's former units to their successors."""
    changes = list(
        UnitChange.objects.filter(effective=effective).select_related("predecessor", "successor")
    )
    if not changes:
        raise InvalidData(
            _("No mapping of units is loaded for this date."), code="reorganization_no_mapping"
        )
    result = RunResult()
    formers, targets = targets_of(changes)
    decision = changes[0].decision
    with transaction.atomic():
        pending = {
            u.pk: u
            for u in Unit.objects.select_for_update()
            .filter(pk__in=list(formers), valid_to__isnull=True)
            .order_by("pk")
        }
        if not pending:
            return result  # run before: nothing left to move
        _refuse_unmapped(pending, targets)
        if not payroll_in_flight:
            _refuse_payroll_in_flight(pending)
        for former_id, former in pending.items():
            successor = targets[former_id]
            assert successor is not None  # split units were refused above
            _move(former, successor, decision, actor, result)
            former.valid_to = effective
            former.successor = successor
            former.save(update_fields=["valid_to", "successor"])
            audit.record(
                actor=actor,
                commune_id=former.pk,
                event=CLOSED_EVENT,
                object_type="cases.administrativeunit",
                object_id=str(former.pk),
                data={
                    "successor": _unit_data(successor),
                    "decision": decision,
                    "effective": effective.isoformat(),
                },
            )
            result.events += 1
            result.closed.append(former)
    return result


def _move(
    former: Unit, successor: Unit, decision: str, actor: User | None, result: RunResult
) -> None:
    data = {"from": _unit_data(former), "to": _unit_data(successor), "decision": decision}
    for spec, model, terminal in open_work_models():
        to_move = model._default_manager.filter(commune_id=former.pk).exclude(state__in=terminal)
        # Set-based whatever the number of rows: the rows of the lists first
        # (chosen by the lists still in the former unit), then the objects,
        # one UPDATE ... RETURNING giving what the audit events need.
        for other, fk in _followers(model):
            result.rows += other._default_manager.filter(
                **{f"{fk}__in": to_move.values("pk")}
            ).update(commune_id=successor.pk)
        rows = _update_returning(model, to_move, successor)
        if not rows:
            continue
        template = audit.new_event(
            actor=actor,
            event=MOVED_EVENT,
            object_type=spec.object_type,
            data=data,
            occurred_at=timezone.now(),
        )
        result.events += audit.append_many(
            template,
            [(str(pk), successor.pk, state) for pk, state in rows],
            cases=spec.is_case,
        )
        result.moved[str(spec.label)] += len(rows)
    result.people += Person.objects.filter(commune_id=former.pk).update(commune_id=successor.pk)
    result.notifications += Notification.objects.filter(
        commune_id=former.pk, read_at__isnull=True
    ).update(commune_id=successor.pk)
    result.grants += roles_carry(actor=actor, former=former, successor=successor, note=decision)


def _update_returning(model: type[Any], rows: Any, successor: Unit) -> list[tuple[int, str]]:
    """UPDATE the commune of `rows` (a queryset of `model`) in the table that
    holds it (a case's base table), RETURNING each row's id and state."""
    holder = model._meta.get_field("commune").model._meta
    q = connection.ops.quote_name
    ids_sql, params = rows.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {q(holder.db_table)} SET commune_id = %s "
            f"WHERE {q(holder.pk.column)} IN ({ids_sql}) "
            f"RETURNING {q(holder.pk.column)}, state",
            [successor.pk, *params],
        )
        return cur.fetchall()
