"""The case list page with 100,000 (or 1,000,000) housing cases over 26 communes.

Set-up (not timed): BENCH_CASES (default 100,000; issue 14 asks 1,000,000)
housing cases and as many people, spread over the 26 Sóc Sơn communes and
every state, inserted with INSERT ... SELECT generate_series (no viewflow
processes: the list does not read them). Then, for each scenario, the page is
fetched with django.test.Client (session login, every middleware, template
rendered): BENCH_RUNS (default 20) timed GETs after BENCH_WARMUP warm-up ones;
ms is the median wall time of client.get, queries are counted with an
execute wrapper.

The list pages by keyset (workflows.keyset): a deep page is asked for with
the signed cursor its "Trang sau" link would carry (the key of the row just
before it, read once, untimed), never with an OFFSET.

Baseline, same run, same scenario: the raw SQL doing the same read, one page
of 25 rows with the same joins, filters and order via connection.cursor()
(a deep page: WHERE (created_at, id) < the cursor's key); that page plus the
count the page shows (the bounded count, up to 1,001 rows; a name search
shows none); the page read ids-first; and, for comparison, the same page by
OFFSET, as page numbers read it before. The page the view renders is checked
against the raw page (same references).

Target: <= 50 ms server time and <= 12 queries. A scenario that misses it
gets EXPLAIN (ANALYZE, BUFFERS) of its slowest query.

    make bench
    BENCH_CASES=1000000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_case_list.py     # set-up about 2-5 minutes
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.case_list_sql import (
    FOLDED_NAME,
    PAGE_SIZE,
    Scenario,
    bulk_cases,
    cursor_of,
    number,
    raw_count,
    raw_key_at,
    raw_page,
    raw_page_ids_first,
    raw_page_offset,
)
from bench.common import (
    QueryCounter,
    counting,
    env_int,
    environment_line,
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
    r"^specialist, last page by cursor \(row [\d.]+\) +\d+\.\d +\d+\.\d +\d+\.\d +\d+ ",
    r"^specialist, search name 'Hùng' +\d+\.\d +\d+\.\d +\d+\.\d +\d+ +\d+\.\d\d ",
    r"^specialist, search 'nguyen thi hung' +\d+\.\d +\d+\.\d +\d+\.\d +\d+ ",
    r"^officer, search name 'hung' +\d+\.\d +\d+\.\d +\d+\.\d +\d+ ",
]
COUNT_LIMIT = 1000  # workflows.keyset.COUNT_LIMIT: the page counts up to 1,001 rows
TARGET_MS = 50.0
TARGET_QUERIES = 12
SLOW_QUERY_MS = 5.0  # a missed scenario's slowest query is EXPLAINed above this
OFFICER_COMMUNE = "00448"  # Phù Lỗ

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
    """EXPLAIN ANALYZE with the planner settings of the view's page read."""
    from django.db import connection

    from workflows.keyset import page_read

    with page_read(), connection.cursor() as cur:
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
    offset_ms: list[float]
    total: int


def measure(s: Scenario, client: Any, url: str, commune_ids: list[int] | None) -> Measured:
    """Time the page through the client, then the raw page and count; check they agree."""
    query = dict(s.params)
    if s.key is not None:
        query["cursor"] = cursor_of(s.key)
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
    if s.counted:
        count_ms, _ = timed(lambda: raw_count(s, commune_ids, COUNT_LIMIT + 1), RUNS, WARMUP)
    else:
        count_ms = [0.0]
    ids_ms, ids_rows = timed(lambda: raw_page_ids_first(s, commune_ids), RUNS, WARMUP)
    offset_ms, offset_rows = timed(lambda: raw_page_offset(s, commune_ids), RUNS, WARMUP)
    assert ids_rows == raw_rows == offset_rows, f"{s.label}: ids-first or OFFSET read differs"
    html = response.content.decode()
    missing = [r[1] for r in raw_rows if r[1] not in html]
    assert raw_rows and not missing, f"{s.label}: the view's page is not the raw page {missing}"
    total = raw_count(s, commune_ids)
    return Measured(
        query, view_ms, db_ms, queries, list(last), page_ms, count_ms, ids_ms, offset_ms, total
    )


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

    def last(n: int) -> int:  # rows before the last page of n rows
        return max(0, (n - 1) // PAGE_SIZE * PAGE_SIZE)

    own_cases = raw_count(Scenario("", "officer"), [officer_commune])
    nid = "p.national_id = %s"
    submitted = Scenario("", "specialist", where=[("c.state = %s", "submitted")])
    submitted_depth = min(49 * PAGE_SIZE, last(raw_count(submitted, None)))
    hung = [(FOLDED_NAME, "Hùng")]
    hung_rows = raw_count(Scenario("", "", where=hung, count_joins_person=True), None)
    hung_depth = min(199 * PAGE_SIZE, last(hung_rows))
    deep = min(199 * PAGE_SIZE, last(CASES))
    scenarios = [
        Scenario("officer, page 1", "officer"),
        Scenario(
            f"officer, last page by cursor (row {number(last(own_cases) + 1)})",
            "officer",
            depth=last(own_cases),
        ),
        Scenario("specialist (26 communes), page 1", "specialist"),
        Scenario(f"specialist, page by cursor (row {number(deep + 1)})", "specialist", depth=deep),
        Scenario(
            f"specialist, last page by cursor (row {number(last(CASES) + 1)})",
            "specialist",
            depth=last(CASES),
        ),
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
            f"specialist, state=submitted, by cursor (row {number(submitted_depth + 1)})",
            "specialist",
            {"state": "submitted"},
            depth=submitted_depth,
            where=[("c.state = %s", "submitted")],
        ),
        Scenario(
            "specialist, search name 'Hùng'",
            "specialist",
            {"q": "Hùng"},
            where=hung,
            count_joins_person=True,
            counted=False,
        ),
        Scenario(
            f"specialist, 'Hùng' by cursor (row {number(hung_depth + 1)})",
            "specialist",
            {"q": "Hùng"},
            depth=hung_depth,
            where=hung,
            count_joins_person=True,
            counted=False,
        ),
        Scenario(
            "specialist, search 'nguyen thi hung'",
            "specialist",
            {"q": "nguyen thi hung"},
            where=[(FOLDED_NAME, "nguyen thi hung")],
            count_joins_person=True,
            counted=False,
        ),
        Scenario(
            "officer, search name 'hung'",
            "officer",
            {"q": "hung"},
            where=[(FOLDED_NAME, "hung")],
            count_joins_person=True,
            counted=False,
        ),
        Scenario(
            "specialist, national ID spaced, no leading 0",
            "specialist",
            {"q": f"{other_nid[1:3]} {other_nid[3:6]} {other_nid[6:9]} {other_nid[9:]}"},
            where=[("p.national_id = ANY(%s)", [other_nid[1:], other_nid])],
            count_joins_person=True,
        ),
    ]

    for s in scenarios:
        if s.depth:
            commune_ids = [officer_commune] if s.user == "officer" else None
            s.key = raw_key_at(s, commune_ids, s.depth)

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
                f"{median(m.offset_ms):.2f}",
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
                "raw OFFSET",
                "matching",
                "target",
            ],
            rows,
        )
    )
    print(
        "(page ms: client.get wall time, median; in db: time inside its queries; raw: the same "
        "page of 25 rows in one SQL statement (keyset: after the cursor's key), with the "
        "bounded count the page shows (none for a name search), the page read ids-first, "
        "and the same page by OFFSET as page numbers read it; matching: all rows, not timed)"
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
