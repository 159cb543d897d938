"""The export worker's loop (`manage.py run_exports`): claim a job, build it,
sleep when there is none; purge old files once an hour."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.db import close_old_connections, connection

from cases.exports.services import export_job_claim, export_job_run, export_jobs_purge

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_due(*, worker: str, stop: threading.Event | None = None) -> int:
    """Build every job that is due now, one after another; returns how many."""
    done = 0
    while stop is None or not stop.is_set():
        job = export_job_claim(worker=worker)
        if job is None:
            break
        export_job_run(job, worker=worker)
        done += 1
    return done


@dataclass
class Worker:
    poll: float = 2.0
    worker_id: str = field(default_factory=new_worker_id)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> int:
        total = 0
        purged_at = 0.0
        while not self.stop.is_set():
            close_old_connections()  # the worker outlives database restarts
            try:
                if time.monotonic() - purged_at > PURGE_EVERY_S:
                    export_jobs_purge()
                    purged_at = time.monotonic()
                built = run_due(worker=self.worker_id, stop=self.stop)
            except Exception:
                # A database hiccup must not kill the worker; a claimed job
                # comes back when its lease runs out.
                log.exception("export worker loop failed; retrying")
                connection.close()
                built = 0
            total += built
            if not built:
                self.stop.wait(self.poll)
        return total
