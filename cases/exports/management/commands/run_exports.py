"""Produce the queued background exports.

    manage.py run_exports            # worker: runs until SIGTERM/SIGINT
    manage.py run_exports --once     # build what is due, then exit
    manage.py run_exports --purge    # delete jobs and files older than EXPORT_JOB_KEEP_DAYS

Run as many as you like: jobs are claimed with FOR UPDATE SKIP LOCKED and a
lease (cases/exports/services.py).
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.exports.services import export_jobs_purge
from cases.exports.worker import Worker, new_worker_id, run_due


class Command(BaseCommand):
    help = "Build queued exports (a worker; --once to drain and exit, --purge to clean up)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Build what is due, then exit.")
        parser.add_argument("--purge", action="store_true", help="Delete old jobs and files.")
        parser.add_argument("--poll", type=float, default=2.0, help="Seconds between polls.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["purge"]:
            self.stdout.write(f"deleted {export_jobs_purge()} old export jobs")
            return
        if opts["once"]:
            self.stdout.write(f"built {run_due(worker=new_worker_id())} exports")
            return
        worker = Worker(poll=opts["poll"])

        def stop(signum: int, frame: Any) -> None:
            worker.stop.set()  # the job in hand is finished first

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"export worker {worker.worker_id} started")
        self.stdout.write(f"built {worker.run()} exports")
