"""One step of a province's monthly payroll through `bulk_transition`: one
audit event per row against ONE event for the batch, next to raw SQL.

Set-up (not timed), on a throwaway database: 26 Sóc Sơn communes and a
payroll-line-shaped table made for this run (`bench.BenchLine`: commune,
amount, state, one stamp per step, a foreign key to the audit event without a
database constraint, indexed), filled with 3 × BENCH_ROWS (default 1,000,000)
lines, a third for each way of moving them. Timed, each moving its own
BENCH_ROWS lines `generated` → `approved` as a district specialist (every
commune's lines in one call):

- per-row audit: `bulk_transition(...)`, one event per line (COPY), chained;
- batch audit: `bulk_transition(..., audit="batch", stamp="approved_event")`,
  ONE event with the count, from-state counts and SHA-256 of the moved ids,
  every line stamped with its id in the same UPDATE;
- raw SQL: the UPDATE of state and stamp alone, no checks, no audit (the floor);
- raw SQL lock + UPDATE: the same with the rows locked first in id order, as
  the engine locks them (two bulk actions over the same rows never deadlock):
  what is left above it is the engine's checks and the audit.

Then the batch's own costs: `audit_batch.verify_batch` (the digest recomputed
from the stamped lines), one line's history (`audit_batch.row_history`),
the query counts at BENCH_SMALL_ROWS lines (must be the same), and the events
a payroll month writes at BENCH_MONTH_LINES lines, five steps, 126 communes.

    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. .venv/bin/python bench/bench_audit_batch.py
"""

from __future__ import annotations

import gc
import time
from typing import Any

from bench.common import env_int, environment_line, insert_series, table, throwaway_database

ROWS = env_int("BENCH_ROWS", 1_000_000)
SMALL = env_int("BENCH_SMALL_ROWS", 2_000)
MONTH_LINES = env_int("BENCH_MONTH_LINES", 1_000_000)
STEPS, COMMUNES_PROVINCE = 5, 126
SMOKE_ENV = {"BENCH_ROWS": 300, "BENCH_SMALL_ROWS": 30, "BENCH_MONTH_LINES": 1000}
SMOKE_LINES = [
    r"^per-row audit +[\d,]+ +[\d,]+ +\d+\.\d{3} +\d+ +\d+\.\dx +\d+\.\dx$",
    r"^batch audit +[\d,]+ +1 +\d+\.\d{3} +\d+ +\d+\.\dx +\d+\.\dx$",
    r"^raw SQL lock \+ UPDATE +[\d,]+ +0 +\d+\.\d{3} +\d+ +\d+\.\dx +\d+\.\dx$",
    r"^raw SQL UPDATE +[\d,]+ +0 +\d+\.\d{3} +\d+ +1\.0x +\d+\.\dx$",
    r"^verify_batch: +[\d,]+ stamped lines, digest matches, \d+\.\d{3} s",
    r"^same queries at [\d,]+ lines: yes",
]


def line_model() -> Any:
    from django.db import models
    from django_fsm import FSMField, transition

    from workflows.models import AuditEvent

    class BenchLine(models.Model):
        run = models.SmallIntegerField()  # which way of moving it: 1, 2, 3, 6 (small: 4, 5)
        commune_id = models.IntegerField()
        amount = models.BigIntegerField()
        state = FSMField(default="generated", max_length=20)
        approved_event = models.ForeignKey(
            AuditEvent, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
            related_name="+",
        )  # fmt: skip

        class Meta:
            app_label = "bench"
            indexes = [models.Index(fields=["run", "state"])]

        @transition(field=state, source="generated", target="approved")
        def approve(self) -> None:
            pass

    return BenchLine


def timed(fn: Any) -> tuple[float, int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn()
        spent = time.perf_counter() - t0
    return spent, len(ctx), result


def run() -> None:
    from django.db import connection, transaction

    from bench.common import make_users, seed_registry
    from workflows import audit_batch, engine
    from workflows.models import AuditEvent
    from workflows.permissions import Role, forget_scope

    print(environment_line())
    t0 = time.perf_counter()
    units = seed_registry()
    communes = [u.pk for u in units.values()]
    users = make_users(next(iter(units)))
    Line = line_model()
    with connection.schema_editor() as editor:
        editor.create_model(Line)
    sizes = {1: ROWS, 2: ROWS, 3: ROWS, 6: ROWS, 4: SMALL, 5: SMALL}
    start = 1
    for run_no, n in sizes.items():
        insert_series(
            Line,
            n,
            {
                "id": "g",
                "run": str(run_no),
                "commune_id": f"(%(communes)s::int[])[1 + mod(g, {len(communes)})]",
                "amount": "2055000",
                "state": "'generated'",
            },
            {"communes": communes},
            start=start,
        )
        start += n
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {Line._meta.db_table}")
    print(f"# set-up: {start - 1:,} lines over {len(communes)} communes: "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip

    actor = users.specialist

    def move(run_no: int, **kwargs: Any) -> Any:
        forget_scope(actor)
        return engine.bulk_transition(
            Line.objects.filter(run=run_no),
            "approve",
            actor=actor,
            allowed_roles=(Role.DISTRICT_SPECIALIST,),
            **kwargs,
        )

    batch = {"audit": "batch", "stamp": "approved_event", "parent": ("bench.payroll", "2024-03")}
    table_name = Line._meta.db_table

    def raw() -> int:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table_name} SET state = 'approved', approved_event_id = %s "
                "WHERE run = 3 AND state = 'generated'",
                [0],
            )
            return cur.rowcount

    def raw_locked() -> int:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"""WITH locked AS (SELECT id FROM {table_name} WHERE run = 6
                                    AND state = 'generated' ORDER BY id FOR UPDATE)
                    UPDATE {table_name} t SET state = 'approved', approved_event_id = %s
                      FROM locked l WHERE t.id = l.id""",
                [0],
            )
            return cur.rowcount

    # Raw first: drift and cache warmth favour ours no better.
    results = {
        "raw SQL UPDATE": timed(raw),
        "raw SQL lock + UPDATE": timed(raw_locked),
        "per-row audit": timed(lambda: move(1)),
        "batch audit": timed(lambda: move(2, **batch)),
    }
    small_row = timed(lambda: move(4))
    small_batch = timed(lambda: move(5, **batch))
    raw_s = results["raw SQL UPDATE"][0]
    locked_s = results["raw SQL lock + UPDATE"][0]
    rows = []
    for label in ("per-row audit", "batch audit", "raw SQL lock + UPDATE", "raw SQL UPDATE"):
        spent, queries, result = results[label]
        moved = result if isinstance(result, int) else result.count
        events = 0 if isinstance(result, int) else result.events
        assert moved == ROWS, (label, moved)
        rows.append(
            [
                label,
                f"{moved:,}",
                f"{events:,}",
                f"{spent:.3f}",
                queries,
                f"{spent / raw_s:.1f}x",
                f"{spent / locked_s:.1f}x",
            ]
        )
    headers = ["mode", "lines", "events", "seconds", "queries", "vs raw", "vs lock+raw"]
    print(table(headers, rows))
    same = (
        small_row[1] == results["per-row audit"][1] and small_batch[1] == results["batch audit"][1]
    )
    print(
        f"same queries at {SMALL:,} lines: {'yes' if same else 'NO'} "
        f"(per-row {small_row[1]}, batch {small_batch[1]})"
    )

    event = results["batch audit"][2].event
    spent, _q, check = timed(lambda: audit_batch.verify_batch(event, model=Line))
    assert check.ok, check
    print(
        f"verify_batch: {check.found:,} stamped lines, digest matches, {spent:.3f} s "
        f"(SHA-256 over the sorted ids, read through the stamp's index)"
    )
    line = Line.objects.filter(run=2).order_by("id")[ROWS // 2]
    spent, queries, history = timed(lambda: audit_batch.row_history(line))
    who = ", ".join(f"{e.transition} by {e.actor_username} ({e.actor_role})" for e in history)
    print(f"one line's history: {who}; {spent * 1000:.1f} ms, {queries} query")
    events = AuditEvent.objects.count()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_total_relation_size('workflows_auditevent')")
        size = cur.fetchone()[0]
    print(f"audit table now: {events:,} events, {size / 2**20:,.0f} MiB with its indexes")
    print(
        f"\nevents per payroll month ({MONTH_LINES:,} lines, {STEPS} steps, "
        f"{COMMUNES_PROVINCE} commune payrolls): per-row {MONTH_LINES * STEPS:,} "
        f"(≈{MONTH_LINES * STEPS * 12 / 1e6:,.0f} million a year); batch "
        f"{COMMUNES_PROVINCE * STEPS:,} ({COMMUNES_PROVINCE * STEPS * 12:,} a year)"
    )


def main() -> None:
    with throwaway_database("audit_batch"):
        run()


if __name__ == "__main__":
    main()
