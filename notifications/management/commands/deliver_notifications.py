"""Email the notification outbox.

    manage.py deliver_notifications            # worker: runs until SIGTERM/SIGINT
    manage.py deliver_notifications --once     # drain what is due, then exit
    manage.py deliver_notifications --digest   # the daily digests (run once a day)

Run as many workers as you like: rows are claimed with FOR UPDATE SKIP LOCKED
and a lease, so each notification is emailed by one of them (see
notifications/delivery.py for the guarantees around a crash).
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.delivery import Report, Worker, deliver_digests, deliver_due


class Command(BaseCommand):
    help = "Email pending notifications (a worker; --once to drain and exit, --digest for digests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Drain what is due, then exit.")
        parser.add_argument(
            "--digest",
            action="store_true",
            help="Send one email per daily-digest user with all their pending notifications.",
        )
        parser.add_argument("--poll", type=float, default=5.0, help="Seconds between polls.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["digest"]:
            self._report(deliver_digests())
            return
        if opts["once"]:
            self._report(deliver_due(batch_size=opts["batch_size"]))
            return
        worker = Worker(poll=opts["poll"], batch_size=opts["batch_size"])

        def stop(signum: int, frame: Any) -> None:
            # Finish the message in hand, mark it, then leave: nothing is half-done.
            worker.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"notification worker {worker.worker_id} started")
        self._report(worker.run())

    def _report(self, report: Report) -> None:
        self.stdout.write(
            f"sent {report.sent}, skipped {report.skipped}, failed {report.failed} "
            f"(parked {report.parked}), emails {report.emails}"
        )
