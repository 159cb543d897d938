"""The case list page with 100,000 housing cases over 26 communes.

Set-up (not timed): BENCH_CASES (default 100,000) housing cases and as many
people, spread over the 26 Sóc Sơn communes and every state, inserted with
INSERT ... SELECT generate_series (no viewflow processes: the list does not
read them). Then, for each scenario, the page is fetched with
django.test.Client (session login, every middleware, template rendered):
BENCH_RUNS (default 20) timed GETs after BENCH_WARMUP warm-up ones; ms is the
median wall time of client.get, queries are counted with an execute wrapper.

Baseline, same run, same scenario: the raw SQL doing the same read, one page
of 25 rows with the same joins, filters and order via connection.cursor();
and that page plus its COUNT(*) (a paginated page needs both). The page the
view renders is checked against the raw page (same references).

Target: <= 50 ms server time and <= 12 queries. A scenario that misses it
gets EXPLAIN (ANALYZE, BUFFERS) of its slowest query.

    make bench
    BENCH_CASES=20000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_case_list.py
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import (
    QueryCounter,
    counting,
    env_int,
    environment_line,
    insert_series,
    make_users,
    median,
    p95,
    seed_registry,
    table,
    throwaway_database,
)

CASES = env_int("BENCH_CASES", 100_000)
RUNS = env_int("BENCH_RUNS", 20)
WARMUP = env_int("BENCH_WARMUP", 3)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_CASES": 700, "BENCH_RUNS": 1, "BENCH_WARMUP": 1}
SMOKE_LINES = [
    r"^officer, page 1 +\d+\.\d +\d+\.\d +\d+\.\d +\d+ +\d+\.\d\d +\d+\.\d\d ",
    r"^specialist, search name 'Hùng' +\d+\.\d +\d+\.\d +\d+\.\d +\d+ +\d+\.\d\d ",
]
PAGE_SIZE = 25
TARGET_MS = 50.0
TARGET_QUERIES = 12
SLOW_QUERY_MS = 5.0  # a missed scenario's slowest query is EXPLAINed above this
OFFICER_COMMUNE = "00448"  # Phù Lỗ

# Share of each state, in percent (sums to 100): most cases are old and closed.
STATE_MIX = [
    ("closed", 40),
    ("draft", 10),
    ("submitted", 8),
    ("commune_verified", 7),
    ("district_reviewed", 7),
    ("approved", 6),
    ("partially_disbursed", 8),
    ("completion_accepted", 4),
    ("returned", 3),
    ("rejected", 4),
    ("withdrawn", 2),
    ("cancelled", 1),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc"]
GIVEN = [
    "An", "Bình", "Cúc", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan",
    "Linh", "Long", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
    "Tuấn", "Vân", "Xuân", "Yến",
]  # fmt: skip


# --- bulk set-up --------------------------------------------------------------


def bulk_cases(n: int, communes: list[int], created_by: int) -> None:
    """`n` people and `n` housing cases (ids 1..n), commune = g mod 26, newest = highest id."""
    from django.db import connection

    from cases.housing.models import HousingCase
    from cases.models import Case, Person

    state_case = "CASE " + " ".join(
        f"WHEN mod(g * 7919, 100) < {sum(p for _, p in STATE_MIX[: i + 1])} THEN '{s}'"
        for i, (s, _) in enumerate(STATE_MIX)
    )
    state_case += " END"
    common = {
        "communes": communes,
        "family": FAMILY,
        "middle": MIDDLE,
        "given": GIVEN,
    }
    # Two years of filings, one every 2 years / n, the last one a minute ago.
    created = "now() - interval '1 minute' - (%(n)s - g) * (interval '730 days' / %(n)s)"
    commune = "(%(communes)s::bigint[])[1 + mod(g, 26)]"
    insert_series(
        Person,
        n,
        {
            "id": "g",
            "full_name": "(%(family)s::text[])[1 + mod(g, 10)] || ' ' || "
            "(%(middle)s::text[])[1 + mod(g / 10, 7)] || ' ' || "
            "(%(given)s::text[])[1 + mod(g / 70, 24)]",
            "date_of_birth": "date '1960-05-17'",
            "sex": "'M'",
            # province 001, century/sex digit 0 (man born 19xx), year 60, serial
            "national_id": "'001060' || lpad(g::text, 6, '0')",
            "address": "'Thôn ' || (1 + mod(g, 12))",
            "commune_id": commune,
            "categories": "ARRAY['nguoi_co_cong', 'ho_ngheo']::varchar[]",
            "merit_subtype": "''",
            "created_at": created,
        },
        common,
    )
    insert_series(
        Case,
        n,
        {
            "id": "g",
            "reference": "'HT-' || lpad(g::text, 7, '0')",
            "process": "'housing'",
            "commune_id": commune,
            "applicant_id": "g",
            "state": state_case,
            "created_by_id": "%(created_by)s",
            "created_at": created,
            "updated_at": created,
        },
        dict(common, created_by=created_by),
    )
    insert_series(
        HousingCase,
        n,
        {
            "case_ptr_id": "g",
            "program": "(ARRAY['nguoi_co_cong', 'ho_ngheo', 'ho_can_ngheo'])[1 + mod(g, 3)]",
            "kind": "(ARRAY['new_build', 'repair'])[1 + mod(g / 3, 2)]",
            "description": "'Nhà xuống cấp'",
            "requested_amount": "20000000 + mod(g, 7) * 5000000",
            "disbursed_amount": "0",
        },
        {},
    )
    with connection.cursor() as cur:
        for model in (Person, Case):
            table_name = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                f"(SELECT max(id) FROM {table_name}))"
            )


# --- the raw-SQL baseline -----------------------------------------------------

# Name search as the selector does it (workflows.text): the stored fold of the
# name (no diacritics, đ -> d, lower case) against the term folded the same
# way, served by the trigram index on the fold.
FOLDED_NAME = "p.full_name_folded LIKE '%%' || caseflow_fold(%s) || '%%'"

RAW_FROM = """
    FROM cases_case c
    JOIN cases_administrativeunit u ON u.id = c.commune_id
    JOIN cases_person p ON p.id = c.applicant_id
    LEFT JOIN cases_housingcase h ON h.case_ptr_id = c.id
"""


@dataclass
class Scenario:
    label: str
    user: str  # attribute of the users namespace
    params: dict[str, str] = field(default_factory=dict)
    page: int = 1
    # raw SQL filters: (where clause, params); commune scope added from the user
    where: list[tuple[str, Any]] = field(default_factory=list)
    count_joins_person: bool = False


def raw_where(s: Scenario, commune_ids: list[int] | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if commune_ids is not None:
        clauses.append("c.commune_id = ANY(%s)")
        params.append(commune_ids)
    for clause, value in s.where:
        clauses.append(clause)
        params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def raw_page(s: Scenario, commune_ids: list[int] | None) -> list[tuple[Any, ...]]:
    from django.db import connection

    where, params = raw_where(s, commune_ids)
    sql = (
        "SELECT c.id, c.reference, c.state, c.created_at, u.name, u.kind, p.full_name, "
        "p.national_id, h.program, h.kind, h.requested_amount"
        f"{RAW_FROM} {where} ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, PAGE_SIZE, (s.page - 1) * PAGE_SIZE])
        return cur.fetchall()


def raw_page_ids_first(s: Scenario, commune_ids: list[int] | None) -> list[tuple[Any, ...]]:
    """The same page, read as the 25 ids from cases_case first, then their joins."""
    from django.db import connection

    where, params = raw_where(s, commune_ids)
    join = " JOIN cases_person p ON p.id = c.applicant_id" if s.count_joins_person else ""
    sql = (
        f"WITH page AS (SELECT c.id FROM cases_case c{join} {where} "
        "ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s) "
        "SELECT c.id, c.reference, c.state, c.created_at, u.name, u.kind, p.full_name, "
        "p.national_id, h.program, h.kind, h.requested_amount"
        f"{RAW_FROM} WHERE c.id IN (SELECT id FROM page) ORDER BY c.created_at DESC, c.id DESC"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, PAGE_SIZE, (s.page - 1) * PAGE_SIZE])
        return cur.fetchall()


def raw_count(s: Scenario, commune_ids: list[int] | None) -> int:
    from django.db import connection

    where, params = raw_where(s, commune_ids)
    join = " JOIN cases_person p ON p.id = c.applicant_id" if s.count_joins_person else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM cases_case c{join} {where}", params)
        return int(cur.fetchone()[0])


# --- measuring ----------------------------------------------------------------


def timed(fn: Callable[[], Any], runs: int, warmup: int) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(f"    {row[0]}" for row in cur.fetchall())


@dataclass
class Measured:
    query: dict[str, str]
    view_ms: list[float]
    db_ms: list[float]
    queries: int
    last_queries: list[tuple[float, str]]
    page_ms: list[float]
    count_ms: list[float]
    ids_first_ms: list[float]
    total: int


def measure(s: Scenario, client: Any, url: str, commune_ids: list[int] | None) -> Measured:
    """Time the page through the client, then the raw page and count; check they agree."""
    query = dict(s.params)
    if s.page != 1:
        query["page"] = str(s.page)
    last: list[tuple[float, str]] = []
    db_ms: list[float] = []
    counter = QueryCounter(on_query=lambda sql, spent: last.append((spent * 1000, sql)))

    def get() -> Any:
        counter.reset()
        last.clear()
        with counting(counter):
            response = client.get(url, query)
        assert response.status_code == 200, (s.label, response.status_code)
        db_ms.append(counter.db_seconds * 1000)
        return response

    view_ms, response = timed(get, RUNS, WARMUP)
    db_ms = db_ms[WARMUP:]
    queries = counter.count
    page_ms, raw_rows = timed(lambda: raw_page(s, commune_ids), RUNS, WARMUP)
    count_ms, total = timed(lambda: raw_count(s, commune_ids), RUNS, WARMUP)
    ids_ms, ids_rows = timed(lambda: raw_page_ids_first(s, commune_ids), RUNS, WARMUP)
    assert ids_rows == raw_rows, f"{s.label}: ids-first read differs"
    html = response.content.decode()
    missing = [r[1] for r in raw_rows if r[1] not in html]
    assert raw_rows and not missing, f"{s.label}: the view's page is not the raw page {missing}"
    return Measured(query, view_ms, db_ms, queries, list(last), page_ms, count_ms, ids_ms, total)


@dataclass
class Context:
    url: str
    clients: dict[str, Any]
    officer_commune: int
    scenarios: list[Scenario]


def prepare() -> Context:
    """Registry, users, BENCH_CASES cases and people, logged-in clients, the scenarios."""
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from cases.models import AdministrativeUnit, Person

    print(environment_line())
    print(f"# BENCH_CASES={CASES}, BENCH_RUNS={RUNS} (+{WARMUP} warm-up)")
    try:
        url = reverse("case_list")
    except NoReverseMatch:
        raise SystemExit("the case list URL (name 'case_list') does not exist yet") from None

    t0 = time.perf_counter()
    units = seed_registry()
    users = make_users(OFFICER_COMMUNE)
    communes = sorted(u.pk for u in units.values())
    assert len(communes) == 26, len(communes)
    bulk_cases(CASES, communes, users.officer.pk)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # autocommit: fresh statistics and visibility map
    print(f"# set-up: {CASES} cases and {CASES} people in {time.perf_counter() - t0:.1f} s")

    officer_commune = AdministrativeUnit.objects.get(level="commune", code=OFFICER_COMMUNE).pk
    own = Person.objects.filter(commune_id=officer_commune).order_by("id")
    own_nid = own.values_list("national_id", flat=True)[own.count() // 2]
    other_nid = (
        Person.objects.exclude(commune_id=officer_commune)
        .order_by("id")
        .values_list("national_id", flat=True)[CASES // 3]
    )
    officer_pages = -(-raw_count(Scenario("", "officer"), [officer_commune]) // PAGE_SIZE)
    all_pages = -(-CASES // PAGE_SIZE)
    nid = "p.national_id = %s"
    submitted = Scenario("", "specialist", where=[("c.state = %s", "submitted")])
    submitted_page = min(50, -(-raw_count(submitted, None) // PAGE_SIZE))
    scenarios = [
        Scenario("officer, page 1", "officer"),
        Scenario(f"officer, last page ({officer_pages})", "officer", page=officer_pages),
        Scenario("specialist (26 communes), page 1", "specialist"),
        Scenario(f"specialist, page {min(200, all_pages)}", "specialist", page=min(200, all_pages)),
        Scenario(f"specialist, last page ({all_pages})", "specialist", page=all_pages),
        Scenario(
            "officer, search national ID",
            "officer",
            {"q": own_nid},
            where=[(nid, own_nid)],
            count_joins_person=True,
        ),
        Scenario(
            "specialist, search national ID",
            "specialist",
            {"q": other_nid},
            where=[(nid, other_nid)],
            count_joins_person=True,
        ),
        Scenario(
            "officer, state=submitted",
            "officer",
            {"state": "submitted"},
            where=[("c.state = %s", "submitted")],
        ),
        Scenario(
            "specialist, state=submitted",
            "specialist",
            {"state": "submitted"},
            where=[("c.state = %s", "submitted")],
        ),
        Scenario(
            f"specialist, state=submitted, page {submitted_page}",
            "specialist",
            {"state": "submitted"},
            page=submitted_page,
            where=[("c.state = %s", "submitted")],
        ),
        Scenario(
            "specialist, search name 'Hùng'",
            "specialist",
            {"q": "Hùng"},
            where=[(FOLDED_NAME, "Hùng")],
            count_joins_person=True,
        ),
        Scenario(
            "specialist, search 'nguyen thi hung'",
            "specialist",
            {"q": "nguyen thi hung"},
            where=[(FOLDED_NAME, "nguyen thi hung")],
            count_joins_person=True,
        ),
        Scenario(
            "officer, search name 'hung'",
            "officer",
            {"q": "hung"},
            where=[(FOLDED_NAME, "hung")],
            count_joins_person=True,
        ),
        Scenario(
            "specialist, national ID spaced, no leading 0",
            "specialist",
            {"q": f"{other_nid[1:3]} {other_nid[3:6]} {other_nid[6:9]} {other_nid[9:]}"},
            where=[("p.national_id = ANY(%s)", [other_nid[1:], other_nid])],
            count_joins_person=True,
        ),
    ]

    clients = {}
    for who in ("officer", "specialist"):
        client = Client()
        client.force_login(getattr(users, who))
        clients[who] = client
    return Context(url, clients, officer_commune, scenarios)


def measure_all(ctx: Context) -> None:
    """Measure every scenario, print the table and EXPLAIN the slowest query of misses."""
    url, clients, officer_commune = ctx.url, ctx.clients, ctx.officer_commune
    rows = []
    slow: list[tuple[str, str, dict[str, str], float, float, float]] = []
    gc.collect()
    for s in ctx.scenarios:
        commune_ids = [officer_commune] if s.user == "officer" else None
        m = measure(s, clients[s.user], url, commune_ids)
        ok = median(m.view_ms) <= TARGET_MS and m.queries <= TARGET_QUERIES
        rows.append(
            [
                s.label,
                f"{median(m.view_ms):.1f}",
                f"{p95(m.view_ms):.1f}",
                f"{median(m.db_ms):.1f}",
                m.queries,
                f"{median(m.page_ms):.2f}",
                f"{median(m.page_ms) + median(m.count_ms):.2f}",
                f"{median(m.ids_first_ms):.2f}",
                m.total,
                "ok" if ok else "MISSED",
            ]
        )
        if not ok:
            ms, sql = max(m.last_queries)
            slow.append((s.label, sql, m.query, ms, median(m.db_ms), median(m.view_ms)))

    print(
        f"\nCase list page ({url}), ms = median of {RUNS} GETs "
        f"(target <= {TARGET_MS:.0f} ms, <= {TARGET_QUERIES} queries)"
    )
    print(
        table(
            [
                "scenario",
                "page ms",
                "p95",
                "in db",
                "queries",
                "raw page ms",
                "raw page+count",
                "raw ids-first",
                "matching",
                "target",
            ],
            rows,
        )
    )
    print(
        "(page ms: client.get wall time, median; in db: time inside its queries; raw: the same "
        "page of 25 rows in one SQL statement, its COUNT(*), and the page read ids-first)"
    )
    if slow:
        print("\nScenarios that missed the target: their slowest query, EXPLAIN ANALYZE")
    for label, sql, query, ms, in_db, total_ms in slow:
        print(f"\n--- {label}: page {total_ms:.1f} ms, {in_db:.1f} ms in the database")
        if ms < SLOW_QUERY_MS:
            print(
                f"    no query over {SLOW_QUERY_MS:.0f} ms (slowest {ms:.1f} ms): the time goes "
                "outside the database (view, template, middleware)"
            )
            continue
        params = _params_for(sql, query, clients, url, label)
        shown = sql if len(sql) <= 600 else sql[:300] + " … " + sql[-280:]
        print(f"    {ms:.1f} ms: {shown}")
        if params is not None:
            print(explain(sql, params))


def _params_for(sql: str, query: dict[str, str], clients: Any, url: str, label: str) -> Any:
    """Re-run the request to catch the parameters of `sql` (kept out of the timed runs)."""
    captured: list[Any] = []

    def wrapper(execute: Any, q: str, params: Any, many: bool, context: Any) -> Any:
        if q == sql and not captured:
            captured.append(params)
        return execute(q, params, many, context)

    from django.db import connection

    user = "officer" if label.startswith("officer") else "specialist"
    with connection.execute_wrapper(wrapper):
        clients[user].get(url, query)
    return captured[0] if captured else None


def main() -> None:
    with throwaway_database("case_list"):
        measure_all(prepare())


if __name__ == "__main__":
    main()
