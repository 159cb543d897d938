"""The six-month report over a district-sized data set: 1 million case and
gift rows.

Set-up (not timed), with INSERT ... SELECT generate_series over the 26 Sóc
Sơn communes:
- BENCH_CASES (default 300,000) housing cases (and as many people) over two
  years, every program, kind and state; approved ones have a decision date
  and amount; those with a result have their one-stop register line (about
  1 in 15 late);
- BENCH_REHAB (default 6,000) rehab cases, half compulsory referrals (filed
  with the court over two years), half voluntary (approved over two years);
- BENCH_GIFTS (default 700,000) gift rows: Tết 2023 (delivered January
  2023, outside the period), Tết 2024 (delivered in the period; a few
  returned or not collected) with the seven packages of the demo (State
  President, City, District, children, Commune, two private), and a
  children-only campaign (Quỹ BTTE) — one list per commune and campaign.

Timed, BENCH_RUNS (default 10) after BENCH_WARMUP (2), median ms:
- `six_month_report(head, district, 01/01/2024, 30/06/2024)`, queries counted;
- the raw SQL computing the same figures in the same run (the same groupings,
  five statements through connection.cursor()), whose figures are checked
  equal to the report's;
- `report_export(..., fmt="docx")` and `fmt="xlsx"` (the figures, the file,
  the audit event) for the whole download cost.

    make bench
    BENCH_CASES=30000 BENCH_GIFTS=70000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_six_month_report.py
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from bench.common import (
    counting,
    env_int,
    environment_line,
    insert_series,
    make_users,
    median,
    overhead,
    p95,
    seed_registry,
    table,
    throwaway_database,
)

CASES = env_int("BENCH_CASES", 300_000)
REHAB = env_int("BENCH_REHAB", 6_000)
GIFTS = env_int("BENCH_GIFTS", 700_000)
RUNS = env_int("BENCH_RUNS", 10)
WARMUP = env_int("BENCH_WARMUP", 2)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {
    "BENCH_CASES": 300,
    "BENCH_REHAB": 30,
    "BENCH_GIFTS": 600,
    "BENCH_RUNS": 1,
    "BENCH_WARMUP": 0,
}
SMOKE_LINES = [
    r"^six_month_report\(\) +\d+ +\d+ +\d+ +[+-]\d+%$",
    r"^raw SQL, same figures +\d+ +\d+ +\d+$",
    r"^# figures \(equal in both\):",
]
START, END = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
# Tết packages: (code, source, amount, categories, donor), as cases.demo.gifts.
PACKAGES = [
    ("ctn", "president", 600_000, ["nguoi_co_cong"], ""),
    ("tp", "city", 1_000_000, ["nguoi_co_cong"], ""),
    ("huyen", "district", 500_000, ["ho_can_ngheo"], ""),
    ("tre-em", "district", 500_000, ["tre_em_hcdb"], ""),
    ("xa", "commune", 300_000, [], ""),
    ("xhh-300", "private", 300_000, [], "Doanh nghiệp trên địa bàn"),
    ("xhh-250", "private", 250_000, [], "Hội Chữ thập đỏ"),
]
HOUSING_STATES = [
    ("closed", 35),
    ("approved", 10),
    ("partially_disbursed", 10),
    ("completion_accepted", 5),
    ("cancelled", 3),
    ("rejected", 7),
    ("draft", 10),
    ("submitted", 8),
    ("commune_verified", 7),
    ("district_reviewed", 5),
]
DECIDED = {"closed", "approved", "partially_disbursed", "completion_accepted", "cancelled"}


def _case_when(mix: list[tuple[str, int]], expr: str) -> str:
    out, acc = "CASE", 0
    for state, share in mix:
        acc += share
        out += f" WHEN mod({expr}, 100) < {acc} THEN '{state}'"
    return out + " END"


def fill(units: dict[str, Any], user_id: int) -> int:
    """The data set; returns the district's id."""
    from django.db import connection

    from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
    from cases.housing.models import HousingCase
    from cases.models import Case, Person
    from cases.rehab.models import RehabCase, RehabReferral, VoluntaryRehab
    from workflows.models import OneStopProcedure, OneStopRecord, ProcedureVersion

    communes = [u.pk for u in units.values()]
    district_id = next(iter(units.values())).parent_id
    c = "(%(communes)s::bigint[])[1 + mod(g, 26)]"
    people = CASES + REHAB
    insert_series(
        Person,
        people,
        {
            "id": "g",
            "full_name": "'Nguyễn Văn ' || g",
            "date_of_birth": "date '1960-05-17'",
            "sex": "'M'",
            "national_id": "'001060' || lpad(g::text, 6, '0')",
            "address": "'Thôn ' || (1 + mod(g, 12))",
            "commune_id": c,
            "categories": "ARRAY['nguoi_co_cong']::varchar[]",
            "merit_subtype": "''",
            "created_at": "now()",
        },
        {"communes": communes},
    )
    state = _case_when(HOUSING_STATES, "g::bigint * 7919")
    insert_series(
        Case,
        CASES,
        {
            "id": "g",
            "reference": "'HT-' || lpad(g::text, 7, '0')",
            "process": "'housing'",
            "commune_id": c,
            "applicant_id": "g",
            "state": state,
            "created_by_id": "%(user)s",
            "created_at": "timestamptz '2023-01-01' + g * (interval '730 days' / %(n)s)",
            "updated_at": "now()",
        },
        {"communes": communes, "user": user_id},
    )
    decided = "(" + state + f") IN ({', '.join(repr(s) for s in sorted(DECIDED))})"
    amount = (
        "CASE WHEN mod(g / 3, 2) = 0 THEN "
        "(CASE WHEN mod(g, 3) = 0 THEN 80000000 ELSE 50000000 END) "
        "ELSE (CASE WHEN mod(g, 3) = 0 THEN 20000000 ELSE 30000000 END) END"
    )
    decision_day = "date '2023-01-20' + (g * 700 / %(n)s)::int"
    insert_series(
        HousingCase,
        CASES,
        {
            "case_ptr_id": "g",
            "program": "(ARRAY['nguoi_co_cong', 'ho_ngheo', 'ho_can_ngheo'])[1 + mod(g, 3)]",
            "kind": "(ARRAY['new_build', 'repair'])[1 + mod(g / 3, 2)]",
            "description": "''",
            "requested_amount": amount,
            "approved_amount": f"CASE WHEN {decided} THEN {amount} END",
            "decision_number": f"CASE WHEN {decided} THEN g || '/QĐ-UBND' ELSE '' END",
            "decision_date": f"CASE WHEN {decided} THEN {decision_day} END",
            "disbursed_amount": "0",
        },
        {"n": CASES},
    )
    procedure = OneStopProcedure.objects.get(process="housing")
    has_result = f"({decided} OR ({state}) = 'rejected')"
    insert_series(
        OneStopRecord,
        CASES,
        {
            "id": "g",
            "case_id": "g",
            "procedure_id": "%(procedure)s",
            "process": "'housing'",
            "commune_id": c,
            "received_on": f"{decision_day} - 25",
            "working_days": "17",
            "appointment_on": f"{decision_day} - 1",
            "due_on": f"{decision_day} - 1",
            # One in 15 returned two days after the appointment (late).
            "result_on": f"CASE WHEN {has_result} THEN {decision_day} - "
            "(CASE WHEN mod(g, 15) = 0 THEN -1 ELSE 3 END) END",
            "result_state": f"CASE WHEN {has_result} THEN 'approved' ELSE '' END",
            "counted": "true",
        },
        {"communes": communes, "procedure": procedure.pk, "n": CASES},
    )
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {OneStopRecord._meta.db_table} WHERE result_on IS NULL")
    # Drug rehab: ids after the housing cases; even = referral, odd = voluntary.
    versions = {
        p: ProcedureVersion.objects.filter(procedure=p).order_by("effective_from")[0]
        for p in ("rehab_compulsory", "rehab_voluntary")
    }
    rehab_case = {
        "id": "g",
        "reference": "'CN-' || lpad(g::text, 7, '0')",
        "process": "CASE WHEN mod(g, 2) = 0 THEN 'rehab_compulsory' ELSE 'rehab_voluntary' END",
        "commune_id": c,
        "applicant_id": "g",
        "state": "CASE WHEN mod(g, 2) = 0 THEN 'filed' ELSE 'approved' END",
        "created_by_id": "%(user)s",
        "created_at": "now()",
        "updated_at": "now()",
    }
    insert_series(Case, REHAB, rehab_case, {"communes": communes, "user": user_id}, start=CASES + 1)
    insert_series(
        RehabCase,
        REHAB,
        {
            "case_ptr_id": "g",
            "procedure_version_id": "CASE WHEN mod(g, 2) = 0 THEN %(vc)s ELSE %(vv)s END",
            "route": "'2022'",
            "is_minor": "false",
        },
        {"vc": versions["rehab_compulsory"].pk, "vv": versions["rehab_voluntary"].pk},
        start=CASES + 1,
    )
    day = "date '2023-01-02' + mod(g * 37, 720)"
    with connection.cursor() as cur:
        for model, extra in [
            (RehabReferral, ("ground, stable_residence, filed_on", "'not_registered', true")),
            (VoluntaryRehab, ("setting, decision_date", "'home'")),
        ]:
            cols, vals = extra
            parity = 0 if model is RehabReferral else 1
            defaults = _defaults(model, {"rehabcase_ptr_id", *cols.split(", ")})
            cur.execute(
                f"INSERT INTO {model._meta.db_table} (rehabcase_ptr_id, {cols}"
                f"{''.join(', ' + k for k in defaults)}) "
                f"SELECT g, {vals}, {day}{''.join(', ' + v for v in defaults.values())} "
                f"FROM generate_series(%s, %s) g WHERE mod(g, 2) = {parity}",
                [CASES + 1, CASES + REHAB],
            )
    # Gifts: Tết 2023 (outside), Tết 2024 (inside), a children-only campaign.
    campaigns = {}
    for code, name, occasion in [
        ("tet-2023", "Tết Quý Mão 2023", dt.date(2023, 1, 22)),
        ("tet-2024", "Tết Giáp Thìn 2024", dt.date(2024, 2, 10)),
        ("btte-2024", "Quà Quỹ BTTE 2024", dt.date(2024, 6, 1)),
    ]:
        campaign = Campaign.objects.create(
            code=code, name=name, year=occasion.year, occasion_date=occasion
        )
        specs = PACKAGES if not code.startswith("btte") else [
            ("btte", "private", 1_300_000, ["tre_em_hcdb"], "Quỹ BTTE Hà Nội")
        ]  # fmt: skip
        pkgs = [
            GiftPackage.objects.create(
                campaign=campaign, code=p, name=p, source=s, amount=a, categories=cat, donor=d
            )
            for p, s, a, cat, d in specs
        ]
        lists = [
            GiftList.objects.create(
                campaign=campaign, commune_id=cid, created_by_id=user_id, state="closed"
            ).pk
            for cid in communes
        ]
        campaigns[code] = (campaign, pkgs, lists, occasion)
    share = {"tet-2023": 0.45, "tet-2024": 0.54, "btte-2024": 0.01}
    start = 1
    for code, (_campaign, pkgs, lists, occasion) in campaigns.items():
        n = int(GIFTS * share[code]) if code != "btte-2024" else GIFTS - start + 1
        k = len(pkgs)
        returned = "mod(g, 97) = 0"
        approved = "mod(g, 89) = 0"
        insert_series(
            GiftRecipient,
            n,
            {
                "id": "g",
                "gift_list_id": "(%(lists)s::bigint[])[1 + mod(g, 26)]",
                "package_id": f"(%(pkgs)s::bigint[])[1 + mod(g / 26, {k})]",
                "commune_id": c,
                # One package per person: person = the g-th of the package's share.
                "person_id": f"1 + mod(g / 26 / {k} * 26 + mod(g, 26), {people})",
                "amount": f"(%(amounts)s::bigint[])[1 + mod(g / 26, {k})]",
                "state": f"CASE WHEN {returned} THEN 'returned' WHEN {approved} "
                "THEN 'approved' ELSE 'delivered' END",
                "delivered_on": f"CASE WHEN {returned} OR {approved} THEN NULL "
                "ELSE %(occasion)s::date - mod(g, 20) END",
                "return_reason": f"CASE WHEN {returned} THEN 'unclaimed' ELSE '' END",
                "created_at": "now()",
            },
            {
                "communes": communes,
                "lists": lists,
                "pkgs": [p.pk for p in pkgs],
                "amounts": [p.amount for p in pkgs],
                "occasion": occasion,
            },
            start=start,
        )
        start += n
    with connection.cursor() as cur:
        for table_model in (Person, Case, GiftRecipient, OneStopRecord):
            t = table_model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
            )
        cur.execute("VACUUM ANALYZE")
    return district_id


def _defaults(model: Any, given: set[str]) -> dict[str, str]:
    """SQL literals for the model's own NOT NULL columns not in `given`."""
    from django.db import connection

    out = {}
    for f in model._meta.local_concrete_fields:
        if f.column in given or f.null:
            continue
        value = f.get_db_prep_save(f.get_default(), connection)
        out[f.column] = "''" if value in ("", None) else repr(value).lower()
    return out


# --- the raw-SQL baseline: the same figures -------------------------------------

RAW_GIFTS = """
SELECT gl.campaign_id, r.commune_id, p.source, p.donor,
       p.categories @> ARRAY['tre_em_hcdb']::varchar[] AS child, p.commune_id IS NOT NULL AS own,
       count(*), sum(r.amount)
  FROM cases_giftrecipient r
  JOIN cases_administrativeunit u ON u.id = r.commune_id
  JOIN cases_giftlist gl ON gl.id = r.gift_list_id
  JOIN cases_giftpackage p ON p.id = r.package_id
 WHERE u.parent_id = %(d)s AND r.state = 'delivered' AND r.delivered_on BETWEEN %(s)s AND %(e)s
 GROUP BY 1, 2, 3, 4, 5, 6
"""
RAW_CAMPAIGNS = """
SELECT c.id, c.name, NOT EXISTS (SELECT 1 FROM cases_giftpackage p WHERE p.campaign_id = c.id
                                  AND NOT p.categories @> ARRAY['tre_em_hcdb']::varchar[])
  FROM cases_campaign c WHERE c.id = ANY(%(ids)s)
"""
RAW_HOUSING = """
SELECT h.program, h.kind, count(*), sum(h.approved_amount)
  FROM cases_housingcase h
  JOIN cases_case c ON c.id = h.case_ptr_id
  JOIN cases_administrativeunit u ON u.id = c.commune_id
 WHERE u.parent_id = %(d)s AND h.decision_date BETWEEN %(s)s AND %(e)s
   AND h.approved_amount IS NOT NULL
   AND c.state IN ('approved', 'partially_disbursed', 'completion_accepted', 'closed')
 GROUP BY 1, 2
"""
RAW_REHAB = """
SELECT (SELECT count(*) FROM cases_rehabreferral r JOIN cases_case c ON c.id = r.rehabcase_ptr_id
          JOIN cases_administrativeunit u ON u.id = c.commune_id
         WHERE u.parent_id = %(d)s AND r.filed_on BETWEEN %(s)s AND %(e)s),
       (SELECT count(*) FROM cases_voluntaryrehab v JOIN cases_case c ON c.id = v.rehabcase_ptr_id
          JOIN cases_administrativeunit u ON u.id = c.commune_id
         WHERE u.parent_id = %(d)s AND v.decision_date BETWEEN %(s)s AND %(e)s)
"""
RAW_ONESTOP = """
SELECT count(*), count(*) FILTER (WHERE o.result_on <= o.appointment_on),
       count(*) FILTER (WHERE o.result_on > o.appointment_on)
  FROM workflows_onestoprecord o JOIN cases_administrativeunit u ON u.id = o.commune_id
 WHERE u.parent_id = %(d)s AND o.result_on BETWEEN %(s)s AND %(e)s AND o.counted
"""


def raw_figures(district_id: int) -> dict[str, Any]:
    from django.db import connection

    p: dict[str, Any] = {"d": district_id, "s": START, "e": END}
    with connection.cursor() as cur:
        cur.execute(RAW_GIFTS, p)
        gifts = cur.fetchall()
        cur.execute(RAW_CAMPAIGNS, {"ids": sorted({r[0] for r in gifts})})
        children_only = {cid: flag for cid, _name, flag in cur.fetchall()}
        cur.execute(RAW_HOUSING, p)
        housing = cur.fetchall()
        cur.execute(RAW_REHAB, p)
        compulsory, voluntary = cur.fetchone()
        cur.execute(RAW_ONESTOP, p)
        onestop = cur.fetchone()
    occasion = [r for r in gifts if not children_only[r[0]]]
    return {
        "gifts": (sum(r[6] for r in gifts), sum(r[7] for r in gifts)),
        "commune_level": (
            sum(r[6] for r in occasion if r[2] in ("commune", "private") or r[5]),
            sum(r[7] for r in occasion if r[2] in ("commune", "private") or r[5]),
        ),
        "private": sum(r[7] for r in occasion if r[2] == "private"),
        "children": (sum(r[6] for r in occasion if r[4]), sum(r[7] for r in occasion if r[4])),
        "children_campaigns": sum(r[6] for r in gifts if children_only[r[0]]),
        "housing": {(r[0], r[1]): (r[2], r[3]) for r in housing},
        "rehab": (compulsory, voluntary),
        "onestop": tuple(onestop),
    }


def report_figures(data: Any) -> dict[str, Any]:
    occasion = data.campaigns
    return {
        "gifts": (data.gifts_total.gifts, data.gifts_total.amount),
        "commune_level": (
            sum(f.commune_level.gifts for f in occasion),
            sum(f.commune_level.amount for f in occasion),
        ),
        "private": sum(f.commune_private.amount for f in occasion),
        "children": (
            sum(f.children.gifts for f in occasion),
            sum(f.children.amount for f in occasion),
        ),  # noqa: E501
        "children_campaigns": sum(f.total.gifts for f in data.children_campaigns),
        "housing": {
            (program, kind): (t.gifts, t.amount)
            for program, fig in data.housing.items()
            for kind, t in fig.by_kind.items()
        },
        "rehab": (data.rehab_compulsory, data.rehab_voluntary),
        "onestop": (data.onestop.resolved, data.onestop.on_time, data.onestop.late),
    }


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


def main() -> None:
    with throwaway_database("six_month_report"):
        from cases.models import AdministrativeUnit
        from cases.reporting.report import six_month_report
        from cases.reporting.report_documents import ReportOptions, report_export

        print(environment_line(), flush=True)
        units = seed_registry()
        users = make_users("00448")
        t0 = time.perf_counter()
        district_id = fill(units, users.head.pk)
        from cases.gifts.models import GiftRecipient
        from cases.models import Case

        print(
            f"# filled {Case.objects.count():,} cases and {GiftRecipient.objects.count():,} gift "
            f"rows in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        district = AdministrativeUnit.objects.get(pk=district_id)

        def ours() -> Any:
            return six_month_report(users.head, district=district, start=START, end=END)

        def export(fmt: str) -> Callable[[], Any]:
            opts = ReportOptions(issued_on=dt.date(2024, 7, 5))
            return lambda: report_export(
                actor=users.head, district=district, start=START, end=END, fmt=fmt, options=opts
            )

        ours()  # the head's scope is read once per user object
        with counting() as counter:
            data = ours()
        ours_ms, data = timed(ours)
        raw_ms, raw = timed(lambda: raw_figures(district_id))
        docx_ms, _ = timed(export("docx"))
        xlsx_ms, _ = timed(export("xlsx"))
        figures = report_figures(data)
        assert figures == raw, f"report {figures} != raw SQL {raw}"
        base = median(raw_ms)
        print(
            table(
                ["scenario", "median ms", "p95 ms", "queries", "vs raw SQL"],
                [
                    [
                        "six_month_report()",
                        f"{median(ours_ms):.0f}",
                        f"{p95(ours_ms):.0f}",
                        counter.count,
                        overhead(median(ours_ms), base),
                    ],
                    ["raw SQL, same figures", f"{base:.0f}", f"{p95(raw_ms):.0f}", 5, ""],
                    [
                        "download .docx (+ audit)",
                        f"{median(docx_ms):.0f}",
                        f"{p95(docx_ms):.0f}",
                        "",
                        overhead(median(docx_ms), base),
                    ],
                    [
                        "download .xlsx (+ audit)",
                        f"{median(xlsx_ms):.0f}",
                        f"{p95(xlsx_ms):.0f}",
                        "",
                        overhead(median(xlsx_ms), base),
                    ],
                ],
            )  # fmt: skip
        )
        print("# figures (equal in both):")
        for key, value in figures.items():
            print(f"#   {key}: {value}")


if __name__ == "__main__":
    main()
