"""The SQL of bench/bench_case_list.py: the bulk set-up (cases and people by
INSERT ... SELECT generate_series) and the raw-SQL baseline (each scenario's
page, count and cursor key read straight from the tables, printed beside the
page's figures), with the scenario itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.common import insert_series

PAGE_SIZE = 25

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


def bulk_cases(n: int, communes: list[int], created_by: int) -> None:
    """`n` people and `n` housing cases (ids 1..n), commune = g mod 26, newest = highest id."""
    from django.db import connection

    from cases.housing.models import HousingCase
    from cases.models import Case, Person

    state_case = "CASE " + " ".join(
        f"WHEN mod(g::bigint * 7919, 100) < {sum(p for _, p in STATE_MIX[: i + 1])} THEN '{s}'"
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
            # (past 999,999 the serial's seventh digit runs into the year's last)
            "national_id": "'00106' || lpad(g::text, 7, '0')",
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


def number(n: int) -> str:
    """1234567 -> '1.234.567' (labels)."""
    return f"{n:,}".replace(",", ".")


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
    depth: int = 0  # rows before the page: 0 the first page, else asked for by cursor
    # raw SQL filters: (where clause, params); commune scope added from the user
    where: list[tuple[str, Any]] = field(default_factory=list)
    count_joins_person: bool = False
    counted: bool = True  # whether the page shows a (bounded) count: not for a name search
    key: tuple[Any, ...] | None = None  # the cursor's (created_at, id), set by prepare


def raw_where(
    s: Scenario, commune_ids: list[int] | None, *, keyset: bool = True
) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if commune_ids is not None:
        clauses.append("c.commune_id = ANY(%s)")
        params.append(commune_ids)
    for clause, value in s.where:
        clauses.append(clause)
        params.append(value)
    if keyset and s.key is not None:
        clauses.append("(c.created_at, c.id) < (%s, %s)")
        params.extend(s.key)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


PAGE_COLUMNS = (
    "SELECT c.id, c.reference, c.state, c.created_at, u.name, u.kind, p.full_name, "
    "p.national_id, h.program, h.kind, h.requested_amount"
)


def raw_page(s: Scenario, commune_ids: list[int] | None) -> list[tuple[Any, ...]]:
    """The page after the cursor's key, in one statement (keyset), with the
    planner settings the view's page read uses (one SET LOCAL more)."""
    from django.db import connection

    from workflows.keyset import page_read

    where, params = raw_where(s, commune_ids)
    sql = f"{PAGE_COLUMNS}{RAW_FROM} {where} ORDER BY c.created_at DESC, c.id DESC LIMIT %s"
    with page_read(), connection.cursor() as cur:
        cur.execute(sql, [*params, PAGE_SIZE])
        return cur.fetchall()


def raw_page_offset(s: Scenario, commune_ids: list[int] | None) -> list[tuple[Any, ...]]:
    """The same page by OFFSET (what a page number read before keyset pages)."""
    from django.db import connection

    where, params = raw_where(s, commune_ids, keyset=False)
    sql = (
        f"{PAGE_COLUMNS}{RAW_FROM} {where} ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, PAGE_SIZE, s.depth])
        return cur.fetchall()


def raw_page_ids_first(s: Scenario, commune_ids: list[int] | None) -> list[tuple[Any, ...]]:
    """The same page, read as the 25 ids from cases_case first, then their joins."""
    from django.db import connection

    from workflows.keyset import page_read

    where, params = raw_where(s, commune_ids)
    join = " JOIN cases_person p ON p.id = c.applicant_id" if s.count_joins_person else ""
    sql = (
        f"WITH page AS (SELECT c.id FROM cases_case c{join} {where} "
        "ORDER BY c.created_at DESC, c.id DESC LIMIT %s) "
        f"{PAGE_COLUMNS}{RAW_FROM} WHERE c.id IN (SELECT id FROM page) "
        "ORDER BY c.created_at DESC, c.id DESC"
    )
    with page_read(), connection.cursor() as cur:
        cur.execute(sql, [*params, PAGE_SIZE])
        return cur.fetchall()


def raw_count(s: Scenario, commune_ids: list[int] | None, limit: int | None = None) -> int:
    """COUNT(*) of the scenario's rows (from the list's start); `limit`: up to that many."""
    from django.db import connection

    from workflows.keyset import page_read

    where, params = raw_where(s, commune_ids, keyset=False)
    join = " JOIN cases_person p ON p.id = c.applicant_id" if s.count_joins_person else ""
    inner = f"SELECT 1 FROM cases_case c{join} {where}"
    if limit is not None:
        inner += f" LIMIT {int(limit)}"
    with page_read(), connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM ({inner}) AS rows", params)
        return int(cur.fetchone()[0])


def raw_key_at(s: Scenario, commune_ids: list[int] | None, row: int) -> tuple[Any, ...]:
    """(created_at, id) of the scenario's `row`-th row (1-based), newest first."""
    from django.db import connection

    where, params = raw_where(s, commune_ids, keyset=False)
    join = " JOIN cases_person p ON p.id = c.applicant_id" if s.count_joins_person else ""
    sql = (
        f"SELECT c.created_at, c.id FROM cases_case c{join} {where} "
        "ORDER BY c.created_at DESC, c.id DESC LIMIT 1 OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, row - 1])
        return tuple(cur.fetchone())


def cursor_of(key: tuple[Any, ...]) -> str:
    """The signed cursor the list's "Trang sau" link carries for a page after `key`."""
    from cases.housing.views.list import CASE_PAGES
    from workflows.keyset import Position, encode_cursor

    return encode_cursor(Position(key), salt=CASE_PAGES.salt)
