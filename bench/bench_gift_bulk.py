"""Gift campaign bulk actions at the report's scale, next to raw SQL.

On a throwaway database, the Tết Giáp Thìn 2024 plan of `cases.demo.gifts`
(26,553 rows over 26 commune lists, ≈22,000 people; BENCH_ROWS scales it and
BENCH_COMMUNES keeps the first communes only) is prepared through the real
services and engine up to state `reviewed` (open, add rows, submit, confirm,
review). Then, timed with their queries counted:

(a) the office head approves every list of the campaign in one action
    (`campaign_lists_transition(name="approve")`: 26 list transitions, each
    approving all its rows with `bulk_transition`, one audit row per row);
(b) the commune officers mark every row delivered (`gift_rows_deliver`, one
    call per list, 26 in a loop);
(c) baseline in the same run: raw SQL doing the same row writes on a copy of
    the rows (one UPDATE ... RETURNING feeding an INSERT ... SELECT of as many
    audit rows into a twin of the audit table, sha256 computed in SQL; no list
    transitions, no chain links);
(d) the same two actions on a BENCH_SMALL_ROWS (2,000) row campaign: the query
    counts must be equal.

Targets (issue 4): each action ≤ 1 s and ≤ 5× the raw SQL. With BENCH_PROFILE=1
(default) a third full-size campaign runs both actions under cProfile and the
hot spots are printed. Query counts come from CaptureQueriesContext (it also
sees the audit trail's COPY); timings are wall-clock with DEBUG off.

    make bench
    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. .venv/bin/python bench/bench_gift_bulk.py
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from typing import Any

from bench.common import env_int, environment_line, seed_registry, table, throwaway_database

REPORT_ROWS = 26_553  # the Tết 2024 plan at scale 1
ROWS = env_int("BENCH_ROWS", REPORT_ROWS)
SMALL = env_int("BENCH_SMALL_ROWS", 2_000)
PROFILE = bool(env_int("BENCH_PROFILE", 1))
COMMUNES = env_int("BENCH_COMMUNES", 26)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_ROWS": 60, "BENCH_SMALL_ROWS": 30, "BENCH_PROFILE": 1, "BENCH_COMMUNES": 2}
SMOKE_LINES = [
    r"audit chain: verifies",
    r"^approve +[\d,]+ +\d+\.\d{3} +\d+ +\d+\.\d{3} +\d+ +\d+\.\dx ",
    r"^deliver +[\d,]+ +\d+\.\d{3} +\d+ +\d+\.\d{3} +\d+ +\d+\.\dx ",
    r"^## approve under cProfile",
]
TARGET_SECONDS, TARGET_RATIO = 1.0, 5.0


def build(code: str, plan: dict[str, dict[str, int]], people: Any, env: Any) -> Any:
    """A campaign with the plan's packages and budgets, every list `reviewed`."""
    import datetime as dt

    from cases.demo.gifts import TET_PACKAGES, campaign_create, lists_prepare, plan_amounts

    campaign = campaign_create(
        code=code,
        name=f"Bench {code}",
        occasion=dt.date(2024, 2, 10),
        decision="",
        packages=TET_PACKAGES,
        budgets=plan_amounts(plan),
    )
    lists_prepare(campaign, env.units, people, env.actors, env.users["chuyenvien"], replay=False)
    return campaign


def raw_copy(source: Any) -> Any:
    """A campaign whose lists and `listed` rows copy `source`'s (SQL only)."""
    from django.db import connection

    from cases.demo.gifts import TET_PACKAGES, campaign_create
    from cases.gifts.models import GiftList

    raw = campaign_create(
        code=f"{source.code}-raw", name="Bench raw", occasion=source.occasion_date,
        decision="", packages=TET_PACKAGES, budgets={},
    )  # fmt: skip
    GiftList.objects.bulk_create(
        GiftList(campaign=raw, commune_id=gl.commune_id, created_by_id=gl.created_by_id)
        for gl in source.lists.all()
    )
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO cases_giftrecipient (gift_list_id, package_id, commune_id, person_id,
                   amount, state, signed_by, proxy_name, proxy_relationship, return_reason,
                   note, created_at)
               SELECT nl.id, np.id, r.commune_id, r.person_id, r.amount, 'listed', '', '', '',
                   '', '', now()
                 FROM cases_giftrecipient r
                 JOIN cases_giftlist ol ON ol.id = r.gift_list_id AND ol.campaign_id = %s
                 JOIN cases_giftpackage op ON op.id = r.package_id
                 JOIN cases_giftlist nl ON nl.campaign_id = %s AND nl.commune_id = r.commune_id
                 JOIN cases_giftpackage np ON np.campaign_id = %s AND np.code = op.code""",
            [source.pk, raw.pk, raw.pk],
        )
    return raw


def raw_audit_table() -> None:
    """The raw baseline's audit rows go to a twin of the audit table (same
    columns, indexes, constraints and foreign keys) without its append-only
    trigger: they are unchained, verify() would reject them in the real one."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_raw_audit (LIKE workflows_auditevent INCLUDING ALL)")
        foreign = [
            ("actor_id", "auth_user"),
            ("commune_id", "cases_administrativeunit"),
            ("case_id", "cases_case"),
        ]
        for column, target in foreign:
            cur.execute(
                f"ALTER TABLE bench_raw_audit ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )


RAW_SQL = """
WITH moved AS (
    UPDATE cases_giftrecipient r SET state = %(to)s {extra}
      FROM cases_giftlist l
     WHERE r.gift_list_id = l.id AND l.campaign_id = %(campaign)s AND r.state = %(from)s
    RETURNING r.id, r.commune_id)
INSERT INTO bench_raw_audit (chain, seq, occurred_at, actor_id, actor_username, actor_role,
    commune_id, case_id, object_type, object_id, event, transition, from_state, to_state,
    reason, data, request_id, ip, prev_hash, hash)
SELECT %(chain)s || commune_id, row_number() OVER (PARTITION BY commune_id ORDER BY id), now(),
       %(actor)s, %(username)s, %(role)s, commune_id, NULL, 'cases.giftrecipient', id::text,
       'transition', %(name)s, %(from)s, %(to)s, '', %(data)s::jsonb, '', NULL, '',
       encode(sha256(convert_to(%(chain)s || id || ':' || commune_id, 'UTF8')), 'hex')
  FROM moved
"""


def raw_move(campaign: Any, name: str, source: str, target: str, actor: Any, **extra: Any) -> int:
    from django.db import connection, transaction

    sets = "".join(f", {column} = %({column})s" for column in extra)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            RAW_SQL.format(extra=sets),
            {
                "to": target, "from": source, "campaign": campaign.pk,
                "chain": f"bench-raw-{name}:", "actor": actor.pk, "username": actor.username,
                "role": "bench", "name": name, "data": "{}", **extra,
            },
        )  # fmt: skip
        return cur.rowcount


def approve(campaign: Any, env: Any) -> int:
    from cases.gifts.services import campaign_lists_transition

    moved = campaign_lists_transition(
        actor=env.users["truongphong"], campaign=campaign, name="approve", state="reviewed"
    )
    return len(moved)


def deliver(campaign: Any, env: Any) -> int:
    from django.utils import timezone

    from cases.gifts.services import gift_rows_deliver

    rows = 0
    for gift_list in campaign.lists.select_related("commune").order_by("commune__code"):
        officer = env.actors[gift_list.commune.code][0]
        result = gift_rows_deliver(
            actor=officer, gift_list=gift_list, delivered_on=timezone.localdate()
        )
        rows += len(result.moved)
    return rows


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, int, Any]:
    import gc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        spent = time.perf_counter() - t0
    return spent, len(ctx), result


def warm_scopes(env: Any) -> None:
    """Each actor's commune scope read once, as the request's view does before
    it calls the service (the same for every size, outside the timer)."""
    from workflows.permissions import forget_scope, scope_for

    for user in [env.users["truongphong"], *(o for o, _l in env.actors.values())]:
        forget_scope(user)
        scope_for(user)


def hot_spots(campaign: Any, env: Any) -> str:
    out = io.StringIO()
    for label, fn in [("approve", approve), ("deliver", deliver)]:
        warm_scopes(env)
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        fn(campaign, env)
        prof.disable()
        out.write(f"\n## {label} under cProfile: {time.perf_counter() - t0:.2f} s\n")
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(12)
        stats.sort_stats("cumulative").print_stats(r"(workflows|cases)/.*\.py", 14)
    keep = [
        line
        for line in out.getvalue().splitlines()
        if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced"))
    ]
    return "\n".join(keep)


def run() -> None:
    from types import SimpleNamespace

    from django.utils import timezone

    from cases.demo.base import seed_users
    from cases.demo.gifts import commune_actors, people_create, tet_plan
    from cases.gifts.models import GiftRecipient
    from workflows.audit import verify

    print(environment_line())
    t0 = time.perf_counter()
    units = dict(list(seed_registry().items())[:COMMUNES])
    users = seed_users()
    env = SimpleNamespace(units=units, users=users, actors=commune_actors(units, users))
    codes = list(units)
    full_plan = tet_plan(codes, scale=ROWS / REPORT_ROWS)
    small_plan = tet_plan(codes, scale=SMALL / REPORT_ROWS)
    people_full = people_create(units, full_plan, serial=240_000)
    people_small = people_create(units, small_plan, serial=400_000)
    full = build("bench-full", full_plan, people_full, env)
    small = build("bench-small", small_plan, people_small, env)
    raw = raw_copy(full)
    raw_audit_table()
    prof = build("bench-profile", full_plan, people_full, env) if PROFILE else None
    n_full = GiftRecipient.objects.filter(gift_list__campaign=full).count()
    n_small = GiftRecipient.objects.filter(gift_list__campaign=small).count()
    print(
        f"# set-up: {n_full:,} + {n_small:,} rows on {len(codes)} lists each through the "
        f"engine to 'reviewed', a raw copy{', a profiling copy' if prof else ''}: "
        f"{time.perf_counter() - t0:.1f} s"
    )

    results: dict[str, tuple[float, int]] = {}
    head = users["truongphong"]
    # Raw first, then ours, then ours small: drift and cache warmth hit ours no better.
    results["raw approve"] = timed(raw_move, raw, "approve", "listed", "approved", head)[:2]
    warm_scopes(env)
    results["approve"] = timed(approve, full, env)[:2]
    warm_scopes(env)
    results["approve small"] = timed(approve, small, env)[:2]
    officer = (env.actors.get("00448") or env.actors[codes[0]])[0]  # Phù Lỗ's, if kept
    today = timezone.localdate()
    results["raw deliver"] = timed(
        raw_move, raw, "deliver", "approved", "delivered", officer,
        delivered_on=today, signed_by="recipient",
    )[:2]  # fmt: skip
    warm_scopes(env)
    results["deliver"] = timed(deliver, full, env)[:2]
    warm_scopes(env)
    results["deliver small"] = timed(deliver, small, env)[:2]

    states = set(
        GiftRecipient.objects.filter(gift_list__campaign__in=[full, small, raw])
        .values_list("state", flat=True)
        .distinct()
    )
    assert states == {"delivered"}, states
    check = verify()
    print(f"# every row delivered; audit chain: {'verifies' if check.ok else 'BROKEN'}"
          f" ({check.events:,} events)\n")  # fmt: skip

    rows = []
    verdicts = []
    for action in ("approve", "deliver"):
        s, q = results[action]
        rs, rq = results[f"raw {action}"]
        ss, sq = results[f"{action} small"]
        ratio = s / rs if rs else float("inf")
        ok = s <= TARGET_SECONDS and ratio <= TARGET_RATIO
        verdicts.append(f"{action}: " + ("MET" if ok else "MISSED"))
        rows.append([action, f"{n_full:,}", f"{s:.3f}", q, f"{rs:.3f}", rq, f"{ratio:.1f}x",
                     f"{ss:.3f}", sq, "yes" if q == sq else "NO"])  # fmt: skip
    headers = ["action", "rows", "ours s", "queries", "raw SQL s", "queries", "ours/raw",
               f"{n_small:,} rows s", "queries", "same q"]  # fmt: skip
    print(table(headers, rows))
    print(
        f"\ntargets: <= {TARGET_SECONDS:.0f} s and <= {TARGET_RATIO:.0f}x raw SQL; "
        "queries independent of rows. " + "; ".join(verdicts)
    )
    print(
        f"(ours: {len(codes)} list transitions with their viewflow tasks and outbox rows, or "
        f"{len(codes)} delivery calls, plus one audit row per gift row; raw: the row UPDATE "
        "and the audit INSERT only)"
    )
    if prof is not None:
        print(f"\nWhere the time goes (a third {n_full:,}-row campaign, under cProfile):")
        print(hot_spots(prof, env))


def main() -> None:
    with throwaway_database("gift_bulk"):
        run()


if __name__ == "__main__":
    main()
