"""The tamper check of the audit trail: a full walk against the incremental
check from each chain's checkpoint (workflows.audit.verify), over a trail of
BENCH_EVENTS (default 500,000) events in 27 chains (26 communes and the
district's), when BENCH_NEW (default 10,000) events came after the last check.

Set-up (not timed): the events appended with `audit.append_many` (the bulk
path, the same links and hashes as one by one), in batches over the Sóc Sơn
communes; a first incremental check sets the checkpoints; then BENCH_NEW more
events are appended.

Timed, same run (BENCH_RUNS, default 3, median):
- full walk: every event read and hashed again (`verify()`);
- incremental: from the checkpoints on (`verify(incremental=True)`), each
  run on the same new events (the checkpoints put back between runs);
- baseline, the floor of the same work: one raw SQL statement reading the
  same rows (each chain from its checkpoint on) and the same SHA-256 of each
  row's hashed fields in a plain loop, no link or head checks.

    make bench
    BENCH_EVENTS=100000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_audit_verify.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/bench_x.py` without PYTHONPATH=.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    env_int,
    environment_line,
    make_users,
    median,
    seed_registry,
    table,
    throwaway_database,
)

EVENTS = env_int("BENCH_EVENTS", 500_000)
NEW = env_int("BENCH_NEW", 10_000)
RUNS = env_int("BENCH_RUNS", 3)
BATCH = 20_000
SMOKE_ENV = {"BENCH_EVENTS": 2_000, "BENCH_NEW": 300, "BENCH_RUNS": 1}
SMOKE_LINES = [
    r"^full walk +\d+ +\d+\.\d\d",
    r"^incremental \(from the checkpoints\) +\d+ +\d+\.\d\d",
    r"^baseline: raw SQL \+ SHA-256 +\d+ +\d+\.\d\d",
    r"^every check clean: yes",
]


def append(n: int, communes: list[Any], actor: Any, start: int) -> None:
    """`n` read events spread over the communes, through the bulk append path."""
    from django.db import transaction
    from django.utils import timezone

    from workflows import audit

    done = 0
    while done < n:
        size = min(BATCH, n - done)
        template = audit.new_event(actor=actor, event="read", commune_id=None)
        template.occurred_at = timezone.now()
        rows = [
            (str(start + done + i), communes[(start + done + i) % len(communes)].pk, "")
            for i in range(size)
        ]
        with transaction.atomic():
            audit.append_many(template, rows)
        done += size


def raw_floor() -> tuple[float, int]:
    """The same rows (each chain from its checkpoint on) read by one statement
    and hashed the same way: the floor of the incremental check's work."""
    from django.db import connection

    from workflows.audit import HASHED_FIELDS

    names = sorted(HASHED_FIELDS)
    columns = ", ".join(f"e.{connection.ops.quote_name(n)}" for n in names)
    sql = (
        f"SELECT {columns}, e.hash FROM workflows_auditevent e "
        "LEFT JOIN workflows_auditcheckpoint c ON c.chain = e.chain "
        "WHERE c.chain IS NULL OR e.seq >= c.seq ORDER BY e.chain, e.seq"
    )
    t0 = time.perf_counter()
    rows = 0
    with connection.cursor() as cur:
        cur.execute(sql)
        for row in cur.fetchall():
            payload = dict(zip(names, row[:-1], strict=True))
            when = payload.get("occurred_at")
            if isinstance(when, dt.datetime):
                payload["occurred_at"] = when.astimezone(dt.UTC).isoformat(timespec="microseconds")
            blob = json.dumps(
                payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
            )
            hashlib.sha256(blob.encode()).hexdigest()
            rows += 1
    return time.perf_counter() - t0, rows


def main() -> None:
    from workflows import audit
    from workflows.models import AuditCheckpoint, AuditEvent

    print(environment_line())
    print(f"# BENCH_EVENTS={EVENTS}, BENCH_NEW={NEW}, BENCH_RUNS={RUNS}")
    t0 = time.perf_counter()
    units = seed_registry()
    users = make_users("00448")
    communes = [u for u in units.values() if getattr(u, "level", "") == "commune"]
    append(EVENTS, communes, users.officer, 0)
    first = audit.verify(incremental=True)
    assert first.ok, first.problem
    append(NEW, communes, users.officer, EVENTS)
    saved = list(AuditCheckpoint.objects.all())
    total = AuditEvent.objects.count()
    print(f"# set-up: {total} events in {first.chains} chains in {time.perf_counter() - t0:.1f} s")

    full_s, inc_s, floor_s = [], [], []
    results = []
    for _ in range(RUNS):
        t = time.perf_counter()
        results.append(audit.verify())
        full_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = audit.verify(incremental=True)
        inc_s.append(time.perf_counter() - t)
        results.append(result)
        inc_events = result.events
        AuditCheckpoint.objects.all().delete()  # back to the checkpoints of the set-up
        AuditCheckpoint.objects.bulk_create(saved)
        seconds, floor_rows = raw_floor()
        floor_s.append(seconds)
    full_events = results[0].events
    clean = all(r.ok for r in results)
    rate = full_events / median(full_s) if median(full_s) else 0.0
    print()
    print(
        table(
            ["what", "events", "seconds", "events/s"],
            [
                ["full walk", full_events, f"{median(full_s):.2f}", f"{rate:,.0f}"],
                [
                    "incremental (from the checkpoints)",
                    inc_events,
                    f"{median(inc_s):.2f}",
                    f"{inc_events / median(inc_s):,.0f}" if median(inc_s) else "",
                ],
                [
                    "baseline: raw SQL + SHA-256",
                    floor_rows,
                    f"{median(floor_s):.2f}",
                    f"{floor_rows / median(floor_s):,.0f}" if median(floor_s) else "",
                ],
                ["ratio incremental / baseline", "", f"{median(inc_s) / median(floor_s):.1f}x", ""],
            ],
        )  # fmt: skip
    )
    print()
    print(f"every check clean: {'yes' if clean else 'NO'}")


if __name__ == "__main__":
    with throwaway_database("audit_verify"):
        main()
