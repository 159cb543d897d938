"""Importing a payroll's payment results with full validation, next to raw SQL
doing the same writes.

Set-up (not timed): Sóc Sơn's registry and the shipped rates; BENCH_LINES
people of one commune, each with an active entitlement, inserted with
INSERT ... SELECT generate_series; the commune's 06/2024 payroll generated
by `services.payroll_generate` (BENCH_LINES lines), then put in "sent" with
its lines by two UPDATEs (the steps between are not what is measured); the
same again for 07/2024 (the baseline's payroll). The accountant's file is an
.xlsx in the post office's shape (title rows, Mã dòng, Họ và tên, Số tiền,
Kết quả, Ngày chi, Lý do): 95 % paid on one of five dates, 5 % not paid with
a reason in Vietnamese words.

Timed: `imports.payment_results_import` on the whole file: the bounded read
in a child process (python-calamine), the formula scan, the header found,
every row checked against the payroll's lines read once (line known, this
payroll's, sent, once in the file, date within the month's window and not in
the future, reason known, amount equal), the import recorded, and
`services.payroll_results_record` moving the lines (one UPDATE per date or
reason, their audit). Its parts are timed apart too (reading alone).
Baseline: one UPDATE ... FROM unnest(ids, dates, reasons) writing the same
states, dates and reasons into the 07/2024 lines: the floor of the writes.
Printed too, as the machine may be shared: the CPU seconds of the import
(this process, the reader's child, the database backend when the server is
on this machine) and of the baseline, beside the load average.

    BENCH_LINES=100000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_payment_results_import.py
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from bench.allowance_fill import people_fill
from bench.common import (
    counting,
    env_int,
    environment_line,
    seed_registry,
    table,
    throwaway_database,
)

LINES = env_int("BENCH_LINES", 100_000)
LIMIT_S = 15.0

SMOKE_ENV = {"BENCH_LINES": 300}
SMOKE_LINES = [
    r"import \d+ results \(payment_results_import, full validation\)",
    r"baseline: raw SQL UPDATE",
    r"ratio import / baseline",
    r"within 15 s: (yes|no)",
]

D = dt.date
JUNE, JULY = D(2024, 6, 1), D(2024, 7, 1)
DATES = [D(2024, 6, d) for d in (5, 6, 7, 10, 12)]
REASONS = [("Đi vắng", "absent"), ("Từ trần", "deceased"), ("Không đến nhận", "not_collected")]


def seed(n: int) -> tuple[Any, Any, Any]:
    from django.apps import apps
    from django.db import connection

    from bench.common import insert_series, reset_sequence
    from cases.allowances import reference
    from cases.allowances.models import AllowanceCategory, Entitlement
    from cases.models import AdministrativeUnit
    from workflows.permissions import Role
    from workflows.services import role_grant

    seed_registry()
    reference.seed(apps, None)
    commune = AdministrativeUnit.objects.filter(level="commune").order_by("pk").first()
    assert commune is not None
    people_fill(n, [commune.pk])
    cat = AllowanceCategory.objects.get(code="than_nhan_1_liet_si")
    insert_series(
        Entitlement,
        n,
        {
            "id": "g",
            "person_id": "g",
            "regime": "%(regime)s",
            "category_id": "%(cat)s",
            "commune_id": "%(commune)s",
            "state": "'active'",
            "start_month": "date '2023-01-01'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        {"regime": cat.regime, "cat": cat.pk, "commune": commune.pk},
    )
    reset_sequence(Entitlement)
    with connection.cursor() as cur:
        cur.execute("ANALYZE cases_person; ANALYZE allowances_entitlement")
    officer = role_grant(actor=None, username="bench_officer", role=Role.COMMUNE_OFFICER,
                         commune_codes=[commune.code], password="bench-pw-123",
                         full_name="Bench officer")  # fmt: skip
    accountant = role_grant(actor=None, username="bench_accountant", role=Role.ACCOUNTANT,
                            commune_codes=[], password="bench-pw-123",
                            full_name="Bench accountant")  # fmt: skip
    return commune, officer, accountant


def sent_payroll(commune: Any, officer: Any, month: dt.date) -> Any:
    """The month's payroll generated, then put in "sent" with its lines."""
    from django.db import connection

    from cases.allowances import services
    from cases.allowances.models import Payroll

    payroll = services.payroll_generate(actor=officer, commune=commune, month=month)
    with connection.cursor() as cur:
        cur.execute("UPDATE allowances_payroll SET state = 'sent' WHERE id = %s", [payroll.pk])
        cur.execute(
            "UPDATE allowances_payrollline SET state = 'sent' WHERE month = %s AND payroll_id = %s",
            [month, payroll.pk],
        )
        cur.execute("ANALYZE allowances_payrollline")
    return Payroll.objects.select_related("commune").get(pk=payroll.pk)


def results(payroll: Any) -> list[tuple[int, int, str, dt.date | None, str, str]]:
    """(line id, amount, result, date, reason words, reason code) per line."""
    from cases.allowances.lines import payroll_lines

    out: list[tuple[int, int, str, dt.date | None, str, str]] = []
    for i, (pk, amount) in enumerate(
        payroll_lines(payroll).order_by("pk").values_list("pk", "amount")
    ):
        if i % 20 == 19:
            words, code = REASONS[i % len(REASONS)]
            out.append((pk, amount, "Chưa chi", None, words, code))
        else:
            out.append((pk, amount, "Đã chi", DATES[i % len(DATES)], "", ""))
    return out


def results_file(rows: list[tuple[int, int, str, dt.date | None, str, str]]) -> bytes:
    from cases.exports.tabular import Column, xlsx_bytes

    columns = [Column("Mã dòng"), Column("Họ và tên"), Column("Số tiền", money=True),
               Column("Kết quả"), Column("Ngày chi"), Column("Lý do")]  # fmt: skip
    return xlsx_bytes(
        "Kết quả chi trả",
        columns,
        (
            [pk, f"Nguyễn Văn {i}", amount, result, day.strftime("%d/%m/%Y") if day else "", words]
            for i, (pk, amount, result, day, words, _code) in enumerate(rows)
        ),
    )


FLOOR_SQL = """
UPDATE allowances_payrollline l
   SET state = u.state, paid_on = u.paid_on, unpaid_reason = u.reason
  FROM unnest(%(ids)s::bigint[], %(states)s::text[], %(dates)s::date[], %(reasons)s::text[])
       AS u(id, state, paid_on, reason)
 WHERE l.month = %(M)s AND l.payroll_id = %(P)s AND l.id = u.id AND l.state = 'sent'
"""


def floor(payroll: Any, rows: list[tuple[int, int, str, dt.date | None, str, str]]) -> float:
    """The same writes in one statement, into the other payroll's lines (its
    ids in the same order as the file's)."""
    from django.db import connection, transaction

    from cases.allowances.lines import payroll_lines

    ids = list(payroll_lines(payroll).order_by("pk").values_list("pk", flat=True))
    args = {
        "M": payroll.month,
        "P": payroll.pk,
        "ids": ids,
        "states": ["paid" if r[2] == "Đã chi" else "unpaid" for r in rows],
        "dates": [r[3] for r in rows],
        "reasons": [r[5] for r in rows],
    }
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(FLOOR_SQL, args)
        assert cur.rowcount == len(rows), cur.rowcount
    return time.perf_counter() - t


def backend_seconds() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when
    the server runs on this machine (/proc); None otherwise."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_since(start: tuple[float, float, float | None]) -> tuple[float, float, float | None]:
    """(this process, its finished children, the database backend): CPU
    seconds since `start` (from `cpu_now`)."""
    here, children, backend = cpu_now()
    db = None if backend is None or start[2] is None else backend - start[2]
    return here - start[0], children - start[1], db


def cpu_now() -> tuple[float, float, float | None]:
    times = os.times()
    return time.process_time(), times.children_user + times.children_system, backend_seconds()


def main() -> None:
    from cases.allowances.imports import payment_results_import, read_table
    from cases.allowances.lines import state_counts

    print(environment_line())
    print(f"# BENCH_LINES={LINES}")
    t0 = time.perf_counter()
    commune, officer, accountant = seed(LINES)
    june = sent_payroll(commune, officer, JUNE)
    july = sent_payroll(commune, officer, JULY)
    rows = results(june)
    content = results_file(rows)
    print(f"# set-up: {LINES} lines in two payrolls, a {len(content) / 1e6:.1f} MB .xlsx, "
          f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    t = time.perf_counter()
    read_table("ket-qua.xlsx", content)
    reading = time.perf_counter() - t
    cpu_start = cpu_now()
    with counting() as counter:
        t = time.perf_counter()
        record = payment_results_import(
            actor=accountant, payroll=june, file_name="ket-qua.xlsx", content=content
        )
        ours = time.perf_counter() - t
    here, child, db = cpu_since(cpu_start)
    june.refresh_from_db()  # the totals the import kept
    counts = state_counts(june)
    assert counts.get("paid", 0) + counts.get("unpaid", 0) == len(rows), counts
    assert record.paid + record.unpaid == len(rows)
    cpu_start = cpu_now()
    base = floor(july, rows)
    base_db = cpu_since(cpu_start)[2]
    print()
    print(
        table(
            ["what", "rows", "seconds", "rows/s"],
            [
                [
                    f"import {len(rows)} results (payment_results_import, full validation)",
                    len(rows),
                    f"{ours:.2f}",
                    f"{len(rows) / ours:,.0f}",
                ],
                [
                    "  of which reading the .xlsx (bounded child, calamine, formula scan)",
                    len(rows),
                    f"{reading:.2f}",
                    "",
                ],
                [
                    "baseline: raw SQL UPDATE of the same states, dates, reasons",
                    len(rows),
                    f"{base:.2f}",
                    f"{len(rows) / base:,.0f}",
                ],
                ["ratio import / baseline", "", f"{ours / base:.1f}x", ""],
            ],
        )  # fmt: skip
    )
    print()
    print(f"queries of the import: {counter.count}")
    # On a shared machine the wall clock counts the others' work too; the
    # CPU seconds are what this work costs (the machine has os.cpu_count()).
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    db_text = "n/a" if db is None else f"{db:.2f} s"
    print(
        f"cpu of the import: {here:.2f} s this process, {child:.2f} s reader child, "
        f"{db_text} database backend (load average {load})"
    )
    if base_db is not None:
        print(f"cpu of the baseline: {base_db:.2f} s database backend")
    print(f"within 15 s: {'yes' if ours <= LIMIT_S else 'no'} ({ours:.2f} s)")


if __name__ == "__main__":
    with throwaway_database("payment_results_import"):
        main()
