"""Run the periodic jobs: the reminder and escalation sweep, the one-stop
prompts to issue Mẫu 04 before an appointment date is missed, and the audit
trail's tamper check (every --verify-every seconds, default 3600; admins are
notified once per broken link).

    manage.py run_scheduler                 # loop until SIGTERM/SIGINT
    manage.py run_scheduler --interval 60   # seconds between sweeps (default 300)
    manage.py run_scheduler --once          # one sweep, print the counts, exit
    manage.py run_scheduler --verify-every 0   # no tamper check

Running it twice at once is harmless: each reminder is recorded once per task
and threshold (a unique constraint), each Mẫu 04 prompt once per dossier and
appointment date (a conditional UPDATE), so nothing is sent twice.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows.audit_check import audit_verify_and_notify
from workflows.onestop import apology_prompts_sweep
from workflows.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Run the reminder and escalation sweep periodically (--once: one sweep)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One sweep, then exit.")
        parser.add_argument("--interval", type=float, default=300.0, help="Seconds between sweeps.")
        parser.add_argument(
            "--verify-every",
            type=float,
            default=3600.0,
            help="Seconds between tamper checks of the audit trail (0: never).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        verify_every = opts["verify_every"]
        if opts["once"]:
            self._sweep()
            if verify_every > 0:
                self._verify()
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(f"scheduler started, sweeping every {opts['interval']:g}s")
        # The walk reads every event: hourly, not at every sweep.
        last_verify = float("-inf")
        while not stop.is_set():
            self._sweep()
            if verify_every > 0 and time.monotonic() - last_verify >= verify_every:
                self._verify()
                last_verify = time.monotonic()
            stop.wait(opts["interval"])
        self.stdout.write("scheduler stopped")

    def _sweep(self) -> None:
        counts = reminders_sweep()
        prompts = apology_prompts_sweep()
        self.stdout.write(
            ", ".join(f"{name} {n}" for name, n in counts.items())
            + f"; one-stop Mẫu 04 prompts: {prompts['dossiers']} dossiers, "
            f"{prompts['notifications']} notifications"
        )
        self.stdout.flush()

    def _verify(self) -> None:
        # From the checkpoints on: the cost follows the new events (a full walk:
        # `manage.py verify_audit --full`, or the auditors' tamper-check page).
        verdict = audit_verify_and_notify(incremental=True)
        if verdict.ok:
            self.stdout.write(f"audit trail OK: {verdict.events} events in {verdict.chains} chains")
        else:
            self.stdout.write(
                f"audit trail BROKEN: {verdict.problem}; {verdict.notified} admin(s) notified"
            )
        self.stdout.flush()
