"""Generating one month's allowance payrolls for a province, and a
retroactive rate change paid as arrears, next to raw SQL doing the same writes.

Set-up (not timed): Hà Nội → Sóc Sơn's 26 units plus BENCH_COMMUNES - 26 more
communes, BENCH_ENTITLEMENTS people each with an active entitlement (spread
over the communes and over five categories of both regimes, war invalids by
degree), started 01/2023, inserted with INSERT ... SELECT generate_series;
the shipped rates (with Hà Nội's own social standard).

1. Month 06/2024: `services.payroll_generate` for every commune (opens the
   payroll and its viewflow process, computes the rates in force, inserts
   the lines set-based, checks arrears, counts), timed in total, with the
   queries of each call (they must not depend on the number of people).
   Baseline: one INSERT ... SELECT writing the same lines (same amounts and
   listed names, same partitioned table and indexes) into 05/2024 for
   payroll rows made beforehand, and one writing as many difference rows
   for the reviewer: the floor of the writes.
2. A retroactive rate change over the first BENCH_RETRO_COMMUNES communes:
   July is generated without the July 2024 standards, they are published
   after (as NĐ 77/2024 was), and August's generation pays July's difference
   as arrears. Timed: August's generation for those communes (their regular
   lines and the arrears lines), against raw SQL inserting the same regular
   and arrears lines into September (the difference computed in SQL from the
   two amounts) and their difference rows, the floor.
3. The month moved through its steps for every commune (submit, review,
   approve, send, every line's result recorded as paid, reconcile, close):
   the audit events written for the month (one per payroll step, not one
   per line), the time of the line moves against raw SQL UPDATEs of the same
   lines through the same states, and the incremental tamper check after
   the month (from the checkpoints taken before it) against a full walk.

    BENCH_ENTITLEMENTS=1000000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_payroll_generate.py
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.allowance_fill import (
    amounts_by_category,
    communes_fill,
    entitlements_fill,
    people_fill,
)
from bench.common import (
    counting,
    env_int,
    environment_line,
    seed_registry,
    table,
    throwaway_database,
)

ENTITLEMENTS = env_int("BENCH_ENTITLEMENTS", 1_000_000)
COMMUNES = env_int("BENCH_COMMUNES", 126)
RETRO_COMMUNES = env_int("BENCH_RETRO_COMMUNES", 25)
PROFILE = env_int("BENCH_PROFILE", 0)

SMOKE_ENV = {
    "BENCH_ENTITLEMENTS": 400,
    "BENCH_COMMUNES": 30,
    "BENCH_RETRO_COMMUNES": 5,
    "BENCH_PROFILE": 0,
}
SMOKE_LINES = [
    r"generate 06/2024, \d+ communes \(payroll_generate each\) +\d+",
    r"baseline: raw SQL INSERT",
    r"ratio generate / baseline",
    r"arrears after a retroactive rate",
    r"ratio arrears / baseline",
    r"queries per commune: \d+ \(same for every commune: yes;",
]

D = dt.date


def seed(n: int, n_communes: int) -> tuple[list[Any], Any]:
    from django.apps import apps
    from django.db import connection

    from cases.allowances import reference
    from workflows.permissions import Role
    from workflows.services import role_grant

    units = seed_registry()
    reference.seed(apps, None)
    communes = communes_fill(units, n_communes)
    ids = [c.pk for c in communes]
    people_fill(n, ids)
    entitlements_fill(n, ids, D(2023, 1, 1))
    with connection.cursor() as cur:
        cur.execute("ANALYZE cases_person; ANALYZE allowances_entitlement")
    officer = role_grant(
        actor=None,
        username="bench_officer",
        role=Role.COMMUNE_OFFICER,
        commune_codes=[c.code for c in communes],
        password="bench-pw-123",
        full_name="Bench officer",
    )
    return communes, officer


def generate_all(communes: list[Any], officer: Any, month: dt.date) -> tuple[float, list[int], int]:
    from cases.allowances import services

    seconds, queries, lines = 0.0, [], 0
    for commune in communes:
        with counting() as counter:
            t = time.perf_counter()
            payroll = services.payroll_generate(actor=officer, commune=commune, month=month)
            seconds += time.perf_counter() - t
        queries.append(counter.count)
        lines += payroll.line_count
    return seconds, queries, lines


def profile(commune: Any, officer: Any, month: dt.date) -> None:
    """The slowest statements of one more generation (BENCH_PROFILE=1)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.allowances import services

    with CaptureQueriesContext(connection) as ctx:
        services.payroll_generate(actor=officer, commune=commune, month=month)
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:6]:
        print(f"# {float(q['time']) * 1000:8.1f} ms  {' '.join(q['sql'].split())[:140]}")


FLOOR_SQL = """
INSERT INTO allowances_payrollline (month, payroll_id, commune_id, entitlement_id, person_id,
    regime, category_id, for_month, kind, amount, state, unpaid_reason, note, listed_name)
SELECT %(M)s, p.id, e.commune_id, e.id, e.person_id, e.regime, e.category_id, %(M)s,
       'regular', r.amount, 'listed', '', '', pe.full_name
FROM allowances_entitlement e
JOIN cases_person pe ON pe.id = e.person_id
JOIN allowances_payroll p ON p.commune_id = e.commune_id AND p.month = %(M)s
JOIN unnest(%(cats)s::bigint[], %(amounts)s::bigint[]) AS r(category_id, amount)
  ON r.category_id = e.category_id
WHERE e.commune_id = ANY(%(communes)s)
"""

ARREARS_FLOOR_SQL = """
INSERT INTO allowances_payrollline (month, payroll_id, commune_id, entitlement_id, person_id,
    regime, category_id, for_month, kind, amount, state, unpaid_reason, note, listed_name)
SELECT %(M)s, p.id, e.commune_id, e.id, e.person_id, e.regime, e.category_id, %(prev)s,
       'arrears', r.new - r.old, 'listed', '', '', pe.full_name
FROM allowances_entitlement e
JOIN cases_person pe ON pe.id = e.person_id
JOIN allowances_payroll p ON p.commune_id = e.commune_id AND p.month = %(M)s
JOIN unnest(%(cats)s::bigint[], %(old)s::bigint[], %(new)s::bigint[]) AS r(category_id, old, new)
  ON r.category_id = e.category_id
WHERE e.commune_id = ANY(%(communes)s) AND r.new > r.old
"""

# The reviewer's differences, as many rows as generation writes: one per line
# (every regular line is new in a first month, changed in a month whose rate
# rose; every arrears line is one).
CHANGES_FLOOR_SQL = """
INSERT INTO allowances_payrollchange
  (payroll_id, change, person_id, listed_name, regime, before, after)
SELECT l.payroll_id, CASE l.kind WHEN 'regular' THEN %(regular_change)s ELSE l.kind END,
       l.person_id, l.listed_name, l.regime, 0, l.amount
FROM allowances_payrollline l
WHERE l.month = %(M)s AND l.commune_id = ANY(%(communes)s)
"""


def floor(
    communes: list[Any],
    officer: Any,
    month: dt.date,
    extra: str = "",
    regular_change: str = "new",
    **params: Any,
) -> float:
    from django.db import connection, transaction

    from cases.allowances.models import Payroll
    from cases.allowances.rates import province_of

    Payroll.objects.bulk_create(
        [Payroll(commune=c, month=month, created_by=officer) for c in communes]
    )
    amounts = amounts_by_category(month, province_of(communes[0].pk))
    args = {
        "M": month,
        "cats": list(amounts),
        "amounts": list(amounts.values()),
        "communes": [c.pk for c in communes],
        "regular_change": regular_change,
        **params,
    }
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(FLOOR_SQL, args)
        if extra:
            cur.execute(extra, args)
        cur.execute(CHANGES_FLOOR_SQL, args)
    return time.perf_counter() - t


def month_through(communes: list[Any], officer: Any, month: dt.date) -> dict[str, Any]:
    """Every commune's payroll of `month` from generated to closed, as the
    office does it: times of the line moves, events written, the checks."""
    from cases.allowances import services
    from cases.allowances.lines import payroll_lines
    from cases.allowances.models import Payroll
    from workflows import audit
    from workflows.engine import transition
    from workflows.models import AuditEvent
    from workflows.permissions import Role
    from workflows.services import role_grant

    def grant(username: str, role: str) -> Any:
        return role_grant(actor=None, username=username, role=role, commune_codes=[],
                          password="bench-pw-123", full_name=f"Bench {username}")  # fmt: skip

    specialist = grant("bench_specialist", Role.DISTRICT_SPECIALIST)
    head = grant("bench_head", Role.OFFICE_HEAD)
    accountant = grant("bench_accountant", Role.ACCOUNTANT)
    assert audit.verify(incremental=True).ok  # checkpoints before the month
    before = AuditEvent.objects.count()
    moves = 0.0
    lines = 0
    for payroll in Payroll.objects.filter(month=month, commune__in=communes).order_by("pk"):
        transition(payroll, "submit", actor=officer)
        transition(payroll, "review", actor=specialist)
        t = time.perf_counter()
        transition(payroll, "approve", actor=head)
        transition(payroll, "send", actor=accountant)
        ids = list(payroll_lines(payroll).values_list("pk", flat=True))
        services.payroll_results_record(
            actor=accountant, payroll=payroll, paid=dict.fromkeys(ids, month.replace(day=10)),
            unpaid={},
        )  # fmt: skip
        moves += time.perf_counter() - t
        lines += len(ids)
        transition(payroll, "reconcile", actor=accountant)
        transition(payroll, "close", actor=head)
    written = AuditEvent.objects.count() - before
    t = time.perf_counter()
    incremental = audit.verify(incremental=True)
    inc_s = time.perf_counter() - t
    t = time.perf_counter()
    full = audit.verify()
    full_s = time.perf_counter() - t
    return {
        "lines": lines, "written": written, "moves": moves, "inc": incremental,
        "inc_s": inc_s, "full": full, "full_s": full_s,
    }  # fmt: skip


def raw_moves(month: dt.date) -> float:
    """The floor of the line moves: the same lines through the same states,
    one UPDATE per step over the month's partition."""
    from django.db import connection, transaction

    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for src, dst, extra in [
            ("listed", "approved", ""),
            ("approved", "sent", ""),
            ("sent", "paid", ", paid_on = %(M)s"),
        ]:
            cur.execute(
                f"UPDATE allowances_payrollline SET state = %(dst)s{extra} "
                "WHERE month = %(M)s AND state = %(src)s",
                {"M": month, "src": src, "dst": dst},
            )
    return time.perf_counter() - t


def main() -> None:
    from cases.allowances.models import AllowanceStandard
    from cases.allowances.rates import add_months, province_of

    print(environment_line())
    print(
        f"# BENCH_ENTITLEMENTS={ENTITLEMENTS}, BENCH_COMMUNES={COMMUNES}, "
        f"BENCH_RETRO_COMMUNES={RETRO_COMMUNES}"
    )
    t0 = time.perf_counter()
    communes, officer = seed(ENTITLEMENTS, COMMUNES)
    print(
        f"# set-up: {ENTITLEMENTS} entitlements in {len(communes)} communes "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    ours, queries, lines = generate_all(communes, officer, D(2024, 6, 1))
    if PROFILE:
        profile(communes[-1], officer, D(2024, 6, 1))
    base = floor(communes, officer, D(2024, 5, 1))

    # The July standards are published after July's payrolls were generated.
    retro = communes[:RETRO_COMMUNES]
    july = list(AllowanceStandard.objects.filter(effective_from=D(2024, 7, 1)).values())
    AllowanceStandard.objects.filter(effective_from=D(2024, 7, 1)).delete()
    generate_all(retro, officer, D(2024, 7, 1))
    province = province_of(retro[0].pk)
    old = amounts_by_category(D(2024, 7, 1), province)
    AllowanceStandard.objects.bulk_create([AllowanceStandard(**row) for row in july])
    new = amounts_by_category(D(2024, 7, 1), province)
    arrears_s, _q, retro_lines = generate_all(retro, officer, D(2024, 8, 1))
    cats = sorted(old)
    arrears_base = floor(
        retro,
        officer,
        D(2024, 9, 1),
        ARREARS_FLOOR_SQL,
        regular_change="changed",
        prev=add_months(D(2024, 9, 1), -1),
        old=[old[c] for c in cats],
        new=[new[c] for c in cats],
        arrears_cats=cats,
    )
    print()
    print(
        table(
            ["what", "lines", "seconds", "lines/s"],
            [
                [
                    f"generate 06/2024, {len(communes)} communes (payroll_generate each)",
                    lines,
                    f"{ours:.2f}",
                    f"{lines / ours:,.0f}",
                ],
                [
                    "baseline: raw SQL INSERT of the same lines (one statement)",
                    lines,
                    f"{base:.2f}",
                    f"{lines / base:,.0f}",
                ],
                ["ratio generate / baseline", "", f"{ours / base:.2f}x", ""],
                [
                    f"arrears after a retroactive rate: generate 08/2024, {len(retro)} communes",
                    retro_lines,
                    f"{arrears_s:.2f}",
                    f"{retro_lines / arrears_s:,.0f}",
                ],
                [
                    "baseline: raw SQL INSERT of the same regular and arrears lines",
                    retro_lines,
                    f"{arrears_base:.2f}",
                    f"{retro_lines / arrears_base:,.0f}",
                ],
                ["ratio arrears / baseline", "", f"{arrears_s / arrears_base:.2f}x", ""],
            ],
        )  # fmt: skip
    )
    month = month_through(communes, officer, D(2024, 6, 1))
    floor_moves = raw_moves(D(2024, 5, 1))
    print()
    print(f"audit events written for the month: {month['written']} for {month['lines']} lines "
          f"({len(communes)} payrolls)")  # fmt: skip
    print(f"line moves (approve, send, results): {month['moves']:.2f} s; raw SQL UPDATEs "
          f"{floor_moves:.2f} s; ratio {month['moves'] / floor_moves:.2f}x")  # fmt: skip
    inc, full = month["inc"], month["full"]
    inc_text = "clean" if inc.ok else inc.problem
    full_text = "clean" if full.ok else full.problem
    print(f"incremental tamper check after the month: {inc.events} events in "
          f"{month['inc_s']:.2f} s ({inc_text}); full walk "
          f"{full.events} events in {month['full_s']:.2f} s ({full_text})")  # fmt: skip
    # The first call of the run also reads what later calls find cached
    # (content types, the flow's nodes): the rest must all be equal.
    same = len(set(queries[1:])) == 1
    print()
    print(
        f"queries per commune: {queries[-1]} (same for every commune: {'yes' if same else 'no'}; "
        f"first call {queries[0]})"
    )


if __name__ == "__main__":
    with throwaway_database("payroll_generate"):
        main()
