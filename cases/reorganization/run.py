"""The reorganisation run: in one transaction, the open work of every former
unit of the mapping in force from a date goes to its successor, and the
former unit closes.

What moves, for each former unit still open (a second run finds none: it
changes nothing):
- the open objects of every registered process (cases, gift lists, payrolls,
  entitlements, recuperation lists: not in a terminal state), each with an
  audit event in the successor's chain ("from A to B under decision X"), and
  the rows that belong to them (payroll lines, gift-list rows: their commune
  follows their list, unless they are settled: a line paid, a gift handed
  over keep the unit they were settled in);
- the people registered there (their commune follows the merge) and the
  notifications not yet read;
- the commune roles, as the staff mapping says (`staff.carried_roles`; by
  default whoever held one on the former unit holds it on each successor;
  the former grants stay, to read its history), so claimed tasks stay with
  people who may still act on them;
- the open tasks: they wait in the successor; in a commune of the two-level
  government a task waiting for a district role passes to the commune role
  that took its work over, unclaimed (the in-flight rule of
  `workflows.devolution`).
A district all of whose communes closed is abolished with them: it closes
too, and the district roles whose work passed to the communes end (the
auditor's and the district rehab staff's stay: they read the history).
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

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from cases.allowances.models import Payroll, PayrollState
from cases.models import AdministrativeUnit, Person, PersonAddress, UnitChange
from cases.reorganization.plan import followers, following_rows, has_field, open_work_models
from cases.reorganization.portions import (
    Portion,
    is_split,
    portions_of,
    target_expression,
    unmapped,
)
from cases.reorganization.staff import Carry, carried_roles, carries_to
from notifications.models import Notification
from workflows import audit
from workflows.actors import User
from workflows.devolution import DEVOLVED_ROLES
from workflows.exceptions import InvalidData
from workflows.formatting import number
from workflows.permissions import role_grants_sql, role_permission, unit_content_type
from workflows.registry_models import devolved_unit
from workflows.services import district_roles_end, roles_carry
from workflows.task_status import OPEN_TASK

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
    tasks: int = 0  # open tasks now waiting in the successor
    roles_ended: int = 0  # district grants ended with the district
    closed: list[Unit] = field(default_factory=list)
    events: int = 0


def _unit_data(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name}


def _refuse_unmapped(pending: dict[int, Unit], portions: dict[int, list[Portion]]) -> None:
    stuck = [
        _("%(unit)s: %(people)s people, %(work)s open items")
        % {"unit": pending[pk].name, "people": number(people), "work": number(work)}
        for pk, (people, work) in unmapped(pending, portions, open_work_models()).items()
    ]
    if stuck:
        raise InvalidData(
            _(
                "Some former units are split by villages and some of their people's village "
                "is not on record or not in the mapping (or a list of theirs is still open): "
                "nothing was moved."
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
    formers, portions = portions_of(changes)
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
        _refuse_unmapped(pending, portions)
        if not payroll_in_flight:
            _refuse_payroll_in_flight(pending)
        carries = carried_roles(effective, list(pending), portions)
        move = Move(decision=decision, effective=effective, actor=actor, result=result)
        for former_id, former in pending.items():
            parts = portions.get(former_id, [])
            # The roles first: a claimed task stays with whoever may act on it there.
            move.roles(former, carries)
            for part in parts:
                move.portion(former, part, whole=not is_split(parts))
            # A split unit has no one successor; a unit abolished with its
            # level, none.
            successor = parts[0].successor if len(parts) == 1 else None
            former.successor = successor
            _close(
                former,
                effective,
                actor,
                result,
                successor=_unit_data(successor) if successor else None,
                successors=[_unit_data(p.successor) for p in parts] if not successor else [],
                decision=decision,
                effective=effective.isoformat(),
            )
        _close_districts(pending.values(), effective, decision, actor, result)
    return result


def _close(unit: Unit, day: dt.date, actor: User | None, result: RunResult, **data: Any) -> None:
    """The unit ends on `day` (and its successor, as set), with a final
    event in its chain (a district's: the office-wide chain)."""
    unit.valid_to = day
    unit.save(update_fields=["valid_to", "successor"])
    audit.record(
        actor=actor,
        commune_id=unit.pk if unit.level == Unit.Level.COMMUNE else None,
        event=CLOSED_EVENT,
        object_type="cases.administrativeunit",
        object_id=str(unit.pk),
        data=data,
    )
    result.events += 1
    result.closed.append(unit)


def _close_districts(
    formers: Any, effective: dt.date, decision: str, actor: User | None, result: RunResult
) -> None:
    """Close each district whose communes are all closed now, and, once no
    district is left, end the district roles the communes took over."""
    parents = {u.parent_id for u in formers if u.parent_id}
    emptied = (
        Unit.objects.select_for_update()
        .filter(pk__in=parents, level=Unit.Level.DISTRICT, valid_to__isnull=True)
        .exclude(children__valid_to__isnull=True)
        .order_by("pk")
    )
    for district in emptied:
        abolished = _unit_data(district)
        _close(district, effective, actor, result, abolished=abolished, decision=decision)
    if not Unit.objects.filter(level=Unit.Level.DISTRICT, valid_to__isnull=True).exists():
        result.roles_ended += district_roles_end(
            actor=actor, roles=DEVOLVED_ROLES.keys(), note=decision
        )


@dataclass
class Move:
    """Moves the portions of former units to their successors (one run)."""

    decision: str
    effective: dt.date
    actor: User | None
    result: RunResult

    def roles(self, former: Unit, carries: list[Carry]) -> None:
        """Grant the commune roles carried from `former` (`staff.carried_roles`)."""
        for successor_id, holders in sorted(carries_to(carries, former.pk).items()):
            self.result.grants += roles_carry(
                actor=self.actor,
                former=former,
                successor=Unit.objects.get(pk=successor_id),
                holders=holders,
                note=self.decision,
            )

    def portion(self, former: Unit, part: Portion, *, whole: bool) -> None:
        """Carry the open work, the people (their address history too) and the
        unread notifications (of a whole unit) of `former` that go to
        `part.successor`; its open tasks wait there."""
        successor, result = part.successor, self.result
        data = {
            "from": _unit_data(former),
            "to": _unit_data(successor),
            "decision": self.decision,
            "effective": self.effective.isoformat(),
        }
        if part.villages:
            data["villages"] = list(part.villages)
        processes: list[int] = []
        for spec, model, terminal in open_work_models():
            # The rows this portion takes (by the person's village for a split
            # unit: a list of no one person goes nowhere, refused before if open).
            to_move = (
                model._default_manager.filter(commune_id=former.pk)
                .exclude(state__in=terminal)
                .annotate(goes=target_expression(model, {former.pk: [part]}))
                .filter(goes=successor.pk)
            )
            # Set-based whatever the number of rows: the rows of the lists first
            # (chosen by the lists still in the former unit), then the objects,
            # one UPDATE ... RETURNING giving what the audit events need.
            for other, fk in followers(model):
                result.rows += following_rows(other, fk, to_move.values("pk")).update(
                    commune_id=successor.pk
                )
            rows = _update_returning(model, to_move, successor)
            if not rows:
                continue
            template = audit.new_event(
                actor=self.actor,
                event=MOVED_EVENT,
                object_type=spec.object_type,
                data=data,
                occurred_at=timezone.now(),
            )
            result.events += audit.append_many(
                template,
                [(str(pk), successor.pk, state) for pk, state, _process in rows],
                cases=spec.is_case,
            )
            result.moved[str(spec.label)] += len(rows)
            processes += [process for _pk, _state, process in rows if process]
        result.people += self._people(former, part)
        if whole:
            result.notifications += Notification.objects.filter(
                commune_id=former.pk, read_at__isnull=True
            ).update(commune_id=successor.pk)
        result.tasks += _move_tasks(processes, successor)

    def _people(self, former: Unit, part: Portion) -> int:
        """Move the people of the portion, with a line of address history each."""
        person, address = Person._meta.db_table, PersonAddress._meta.db_table
        villages = "AND village = ANY(%s) " if part.villages else ""
        with connection.cursor() as cur:
            cur.execute(
                f"WITH moved AS (UPDATE {person} SET commune_id = %s WHERE commune_id = %s "
                f"{villages}RETURNING id, village, address) "
                f"INSERT INTO {address} (person_id, commune_id, village, address, since, reason, "
                "previous_commune_id, decision) "
                "SELECT id, %s, village, address, %s, %s, %s, %s FROM moved",
                [
                    part.successor.pk,
                    former.pk,
                    *([list(part.villages)] if part.villages else []),
                    part.successor.pk,
                    self.effective,
                    PersonAddress.Reason.REORGANIZATION,
                    former.pk,
                    self.decision,
                ],
            )
            return cur.rowcount


def _move_tasks(processes: list[int], successor: Unit) -> int:
    """The open tasks of the moved objects wait in the successor; one waiting
    for a district role whose work a commune role took over passes to that
    role, unclaimed (a district's holder cannot act in the commune), and so
    does one claimed by someone who holds no role in the successor."""
    devolve = devolved_unit(successor.pk)
    swaps = [(role_permission(d), role_permission(c)) for d, c in DEVOLVED_ROLES.items() if devolve]
    case_sql = "".join(" WHEN %s THEN %s" for _pair in swaps)
    swapped = [p for pair in swaps for p in pair]
    district = [d for d, _c in swaps]
    # Who holds each role in the successor (or district-wide): a claimed
    # task stays with its holder only if they may still act on it.
    holders = (
        f"SELECT DISTINCT g.user_id, 'cases.' || g.codename AS perm FROM ({role_grants_sql()}) g "
        "WHERE g.object_pk = %s OR g.object_pk IS NULL"
    )
    let_go = (
        "t.owner_id IS NOT NULL AND (t.owner_permission = ANY(%s) OR NOT EXISTS "
        "(SELECT 1 FROM holders h WHERE h.user_id = t.owner_id AND h.perm = t.owner_permission))"
    )
    with connection.cursor() as cur:
        cur.execute(
            f"WITH holders AS MATERIALIZED ({holders}) "
            "UPDATE viewflow_task t SET owner_permission_obj_pk = %s, "
            f"owner_permission = CASE t.owner_permission{case_sql} ELSE t.owner_permission END, "
            f"owner_id = CASE WHEN {let_go} THEN NULL ELSE t.owner_id END, "
            f"status = CASE WHEN {let_go} THEN %s ELSE t.status END "
            "WHERE t.process_id = ANY(%s) AND t.status = ANY(%s) AND t.flow_task_type = 'HUMAN'",
            [
                *[unit_content_type().pk] * 4,
                str(successor.pk),
                str(successor.pk),
                *swapped,
                district,
                district,
                STATUS.NEW,
                processes,
                list(OPEN_TASK),
            ],
        )
        return cur.rowcount


def _update_returning(model: type[Any], rows: Any, successor: Unit) -> list[tuple[int, str, Any]]:
    """UPDATE the commune of `rows` (a queryset of `model`) in the table that
    holds it (a case's base table), RETURNING each row's id, state and
    viewflow process (None for objects without one)."""
    holder = model._meta.get_field("commune").model._meta
    q = connection.ops.quote_name
    process = "flow_process_id" if has_field(holder.model, "flow_process") else "NULL"
    ids_sql, params = rows.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {q(holder.db_table)} SET commune_id = %s "
            f"WHERE {q(holder.pk.column)} IN ({ids_sql}) "
            f"RETURNING {q(holder.pk.column)}, state, {process}",
            [successor.pk, *params],
        )
        return cur.fetchall()
