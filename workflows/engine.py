"""The one way to change the state of a case.

`transition` moves one case; `bulk_transition` moves many rows with one
UPDATE. Both lock, check (state 409, permission/scope 403, separation of
duties 403, data 400), transition and append audit events in one
transaction; `transition` also writes the notification outbox and keeps
viewflow's tasks in step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows import audit, audit_batch, flows, onestop
from workflows.actors import User
from workflows.exceptions import (
    ConcurrentChange,
    InvalidData,
    NotPermitted,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from workflows.formatting import display_name
from workflows.models import AuditEvent
from workflows.outbox import outbox
from workflows.permissions import roles_for_case, scope_for, step_role
from workflows.registry import all_specs, spec_for
from workflows.specs import ProcessSpec, TransitionSpec


def _errors_of(form: Any) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


def clean_data(tspec: TransitionSpec, data: dict[str, Any] | None, reason: str) -> dict[str, Any]:
    """Validate the transition's data with its form; raise InvalidData with field errors."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if tspec.form is not None:
        form = tspec.form(data=data or {})
        if form.is_valid():
            cleaned = dict(form.cleaned_data)
        else:
            errors.update(_errors_of(form))
    if tspec.reason_required and not (reason or "").strip():
        errors["reason"] = [_("Please give a reason.")]
    if errors:
        raise InvalidData(fields=errors)
    return cleaned


def _acting_role(tspec: TransitionSpec, state: str, roles: set[str]) -> str:
    return sorted(tspec.roles_from(state) & roles)[0]


def _check_separation(spec: ProcessSpec, tspec: TransitionSpec, case: Any, actor: User) -> None:
    if not tspec.not_by_actors_of:
        return
    # Raw SQL: it runs inside most transitions, where building the ORM query
    # cost more than the query (bench/bench_housing_transitions.py).
    table = AuditEvent._meta.db_table
    if spec.is_case:
        subject, params = "case_id = %s", [case.pk]
    else:
        subject, params = "object_type = %s AND object_id = %s", [spec.object_type, str(case.pk)]
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT transition FROM {table} WHERE {subject} "
            "AND actor_id = %s AND transition = ANY(%s) LIMIT 1",
            [*params, actor.pk, list(tspec.not_by_actors_of)],
        )
        found = cur.fetchone()
    earlier = found[0] if found else None
    if earlier:
        raise SeparationOfDuties(
            _(
                "Separation of duties: you already did “%(step)s” on this case, so another "
                "person must do this step."
            )
            # The step's label, not its API name: the message is shown to people.
            % {"step": spec.transitions[earlier].label if earlier in spec.transitions else earlier}
        )


def _notify_next(
    spec: ProcessSpec, case: Any, actor: User, tspec: TransitionSpec, from_state: str
) -> None:
    """Outbox rows for whoever must act next in the case's commune, or for the
    officer who filed it once the case is finished. Written in the office's
    language, whatever language the actor's page or API call used."""
    with translation.override(settings.LANGUAGE_CODE):
        _write_next(spec, case, actor, tspec)


def _write_next(spec: ProcessSpec, case: Any, actor: User, tspec: TransitionSpec) -> None:
    state_label = spec.state_label(case.state)
    common = {
        "body": _("%(actor)s: %(action)s.") % {"actor": display_name(actor), "action": tspec.label},
        "url": reverse(spec.detail_url, args=[case.pk]),
        "case_id": case.pk if spec.is_case else None,
        "exclude_user_id": actor.pk,
    }
    next_role = spec.acting_role.get(case.state)
    if next_role:
        outbox().enqueue_for_role(
            role=next_role,
            commune_id=case.commune_id,
            event="task_waiting",
            title=_("%(ref)s is waiting for you: %(state)s")
            % {"ref": case.reference, "state": state_label},
            **common,
        )
    elif spec.inform_role:
        # An object nobody filed (an entitlement): its commune's role hears of it.
        outbox().enqueue_for_role(
            role=spec.inform_role,
            commune_id=case.commune_id,
            event="case_finished",
            title=_("%(ref)s is now %(state)s") % {"ref": case.reference, "state": state_label},
            **common,
        )
    else:
        outbox().enqueue(
            recipients=[case.created_by_id],
            commune_id=case.commune_id,
            event="case_finished",
            title=_("%(ref)s is now %(state)s") % {"ref": case.reference, "state": state_label},
            **common,
        )


def _save_changed(obj: Any, changed: list[Any]) -> None:
    """Write the changed fields (and `updated_at`), one UPDATE per table they
    live in (a case's own table and the `Case` base). The state field is
    written here too: the FSM keeps everyone else from setting it."""
    obj.updated_at = timezone.now()
    by_table: dict[Any, list[Any]] = {}
    for f in [*changed, obj._meta.get_field("updated_at")]:
        by_table.setdefault(f.model, []).append(f)
    # One statement whatever the number of tables: the first tables' UPDATEs
    # ride in a WITH ahead of the last one (a transition's hot path).
    q = connection.ops.quote_name
    parts, params = [], []
    for model, fields_ in by_table.items():
        sets = ", ".join(f"{q(f.column)} = %s" for f in fields_)
        pk = q(model._meta.pk.column)
        parts.append(f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {pk} = %s")
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields_]
        params.append(obj.pk)
    head = ", ".join(f"u{i} AS ({sql})" for i, sql in enumerate(parts[:-1]))
    with connection.cursor() as cur:
        cur.execute(f"WITH {head} {parts[-1]}" if head else parts[-1], params)


def transition(
    case: Any,
    name: str,
    *,
    actor: User,
    reason: str = "",
    data: dict[str, Any] | None = None,
    expected_state: str | None = None,
) -> AuditEvent:
    """Fire transition `name` on `case` as `actor`.

    Preconditions are checked under a row lock, in this order: the transition
    exists from the current state (409), the actor holds a role allowed from
    that state in the case's commune (403), separation of duties (403), the
    data and the process's own checks (400). Side effects: the FSM state and
    the fields the data sets, the process's effects (budget, payments), the
    one-stop register (receipt, result), one audit event, outbox rows for the
    next actors, the viewflow task moved on.
    `expected_state` (the state the user saw) turns a stale form into a 409.
    """
    spec = spec_for(case)
    tspec = spec.transitions.get(name)
    if tspec is None:
        raise TransitionNotAllowed(_("Unknown action “%(name)s”.") % {"name": name})
    seen_state = case.state
    with transaction.atomic():
        locked = spec.model.objects.select_for_update().get(pk=case.pk)
        if expected_state and locked.state != expected_state:
            raise ConcurrentChange()
        method = getattr(locked, name)
        available = {t.name for t in locked.get_available_state_transitions()}  # type: ignore[attr-defined]
        if name not in available:
            raise TransitionNotAllowed(
                _("“%(action)s” is not possible while the case is “%(state)s”.")
                % {"action": tspec.label, "state": spec.state_label(locked.state)}
            )
        roles = roles_for_case(actor, locked)
        if not tspec.roles_from(locked.state) & roles:
            if locked.state != seen_state and tspec.roles_from(seen_state) & roles:
                # Allowed in the state the caller saw; someone moved the case while we
                # waited for the lock (e.g. verify won over return): a conflict, not a 403.
                raise ConcurrentChange()
            raise NotPermitted(
                _("Your role does not allow “%(action)s” on this case.") % {"action": tspec.label}
            )
        _check_separation(spec, tspec, locked, actor)
        cleaned = clean_data(tspec, data, reason)
        if tspec.check is not None:
            tspec.check(locked, cleaned, actor)
        from_state = locked.state
        fields = locked._meta.concrete_fields
        before = {f.attname: getattr(locked, f.attname) for f in fields}
        method(cleaned)
        # Only what the transition changed: a full save rewrites both tables.
        changed = [f for f in fields if getattr(locked, f.attname) != before[f.attname]]
        _save_changed(locked, changed)
        if tspec.apply is not None:
            tspec.apply(locked, cleaned, actor)
        onestop.register_on_transition(spec, locked, name)
        event = audit.record(
            actor=actor,
            actor_role=_acting_role(tspec, from_state, roles),
            commune_id=locked.commune_id,
            case_id=locked.pk if spec.is_case else None,
            object_id="" if spec.is_case else str(locked.pk),
            object_type=spec.object_type,
            event="transition",
            transition=name,
            from_state=from_state,
            to_state=locked.state,
            reason=reason,
            data=cleaned,
        )
        _notify_next(spec, locked, actor, tspec, from_state)
        with flows.holding(locked):
            flows.task_complete_for(locked, actor)
    return event


@dataclass
class BulkResult:
    moved: list[int] = field(default_factory=list)  # per-row audit only: a batch lists none
    refused: dict[int, str] = field(default_factory=dict)
    events: int = 0
    count: int = 0  # rows moved
    event: AuditEvent | None = None  # the batch event (audit="batch")


AUDIT_MODES = ("row", "batch")
_trail = audit  # bulk_transition's keyword `audit` hides the module's name


def bulk_transition(
    queryset: QuerySet,
    name: str,
    *,
    actor: User,
    reason: str = "",
    data: dict[str, Any] | None = None,
    allowed_roles: Iterable[str] | None = None,
    not_by_actors_of: Iterable[str] = (),
    values: dict[str, Any] | None = None,
    audit: str = "row",
    parent: tuple[str, str | int] | None = None,
    commune_id: int | None = None,
    stamp: str | None = None,
    same: dict[str, Any] | None = None,
) -> BulkResult:
    """Move every row of `queryset` through transition `name` with set-based SQL.

    The model's FSM transition `name` must have a single target. Rows must
    have `state` and `commune_id`. In one transaction: one UPDATE ... WHERE
    state IN (sources) AND commune allowed AND not acted-on by this actor
    RETURNING id and the audit (no outbox rows: a list's own process tells
    people what to do). Every row not moved is reported with its reason
    (wrong_state, not_permitted, separation_of_duties, already_stamped);
    `allowed_roles` empty means nobody may (roles of the district route: with
    `commune_id`, a commune of the two-level government's own roles that took
    them over, `permissions.step_role`). `values` sets more fields of
    every moved row (e.g. the delivery date). Query count does not depend on
    the number of rows.

    `audit="row"` (default): one event per moved row, inserted with one COPY.
    `audit="batch"`: ONE event (`audit_batch.BATCH_EVENT`) for the whole set,
    about `parent` ((object_type, object_id), default: the rows' model) in the
    chain of `commune_id` (default: the rows' commune when they share one,
    else the district-wide chain); its data holds the caller's `data` and
    "batch": the rows' model, count, counts per from-state and the SHA-256
    of the target state and the sorted moved ids (`audit_batch.batch_digest`).
    `stamp` names a column of the rows (a foreign key to `AuditEvent`) that
    the same UPDATE sets to the event's id, reserved from its sequence first;
    a row already stamped there is refused (already_stamped), so the rows
    stamped with an event stay the rows it moved (`audit_batch.verify_batch`).
    A batch lists no moved ids (`count` says how many). Separation of duties
    reads both the rows' own events and the events their stamps point at.

    `same`: values every row shares, such as the partition key of a
    partitioned table (payroll lines: their month); the lock and the UPDATE
    say them too, so PostgreSQL reads that partition only.
    """
    if audit not in AUDIT_MODES:
        raise ValueError(f"audit must be one of {AUDIT_MODES}")
    batch = audit == "batch"
    if not batch and (stamp or parent or commune_id is not None):
        raise ValueError("stamp, parent and commune_id go with audit='batch'")
    if batch and data and "batch" in data:
        raise ValueError("'batch' in data is the batch event's own key")
    model = queryset.model
    fsm_transitions = {
        t.source: t
        for t in model._meta.get_field("state").get_all_transitions(model)
        if t.name == name
    }
    if not fsm_transitions:
        raise TransitionNotAllowed(_("Unknown action “%(name)s”.") % {"name": name})
    targets = {t.target for t in fsm_transitions.values()}
    if len(targets) != 1:
        raise TransitionNotAllowed(_("This action cannot be done in bulk."))
    target = targets.pop()
    if any(issubclass(model, spec.model) for spec in all_specs().values()):
        # Flow-managed objects carry a viewflow task each; they move one at a time.
        raise TransitionNotAllowed(_("Cases with their own process cannot be moved in bulk."))
    q = connection.ops.quote_name
    stamps, own_stamp = audit_batch.stamp_columns(model, stamp)
    extra_sql, extra_params = "", []
    for name_, value in (values or {}).items():
        column = model._meta.get_field(name_).column
        extra_sql += f", {q(column)} = %s"
        extra_params.append(value)
    sources = sorted(s for s in fsm_transitions if s != "*")
    same_sql, same_params = "", []
    for name_, value in (same or {}).items():
        same_sql += f" AND t.{q(model._meta.get_field(name_).column)} = %s"
        same_params.append(value)

    scope = scope_for(actor)
    wanted = set(allowed_roles or ())
    if commune_id is not None:
        # Named as on the district route: in a commune of the two-level
        # government, the commune roles that took them over.
        wanted = {step_role(r, commune_id) for r in wanted}
    allowed_all = bool(wanted & scope.district_roles)
    allowed_communes = sorted(
        {cid for r in scope.commune_roles if r in wanted for cid in scope.acting(r)}
    )
    role = sorted(wanted & scope.all_roles())[0] if wanted & scope.all_roles() else ""
    table = model._meta.db_table
    pk_col = model._meta.pk.column
    label = model._meta.label_lower
    result = BulkResult()
    try:
        ids_sql, ids_params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:
        # .none() or pk__in=[]: nothing selected, nothing to move or refuse.
        return result
    sod = list(not_by_actors_of)
    stamp_select = "".join(f", t.{q(c)} AS s{i}" for i, c in enumerate(stamps))
    # A step done through a batch shows on the row as a stamp, not as an event of its own.
    stamped_sod = ""
    stamped_params: list[Any] = []
    if stamps:
        stamped_sod = f"""OR EXISTS (
                      SELECT 1 FROM workflows_auditevent a
                      WHERE a.id IN ({", ".join(f"l.s{i}" for i in range(len(stamps)))})
                        AND a.actor_id = %s AND a.transition = ANY(%s))"""
        stamped_params = [actor.pk, sod]
    restamp = ""
    if own_stamp is not None:
        restamp = f"WHEN l.s{stamps.index(own_stamp)} IS NOT NULL THEN 'already_stamped'"
    event_id = None
    with transaction.atomic(), connection.cursor() as cur:
        set_stamp, stamp_params = "", []
        if own_stamp is not None:
            # The event's id before the event: the one UPDATE stamps the rows with it.
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [AuditEvent._meta.db_table]
            )
            event_id = cur.fetchone()[0]
            set_stamp, stamp_params = f", {q(own_stamp)} = %s", [event_id]
        if batch:
            tail = f"""
            SELECT id, state, commune_id, refusal, NULL::jsonb FROM verdict
            WHERE refusal IS NOT NULL
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, jsonb_build_object(
              'count', count(*),
              'sha256', {audit_batch.digest_sql("m.id")},
              'commune_min', min(m.commune_id), 'commune_max', max(m.commune_id),
              'from_states', (SELECT coalesce(jsonb_object_agg(s.from_state, s.n), '{{}}')
                              FROM (SELECT from_state, count(*) AS n FROM moved
                                    GROUP BY from_state) s))
            FROM moved m"""
            tail_params: list[Any] = [target]
        else:
            tail = """
            SELECT id, from_state, commune_id, NULL FROM moved
            UNION ALL
            SELECT id, state, commune_id, refusal FROM verdict WHERE refusal IS NOT NULL"""
            tail_params = []
        cur.execute(
            f"""
            WITH candidates AS ({ids_sql}),
            locked AS (
                SELECT t.{pk_col} AS id, t.state, t.commune_id{stamp_select} FROM {table} t
                WHERE t.{pk_col} IN (SELECT * FROM candidates){same_sql}
                ORDER BY t.{pk_col} FOR UPDATE
            ),
            verdict AS (
                SELECT l.id, l.state, l.commune_id,
                  CASE
                    WHEN NOT (l.state = ANY(%s)) THEN 'wrong_state'
                    WHEN NOT (%s OR l.commune_id = ANY(%s)) THEN 'not_permitted'
                    WHEN cardinality(%s::text[]) > 0 AND (EXISTS (
                      SELECT 1 FROM workflows_auditevent a
                      WHERE a.object_type = %s AND a.object_id = l.id::text
                        AND a.actor_id = %s AND a.transition = ANY(%s)
                    ) {stamped_sod}) THEN 'separation_of_duties'
                    {restamp}
                    ELSE NULL END AS refusal
                FROM locked l
            ),
            moved AS (
                UPDATE {table} t SET state = %s{set_stamp}{extra_sql} FROM verdict v
                WHERE t.{pk_col} = v.id AND v.refusal IS NULL{same_sql}
                RETURNING t.{pk_col} AS id, v.state AS from_state, t.commune_id
            ){tail}
            """,
            [
                *ids_params,
                *same_params,
                sources,
                allowed_all,
                allowed_communes,
                sod,
                label,
                actor.pk,
                sod,
                *stamped_params,
                target,
                *stamp_params,
                *extra_params,
                *same_params,
                *tail_params,
            ],
        )
        rows = cur.fetchall()
        if batch:
            tally: dict[str, Any] = {}
            for row_id, _state, _commune, refusal, agg in rows:
                if agg is not None:
                    # Django's cursor hands jsonb over as text.
                    tally = json.loads(agg) if isinstance(agg, str) else agg
                else:
                    result.refused[row_id] = refusal
            result.count = int(tally.get("count") or 0)
            if result.count:
                result.event = audit_batch.record(
                    tally,
                    event_id=event_id,
                    actor=actor,
                    role=role,
                    label=label,
                    name=name,
                    target=target,
                    reason=reason,
                    data=data,
                    parent=parent,
                    commune_id=commune_id,
                    stamp=stamp,
                )
                result.events = 1
            return result
        moved = []
        for row_id, from_state, row_commune, refusal in rows:
            if refusal:
                result.refused[row_id] = refusal
                continue
            result.moved.append(row_id)
            moved.append((str(row_id), row_commune, from_state))
        template = _trail.new_event(
            actor=actor,
            actor_role=role,
            object_type=label,
            event="transition",
            transition=name,
            to_state=target,
            reason=reason,
            data=data,
        )
        result.events = _trail.append_many(template, moved)
        result.count = len(result.moved)
    return result
