"""Fault drill: a bounded load of housing transitions and payments over HTTP on
127.0.0.1, with PostgreSQL stopped and started in the middle and the
notification worker killed (SIGKILL) twice, then the tally.

    make drill                                  # 40 cases, 4 clients
    DRILL_CASES=8 DRILL_CLIENTS=2 python bench/drill_faults.py

Everything runs in a throwaway PostgreSQL cluster of its own (a temporary
folder, its own port: scripts/localdb.sh with LOCALDB_BASE/LOCALDB_PORT), so
the outage touches nothing else; the web server is gunicorn (2 workers), the
worker `manage.py deliver_notifications`, the mail server `manage.py
run_mailbox` (a real SMTP server filing every message in a Maildir).

Each client drives its cases submit -> verify -> review -> approve -> disburse
(first tranche) -> accept_completion -> disburse (final tranche) through
/api/v1/cases/<id>/transitions/<name>/, every POST with an Idempotency-Key it
keeps while it retries (connection refused, 5xx, 409 idempotency_in_progress)
until the answer is 200. The tally it prints, and checks (exit 1 otherwise):

- attempts that failed, and how many of them fell outside the outage window
  (from the stop to a few seconds after the start): must be 0;
- double payments (more than the two tranches on a case): must be 0;
- state changes lost (a case not closed) or duplicated (a transition in the
  audit trail twice on a case): must be 0;
- `verify_audit`: the hash chain checks out;
- emails: every notification emailed arrived (lost 0), and duplicates (the same
  Message-ID twice) at most one per worker kill.

DRILL_TEMPLATE_DB names a migrated database on DATABASE_URL's server to copy
(pg_dump | pg_restore, seconds) instead of migrating the drill's own (a minute).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import env_int  # noqa: E402
from bench.drill_tally import report, wait_for_emails  # noqa: E402

CASES = env_int("DRILL_CASES", 40)
CLIENTS = env_int("DRILL_CLIENTS", 4)
OUTAGE_S = env_int("DRILL_OUTAGE_S", 5)
# A request may still fail this long after the server is back (a request that
# started before the stop and times out, a connection being re-made).
GRACE_S = 3
RETRY_DEADLINE_S = 120
LOCALDB = str(ROOT / "scripts" / "localdb.sh")
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")

SMOKE_ENV = {"DRILL_CASES": 4, "DRILL_CLIENTS": 2, "DRILL_OUTAGE_S": 2}
SMOKE_LINES = [
    r"attempts failed outside the outage window: 0\b",
    r"double payments: 0\b",
    r"state changes lost: 0, duplicated: 0\b",
    r"verify_audit: OK",
    r"emails lost: 0, duplicated: \d+ \(at most 2\)",
    r"drill: PASS",
]

# (transition, role, data)
TODAY = dt.date.today().isoformat()
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("submit", "officer", {}),
    ("verify", "leader", {}),
    ("review", "specialist", {"assessed_amount": 20_000_000}),
    (
        "approve",
        "head",
        {"decision_number": "45/QĐ-UBND", "decision_date": TODAY, "approved_amount": 20_000_000},
    ),
    ("disburse", "accountant", {"amount": 10_000_000, "paid_on": TODAY}),
    ("accept_completion", "officer", {"accepted_on": TODAY}),
    ("disburse", "accountant", {"amount": 10_000_000, "paid_on": TODAY}),
]


@dataclass
class Attempt:
    started: float
    ended: float
    outcome: str  # "200", "500", "refused", ...
    replayed: bool = False  # the stored first answer (Idempotent-Replayed: true)


@dataclass
class Tally:
    attempts: list[Attempt] = field(default_factory=list)
    done_steps: int = 0
    stuck: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def step_done(self) -> None:
        with self.lock:
            self.done_steps += 1


T0 = time.monotonic()


def log(message: str) -> None:
    print(f"# [{time.monotonic() - T0:6.1f} s] {message}", flush=True)


# --- the throwaway cluster and the processes ------------------------------------


class Cluster:
    def __init__(self, base: str, port: int) -> None:
        self.env = {**os.environ, "LOCALDB_BASE": base, "LOCALDB_PORT": str(port)}

    def run(self, command: str) -> str:
        return subprocess.run(
            [LOCALDB, command], env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()

    @property
    def url(self) -> str:
        return self.run("url")


def copy_template(template: str, source_url: str, target_url: str) -> None:
    """pg_dump the migrated template database into the drill's (seconds, not a migrate)."""
    source = source_url.rsplit("/", 1)[0] + "/" + template
    dump = subprocess.Popen(
        [f"{PGBIN}/pg_dump", "-Fc", "--no-owner", "-d", source], stdout=subprocess.PIPE
    )
    subprocess.run(
        [f"{PGBIN}/pg_restore", "--no-owner", "-d", target_url],
        stdin=dump.stdout,
        check=True,
    )
    if dump.wait() != 0:
        raise SystemExit("pg_dump of the template database failed")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@contextmanager
def process(args: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    with open(log_path, "ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- the data (in this process, on the drill's database) ------------------------


def seed(cases: int) -> tuple[list[int], dict[str, str]]:
    """Communes, one user per role, caps and budgets, `cases` draft housing
    cases with their documents; API tokens for the users."""
    from django.contrib.auth import get_user_model
    from django.db import connections
    from knox.models import AuthToken

    from cases.demo.base import seed_configuration, seed_units, upload_all_documents
    from cases.housing.models import HousingKind, HousingProgram
    from cases.housing.services import housing_case_create
    from cases.models import Category, MeritSubtype
    from cases.services import person_create
    from workflows.permissions import Role
    from workflows.services import role_grant

    units = seed_units()
    seed_configuration(dt.date.today().year)
    commune = units["00448"]
    roles = {
        "officer": (Role.COMMUNE_OFFICER, [commune.code]),
        "leader": (Role.COMMUNE_LEADER, [commune.code]),
        "specialist": (Role.DISTRICT_SPECIALIST, []),
        "head": (Role.OFFICE_HEAD, []),
        "accountant": (Role.ACCOUNTANT, []),
    }
    users = {
        name: role_grant(
            actor=None,
            username=f"drill_{name}",
            role=role,
            commune_codes=codes,
            password=secrets.token_urlsafe(16),
            full_name=f"Diễn tập {name}",
            email=f"drill_{name}@ldtbxh.local",
        )
        for name, (role, codes) in roles.items()
    }
    ids = []
    for i in range(cases):
        person = person_create(
            actor=users["officer"],
            full_name=f"Người diễn tập {i + 1}",
            date_of_birth=dt.date(1950, 1, 1),
            sex="M",
            national_id=f"001050{i + 1:06d}",
            commune=commune,
            address="Thôn Đông",
            categories=[Category.MERIT],
            merit_subtype=MeritSubtype.WAR_INVALID,
        )
        case = housing_case_create(
            actor=users["officer"],
            commune=commune,
            applicant=person,
            program=HousingProgram.MERIT,
            kind=HousingKind.REPAIR,
            requested_amount=20_000_000,
        )
        upload_all_documents(users["officer"], case)
        ids.append(case.pk)
    tokens = {name: AuthToken.objects.create(user=user)[1] for name, user in users.items()}
    assert get_user_model().objects.filter(username__startswith="drill_").count() == len(roles)
    connections.close_all()
    return ids, tokens


# --- the clients ---------------------------------------------------------------


def post(
    port: int, path: str, token: str, key: str, body: dict[str, Any]
) -> tuple[int, dict, bool]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Accept-Language": "vi",
                "Idempotency-Key": key,
            },
        )
        response = conn.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {"code": "not_json"}
        return response.status, data, response.getheader("Idempotent-Replayed") == "true"
    finally:
        conn.close()


def drive(port: int, case_id: int, tokens: dict[str, str], tally: Tally) -> None:
    for name, role, data in STEPS:
        key = str(uuid.uuid4())  # one logical action, however many attempts
        deadline = time.monotonic() + RETRY_DEADLINE_S
        while True:
            started = time.time()
            try:
                status, answer, replayed = post(
                    port, f"/api/v1/cases/{case_id}/transitions/{name}/", tokens[role], key, data
                )
                outcome = str(status)
            except (OSError, http.client.HTTPException) as error:
                status, answer, outcome, replayed = 0, {}, type(error).__name__, False
            tally.add(Attempt(started, time.time(), outcome, replayed))
            if status == 200:
                tally.step_done()
                break
            retry = status == 0 or status >= 500 or answer.get("code") == "idempotency_in_progress"
            if not retry or time.monotonic() > deadline:
                tally.stuck.append(f"case {case_id} {name}: {outcome} {answer}")
                return
            time.sleep(0.25)


# --- the faults -----------------------------------------------------------------


@dataclass
class Faults:
    outage: tuple[float, float] | None = None
    kills: int = 0


def inject(cluster: Cluster, tally: Tally, total: int, worker: Any, faults: Faults) -> None:
    """Stop PostgreSQL at 30 % of the steps (start it OUTAGE_S later); SIGKILL the
    worker at 50 % and at 75 % (started again at once)."""

    def wait_until(share: float) -> None:
        while tally.done_steps < total * share and any_client_alive():
            time.sleep(0.05)

    wait_until(0.3)
    down = time.time()
    cluster.run("stop")
    log(f"PostgreSQL stopped at {tally.done_steps}/{total} steps")
    time.sleep(OUTAGE_S)
    cluster.run("start")
    faults.outage = (down, time.time())
    log(f"PostgreSQL started again after {faults.outage[1] - down:.1f} s")
    for share in (0.5, 0.75):
        wait_until(share)
        worker.kill_and_restart()
        faults.kills += 1
        log(f"worker killed (SIGKILL) and started again at {tally.done_steps}/{total} steps")


_clients: list[threading.Thread] = []


def any_client_alive() -> bool:
    return any(t.is_alive() for t in _clients)


class Worker:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc = self._start()

    def _start(self) -> subprocess.Popen:
        with open(self.log_path, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "manage.py", "deliver_notifications", "--poll", "0.5"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )

    def kill_and_restart(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = self._start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="caseflow-drill-"))
    os.chmod(work, 0o755)  # the postgres user (as root) must reach the cluster inside
    cluster = Cluster(str(work / "pg"), 55_000 + os.getpid() % 5_000)
    source_url = os.environ.get("DATABASE_URL", "")
    try:
        cluster.run("start")
        url = cluster.url
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DEBUG": "0",
            "MEDIA_ROOT": str(work / "media"),
            "EMAIL_HOST": "127.0.0.1",
            "NOTIFICATIONS_LEASE_SECONDS": "10",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
        }
        template = os.environ.get("DRILL_TEMPLATE_DB", "").strip()
        t0 = time.perf_counter()
        if template and source_url:
            copy_template(template, source_url, url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        log(f"drill database ready in {time.perf_counter() - t0:.1f} s")
        os.environ.update(env)
        import django

        django.setup()
        ids, tokens = seed(CASES)
        log(f"{len(ids)} draft cases with their documents")

        web_port, mail_port = free_port(), free_port()
        env["EMAIL_PORT"] = str(mail_port)
        maildir = work / "mail"
        logs = work / "logs"
        logs.mkdir()
        gunicorn = [
            sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2",
            "--bind", f"127.0.0.1:{web_port}", "--timeout", "30",
        ]  # fmt: skip
        mail = [
            sys.executable, "manage.py", "run_mailbox", "--port", str(mail_port),
            "--maildir", str(maildir),
        ]  # fmt: skip
        with (
            process(mail, env, logs / "mailbox.log"),
            process(gunicorn, env, logs / "web.log"),
        ):
            wait_for_port(mail_port)
            wait_for_port(web_port)
            worker = Worker(env, logs / "worker.log")
            try:
                tally, faults = Tally(), Faults()
                total = len(ids) * len(STEPS)
                queue = list(ids)
                queue_lock = threading.Lock()

                def client() -> None:
                    while True:
                        with queue_lock:
                            if not queue:
                                return
                            case_id = queue.pop()
                        drive(web_port, case_id, tokens, tally)

                t_load = time.perf_counter()
                _clients.extend(threading.Thread(target=client) for _ in range(CLIENTS))
                for thread in _clients:
                    thread.start()
                inject(cluster, tally, total, worker, faults)
                for thread in _clients:
                    thread.join()
                log(f"load done in {time.perf_counter() - t_load:.1f} s")
                wait_for_emails(timeout=90)
            finally:
                worker.stop()
        print(f"# logs: {logs}")
        ok = report(tally, faults, ids, maildir, steps=STEPS, clients=CLIENTS, grace_s=GRACE_S)
        return 0 if ok else 1
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        try:
            cluster.run("stop")
        finally:
            if os.environ.get("DRILL_KEEP") != "1":
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
