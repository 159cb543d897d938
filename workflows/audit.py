"""Appending to and verifying the hash-chained audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from workflows import context
from workflows.actors import User
from workflows.models import AuditChainHead, AuditCheckpoint, AuditEvent
from workflows.text import clean_text

GENESIS = "0" * 64
# One event for the rows a bulk action moved (workflows.audit_batch).
BATCH_EVENT = "bulk_transition"
HASHED_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "commune_id",
    "case_id",
    "object_type",
    "object_id",
    "event",
    "transition",
    "from_state",
    "to_state",
    "reason",
    "data",
    "request_id",
    "ip",
    "prev_hash",
)


def chain_for(commune_id: int | None) -> str:
    return f"commune:{commune_id}" if commune_id else "system"


def jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    """Round-trip through JSON so the hashed value equals what jsonb returns."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def compute_hash(event: AuditEvent) -> str:
    payload = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        payload[name] = value
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _lock_heads(chains: Iterable[str]) -> dict[str, AuditChainHead]:
    names = sorted(set(chains))
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO workflows_auditchainhead (chain, seq, last_hash) "
            "SELECT unnest(%s::text[]), 0, %s ON CONFLICT (chain) DO NOTHING",
            [names, GENESIS],
        )
    # Sorted order: two writers touching the same chains never deadlock.
    heads = AuditChainHead.objects.select_for_update().filter(chain__in=names).order_by("chain")
    return {h.chain: h for h in heads}


def new_event(
    *,
    actor: User | None = None,
    actor_role: str = "",
    commune_id: int | None = None,
    case_id: int | None = None,
    event: str,
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    occurred_at: Any = None,
) -> AuditEvent:
    """An unsaved event with request context filled in; `append` links and stores it."""
    ctx = context.current()
    return AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        actor_role=actor_role,
        commune_id=commune_id,
        case_id=case_id,
        object_type=object_type,
        object_id=str(object_id or (case_id or "")),
        event=event,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        # Cleaned here, before the hash is computed over it (never after).
        reason=clean_text(reason or "", multiline=True),
        data=jsonable(data),
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def append(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Link `events` into their chains and insert them in one statement.

    Must run inside the caller's transaction: the chain heads stay locked
    until it commits, so links never fork.
    """
    if not events:
        return []
    for ev in events:
        ev.chain = chain_for(ev.commune_id)
    if len(events) == 1:
        return [_append_one(events[0])]
    heads = _lock_heads(ev.chain for ev in events)
    for ev in events:
        head = heads[ev.chain]
        head.seq += 1
        ev.seq = head.seq
        ev.prev_hash = head.last_hash
        ev.hash = compute_hash(ev)
        head.last_hash = ev.hash
    created = AuditEvent.objects.bulk_create(events)
    AuditChainHead.objects.bulk_update(heads.values(), ["seq", "last_hash"])
    return created


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def append_many(
    template: AuditEvent, rows: Sequence[tuple[str, int | None, str]], *, cases: bool = False
) -> int:
    """Append one event per row that differ from `template` only in object id,
    commune and from-state: the bulk actions' path (26,553 gift rows).
    `cases`: the objects are cases, each event's case is its object.

    The same links and hashes as `append` (verify() cannot tell them apart),
    built without a model instance per row: each hash from a precomputed JSON
    template, the rows written with COPY. Returns the number of events.
    """
    if not rows:
        return 0
    varying = {"chain", "seq", "commune_id", "object_id", "from_state", "prev_hash"}
    varying |= {"case_id"} if cases else set()
    occurred = template.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fixed = {
        name: (occurred if name == "occurred_at" else getattr(template, name))
        for name in HASHED_FIELDS
        if name not in varying
    }
    # {"actor_id":1,...}: the payload compute_hash dumps, with slots for what varies.
    parts = []
    for name in sorted(HASHED_FIELDS):
        slot = (
            "{" + name + "}"
            if name in varying
            else _dumps(fixed[name]).replace("{", "{{").replace("}", "}}")
        )
        parts.append(f"{_dumps(name)}:{slot}")
    blob_template = "{{" + ",".join(parts) + "}}"
    chains = [chain_for(commune_id) for _oid, commune_id, _fs in rows]
    heads = _lock_heads(chains)
    fields = [f for f in AuditEvent._meta.concrete_fields if not (f.primary_key or f.generated)]
    columns = [f.column or f.name for f in fields]
    base = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    base[columns.index("data")] = _dumps(template.data)
    at = {name: columns.index(name) for name in (*varying, "hash")}
    quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) does to a str
    quoted: dict[str, str] = {}  # chains and states repeat: quote them once
    out = []
    sha = hashlib.sha256
    for (object_id, commune_id, from_state), chain in zip(rows, chains, strict=True):
        head = heads[chain]
        head.seq += 1
        prev = head.last_hash
        if chain not in quoted:
            quoted[chain] = quote(chain)
        if from_state not in quoted:
            quoted[from_state] = quote(from_state)
        slots = {
            "chain": quoted[chain],
            "seq": head.seq,
            "commune_id": "null" if commune_id is None else commune_id,
            "object_id": quote(object_id),
            "from_state": quoted[from_state],
            "prev_hash": f'"{prev}"',
        }
        if cases:
            slots["case_id"] = int(object_id)
        blob = blob_template.format(**slots)
        digest = sha(blob.encode()).hexdigest()
        head.last_hash = digest
        values = base.copy()
        values[at["chain"]] = chain
        values[at["seq"]] = head.seq
        values[at["commune_id"]] = commune_id
        values[at["object_id"]] = object_id
        values[at["from_state"]] = from_state
        values[at["prev_hash"]] = prev
        values[at["hash"]] = digest
        if cases:
            values[at["case_id"]] = int(object_id)
        out.append(values)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    started = time.monotonic()
    with connection.cursor() as cur:
        with cur.cursor.copy(sql) as copy:
            for values in out:
                copy.write_row(values)
    if connection.queries_logged:
        # psycopg's copy bypasses Django's cursor wrapper: log it so query
        # counts (tests, benchmarks) see the statement.
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(out)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    AuditChainHead.objects.bulk_update(heads.values(), ["seq", "last_hash"])
    return len(out)


def _append_one(ev: AuditEvent) -> AuditEvent:
    """The common case (one transition) in two statements: bump and lock the
    chain head, then insert the event and store its hash in the head."""
    head_table = AuditChainHead._meta.db_table
    with connection.cursor() as cur:
        bump = f"UPDATE {head_table} SET seq = seq + 1 WHERE chain = %s RETURNING seq, last_hash"
        cur.execute(bump, [ev.chain])
        row = cur.fetchone()
        if row is None:  # first event of this chain
            _lock_heads([ev.chain])
            cur.execute(bump, [ev.chain])
            row = cur.fetchone()
        ev.seq, ev.prev_hash = row
        ev.hash = compute_hash(ev)
        # An id reserved by the caller (a batch stamps its rows with it first) is kept.
        fields = [
            f
            for f in AuditEvent._meta.concrete_fields
            if not f.generated and (not f.primary_key or ev.pk is not None)
        ]
        columns = ", ".join(connection.ops.quote_name(f.column or f.name) for f in fields)
        values = [f.get_db_prep_save(getattr(ev, f.attname), connection) for f in fields]
        cur.execute(
            f"WITH head AS (UPDATE {head_table} SET last_hash = %s WHERE chain = %s) "
            f"INSERT INTO {AuditEvent._meta.db_table} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id",
            [ev.hash, ev.chain, *values],
        )
        ev.pk = cur.fetchone()[0]
    ev._state.adding = False
    return ev


def record(**kwargs: Any) -> AuditEvent:
    return append([new_event(**kwargs)])[0]


# What verify() finds, as English msgids with placeholders: `problem` is the
# English text (the command's output, the alert's key); `message()` is the
# same in the active language, for people (the page, the notice).
HEAD_MISSING = gettext_noop("chain %(chain)s: its head is missing")
TAIL_MISSING = gettext_noop(
    "chain %(chain)s: event %(missing)s is missing at the end of the chain "
    "(the head records %(head_seq)s events, the last found is seq %(last)s)"
)
HEAD_ALTERED = gettext_noop(
    "chain %(chain)s: last event seq %(last)s does not match the chain head (the head was altered)"
)
SEQ_GAP = gettext_noop(
    "chain %(chain)s: expected seq %(expected)s, found %(seq)s (an event is missing)"
)
LINK_BROKEN = gettext_noop("chain %(chain)s seq %(seq)s: previous-hash link broken")
CONTENT_EDITED = gettext_noop(
    "chain %(chain)s seq %(seq)s: content does not match its hash (the event was edited)"
)
CHECKPOINT_CHANGED = gettext_noop(
    "chain %(chain)s: the event verified last (seq %(seq)s) is missing or was changed"
)
BATCH_ROWS_CHANGED = gettext_noop(
    "chain %(chain)s seq %(seq)s: the rows this batch moved were changed "
    "(%(count)s recorded, %(found)s stamped now)"
)
ALL_MISSING = gettext_noop(
    "chain %(chain)s: event seq 1-%(head_seq)s is missing "
    "(the head records %(head_seq)s events, none found)"
)


@dataclass
class VerifyResult:
    ok: bool
    events: int
    chains: int
    template: str = ""  # one of the msgids above
    event_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # Incremental check: the chains resumed from their checkpoint, and where
    # each chain read ends (chain -> (seq, hash)), the next checkpoints.
    resumed: int = 0
    reached: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)
    # The batch events read, to be checked against their rows (audit_batch).
    batches: list[int] = field(default_factory=list, repr=False)

    @property
    def problem(self) -> str:
        """The problem in English (stable: command output, logs, alert keys)."""
        return self.template % self.params if self.template else ""

    @property
    def chain(self) -> str:
        return str(self.params.get("chain", ""))

    @property
    def seq(self) -> int | None:
        seq = self.params.get("seq")
        return seq if isinstance(seq, int) else None

    def message(self, chain_label: str | None = None) -> str:
        """The problem in the active language; `chain_label` names the chain
        for people (the commune's name instead of "commune:27")."""
        if not self.template:
            return ""
        params = dict(self.params)
        if chain_label:
            params["chain"] = chain_label
        return gettext(self.template) % params


def verify(*, incremental: bool = False) -> VerifyResult:
    """Walk every chain; report the first broken link (edit, deletion, reorder).

    Heads and events are read in one REPEATABLE READ snapshot: otherwise an
    event appended between the two reads looks like a tampered chain head.

    `incremental`: each chain is read from its checkpoint on (the event
    verified last, which must still be there unchanged), and a clean run moves
    the checkpoints to the chains' ends. An event edited before its chain's
    checkpoint is found only by a full walk (the default), which leaves the
    checkpoints as they are.
    """
    if connection.in_atomic_block:
        result = _verify(incremental)
    else:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            result = _verify(incremental)
    if incremental and result.ok and result.reached:
        _move_checkpoints(result.reached)
    return result


def _move_checkpoints(reached: dict[str, tuple[int, str]]) -> None:
    now = timezone.now()
    AuditCheckpoint.objects.bulk_create(
        [
            AuditCheckpoint(chain=chain, seq=seq, hash=hash_, verified_at=now)
            for chain, (seq, hash_) in sorted(reached.items())
        ],
        update_conflicts=True,
        unique_fields=["chain"],
        update_fields=["seq", "hash", "verified_at"],
    )


def _verify(incremental: bool = False) -> VerifyResult:
    heads = {h.chain: h for h in AuditChainHead.objects.all()}
    checkpoints = {c.chain: c for c in AuditCheckpoint.objects.all()} if incremental else {}
    reached: dict[str, tuple[int, str]] = {}
    batches: list[int] = []
    count = 0
    seen: set[str] = set()
    current_chain = None
    expected_prev = GENESIS
    expected_seq = 1

    def close(chain: str) -> VerifyResult | None:
        head = heads.get(chain)
        last = expected_seq - 1
        if head is None:
            return VerifyResult(False, count, len(seen), HEAD_MISSING, params={"chain": chain})
        if head.seq > last:
            missing = f"seq {last + 1}" if head.seq == last + 1 else f"seq {last + 1}-{head.seq}"
            return VerifyResult(
                False,
                count,
                len(seen),
                TAIL_MISSING,
                params={"chain": chain, "missing": missing, "head_seq": head.seq, "last": last},
            )
        if head.seq != last or head.last_hash != expected_prev:
            return VerifyResult(
                False,
                count,
                len(seen),
                HEAD_ALTERED,
                params={"chain": chain, "last": last},
            )
        return None

    # The search fold is not hashed: not read (a large column, and verify()
    # then reads a trail whose schema predates it, e.g. in migration tests).
    events = AuditEvent.objects.order_by("chain", "seq").defer("reason_folded")
    if incremental:
        # Chain by chain, each from its checkpoint on (a range of the
        # (chain, seq) index), the chains without one whole: one OR over every
        # chain would make PostgreSQL scan the whole trail.
        start = {chain: point.seq for chain, point in checkpoints.items()}
        qs: Iterable[AuditEvent] = itertools.chain.from_iterable(
            events.filter(chain=chain, seq__gte=start.get(chain, 1)).iterator(chunk_size=5000)
            for chain in sorted(heads.keys() | start.keys())
        )
    else:
        qs = events.iterator(chunk_size=5000)
    for ev in qs:
        if ev.chain != current_chain:
            if current_chain is not None and (bad := close(current_chain)):
                return bad
            current_chain = ev.chain
            seen.add(ev.chain)
            expected_prev, expected_seq = GENESIS, 1
            cp = checkpoints.get(ev.chain)
            if cp is not None:
                if (ev.seq, ev.hash) != (cp.seq, cp.hash):
                    return VerifyResult(
                        False,
                        count,
                        len(seen),
                        CHECKPOINT_CHANGED,
                        ev.id,
                        params={"chain": ev.chain, "seq": cp.seq},
                    )
                # Its link was checked before; its content is checked again below.
                expected_prev, expected_seq = ev.prev_hash, ev.seq
        count += 1
        if ev.seq != expected_seq:
            return VerifyResult(
                False,
                count,
                len(seen),
                SEQ_GAP,
                ev.id,
                params={"chain": ev.chain, "expected": expected_seq, "seq": ev.seq},
            )
        if ev.prev_hash != expected_prev:
            return VerifyResult(
                False,
                count,
                len(seen),
                LINK_BROKEN,
                ev.id,
                params={"chain": ev.chain, "seq": ev.seq},
            )
        if compute_hash(ev) != ev.hash:
            return VerifyResult(
                False,
                count,
                len(seen),
                CONTENT_EDITED,
                ev.id,
                params={"chain": ev.chain, "seq": ev.seq},
            )
        expected_prev, expected_seq = ev.hash, ev.seq + 1
        reached[ev.chain] = (ev.seq, ev.hash)
        if ev.event == BATCH_EVENT:
            batches.append(ev.id)
    if current_chain is not None and (bad := close(current_chain)):
        return bad
    for chain, head in heads.items():
        if chain not in seen and head.seq != 0:
            return VerifyResult(
                False,
                count,
                len(seen),
                ALL_MISSING,
                params={"chain": chain, "head_seq": head.seq},
            )
    resumed = len(seen & checkpoints.keys())
    return VerifyResult(True, count, len(seen), resumed=resumed, reached=reached, batches=batches)
