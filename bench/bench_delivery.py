"""Throughput of the notification delivery worker against a real SMTP server.

Set-up (not timed): BENCH_USERS (default 100) users with email addresses and
BENCH_NOTIFICATIONS (default 2,000) pending outbox rows spread over them, one
bulk insert. An aiosmtpd server on a free local port (a thread of this
process) accepts every message; Django's SMTP backend is pointed at it.

Variants, each draining every pending row, BENCH_RUNS times (default 3, the
rows reset to pending between runs):

- 1 worker: `notifications.delivery.deliver_due` (what
  `manage.py deliver_notifications --once` runs) in one forked process;
- 2 workers: the same in two forked processes at once (SKIP LOCKED claims
  and leases keep them apart);
- baseline, send_mail: one process reads the pending rows and, per row,
  builds the same message and sends it with `send_mail` (a new SMTP
  connection each time, as send_mail does), then marks the row sent; no
  claim, lease, preference check or retry bookkeeping;
- baseline, one connection: the same loop over one SMTP connection per run
  (the same Message-ID too): the floor for "send 2,000 emails", so the
  difference to "1 worker" is what claiming and marking cost.

Workers are forked after set-up, open their own database connection and
wait at a start line; the clock runs from the start signal until the last
one reports, so Python and Django start-up are left out. One more run, not
repeated, starts two real `manage.py deliver_notifications --once`
processes against the throwaway database: its time includes their start-up.

After every run: the SMTP server received exactly N messages, no two for the
same subject and recipient nor with the same Message-ID, every outbox id
(read back from the Message-ID where the worker set it) exactly once, and
every row is marked sent. A run that fails the check stops the benchmark.

    make bench
    BENCH_NOTIFICATIONS=500 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_delivery.py
"""

from __future__ import annotations

import email
import email.policy
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):  # `python bench/bench_x.py` without PYTHONPATH=.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    env_int,
    environment_line,
    median,
    table,
    throwaway_database,
)

NOTIFICATIONS = env_int("BENCH_NOTIFICATIONS", 2_000)
USERS = env_int("BENCH_USERS", 100)
RUNS = env_int("BENCH_RUNS", 3)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_NOTIFICATIONS": 10, "BENCH_USERS": 3, "BENCH_RUNS": 1}
SMOKE_LINES = [
    r"^1 worker \(deliver_due\) +1 +\d+\.\d\d +\d+\.\d\d +\d+ +10 +yes ",
    r"^baseline: naive loop, one connection +1 +\d+\.\d\d +\d+\.\d\d +\d+ +10 +yes ",
]
ROOT = Path(__file__).resolve().parents[1]
SITE_URL = "https://motcua.example.vn"
Drain = Callable[[], dict[str, int]]  # drains the outbox, returns counts


# --- the SMTP server ------------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server accepted, kept raw: parsing waits until the run ends
    so the server spends as little time per message as a real relay would."""

    received: list[tuple[tuple[str, ...], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.received.append((tuple(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.received.clear()

    def headers(self) -> list[tuple[str, str, str]]:
        """(recipient, decoded subject, Message-ID) of every message received."""
        out = []
        for rcpts, raw in self.received:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            out.append((", ".join(rcpts), str(msg["Subject"]), str(msg["Message-ID"] or "")))
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- set-up and reset -------------------------------------------------------------


def make_outbox(n: int, users: int) -> list[int]:
    """`users` users with email addresses, `n` pending notifications round-robin over
    them (one bulk insert each); returns the notification ids."""
    from django.contrib.auth import get_user_model

    from notifications.models import Notification

    user_model = get_user_model()
    people = user_model.objects.bulk_create(
        user_model(
            username=f"bench_mail_{i:04d}",
            first_name="Cán bộ",
            last_name=f"Số {i}",
            email=f"canbo{i:04d}@ldtbxh.example.vn",
            password="!",  # unusable: nobody logs in
        )
        for i in range(users)
    )
    notes = Notification.objects.bulk_create(
        Notification(
            recipient=people[i % users],
            event="task_waiting",
            title=f"Hồ sơ HT-{i:06d} đang chờ bạn xử lý",
            body="Cán bộ xã: Nộp hồ sơ.",
            url=f"/cases/{i + 1}/",
        )
        for i in range(n)
    )
    return [note.pk for note in notes]


def reset_outbox() -> None:
    """Every row back to pending, as freshly enqueued."""
    from django.db import connection

    from notifications.models import Notification

    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {Notification._meta.db_table}
                   SET email_status = 'pending', attempts = 0, claimed_by = '',
                       claimed_until = NULL, next_attempt_at = NULL, sent_at = NULL,
                       last_error = ''"""
        )
        cur.execute(f"VACUUM ANALYZE {Notification._meta.db_table}")


# --- the variants (each runs in a forked process) ---------------------------------


def worker_drain() -> dict[str, int]:
    from notifications.delivery import deliver_due

    report = deliver_due()
    return {"sent": report.sent, "emails": report.emails, "failed": report.failed}


def _naive_rows() -> list[Any]:
    from notifications.models import Notification

    return list(
        Notification.objects.filter(email_status=Notification.EmailStatus.PENDING)
        .select_related("recipient")
        .order_by("id")
    )


def _mark_sent(pk: int) -> None:
    from django.utils import timezone

    from notifications.models import Notification

    Notification.objects.filter(pk=pk).update(
        email_status=Notification.EmailStatus.SENT, sent_at=timezone.now()
    )


def naive_send_mail() -> dict[str, int]:
    """Read the pending rows, send_mail each (a new SMTP connection per call), mark it."""
    from django.core.mail import send_mail

    from notifications.emails import build_message

    sent = 0
    for note in _naive_rows():
        msg = build_message(note)
        sent += send_mail(msg.subject, str(msg.body), None, msg.to)
        _mark_sent(note.pk)
    return {"sent": sent, "emails": sent, "failed": 0}


def naive_one_connection() -> dict[str, int]:
    """The same loop over one SMTP connection, same messages (Message-ID included)."""
    from django.core.mail import get_connection

    from notifications.emails import build_message

    sent = 0
    with get_connection(fail_silently=False) as conn:
        for note in _naive_rows():
            sent += conn.send_messages([build_message(note)])
            _mark_sent(note.pk)
    return {"sent": sent, "emails": sent, "failed": 0}


def _child(fn: Drain, ready: Any, go: Any, results: Any) -> None:
    """Body of one forked process: own DB connection, wait for the start, run, report."""
    from django.db import connection

    try:
        connection.ensure_connection()
        ready.release()
        go.wait()
        cpu0 = time.process_time()
        report = fn()
        report["cpu_ms"] = round((time.process_time() - cpu0) * 1000)
        results.put(("ok", report))
    except BaseException as exc:  # the parent must hear of it, not wait forever
        results.put(("error", repr(exc)))
    finally:
        connection.close()


def run_forked(fn: Drain, processes: int) -> tuple[float, float, dict[str, int]]:
    """Run `fn` in `processes` forked processes started together; wall seconds, CPU
    seconds of this process (the SMTP server's thread) and the summed reports."""
    from django.db import connections

    ctx = multiprocessing.get_context("fork")
    connections.close_all()  # children must open their own connections
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(fn, ready, go, results)) for _ in range(processes)]
    for p in procs:
        p.start()
    for _ in procs:
        if not ready.acquire(timeout=60):
            raise RuntimeError("a worker process did not start")
    t0, cpu0 = time.perf_counter(), time.process_time()
    go.set()
    totals: Counter[str] = Counter()
    for _ in procs:
        status, value = results.get(timeout=600)
        if status != "ok":
            raise RuntimeError(f"worker process failed: {value}")
        totals.update(value)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    for p in procs:
        p.join(30)
    return seconds, cpu, dict(totals)


def run_commands(processes: int, port: int) -> tuple[float, float, dict[str, int]]:
    """`manage.py deliver_notifications --once` x `processes`, as separate programs
    against the throwaway database; wall time includes their start-up."""
    from django.conf import settings

    url = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(url._replace(path="/" + settings.DATABASES["default"]["NAME"])),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "SITE_URL": SITE_URL,
    }
    t0, cpu0 = time.perf_counter(), time.process_time()
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "deliver_notifications", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    totals: Counter[str] = Counter()
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"deliver_notifications exited {p.returncode}: {err[-2000:]}")
        # "sent N, skipped N, failed N (parked N), emails N"
        words = out.replace(",", "").replace("(", "").replace(")", "").split()
        totals.update({k: int(v) for k, v in zip(words[::2], words[1::2], strict=True)})
    return time.perf_counter() - t0, time.process_time() - cpu0, dict(totals)


# --- checking ------------------------------------------------------------------------


def check(box: Mailbox, ids: list[int], *, with_ids: bool) -> tuple[bool, str]:
    """Every notification emailed exactly once, and every row marked sent."""
    from notifications.models import Notification

    heads = box.headers()
    n = len(ids)
    by_subject = Counter((to, subject) for to, subject, _ in heads)
    by_msgid = Counter(mid for _, _, mid in heads)
    problems = []
    if len(heads) != n:
        problems.append(f"{len(heads)} messages for {n} notifications")
    if len(by_subject) != len(heads):
        problems.append(f"{len(heads) - len(by_subject)} duplicate subject+recipient")
    if len(by_msgid) != len(heads):
        problems.append(f"{len(heads) - len(by_msgid)} duplicate Message-ID")
    if with_ids:
        got = Counter(
            int(mid.strip("<>").split("@")[0].removeprefix("notification-")) for mid in by_msgid
        )
        if set(got) != set(ids):
            problems.append(f"{len(set(ids) - set(got))} notifications never emailed")
    statuses = Counter(Notification.objects.values_list("email_status", flat=True))
    if statuses != {"sent": n}:
        problems.append(f"row statuses {dict(statuses)}")
    what = f"{len(heads)} received, {len(by_subject)} distinct subject+recipient"
    if with_ids:
        what += ", each outbox id once"
    return not problems, what if not problems else "FAILED: " + "; ".join(problems)


# --- main ---------------------------------------------------------------------------


@dataclass
class Variant:
    label: str
    processes: int
    fn: Drain | None  # None: the manage.py command
    with_ids: bool = True  # our Message-ID carries the outbox id
    runs: int = RUNS


def run() -> None:
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    from notifications.models import Notification

    print(environment_line())
    batch = getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 20)
    print(
        f"# BENCH_NOTIFICATIONS={NOTIFICATIONS}, BENCH_USERS={USERS}, BENCH_RUNS={RUNS}, "
        f"worker batch size {batch}"
    )
    t0 = time.perf_counter()
    ids = make_outbox(NOTIFICATIONS, USERS)
    reset_outbox()
    print(f"# set-up: {len(ids)} pending notifications in {time.perf_counter() - t0:.1f} s")

    box = Mailbox()
    port = _free_port()
    # A fixed server name: without it aiosmtpd resolves socket.getfqdn() for every
    # connection, a cost of this test server that a real relay does not have.
    controller = Controller(box, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    smtp = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=10,
        SITE_URL=SITE_URL,
    )
    smtp.enable()
    print(f"# SMTP server: aiosmtpd on 127.0.0.1:{port} (a thread of this process)\n")
    variants = [
        Variant("1 worker (deliver_due)", 1, worker_drain),
        Variant("2 workers in parallel", 2, worker_drain),
        Variant("baseline: naive loop, send_mail", 1, naive_send_mail, with_ids=False),
        Variant("baseline: naive loop, one connection", 1, naive_one_connection),
        Variant("2 x manage.py deliver_notifications --once (*)", 2, None, runs=1),
    ]
    rows = []
    checks = []
    try:
        for v in variants:
            times, cpu_share, worker_cpu = [], [], []
            received = 0
            for i in range(v.runs):
                reset_outbox()
                box.clear()
                if v.fn is None:
                    seconds, cpu, totals = run_commands(v.processes, port)
                else:
                    seconds, cpu, totals = run_forked(v.fn, v.processes)
                ok, what = check(box, ids, with_ids=v.with_ids)
                line = f"{v.label}, run {i + 1}: {what}"
                if v.with_ids and v.fn is not naive_one_connection:
                    claimed = set(Notification.objects.values_list("claimed_by", flat=True))
                    line += f", claimed by {len(claimed - {''})} worker(s)"
                checks.append(line)
                print(f"# {line} ({seconds:.2f} s)", flush=True)
                if not ok:
                    raise SystemExit(f"exactly-once check failed: {line}")
                if totals.get("sent") != len(ids):
                    raise SystemExit(f"{v.label}: the workers reported {totals}")
                times.append(seconds)
                cpu_share.append(cpu / seconds * 100)
                if "cpu_ms" in totals:
                    worker_cpu.append(totals["cpu_ms"] / 1000 / seconds / v.processes * 100)
                received = len(box.received)
            sec = median(times)
            rows.append(
                [
                    v.label,
                    v.processes,
                    f"{sec:.2f}",
                    f"{min(times):.2f}",
                    f"{len(ids) / sec:.0f}",
                    received,
                    "yes",
                    f"{median(worker_cpu):.0f}%" if worker_cpu else "n/a",
                    f"{median(cpu_share):.0f}%",
                ]
            )
    finally:
        smtp.disable()
        controller.stop()
        connection.close()

    print(
        f"\nDelivering {len(ids)} notifications to a real SMTP server "
        f"(seconds: median of {RUNS} runs, and the fastest)"
    )
    print(
        table(
            [
                "variant",
                "procs",
                "seconds",
                "best",
                "notifications/s",
                "messages received",
                "exactly once",
                "worker CPU",
                "SMTP server CPU",
            ],
            rows,
        )
    )
    print(
        "(*) one run; separate programs, so the time includes Python and Django start-up.\n"
        "exactly once: the SMTP server received one message per notification, no duplicate\n"
        "subject+recipient or Message-ID, and every row ended 'sent' (checked after each run).\n"
        "worker CPU: Python CPU time of each sending process over wall time (the rest is\n"
        "waiting for PostgreSQL and the SMTP server).\n"
        "SMTP server CPU: CPU time of this process (the aiosmtpd thread; the main thread\n"
        "only waits) over wall time: near 100% means the test server, not the code under\n"
        "test, sets the pace."
    )


def main() -> None:
    with throwaway_database("delivery"):
        run()


if __name__ == "__main__":
    main()
