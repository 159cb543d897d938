"""The payroll page, the entitlement list and the case list with 1,000,000
entitlements, 24,000,000 payroll lines and 1,000,000 cases (issue 14: each
<= 50 ms and <= 12 queries; lists whose exact count grows with the data use
keyset pages or a bounded count).

Set-up (not timed), all set-based (INSERT ... SELECT), with every index and
constraint of the real schema in place:
- Hà Nội → Sóc Sơn's 26 units plus test communes up to BENCH_COMMUNES (126);
- BENCH_CASES (1,000,000) housing cases and their applicants over Sóc Sơn's
  26 communes (bench.case_list_sql.bulk_cases, as bench_case_list.py);
- BENCH_ENTITLEMENTS (1,000,000) active entitlements from 01/2023 over all
  the communes (bench.allowance_fill), entitlement g held by person g (the
  cases' applicants, then more people if there are more entitlements);
- BENCH_LINES (24,000,000) payroll lines: BENCH_LINES / BENCH_ENTITLEMENTS
  months from 01/2023, each month's partition created first
  (cases.allowances.partitions), then one INSERT of the month's lines (paid)
  and its closed payrolls, except the last month, which every commune's
  officer generates as the office does (`services.payroll_generate`: the
  payroll, its process, its lines, its audit event).

Timed, through django.test.Client logged in (session, every middleware,
template rendered) as the commune officer of Phù Lỗ (00448) and a district
specialist (all communes): the last month's payroll page (Phù Lỗ's, and the
biggest payroll, first and last page of its lines), the entitlement list
(first page, and deep pages as its links reach them) and the case list
(first page). ms is the median of BENCH_RUNS GETs after BENCH_WARMUP ones;
queries are counted with an execute wrapper. Beside each, the raw SQL floor:
the same page's 25 rows with the same joins, filters and order in one
statement via connection.cursor(), timed in the same run; the page the view
renders is checked against it (the same national IDs).

    BENCH_ENTITLEMENTS=1000000 BENCH_LINES=24000000 BENCH_CASES=1000000 \\
    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_allowance_pages.py
"""

from __future__ import annotations

import datetime as dt
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
    median,
    p95,
    table,
    throwaway_database,
)

ENTITLEMENTS = env_int("BENCH_ENTITLEMENTS", 1_000_000)
LINES = env_int("BENCH_LINES", 24_000_000)
CASES = env_int("BENCH_CASES", 1_000_000)
COMMUNES = env_int("BENCH_COMMUNES", 126)
RUNS = env_int("BENCH_RUNS", 20)
WARMUP = env_int("BENCH_WARMUP", 3)
SMOKE_ENV = {
    "BENCH_ENTITLEMENTS": 600,
    "BENCH_LINES": 1200,
    "BENCH_CASES": 500,
    "BENCH_COMMUNES": 30,
    "BENCH_RUNS": 1,
    "BENCH_WARMUP": 1,
}
# A page's row: ms, p95, queries, raw SQL ms, PASS/OVER.
SMOKE_LINES = [
    r"^# set-up: \d+ entitlements, \d+ payroll lines \(\d+ months\), \d+ cases",
    r"^payroll \S+ \(officer, own commune, .*\), page 1 +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^payroll \S+ \(specialist, biggest, .*\), page 1 +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^payroll \S+ \(specialist, biggest\), last page.* +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^entitlements \(officer\), page 1 +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^entitlements \(specialist\), page 1 +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^entitlements \(specialist\), last page by cursor.* [\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^cases \(officer\), page 1 +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^cases \(specialist\), page 1 +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +(PASS|OVER)",
    r"^pages within target: \d+ of \d+",
]

TARGET_MS = 50.0
TARGET_QUERIES = 12
PAGE_SIZE = 25
OFFICER_COMMUNE = "00448"  # Phù Lỗ
FIRST_MONTH = dt.date(2023, 1, 1)
D = dt.date

# --- the raw SQL floors ---------------------------------------------------------

LINES_RAW = """
SELECT l.id, p.full_name, p.national_id, c.name, l.kind, l.for_month, l.amount, l.state,
       l.paid_on
FROM allowances_payrollline l
JOIN cases_person p ON p.id = l.person_id
JOIN allowances_allowancecategory c ON c.id = l.category_id
WHERE l.month = %(M)s AND l.payroll_id = %(P)s {scope}
-- the list's order: the name each line was generated with (an index in that order)
ORDER BY l.listed_name, l.kind, l.id
LIMIT %(size)s OFFSET %(offset)s
"""

ENTITLEMENTS_RAW = """
SELECT e.id, p.full_name, p.national_id, c.name, e.degree, u.name, e.start_month,
       e.end_month, e.state
FROM allowances_entitlement e
JOIN cases_person p ON p.id = e.person_id
JOIN allowances_allowancecategory c ON c.id = e.category_id
JOIN cases_administrativeunit u ON u.id = e.commune_id
WHERE TRUE {scope} {after}
ORDER BY e.id DESC LIMIT %(size)s
"""


def raw_lines(month: dt.date, payroll: int, communes: list[int] | None, offset: int) -> Any:
    from django.db import connection

    scope = "AND l.commune_id = ANY(%(communes)s)" if communes is not None else ""
    args: dict[str, Any] = {
        "M": month,
        "P": payroll,
        "communes": communes,
        "size": PAGE_SIZE,
        "offset": offset,
    }
    with connection.cursor() as cur:
        cur.execute(LINES_RAW.format(scope=scope), args)
        return cur.fetchall()


def raw_entitlements(communes: list[int] | None, key: int | None) -> Any:
    """The entitlement list's page after the cursor's key (keyset), or its first."""
    from django.db import connection

    scope = "AND e.commune_id = ANY(%(communes)s)" if communes is not None else ""
    after = "AND e.id < %(key)s" if key is not None else ""
    args = {"communes": communes, "key": key, "size": PAGE_SIZE}
    with connection.cursor() as cur:
        cur.execute(ENTITLEMENTS_RAW.format(scope=scope, after=after), args)
        return cur.fetchall()


def entitlement_key_at(communes: list[int] | None, row: int) -> int:
    """The id of the list's `row`-th entitlement (1-based, newest first): the
    key a "Trang sau" link carries to the page after it (read once, untimed)."""
    from django.db import connection

    scope = "WHERE commune_id = ANY(%s)" if communes is not None else ""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM allowances_entitlement {scope} ORDER BY id DESC LIMIT 1 OFFSET %s",
            [*([communes] if communes is not None else []), row - 1],
        )
        return int(cur.fetchone()[0])


def entitlement_cursor(key: int) -> str:
    from cases.allowances.views.entitlements import ENTITLEMENT_PAGES
    from workflows.keyset import Position, encode_cursor

    return encode_cursor(Position((key,)), salt=ENTITLEMENT_PAGES.salt)


def raw_cases(communes: list[int] | None) -> Any:
    from bench.case_list_sql import Scenario, raw_page

    return raw_page(Scenario("", ""), communes)


# --- set-up -----------------------------------------------------------------------


@dataclass
class Page:
    label: str
    user: str  # "officer" or "specialist"
    url: str
    query: dict[str, str]
    raw: Callable[[], Any]
    id_column: int  # the raw row's column the page must show (a national ID)
    known: list[str] = field(default_factory=list)  # filled by `measure`


def setup() -> tuple[dict[str, Any], list[Page]]:
    """Fill the database; the logged-in clients and the pages to time."""
    from django.apps import apps
    from django.db import connection
    from django.template.loader import get_template
    from django.test import Client
    from django.urls import reverse

    from bench.allowance_fill import (
        closed_month_fill,
        communes_fill,
        entitlements_fill,
        people_fill,
    )
    from bench.case_list_sql import bulk_cases
    from bench.common import make_users, seed_registry
    from cases.allowances import reference, services
    from cases.allowances.models import Payroll
    from cases.allowances.rates import add_months
    from workflows.permissions import Role
    from workflows.services import role_grant

    # The pages' code and templates, loaded now: the set-up takes long and the
    # working tree may change meanwhile.
    ents, cases = reverse("entitlement_list"), reverse("case_list")
    for name in ("payroll_detail", "entitlement_list", "case_list"):
        get_template(f"{'housing' if name == 'case_list' else 'allowances'}/{name}.html")
    t0 = time.perf_counter()
    units = seed_registry()
    reference.seed(apps, None)
    users = make_users(OFFICER_COMMUNE)
    communes = communes_fill(units, COMMUNES)
    ids = [c.pk for c in communes]
    soc_son = sorted(u.pk for u in units.values() if u.level == "commune")
    bulk_cases(CASES, soc_son, users.officer.pk)  # people 1..CASES, their cases
    people_fill(ENTITLEMENTS - CASES, ids, start=CASES + 1)
    entitlements_fill(ENTITLEMENTS, ids, FIRST_MONTH)
    print(f"# cases, people, entitlements in {time.perf_counter() - t0:.1f} s", flush=True)
    # Closed months until the generated one brings the lines to BENCH_LINES (a
    # category with no rate in force yet has no line in a month).
    lines, months = 0, 1
    month = FIRST_MONTH
    while lines + ENTITLEMENTS < LINES or months == 1:
        t = time.perf_counter()
        lines += closed_month_fill(communes, users.head, month)
        if months == 1 or months % 6 == 0:
            print(f"# month {month:%m/%Y} filled in {time.perf_counter() - t:.1f} s", flush=True)
        month = add_months(month, 1)
        months += 1
    last_month = month
    generator = role_grant(
        actor=None,
        username="bench_generator",
        role=Role.COMMUNE_OFFICER,
        commune_codes=[c.code for c in communes],
        password="bench-pw-123",
        full_name="Bench generator",
    )
    t = time.perf_counter()
    for commune in communes:
        lines += services.payroll_generate(actor=generator, commune=commune, month=month).line_count
    print(
        f"# month {month:%m/%Y} generated (payroll_generate x {len(communes)}) "
        f"in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    t = time.perf_counter()
    with connection.cursor() as cur:  # autocommit: statistics and visibility maps
        for name in (
            "cases_person",
            "cases_case",
            "cases_housingcase",
            "allowances_entitlement",
            "allowances_payroll",
            f"allowances_payrollline_{last_month:%Y_%m}",
            f"allowances_payrollline_{add_months(last_month, -1):%Y_%m}",
        ):
            cur.execute(f"VACUUM ANALYZE {name}")
        cur.execute("ANALYZE allowances_payrollline")  # the parent: samples every month
    print(f"# VACUUM ANALYZE in {time.perf_counter() - t:.1f} s", flush=True)
    print(
        f"# set-up: {ENTITLEMENTS} entitlements, {lines} payroll lines ({months} months), "
        f"{CASES} cases, {len(communes)} communes in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    officer_commune = next(c.pk for c in communes if c.code == OFFICER_COMMUNE)
    own = Payroll.objects.get(month=last_month, commune_id=officer_commune)
    biggest = Payroll.objects.filter(month=last_month).order_by("-line_count", "id").first()
    assert biggest is not None
    last_line_page = max(1, -(-biggest.line_count // PAGE_SIZE))
    own_ents = sum(1 for g in range(1, ENTITLEMENTS + 1) if ids[g % len(ids)] == officer_commune)

    def last(n: int) -> int:  # rows before the last page of n rows
        return max(0, (n - 1) // PAGE_SIZE * PAGE_SIZE)

    deep = min(39 * PAGE_SIZE, last(ENTITLEMENTS))  # page 40, as far as the count reaches
    mm = f"{last_month:%m/%Y}"

    def lines_page(p: Any, communes: list[int] | None, page: int) -> Callable[[], Any]:
        return lambda: raw_lines(last_month, p.pk, communes, (page - 1) * PAGE_SIZE)

    def ents_page(communes: list[int] | None, depth: int) -> tuple[dict[str, str], Any]:
        """(the page's query, its raw read): the page after `depth` rows, by cursor."""
        if not depth:
            return {}, lambda: raw_entitlements(communes, None)
        key = entitlement_key_at(communes, depth)
        return {"cursor": entitlement_cursor(key)}, lambda: raw_entitlements(communes, key)

    own_ids = [officer_commune]
    detail = reverse("payroll_detail", args=[own.pk])
    big = reverse("payroll_detail", args=[biggest.pk])
    n_own, n_big = f"{own.line_count:,}".replace(",", "."), f"{biggest.line_count:,}"
    pages = [
        Page(f"payroll {mm} (officer, own commune, {n_own} lines), page 1", "officer",
             detail, {}, lines_page(own, own_ids, 1), 2),
        Page(f"payroll {mm} (specialist, biggest, {n_big.replace(',', '.')} lines), page 1",
             "specialist", big, {}, lines_page(biggest, None, 1), 2),
        Page(f"payroll {mm} (specialist, biggest), last page ({last_line_page})", "specialist",
             big, {"page": str(last_line_page)}, lines_page(biggest, None, last_line_page), 2),
        Page("entitlements (officer), page 1", "officer", ents, *ents_page(own_ids, 0), 2),
        Page(f"entitlements (officer), last page by cursor (row {last(own_ents) + 1})",
             "officer", ents, *ents_page(own_ids, last(own_ents)), 2),
        Page("entitlements (specialist), page 1", "specialist", ents, *ents_page(None, 0), 2),
        Page(f"entitlements (specialist), page by cursor (row {deep + 1})", "specialist",
             ents, *ents_page(None, deep), 2),
        Page(f"entitlements (specialist), last page by cursor (row {last(ENTITLEMENTS) + 1})",
             "specialist", ents, *ents_page(None, last(ENTITLEMENTS)), 2),
        Page("cases (officer), page 1", "officer", cases, {}, lambda: raw_cases(own_ids), 7),
        Page("cases (specialist), page 1", "specialist", cases, {}, lambda: raw_cases(None), 7),
    ]  # fmt: skip
    clients = {}
    for who in ("officer", "specialist"):
        client = Client()
        client.force_login(getattr(users, who))
        clients[who] = client
    return clients, pages


# --- measuring --------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[list[float], Any]:
    result = None
    for _ in range(WARMUP):
        result = fn()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def measure(page: Page, client: Any, over: list[str]) -> list[Any]:
    """The page's row of the table; a page over the target adds its queries to `over`."""
    counter = QueryCounter(keep=True)

    def get() -> Any:
        counter.reset()
        with counting(counter):
            response = client.get(page.url, page.query)
        assert response.status_code == 200, (page.label, response.status_code)
        return response

    view_ms, response = timed(get)
    raw_ms, rows = timed(page.raw)
    html = response.content.decode()
    missing = [r[page.id_column] for r in rows if r[page.id_column] not in html]
    assert rows and not missing, f"{page.label}: the page does not show the raw page's {missing}"
    ok = median(view_ms) <= TARGET_MS and counter.count <= TARGET_QUERIES
    if not ok:
        over.append(f"\n--- {page.label}: its {counter.count} queries")
        over += [f"    {' '.join(sql.split())[:150]}" for sql in counter.sql]
    return [
        page.label,
        f"{median(view_ms):.1f}",
        f"{p95(view_ms):.1f}",
        counter.count,
        f"{median(raw_ms):.2f}",
        "PASS" if ok else "OVER",
    ]


def main() -> None:
    print(environment_line())
    print(
        f"# BENCH_ENTITLEMENTS={ENTITLEMENTS}, BENCH_LINES={LINES}, BENCH_CASES={CASES}, "
        f"BENCH_COMMUNES={COMMUNES}, BENCH_RUNS={RUNS} (+{WARMUP} warm-up)",
        flush=True,
    )
    clients, pages = setup()
    gc.collect()
    over: list[str] = []
    rows = [measure(page, clients[page.user], over) for page in pages]
    print(
        f"\nAllowance pages and the case list, ms = median of {RUNS} GETs "
        f"(target <= {TARGET_MS:.0f} ms and <= {TARGET_QUERIES} queries)"
    )
    print(table(["page", "ms", "p95", "queries", "raw SQL ms", "target"], rows))
    print(
        "(ms: client.get wall time, session to rendered template; raw SQL: the same 25 rows "
        "with the same joins, scope and order in one statement: after the cursor's key for a "
        "keyset page, OFFSET for a page number)"
    )
    passed = sum(1 for r in rows if r[-1] == "PASS")
    print(f"pages within target: {passed} of {len(rows)}")
    print("\n".join(over))
    print(environment_line())


if __name__ == "__main__":
    with throwaway_database("allowance_pages"):
        main()
