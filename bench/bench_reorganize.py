"""The reorganisation of 01/07/2025 at a province's scale: Sóc Sơn's 26 units
merged into 5, their open housing cases and active entitlements carried to
the successors, next to raw SQL doing the same writes in the same run.

Set-up (not timed), set-based: Hà Nội → Sóc Sơn's 26 units; BENCH_CASES
(100,000) housing cases and their applicants over the 26 units
(bench.case_list_sql.bulk_cases: a mix of states, most of them open);
BENCH_ENTITLEMENTS (1,000,000) active entitlements over the same units
(bench.allowance_fill), a person each; the official mapping loaded
(`load_unit_mapping`'s service) from the shipped Sóc Sơn file, its split unit
taken whole (the run refuses a split unit whose people have no village).

Timed:
1. the dry run (`reorganization_plan`): target <= 30 s;
2. the run (`reorganize`): every open object moved with one audit event each
   in the successor's chain (hashed and linked), the people and unread
   notifications, the roles carried, the former units closed; its queries
   counted (they must not depend on the number of rows); then rolled back;
3. the raw SQL floor, the same run's data: one UPDATE ... RETURNING per table
   of open objects feeding one INSERT of as many audit events (a SHA-256 each,
   computed by PostgreSQL, no chain), the people's UPDATE; rolled back too.
Target: the run <= 2x the floor.

    BENCH_CASES=100000 BENCH_ENTITLEMENTS=1000000 DJANGO_SETTINGS_MODULE=config.settings \\
        PYTHONPATH=. .venv/bin/python bench/bench_reorganize.py
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.common import (
    QueryCounter,
    counting,
    env_int,
    environment_line,
    table,
    throwaway_database,
)

CASES = env_int("BENCH_CASES", 100_000)
ENTITLEMENTS = env_int("BENCH_ENTITLEMENTS", 1_000_000)
SMOKE_ENV = {"BENCH_CASES": 300, "BENCH_ENTITLEMENTS": 600}
SMOKE_LINES = [
    r"^# set-up: \d+ cases \(\d+ open\), \d+ entitlements",
    r"^dry run \(reorganization_plan\) +\d+ +[\d.]+",
    r"^reorganize \(the run\) +\d+ +[\d.]+ +\d+",
    r"^raw SQL floor \(same writes\) +\d+ +[\d.]+",
    r"^ratio run / floor +[\d.]+x",
]
EFFECTIVE = dt.date(2025, 7, 1)
DECISION = "Nghị quyết 1656/NQ-UBTVQH15"
MAPPING = "cases/reorganization/data/soc_son_2025_demo.csv"


def setup() -> tuple[int, int]:
    """Fill the data; (open cases, entitlements)."""
    from django.apps import apps

    from bench.allowance_fill import entitlements_fill, people_fill
    from bench.case_list_sql import bulk_cases
    from bench.common import make_users, seed_registry
    from cases.allowances import reference
    from cases.reorganization.mapping import MappingRow, load_mapping, read_mapping
    from cases.reorganization.plan import open_work_models

    units = seed_registry()
    reference.seed(apps, None)
    users = make_users("00448")
    soc_son = sorted(u.pk for u in units.values() if u.level == "commune")
    bulk_cases(CASES, soc_son, users.officer.pk)
    people_fill(max(0, ENTITLEMENTS - CASES), soc_son, start=CASES + 1)
    entitlements_fill(ENTITLEMENTS, soc_son, dt.date(2023, 1, 1))
    rows = read_mapping("soc_son.csv", open(MAPPING, "rb").read())
    # The split unit taken whole (by its first part): the run refuses a split
    # unit whose people have no village on record.
    whole, seen = [], set()
    for row in rows:
        if row.old_code in seen:
            continue
        seen.add(row.old_code)
        whole.append(MappingRow(**{**row.__dict__, "whole": True, "villages": ()}))
    load_mapping(whole, effective=EFFECTIVE, decision=DECISION)
    from django.db import connection

    with connection.cursor() as cur:
        for name in ("cases_case", "cases_person", "allowances_entitlement"):
            cur.execute(f"VACUUM ANALYZE {name}")
    open_cases = sum(
        model._default_manager.exclude(state__in=terminal).count()
        for spec, model, terminal in open_work_models()
        if spec.is_case
    )
    return open_cases, ENTITLEMENTS


def floor_sql() -> list[tuple[str, list[Any]]]:
    """The raw writes: per table of open objects, UPDATE ... RETURNING into an
    INSERT of one audit event each (hash by PostgreSQL); the people."""
    from cases.models import UnitChange
    from cases.reorganization.plan import open_work_models

    pairs = list(
        UnitChange.objects.filter(effective=EFFECTIVE).values_list("predecessor_id", "successor_id")
    )
    old = [p for p, _s in pairs]
    new = [s for _p, s in pairs]
    mapping = "SELECT unnest(%s::bigint[]) AS old, unnest(%s::bigint[]) AS new"
    statements: list[tuple[str, list[Any]]] = []
    for spec, model, terminal in open_work_models():
        holder = model._meta.get_field("commune").model._meta
        scope = ""
        if spec.is_case:
            scope = " AND t.process = %s"
        case_id = "id" if spec.is_case else "NULL::bigint"
        sql = f"""
            WITH m AS ({mapping}),
            moved AS (
              UPDATE {holder.db_table} t SET commune_id = m.new FROM m
               WHERE t.commune_id = m.old AND NOT (t.state = ANY(%s)){scope}
              RETURNING t.id, t.state, m.new AS commune_id)
            INSERT INTO workflows_auditevent
              (chain, seq, occurred_at, actor_username, actor_role, commune_id, case_id,
               object_type, object_id, event, transition, from_state, to_state, reason,
               data, request_id, prev_hash, hash)
            SELECT 'floor:' || commune_id, %s + row_number() OVER (), now(), '', '',
                   commune_id, {case_id}, %s, id::text, 'unit_transfer', '', state, '', '',
                   '{{}}'::jsonb, '', '',
                   encode(sha256(convert_to(id::text || state || commune_id::text, 'UTF8')), 'hex')
              FROM moved"""
        params: list[Any] = [old, new, sorted(terminal)]
        if spec.is_case:
            params.append(spec.code)
        # Sequence numbers of their own (the floor keeps no chain heads).
        params += [10**9 * (len(statements) + 1), spec.object_type]
        statements.append((sql, params))
    statements.append(
        (
            f"WITH m AS ({mapping}) UPDATE cases_person p SET commune_id = m.new FROM m "
            "WHERE p.commune_id = m.old",
            [old, new],
        )
    )
    return statements


def main() -> None:
    from django.db import connection, transaction

    from cases.reorganization.plan import reorganization_plan
    from cases.reorganization.run import reorganize

    print(environment_line())
    print(f"# BENCH_CASES={CASES}, BENCH_ENTITLEMENTS={ENTITLEMENTS}", flush=True)
    t0 = time.perf_counter()
    open_cases, entitlements = setup()
    print(
        f"# set-up: {CASES} cases ({open_cases} open), {entitlements} entitlements, "
        f"in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    t = time.perf_counter()
    plan = reorganization_plan(EFFECTIVE)
    plan_s = time.perf_counter() - t
    planned = sum(x.count for x in plan.lines if x.section == "open")
    counter = QueryCounter()
    with transaction.atomic():
        t = time.perf_counter()
        with counting(counter):
            result = reorganize(EFFECTIVE, actor=None)
        run_s = time.perf_counter() - t
        transaction.set_rollback(True)
    moved = sum(result.moved.values())
    assert moved == planned, (moved, planned)
    with transaction.atomic():
        t = time.perf_counter()
        floor_rows = 0
        with connection.cursor() as cur:
            for sql, params in floor_sql():
                cur.execute(sql, params)
                floor_rows += max(cur.rowcount, 0)
        floor_s = time.perf_counter() - t
        transaction.set_rollback(True)
    print()
    print(
        table(
            ["what", "objects", "seconds", "queries"],
            [
                ["dry run (reorganization_plan)", planned, f"{plan_s:.2f}", ""],
                ["reorganize (the run)", moved, f"{run_s:.2f}", counter.count],
                ["raw SQL floor (same writes)", moved, f"{floor_s:.2f}", ""],
            ],
        )
    )
    print(f"ratio run / floor {run_s / floor_s:.2f}x (target <= 2x); dry run target <= 30 s")
    print(
        f"moved: {dict(result.moved)}; people {result.people}; audit events {result.events}; "
        f"units closed {len(result.closed)}"
    )
    print(environment_line())


if __name__ == "__main__":
    with throwaway_database("reorganize"):
        main()
