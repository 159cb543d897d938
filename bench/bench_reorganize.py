"""The reorganisation of 01/07/2025 at a province's scale: Sóc Sơn's 26 units
merged into 5, their open housing cases and active entitlements carried to
the successors, next to raw SQL doing the same writes in the same run.

Set-up (not timed), set-based: Hà Nội → Sóc Sơn's 26 units; BENCH_CASES
(100,000) housing cases and their applicants over the 26 units
(bench.case_list_sql.bulk_cases: a mix of states, most of them open);
BENCH_ENTITLEMENTS (1,000,000) active entitlements over the same units
(bench.allowance_fill), a person each; each open case's viewflow process and
the task waiting for its step (the district's review waits for the district
specialist: in the new communes it passes to the commune's); the people of
Phù Linh given one of its four villages in turn; the official mapping loaded
(`load_unit_mapping`'s service) from the shipped Sóc Sơn file, Phù Linh split
by villages.

Timed:
1. the dry run (`reorganization_plan`): target <= 30 s;
2. the run (`reorganize`): every open object moved with one audit event each
   in the successor's chain (hashed and linked), the people and unread
   notifications, the roles carried, the tasks, the former units closed; its
   queries counted (they must not depend on the number of rows); rolled back;
3. the raw SQL floor, the same run's data: one UPDATE ... RETURNING per table
   of open objects (by village for the split unit) feeding one INSERT of as
   many audit events (a SHA-256 each, computed by PostgreSQL, no chain), the
   tasks' UPDATE, the people's UPDATE feeding their address history's INSERT;
   rolled back too.
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
    from cases.reorganization.mapping import load_mapping, read_mapping
    from cases.reorganization.plan import open_work_models

    units = seed_registry()
    reference.seed(apps, None)
    users = make_users("00448")
    soc_son = sorted(u.pk for u in units.values() if u.level == "commune")
    bulk_cases(CASES, soc_son, users.officer.pk)
    people_fill(max(0, ENTITLEMENTS - CASES), soc_son, start=CASES + 1)
    entitlements_fill(ENTITLEMENTS, soc_son, dt.date(2023, 1, 1))
    open_tasks()
    villages()
    rows = read_mapping("soc_son.csv", open(MAPPING, "rb").read())
    load_mapping(rows, effective=EFFECTIVE, decision=DECISION)
    from django.db import connection

    with connection.cursor() as cur:
        for name in ("cases_case", "cases_person", "allowances_entitlement", "viewflow_task"):
            cur.execute(f"VACUUM ANALYZE {name}")
    open_cases = sum(
        model._default_manager.exclude(state__in=terminal).count()
        for spec, model, terminal in open_work_models()
        if spec.is_case
    )
    return open_cases, ENTITLEMENTS


def open_tasks() -> None:
    """A viewflow process for each open case and the task its step waits for."""
    from django.db import connection

    from cases.housing.spec import SPEC
    from workflows.permissions import role_permission

    steps = [(s, step) for step in SPEC.steps for s in step.states]
    name = "CASE c.state " + " ".join(f"WHEN '{s}' THEN '{t.name}'" for s, t in steps) + " END"
    perm = "CASE c.state " + " ".join(
        f"WHEN '{s}' THEN '{role_permission(t.role)}'" for s, t in steps
    )
    flow = "housing/flow.HousingFlow"
    with connection.cursor() as cur:
        cur.execute(
            "WITH c AS (SELECT id FROM cases_case WHERE state = ANY(%s)), "
            "p AS (INSERT INTO viewflow_process (flow_class, status, created, data, "
            "artifact_object_id) SELECT %s, 'NEW', now(), '{}', id FROM c "
            "RETURNING id, artifact_object_id) "
            "UPDATE cases_case k SET flow_process_id = p.id FROM p "
            "WHERE k.id = p.artifact_object_id",
            [[s for s, _t in steps], flow],
        )
        cur.execute(
            "INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, token, "
            "process_id, owner_permission, owner_permission_obj_pk, data) "
            f"SELECT %s || '.' || {name}, 'HUMAN', 'NEW', now(), 'start', c.flow_process_id, "
            f"{perm} END, c.commune_id::text, '{{}}' FROM cases_case c "
            "WHERE c.flow_process_id IS NOT NULL",
            [flow],
        )


def villages() -> None:
    """Phù Linh's people get its four villages of the mapping in turn."""
    from django.db import connection

    from cases.models import AdministrativeUnit

    unit = AdministrativeUnit.objects.get(code="00400", valid_from=None)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_person SET village = (%s::text[])[1 + mod(id, 4)] WHERE commune_id = %s",
            [["Thôn Đông", "Thôn Nam", "Thôn Tây", "Thôn Bắc"], unit.pk],
        )


def floor_sql() -> list[tuple[str, list[Any]]]:
    """The raw writes: per table of open objects, UPDATE ... RETURNING into an
    INSERT of one audit event each (hash by PostgreSQL), a split unit's rows
    by their person's village; the tasks; the people and their history."""
    from cases.models import UnitChange
    from cases.reorganization.plan import open_work_models
    from cases.reorganization.portions import person_field
    from workflows.devolution import DEVOLVED_ROLES
    from workflows.permissions import role_permission

    changes = list(UnitChange.objects.filter(effective=EFFECTIVE))
    whole = [(c.predecessor_id, c.successor_id) for c in changes if not c.villages]
    split = [(c.predecessor_id, v, c.successor_id) for c in changes for v in c.villages]
    mapping = (
        "SELECT unnest(%s::bigint[]) AS old, NULL::text AS village, unnest(%s::bigint[]) AS new "
        "UNION ALL SELECT unnest(%s::bigint[]), unnest(%s::text[]), unnest(%s::bigint[])"
    )
    m_params: list[Any] = [
        [o for o, _n in whole], [n for _o, n in whole],
        [o for o, _v, _n in split], [v for _o, v, _n in split], [n for _o, _v, n in split],
    ]  # fmt: skip
    statements: list[tuple[str, list[Any]]] = []
    for spec, model, terminal in open_work_models():
        holder = model._meta.get_field("commune").model._meta
        via = person_field(model)
        person = ""
        if via:
            column = model._meta.get_field(via).column
            person = f" JOIN cases_person pp ON pp.id = t.{column}"
        village = (
            " AND (m.village IS NULL OR pp.village = m.village)"
            if via
            else (" AND m.village IS NULL")
        )
        scope = " AND t.process = %s" if spec.is_case else ""
        case_id = "id" if spec.is_case else "NULL::bigint"
        sql = f"""
            WITH m AS ({mapping}),
            pick AS (
              SELECT t.id, m.new FROM {holder.db_table} t{person}
                JOIN m ON t.commune_id = m.old{village}
               WHERE NOT (t.state = ANY(%s)){scope}),
            moved AS (
              UPDATE {holder.db_table} t SET commune_id = pick.new FROM pick
               WHERE t.id = pick.id
              RETURNING t.id, t.state, t.commune_id)
            INSERT INTO workflows_auditevent
              (chain, seq, occurred_at, actor_username, actor_role, commune_id, case_id,
               object_type, object_id, event, transition, from_state, to_state, reason,
               data, request_id, prev_hash, hash)
            SELECT 'floor:' || commune_id, %s + row_number() OVER (), now(), '', '',
                   commune_id, {case_id}, %s, id::text, 'unit_transfer', '', state, '', '',
                   '{{}}'::jsonb, '', '',
                   encode(sha256(convert_to(id::text || state || commune_id::text, 'UTF8')), 'hex')
              FROM moved"""
        params: list[Any] = [*m_params, sorted(terminal)]
        if spec.is_case:
            params.append(spec.code)
        # Sequence numbers of their own (the floor keeps no chain heads).
        params += [10**9 * (len(statements) + 1), spec.object_type]
        statements.append((sql, params))
    # The tasks wait in their case's new commune (the cases moved above), a
    # district step passed to the commune role that took it over.
    pairs = [(role_permission(d), role_permission(c)) for d, c in DEVOLVED_ROLES.items()]
    swap = " ".join(f"WHEN '{d}' THEN '{c}'" for d, c in pairs)
    statements.append(
        (
            "UPDATE viewflow_task t SET owner_permission_obj_pk = c.commune_id::text, "
            f"owner_permission = CASE t.owner_permission {swap} ELSE t.owner_permission END "
            "FROM cases_case c WHERE c.flow_process_id = t.process_id "
            "AND t.status = 'NEW' AND t.owner_permission_obj_pk <> c.commune_id::text",
            [],
        )
    )
    statements.append(
        (
            f"WITH m AS ({mapping}), moved AS (UPDATE cases_person p SET commune_id = m.new "
            "FROM m WHERE p.commune_id = m.old AND (m.village IS NULL OR p.village = m.village) "
            "RETURNING p.id, p.village, p.address, p.commune_id, m.old) "
            "INSERT INTO cases_personaddress (person_id, commune_id, village, address, since, "
            "reason, previous_commune_id, decision) SELECT id, commune_id, village, address, "
            "%s, 'reorganization', old, %s FROM moved",
            [*m_params, EFFECTIVE, DECISION],
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
        f"moved: {dict(result.moved)}; tasks {result.tasks}; people {result.people}; "
        f"audit events {result.events}; units closed {len(result.closed)}"
    )
    print(environment_line())


if __name__ == "__main__":
    with throwaway_database("reorganize"):
        main()
