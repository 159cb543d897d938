"""The audit explorer over 10 million audit events.

Set-up (not timed): 26 Sóc Sơn communes, 200,000 cases (3 % drug rehab),
~80 accounts, then BENCH_EVENTS (default 10,000,000) events spread over five
years, the communes, the accounts and the event types, inserted with
INSERT ... SELECT generate_series in chunks of 1 million. The plain indexes
are dropped for the fill and rebuilt after it (as a restore would do), then
the table is ANALYZEd. Hashes are placeholders: the explorer does not read
them, and verify() over the trail is not what is measured here.

Scenarios, for an officer of one commune and for an auditor (who sees every
event): the first page, and a deep page reached by a cursor 5,000 pages
down (the position is read once with OFFSET, not timed, then handed to the
explorer as its opaque cursor, which is what following "Older" 5,000 times
leads to). Plus auditor filters: one actor, free text in the reason, one
month. For each: the selector `audit_page` (ms, queries), the whole web page
through django.test.Client (session login, middleware, template), and the
raw SQL returning the same 51 rows (the page + the probe for "is there a
next page") in the same process; the selector's ids are checked against the
raw SQL's. Finally, the deep page by OFFSET, to show what keyset avoids.

Partitioning by month (measured, not built): every scenario is an index
range scan that stops after 51 rows, whatever the table's size, so a page
costs the same at 10 million events as at 10 thousand; partitions would not
make a page faster (a keyset page over months needs a merge of per-partition
scans or a walk across them) and would add a partition key to the primary
key and the (chain, seq) unique constraint, which the hash chain's
uniqueness relies on. What grows with the table is `verify()` (a full walk)
and index size; detaching old months would be the reason to partition, and
retention rules for the audit trail say "keep". So: no partitions. Revisit
if a scenario below climbs past ~50 ms or the table passes ~100 million rows.

    make bench
    BENCH_EVENTS=1000000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_audit_explorer.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench.common import (
    counting,
    env_int,
    environment_line,
    insert_series,
    make_users,
    median,
    p95,
    reset_sequence,
    seed_registry,
    table,
    throwaway_database,
)

EVENTS = env_int("BENCH_EVENTS", 10_000_000)
CASES = env_int("BENCH_CASES", 200_000)
RUNS = env_int("BENCH_RUNS", 15)
WARMUP = env_int("BENCH_WARMUP", 3)
DEEP_PAGES = env_int("BENCH_DEEP_PAGES", 5_000)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {
    "BENCH_EVENTS": 10_000,
    "BENCH_CASES": 300,
    "BENCH_RUNS": 1,
    "BENCH_WARMUP": 0,
    "BENCH_DEEP_PAGES": 1,
}
SMOKE_LINES = [
    r"^officer, first page +\d+\.\d +\d+\.\d +\d+ +\d+\.\d +\d+ +\d+\.\d +yes$",
    r"^auditor, page 2 +\d+\.\d +\d+\.\d +\d+ +\d+\.\d +\d+ +\d+\.\d +yes$",
]
CHUNK = 1_000_000
OFFICER_COMMUNE = "00448"  # Phù Lỗ
REASONS = [
    "Thiếu giấy xác nhận của UBND xã",
    "Hồ sơ đủ điều kiện",
    "Bổ sung biên bản nghiệm thu",
    "Sai số định danh cá nhân",
    "Đã chi trả đợt 1",
    "Người đề nghị rút hồ sơ",
]


# --- set-up -------------------------------------------------------------------


def bulk_cases(n: int, communes: list[int], created_by: int) -> None:
    from cases.models import Case, Person

    commune = "(%(communes)s::bigint[])[1 + mod(g, 26)]"
    created = "now() - (%(n)s - g) * (interval '1825 days' / %(n)s)"
    insert_series(
        Person,
        n,
        {
            "id": "g",
            "full_name": "'Người ' || g",
            "date_of_birth": "date '1970-01-01'",
            "sex": "'M'",
            "national_id": "'001070' || lpad(g::text, 6, '0')",
            "address": "'Thôn 1'",
            "commune_id": commune,
            "categories": "ARRAY[]::varchar[]",
            "merit_subtype": "''",
            "created_at": created,
        },
        {"communes": communes},
    )
    insert_series(
        Case,
        n,
        {
            "id": "g",
            "reference": "'HT-' || lpad(g::text, 7, '0')",
            # 3 % drug rehab, the rest housing
            "process": "CASE WHEN mod(g, 100) < 2 THEN 'rehab_compulsory' "
            "WHEN mod(g, 100) < 3 THEN 'rehab_voluntary' ELSE 'housing' END",
            "commune_id": commune,
            "applicant_id": "g",
            "state": "'closed'",
            "created_by_id": "%(created_by)s",
            "created_at": created,
            "updated_at": created,
        },
        {"communes": communes, "created_by": created_by},
    )
    reset_sequence(Person)
    reset_sequence(Case)


def bulk_accounts(communes: list[int]) -> tuple[list[int], list[str]]:
    """Three accounts per commune and a few district ones (actors of events)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = [
        user_model(username=f"xa{i:02d}_{k}", first_name=f"{i}", last_name="Cán bộ")
        for i in range(len(communes))
        for k in range(3)
    ] + [user_model(username=f"phong_{k}", last_name="Chuyên viên") for k in range(6)]
    for u in users:
        u.set_unusable_password()
    created = user_model.objects.bulk_create(users)
    return [u.pk for u in created], [u.username for u in created]


PLAIN_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
 WHERE x.indrelid = 'workflows_auditevent'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


def bulk_events(n: int, communes: list[int], actor_ids: list[int], actors: list[str]) -> None:
    """`n` events: 70 % on a case (commune = the case's), the rest commune or system events."""
    from django.db import connection

    from workflows.models import AuditEvent

    with connection.cursor() as cur:
        # The rows are built consistent: no foreign-key trigger per row during the fill.
        cur.execute("SET session_replication_role = replica")
        cur.execute(PLAIN_INDEXES_SQL)
        indexes = cur.fetchall()
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    ncommunes = len(communes)
    # Case c is in commune communes[1 + mod(c, 26)] (bulk_cases); an event's
    # actor is one of the three accounts of its commune (district ones for system events).
    case_id = f"1 + mod(g::bigint * 7919, {CASES})"
    on_case = "mod(g, 10) < 7"
    commune_ix = (
        f"CASE WHEN {on_case} THEN 1 + mod({case_id}, 26) "
        "WHEN mod(g, 10) < 9 THEN 1 + mod(g / 10, 26) ELSE NULL END"
    )
    params = {
        "communes": communes,
        "actor_ids": actor_ids,
        "actors": actors,
        "reasons": REASONS,
        "total": n,
    }
    actor_ix = (
        f"CASE WHEN ({commune_ix}) IS NULL THEN {3 * ncommunes + 1} + mod(g, 6) "
        f"ELSE ({commune_ix} - 1) * 3 + 1 + mod(g / 7, 3) END"
    )
    commune_id = f"(%(communes)s::bigint[])[{commune_ix}]"
    exprs = {
        "id": "g",
        "chain": f"COALESCE('commune:' || ({commune_id}), 'system')",
        "seq": "g",
        # five years, oldest first, a few seconds of jitter
        "occurred_at": "now() - (%(total)s - g) * (interval '1825 days' / %(total)s) "
        "- mod(g * 31, 7) * interval '1 second'",
        "actor_id": f"(%(actor_ids)s::bigint[])[{actor_ix}]",
        "actor_username": f"(%(actors)s::text[])[{actor_ix}]",
        "actor_role": "(ARRAY['commune_officer','commune_leader','district_specialist',"
        "'office_head','accountant'])[1 + mod(g, 5)]",
        "commune_id": commune_id,
        "case_id": f"CASE WHEN {on_case} THEN {case_id} END",
        "object_type": f"CASE WHEN {on_case} THEN 'cases.case' ELSE 'cases.giftrow' END",
        "object_id": f"(CASE WHEN {on_case} THEN {case_id} ELSE g END)::text",
        "event": f"CASE WHEN {on_case} THEN (ARRAY['transition','transition','transition',"
        "'document_upload','create','edit','read'])[1 + mod(g / 3, 7)] "
        "ELSE (ARRAY['transition','gift_import','person_create','role_grant'])"
        "[1 + mod(g / 3, 4)] END",
        "transition": "(ARRAY['submit','verify','review','approve','disburse','return'])"
        "[1 + mod(g, 6)]",
        "from_state": "'submitted'",
        "to_state": "'commune_verified'",
        "reason": "CASE WHEN mod(g, 10) = 3 THEN (%(reasons)s::text[])[1 + mod(g / 10, 6)] "
        "ELSE '' END",
        "data": "CASE WHEN mod(g, 5) = 0 THEN jsonb_build_object('amount', mod(g, 50) * 1000000) "
        "ELSE '{}'::jsonb END",
        "request_id": "''",
        "prev_hash": "repeat('0', 64)",
        "hash": "md5(g::text) || md5((g + 1)::text)",
    }
    # After the events the set-up wrote (role grants): ids and seqs above theirs.
    base = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    params["total"] = base + n
    t0 = time.perf_counter()
    for start in range(base + 1, base + n + 1, CHUNK):
        size = min(CHUNK, base + n - start + 1)
        insert_series(AuditEvent, size, exprs, params, start=start)
        print(
            f"#   {start + size - 1 - base:>11,} events ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("SET maintenance_work_mem = '1GB'")
        for _name, sql in indexes:
            cur.execute(sql)
        cur.execute(
            "INSERT INTO workflows_auditchainhead (chain, seq, last_hash) "
            "SELECT chain, max(seq), repeat('0', 64) FROM workflows_auditevent GROUP BY chain "
            "ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq"
        )
        cur.execute("VACUUM ANALYZE workflows_auditevent")
        cur.execute("ANALYZE cases_case")
    reset_sequence(AuditEvent)
    print(
        f"# {n:,} events inserted in {t1 - t0:.0f} s, {len(indexes)} indexes rebuilt and "
        f"analyzed in {time.perf_counter() - t1:.0f} s",
        flush=True,
    )


# --- measuring ------------------------------------------------------------------

RAW_SELECT = """
SELECT e.id, e.occurred_at, e.actor_username, e.event, e.reason, e.data,
       c.reference, c.process, u.name
  FROM workflows_auditevent e
  LEFT JOIN cases_case c ON c.id = e.case_id
  LEFT JOIN cases_administrativeunit u ON u.id = e.commune_id
"""
REHAB = "('rehab_compulsory', 'rehab_voluntary')"
NOT_REHAB = (
    f"(e.case_id IS NULL OR c.process NOT IN {REHAB}) "
    "AND e.event <> 'rehab_person_create' "
    "AND NOT (e.event = 'export' AND e.object_type = 'cases.rehabcase')"
)


def raw_page(where: str, params: list[Any], cursor: tuple[Any, int] | None) -> list[int]:
    from django.db import connection

    conds = [where] if where else []
    args = list(params)
    if cursor is not None:
        conds.append("(e.occurred_at, e.id) < (%s, %s)")
        args += [cursor[0], cursor[1]]
    sql = RAW_SELECT + (" WHERE " + " AND ".join(conds) if conds else "")
    sql += " ORDER BY e.occurred_at DESC, e.id DESC LIMIT 51"
    with connection.cursor() as cur:
        cur.execute(sql, args)
        return [r[0] for r in cur.fetchall()][:50]


def position(where: str, params: list[Any], offset: int) -> tuple[tuple[Any, int], float]:
    """(occurred_at, id) of the last row of page `offset / 50`: where the cursor stands."""
    from django.db import connection

    sql = "SELECT e.occurred_at, e.id FROM workflows_auditevent e "
    sql += "LEFT JOIN cases_case c ON c.id = e.case_id"
    sql += (" WHERE " + where if where else "") + " ORDER BY e.occurred_at DESC, e.id DESC "
    sql += "OFFSET %s LIMIT 1"
    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute(sql, [*params, offset - 1])
        row = cur.fetchone()
        spent = (time.perf_counter() - t0) * 1000
    return (row[0], row[1]), spent


def timed(fn: Callable[[], Any]) -> tuple[float, float, int, Any]:
    import gc

    for _ in range(WARMUP):
        result = fn()
    times = []
    queries = 0
    for _ in range(RUNS):
        gc.collect()
        with counting() as counter:
            t0 = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - t0) * 1000)
        queries = counter.count
    return median(times), p95(times), queries, result


def main() -> None:
    with throwaway_database("audit_explorer"):
        import datetime as dt

        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from workflows.audit_explorer import AuditFilters, Cursor, audit_page
        from workflows.permissions import Role
        from workflows.services import role_grant

        print(environment_line(), flush=True)
        units = seed_registry()
        communes = sorted(u.pk for u in units.values() if u.level == "commune")[:26]
        users = make_users(OFFICER_COMMUNE)
        auditor = role_grant(
            actor=None,
            username="bench_auditor",
            role=Role.AUDITOR,
            commune_codes=[],
            password="bench-pw-123",
            full_name="Bench auditor",
        )
        t0 = time.perf_counter()
        bulk_cases(CASES, communes, users.specialist.pk)
        actor_ids, actors = bulk_accounts(communes)
        print(f"# {CASES:,} cases in {time.perf_counter() - t0:.0f} s", flush=True)
        bulk_events(EVENTS, communes, actor_ids, actors)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_size_pretty(pg_total_relation_size('workflows_auditevent'))")
            print(f"# workflows_auditevent: {cur.fetchone()[0]} with its indexes", flush=True)
        from cases.models import AdministrativeUnit

        commune_pk = AdministrativeUnit.objects.get(code=OFFICER_COMMUNE).pk
        month = dt.date.today().replace(day=1) - dt.timedelta(days=400)
        month = month.replace(day=1)
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        deep = DEEP_PAGES * 50
        officer_where = f"e.commune_id = %s AND {NOT_REHAB}"
        scenarios: list[tuple[str, Any, AuditFilters, str, list[Any], int]] = [
            ("officer, first page", users.officer, AuditFilters(), officer_where, [commune_pk], 0),
            (
                f"officer, page {DEEP_PAGES + 1:,}",
                users.officer,
                AuditFilters(),
                officer_where,
                [commune_pk],
                deep,
            ),
            ("auditor, first page", auditor, AuditFilters(), "", [], 0),
            (f"auditor, page {DEEP_PAGES + 1:,}", auditor, AuditFilters(), "", [], deep),
            (
                "auditor, one actor",
                auditor,
                AuditFilters(actor="xa05_1"),
                "e.actor_id = (SELECT id FROM auth_user WHERE username = %s)",
                ["xa05_1"],
                0,
            ),
            (
                "auditor, text in reason",
                auditor,
                AuditFilters(q="bien ban"),
                "e.reason_folded LIKE '%%' || caseflow_fold(%s) || '%%'",
                ["bien ban"],
                0,
            ),
            (
                "auditor, one month",
                auditor,
                AuditFilters(date_from=month, date_to=next_month - dt.timedelta(days=1)),
                "e.occurred_at >= %s AND e.occurred_at < %s",
                [
                    timezone.make_aware(dt.datetime.combine(month, dt.time.min)),
                    timezone.make_aware(dt.datetime.combine(next_month, dt.time.min)),
                ],
                0,
            ),
        ]
        client = Client()
        rows = []
        for label, user, filters, where, params, offset in scenarios:
            cursor_token = ""
            pos = None
            if offset:
                pos, _spent = position(where, params, offset)
                cursor_token = Cursor(pos[0], pos[1]).encode()
            ms, ms95, queries, page = timed(partial(audit_page, user, filters, cursor_token))
            raw_ms, _raw95, _q, raw_ids = timed(partial(raw_page, where, params, pos))
            ours = [e.id for e in page.rows]
            same = "yes" if ours == raw_ids else "NO"
            client.force_login(user)
            query = dict(filters.as_params())
            if cursor_token:
                query["cursor"] = cursor_token
            web_ms, _w95, web_q, response = timed(partial(client.get, "/audit/", query))
            assert response.status_code == 200, response.status_code
            rows.append(
                [
                    label,
                    f"{ms:.1f}",
                    f"{ms95:.1f}",
                    queries,
                    f"{web_ms:.1f}",
                    web_q,
                    f"{raw_ms:.1f}",
                    same,
                ]
            )
            print(f"# done: {label}", flush=True)
        print()
        print(f"Audit explorer over {EVENTS:,} events ({RUNS} runs, median; page = 50 events)")
        print(
            table(
                [
                    "scenario",
                    "selector ms",
                    "p95",
                    "queries",
                    "web page ms",
                    "queries",
                    "raw SQL ms",
                    "same rows",
                ],
                rows,
            )
        )
        # What keyset pagination avoids: the same deep pages by OFFSET.
        print()
        for label, where, params in (
            ("officer", officer_where, [commune_pk]),
            ("auditor", "", []),
        ):
            _pos, spent = position(where, params, deep)
            print(
                f"{label}: page {DEEP_PAGES + 1:,} by OFFSET {deep:,} (raw SQL, one run): "
                f"{spent:.0f} ms"
            )
        with connection.cursor() as cur:
            cur.execute(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
                + RAW_SELECT
                + f" WHERE {officer_where} ORDER BY e.occurred_at DESC, e.id DESC LIMIT 51",
                [commune_pk],
            )
            print("\n# EXPLAIN ANALYZE, officer first page (raw SQL):")
            print("\n".join(r[0] for r in cur.fetchall()))


if __name__ == "__main__":
    main()
