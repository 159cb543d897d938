"""Shared set-up for the benchmarks: a throwaway database, query counting,
statistics, and the registry/users every benchmark needs.

Each benchmark runs inside `throwaway_database("name")`, which creates
`bench_<name>_<pid>` on the server of DATABASE_URL, points Django at it
before `django.setup()`, migrates it and drops it at the end, also on error,
Ctrl-C or SIGTERM. The development database is never opened. With
BENCH_TEMPLATE_DB set (the smoke tests in tests/bench do it), the database is
a copy of that already migrated one (`template_create`), so a run of many
benchmarks migrates once.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType, SimpleNamespace
from typing import Any

DEFAULT_SETTINGS = "config.settings"


def env_int(name: str, default: int) -> int:
    """Size knob from the environment (e.g. BENCH_CASES=1000)."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _admin_connect(db: Any) -> Any:
    """A psycopg connection to the server's maintenance database, autocommit."""
    import psycopg

    params: dict[str, Any] = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    conninfo = psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v is not None})
    return psycopg.connect(conninfo, autocommit=True)


def _drop_stale(admin: Any) -> None:
    """Drop throwaway databases left by benchmark runs that were killed (-9).

    Only names of the form bench_<name>_<pid> whose process is gone on this
    machine (the server is the local one of DATABASE_URL).
    """
    rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'")
    for (name,) in rows.fetchall():
        match = re.fullmatch(r"bench_[a-z0-9_]+_(\d+)", name)
        if not match:
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"# dropped {name}, left by a killed benchmark run", flush=True)
        except PermissionError:
            pass  # the process exists (another user's)


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _settings_for_benchmarks(debug: bool) -> Any:
    """This process's settings, adjusted before `django.setup()` (see throwaway_database)."""
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL is not set: export DATABASE_URL=$(scripts/localdb.sh url)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.conf import settings

    settings.DEBUG = debug
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "bench" not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
    return settings


def _migrate(label: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"# database {label} migrated in {time.perf_counter() - t0:.1f} s", flush=True)


def _checked_name(name: str) -> str:
    if not re.fullmatch(r"bench_[a-z0-9_]{1,50}", name):
        raise ValueError(f"bad benchmark database name {name!r}")
    return name


def template_create(name: str) -> None:
    """Create database `name` (bench_<...>_<pid of its owner>), migrate it and
    leave it, for benchmarks run with BENCH_TEMPLATE_DB=name to copy.

    Its owner drops it (`database_drop`); if the owner is killed, the next
    benchmark's clean-up of stale databases does.
    """
    settings = _settings_for_benchmarks(debug=False)
    db = settings.DATABASES["default"]
    with _admin_connect(db) as admin:
        _drop_stale(admin)
        admin.execute(f'CREATE DATABASE "{_checked_name(name)}"')
    try:
        db["NAME"] = name
        _migrate(f"{name} (template)")
    except BaseException:
        database_drop(name, db)
        raise
    finally:
        from django.db import connections

        connections.close_all()  # nobody may be connected to a template that is copied


def database_drop(name: str, db: Any = None) -> None:
    """Drop a benchmark database (the default database's server unless `db` says)."""
    if db is None:
        from django.conf import settings

        db = settings.DATABASES["default"]
    with _admin_connect(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_checked_name(name)}" WITH (FORCE)')


def bench_databases(db: Any = None) -> list[str]:
    """Names of the benchmark databases on the default database's server."""
    if db is None:
        from django.conf import settings

        db = settings.DATABASES["default"]
    with _admin_connect(db) as admin:
        rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'")
        return sorted(name for (name,) in rows.fetchall())


@contextmanager
def throwaway_database(name: str, *, debug: bool = False) -> Iterator[str]:
    """Create, migrate, yield and finally drop database `bench_<name>_<pid>`.

    Settings are adjusted in this process only, before `django.setup()`:
    DEBUG off (production-like timings; counting uses an execute wrapper),
    a fast password hasher for the set-up users, MEDIA_ROOT in a temp folder
    and the `bench` package as an app (viewflow stores a flow's class by app).
    With BENCH_TEMPLATE_DB, the database starts as a copy of that one (the
    migrate that follows then only checks that it is current). With
    BENCH_KEEP_DB=1 it is kept at the end as kept_<name> (to profile a page
    against the filled data); drop it by hand after.
    """
    if not re.fullmatch(r"[a-z0-9_]{1,40}", name):
        raise ValueError(f"bad benchmark name {name!r}")
    settings = _settings_for_benchmarks(debug)
    db = settings.DATABASES["default"]
    dev_name = db["NAME"]
    bench_name = f"bench_{name}_{os.getpid()}"
    assert bench_name != dev_name
    template = os.environ.get("BENCH_TEMPLATE_DB", "").strip()
    copy = f' TEMPLATE "{_checked_name(template)}"' if template else ""
    media = tempfile.mkdtemp(prefix=f"{bench_name}_media_")
    settings.MEDIA_ROOT = media

    previous_term = signal.signal(signal.SIGTERM, _raise_exit)
    created = False
    try:
        with _admin_connect(db) as admin:
            _drop_stale(admin)
            admin.execute(f'CREATE DATABASE "{bench_name}"{copy}')
        created = True
        db["NAME"] = bench_name
        _migrate(f"{bench_name} (throwaway{', a copy of ' + template if template else ''})")
        yield bench_name
    finally:
        try:
            if created:
                from django.db import connections

                connections.close_all()
            if created and os.environ.get("BENCH_KEEP_DB") == "1":
                kept = f"kept_{bench_name}"  # out of _drop_stale's reach
                with _admin_connect(db) as admin:
                    admin.execute(f'ALTER DATABASE "{bench_name}" RENAME TO "{kept}"')
                print(f"# database kept as {kept} (BENCH_KEEP_DB=1)", flush=True)
            elif created:
                database_drop(bench_name, db)
                print(f"# database {bench_name} dropped", flush=True)
        finally:
            shutil.rmtree(media, ignore_errors=True)
            signal.signal(signal.SIGTERM, previous_term)


# --- counting queries -------------------------------------------------------


@dataclass
class QueryCounter:
    """A `connection.execute_wrapper` that counts statements and their DB time.

    Cheaper than CaptureQueriesContext (no SQL string kept unless `keep`), so
    it can stay on while timing. Like CaptureQueriesContext it sees what goes
    through cursor.execute (savepoints included), not the driver's implicit
    BEGIN/COMMIT. `on_query(sql, seconds)` is called after each statement.
    """

    count: int = 0
    db_seconds: float = 0.0
    keep: bool = False
    sql: list[str] = field(default_factory=list)
    on_query: Callable[[str, float], None] | None = None

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - t0
            self.count += 1
            self.db_seconds += spent
            if self.keep:
                self.sql.append(sql)
            if self.on_query is not None:
                self.on_query(sql, spent)

    def reset(self) -> None:
        self.count = 0
        self.db_seconds = 0.0
        self.sql.clear()


@contextmanager
def counting(counter: QueryCounter | None = None) -> Iterator[QueryCounter]:
    from django.db import connection

    counter = counter or QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


# --- statistics and printing ------------------------------------------------


def p95(values: Sequence[float]) -> float:
    """95th percentile, nearest-rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def overhead(ours: float, base: float) -> str:
    return f"{(ours - base) / base * 100:+.0f}%" if base else "n/a"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain fixed-width table: first column left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)
        ).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def environment_line() -> str:
    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"# Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"PostgreSQL {pg}, {os.cpu_count()} CPU(s), load average {load}"
    )


# --- registry and users -----------------------------------------------------

BIRTH = dt.date(1960, 5, 17)


def national_id(serial: int, birth: dt.date = BIRTH, sex: str = "M") -> str:
    """A valid 12-digit national ID (domain.md §8) for a 1900s birth; serial < 10**6."""
    digit = ((birth.year - 1900) // 100) * 2 + (1 if sex == "F" else 0)
    return f"001{digit}{birth.year % 100:02d}{serial:06d}"


def seed_registry() -> dict[str, Any]:
    """Hà Nội → Sóc Sơn → its 26 units, caps, budgets, document checklist.

    Budgets are made effectively unlimited so that any number of approvals fit.
    """
    from django.utils import timezone

    from cases.demo.base import seed_configuration, seed_units
    from cases.housing.models import Budget

    units = seed_units()
    seed_configuration(timezone.localdate().year)
    Budget.objects.update(allocated=10**15)
    return units


def make_users(commune_code: str) -> SimpleNamespace:
    """One user per role (commune roles in `commune_code`), through role_grant."""
    from workflows.permissions import Role
    from workflows.services import role_grant

    def grant(username: str, role: str, codes: list[str]) -> Any:
        return role_grant(
            actor=None,
            username=username,
            role=role,
            commune_codes=codes,
            password="bench-pw-123",
            full_name=f"Bench {username}",
        )

    return SimpleNamespace(
        officer=grant("bench_officer", Role.COMMUNE_OFFICER, [commune_code]),
        leader=grant("bench_leader", Role.COMMUNE_LEADER, [commune_code]),
        specialist=grant("bench_specialist", Role.DISTRICT_SPECIALIST, []),
        head=grant("bench_head", Role.OFFICE_HEAD, []),
        accountant=grant("bench_accountant", Role.ACCOUNTANT, []),
    )


# --- set-based set-up ---------------------------------------------------------


def insert_series(
    model: Any, n: int, exprs: dict[str, str], params: dict[str, Any], *, start: int = 1
) -> None:
    """INSERT INTO <model's table> SELECT ... FROM generate_series(start, start + n - 1) AS g.

    `exprs` gives an SQL expression (of g and %(name)s params) per column;
    any other column gets NULL if nullable or its model default, so a field
    added later does not break the benchmark unless it has neither.
    """
    from django.db import connection

    cols, values = [], []
    params = dict(params, n=n, start=start)
    for f in model._meta.local_concrete_fields:
        if f.generated:  # computed by the database (e.g. a name's search fold)
            continue
        if f.column in exprs:
            values.append(exprs[f.column])
        elif f.null:
            values.append("NULL")
        elif f.has_default() or f.empty_strings_allowed:  # text fields default to ''
            key = f"default_{f.column}"
            params[key] = f.get_db_prep_save(f.get_default(), connection)
            values.append(f"%({key})s")
        else:
            raise RuntimeError(f"bench: no value for {model.__name__}.{f.name}")
        cols.append(connection.ops.quote_name(f.column))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(cols)}) "
        f"SELECT {', '.join(values)} "
        "FROM generate_series(%(start)s, %(start)s + %(n)s - 1) AS g"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)


def reset_sequence(model: Any) -> None:
    """Move the id sequence past the ids inserted by hand."""
    from django.db import connection

    table_name = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
            f"(SELECT max(id) FROM {table_name}))"
        )


if __name__ == "__main__":
    # python -m bench.common template NAME: what the smoke tests copy (BENCH_TEMPLATE_DB).
    if len(sys.argv) != 3 or sys.argv[1] != "template":
        sys.exit("usage: python -m bench.common template bench_<name>_<pid>")
    template_create(sys.argv[2])
