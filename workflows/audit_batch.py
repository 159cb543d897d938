"""Batch audit events: one event for every row one bulk action moved (a
payroll's million lines), the tamper evidence it keeps (a SHA-256 over the
moved ids, checked against the rows stamped with the event) and each row's
history, answered from its stamps.

`engine.bulk_transition(..., audit="batch", stamp="approved_event")` writes
the event; a stamp is a column of the rows' table holding the id of the batch
event that moved the row through one step (a `ForeignKey` to `AuditEvent`,
`db_constraint=False` on a large table, indexed): each stamp is written once
per row, so the rows stamped with an event are exactly the rows it moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.models import Q

from workflows import audit
from workflows.actors import User
from workflows.models import AuditEvent

BATCH_EVENT = audit.BATCH_EVENT


def digest_sql(id_column: str) -> str:
    """SQL of the batch digest over the rows of a query (an aggregate): one
    placeholder, the target state. Must agree with `batch_digest`."""
    return (
        "encode(sha256(convert_to(%s || E'\\n' || coalesce(string_agg("
        f"{id_column}::text, ',' ORDER BY {id_column}), ''), 'UTF8')), 'hex')"
    )


def batch_digest(to_state: str, ids: Iterable[int]) -> str:
    """SHA-256 (hex) of "<target state>\\n<id>,<id>,..." over the ids in
    ascending order: what a batch event records of the rows it moved."""
    text = to_state + "\n" + ",".join(str(i) for i in sorted(ids))
    return hashlib.sha256(text.encode()).hexdigest()


def stamp_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's stamps: its foreign keys to `AuditEvent`."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is AuditEvent
    ]


def stamp_field(model: type[models.Model], name: str) -> models.Field:
    """The stamp `name` of `model`: a foreign key to `AuditEvent` or a whole number."""
    f = model._meta.get_field(name)
    if not isinstance(f, models.Field) or not (
        f in stamp_fields(model) or isinstance(f, models.IntegerField)
    ):
        raise ValueError(f"{model._meta.label}.{name} cannot hold an audit event id")
    return f


def stamp_columns(model: Any, stamp: str | None) -> tuple[list[str], str | None]:
    """The columns of every stamp of `model` (and of `stamp`), and `stamp`'s."""
    columns = [str(f.column) for f in stamp_fields(model)]
    own = str(stamp_field(model, stamp).column) if stamp else None
    if own is not None and own not in columns:
        columns.append(own)
    return columns, own


def record(
    tally: dict[str, Any],
    *,
    event_id: int | None,
    actor: User,
    role: str,
    label: str,
    name: str,
    target: str,
    reason: str,
    data: dict[str, Any] | None,
    parent: tuple[str, str | int] | None,
    commune_id: int | None,
    stamp: str | None,
) -> AuditEvent:
    """The one event of a batch, under the id its rows were stamped with."""
    from_states = dict(sorted(tally["from_states"].items()))
    shared = tally["commune_min"] if tally["commune_min"] == tally["commune_max"] else None
    event = audit.new_event(
        actor=actor,
        actor_role=role,
        commune_id=commune_id if commune_id is not None else shared,
        object_type=parent[0] if parent else label,
        object_id=str(parent[1]) if parent else "",
        event=BATCH_EVENT,
        transition=name,
        from_state=next(iter(from_states)) if len(from_states) == 1 else "",
        to_state=target,
        reason=reason,
        data={
            **(data or {}),
            "batch": {
                "model": label,
                "count": int(tally["count"]),
                "from_states": from_states,
                "sha256": tally["sha256"],
                "stamp": stamp or "",
            },
        },
    )
    if event_id is not None:
        event.pk = event_id
    return audit.append([event])[0]


@dataclass(frozen=True)
class BatchCheck:
    """What checking a batch event against its rows found."""

    ok: bool
    checked: bool  # False: the event names no stamp, its rows cannot be found
    expected: int  # rows the event says it moved
    found: int  # rows stamped with it now
    problem: str = ""  # English: "edited", "rows changed", "model unknown"


def batch_of(event: AuditEvent) -> dict[str, Any] | None:
    """The batch part of a batch event's data (None for any other event)."""
    data = event.data if isinstance(event.data, dict) else {}
    batch = data.get("batch")
    return batch if event.event == BATCH_EVENT and isinstance(batch, dict) else None


def verify_batch(event: AuditEvent, model: type[models.Model] | None = None) -> BatchCheck:
    """Recompute the digest of the rows stamped with `event` and compare it
    with the one the event recorded (and the event with its own hash).

    `model`: the rows' model, by default the one the event names. A row
    whose stamp was changed, cleared or set, or a row deleted, changes the
    digest; an edit of the event itself breaks its hash.
    """
    batch = batch_of(event)
    if batch is None:
        raise ValueError(f"audit event {event.pk} is not a batch event")
    expected = int(batch.get("count", 0))
    if audit.compute_hash(event) != event.hash:
        return BatchCheck(False, True, expected, 0, "edited")
    if not batch.get("stamp"):
        return BatchCheck(True, False, expected, 0)
    if model is None:
        try:
            model = apps.get_model(str(batch.get("model", "")))
        except (LookupError, ValueError):
            return BatchCheck(False, False, expected, 0, "model unknown")
    f = stamp_field(model, str(batch["stamp"]))
    q = connection.ops.quote_name
    pk = f"t.{q(str(model._meta.pk.column))}"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), {digest_sql(pk)} FROM {q(model._meta.db_table)} t "
            f"WHERE t.{q(str(f.column))} = %s",
            [event.to_state, event.pk],
        )
        found, digest = cur.fetchone()
    ok = found == expected and digest == batch.get("sha256")
    return BatchCheck(ok, True, expected, found, "" if ok else "rows changed")


def verify_batches(event_ids: Sequence[int]) -> tuple[AuditEvent, BatchCheck] | None:
    """Check the batch events `event_ids` against their rows (one query each);
    the first that fails, or None."""
    for event in AuditEvent.objects.filter(pk__in=list(event_ids)).order_by("id"):
        check = verify_batch(event)
        if not check.ok:
            return event, check
    return None


def row_history(row: models.Model, fields: Iterable[str] | None = None) -> list[AuditEvent]:
    """The audit events that moved `row`: the batch events its stamps point
    at (`fields`, by default every stamp of its model) and the events written
    for it alone (per-row mode), oldest first. Each says who (`actor_username`),
    in which role, when and which step (`transition`): "who approved and who
    paid this person's March line". Scoping is the caller's: the row came
    through a scoped selector."""
    model = type(row)
    names = list(fields) if fields is not None else [f.name for f in stamp_fields(model)]
    ids = [getattr(row, stamp_field(model, n).attname) for n in names]
    own = Q(object_type=model._meta.label_lower, object_id=str(row.pk))
    stamped = Q(pk__in=[i for i in ids if i is not None])
    return list(
        AuditEvent.objects.filter(own | stamped)
        .select_related("actor")
        .defer("reason_folded")
        .order_by("occurred_at", "id")
    )


def check_walked(result: audit.VerifyResult) -> audit.VerifyResult:
    """After a clean walk of the chains, the batch events it read checked
    against their rows: the first whose rows changed turns the result into
    a broken one (`BATCH_ROWS_CHANGED`)."""
    if not result.ok or not result.batches:
        return result
    bad = verify_batches(result.batches)
    if bad is None:
        return result
    event, check = bad
    return audit.VerifyResult(
        False,
        result.events,
        result.chains,
        audit.BATCH_ROWS_CHANGED,
        event.pk,
        params={
            "chain": event.chain,
            "seq": event.seq,
            "count": check.expected,
            "found": check.found,
        },
        resumed=result.resumed,
    )
