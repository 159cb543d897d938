"""Writes of the export jobs: queue one, claim, run, finish or fail it, purge
old ones.

Claiming is one autocommit statement (SELECT ... FOR UPDATE SKIP LOCKED,
then a lease stamped on the row), as the notification worker claims emails:
several workers never take the same job, and no transaction stays open while
a file is built. While building, the worker writes the progress at most every
half second and renews its lease with it; a worker that dies leaves a lease
that runs out, and the next claim takes the job again, up to
EXPORT_JOB_MAX_ATTEMPTS claims; then it is failed with a message for the
requester (an in-app notification). A job still waiting after EXPORT_JOB_EXPIRE_MINUTES (no worker
running) is failed the same way, so no job waits forever. Files and jobs older
than EXPORT_JOB_KEEP_DAYS are deleted by `export_jobs_purge`.

Settings (getattr, all optional): EXPORT_JOB_MAX_ATTEMPTS (3),
EXPORT_JOB_LEASE_SECONDS (120), EXPORT_JOB_RETRY_SECONDS (30, times the
attempt), EXPORT_JOB_EXPIRE_MINUTES (60), EXPORT_JOB_KEEP_DAYS (7)."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.exports.kinds import Progress, kind_get
from cases.exports.models import ExportJob
from notifications.models import Notification

log = logging.getLogger(__name__)
TABLE = ExportJob._meta.db_table
S = ExportJob.Status
E = ExportJob.Error


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def max_attempts() -> int:
    return int(_setting("EXPORT_JOB_MAX_ATTEMPTS", 3))


def lease_seconds() -> float:
    return _setting("EXPORT_JOB_LEASE_SECONDS", 120)


class LeaseLost(Exception):
    """Another worker took the job over (our lease ran out): stop building."""


# --- queueing ---------------------------------------------------------------------------


def export_job_create(
    *,
    actor: Any,
    kind: str,
    fmt: str,
    params: dict[str, Any],
    commune_id: int | None = None,
    rows_total: int | None = None,
) -> ExportJob:
    """Queue an export for the worker. The caller has checked that `actor` may
    export this (and logged the request); the job runs as `actor`, in the
    current language."""
    kind_get(kind)  # an unknown kind is a programming error, raised here
    return ExportJob.objects.create(
        requester=actor,
        kind=kind,
        fmt=fmt,
        params=params,
        commune_id=commune_id,
        rows_total=rows_total,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


# --- claiming (each a single autocommit statement) -----------------------------------


def _fail_abandoned() -> int:
    """Fail jobs whose last allowed claim died with its worker, and jobs that
    waited past their expiry: no job stays unfinished forever."""
    expire = _setting("EXPORT_JOB_EXPIRE_MINUTES", 60)
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE}
                   SET status = %s, claimed_until = NULL, finished_at = now(),
                       error_code = CASE WHEN status = %s THEN %s ELSE %s END
                 WHERE (status = %s AND attempts >= %s AND claimed_until < now())
                    OR (status = %s AND created_at < now() - make_interval(secs => %s))
             RETURNING id""",
            [S.FAILED, S.RUNNING, E.WORKER_LOST, E.EXPIRED, S.RUNNING, max_attempts(),
             S.QUEUED, expire * 60],
        )  # fmt: skip
        ids = [row[0] for row in cur.fetchall()]
    for job in ExportJob.objects.filter(pk__in=ids):
        _notify(job)
    if ids:
        log.error("failed export jobs %s: abandoned by dead workers, or expired", ids)
    failed = len(ids)
    return failed


def export_job_claim(*, worker: str) -> ExportJob | None:
    """Lease the oldest due job (waiting, or running under a lease that ran
    out) to `worker`; None when there is nothing to do."""
    _fail_abandoned()
    with connection.cursor() as cur:
        cur.execute(
            f"""WITH due AS (
                    SELECT j.id FROM {TABLE} j
                     WHERE (j.status = %s AND (j.not_before IS NULL OR j.not_before <= now()))
                        OR (j.status = %s AND j.claimed_until < now())
                     ORDER BY j.id
                     LIMIT 1
                       FOR UPDATE OF j SKIP LOCKED)
                UPDATE {TABLE} j
                   SET status = %s, claimed_by = %s,
                       claimed_until = now() + make_interval(secs => %s),
                       attempts = j.attempts + 1,
                       started_at = COALESCE(j.started_at, now())
                  FROM due WHERE j.id = due.id
             RETURNING j.id""",
            [S.QUEUED, S.RUNNING, S.RUNNING, worker, lease_seconds()],
        )
        row = cur.fetchone()
    return ExportJob.objects.select_related("requester").get(pk=row[0]) if row else None


def _heartbeat(job: ExportJob, worker: str, done: int, total: int | None) -> None:
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE}
                   SET rows_done = %s, rows_total = COALESCE(%s, rows_total),
                       claimed_until = now() + make_interval(secs => %s)
                 WHERE id = %s AND claimed_by = %s AND status = %s""",
            [done, total, lease_seconds(), job.pk, worker, S.RUNNING],
        )
        if cur.rowcount != 1:
            raise LeaseLost(f"export job {job.pk} was taken over")


def _progress(job: ExportJob, worker: str) -> Progress:
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done == total:
            last[0] = now
            _heartbeat(job, worker, done, total)

    return Progress(report)


# --- running ------------------------------------------------------------------------------


def export_job_run(job: ExportJob, *, worker: str) -> ExportJob:
    """Build the claimed job's file as its requester, store it and mark the job
    done (and notify the requester); on an error, retry later or fail it."""
    kind = kind_get(job.kind)
    try:
        with translation.override(job.language):
            if not kind.may_access(job.requester, job):
                return _fail(job, worker, E.NOT_ALLOWED, "")
            progress = _progress(job, worker)
            with tempfile.TemporaryFile() as out:
                built = kind.build(job, out, progress)
                _heartbeat(job, worker, progress.done, progress.rows_total)
                out.seek(0)
                job.file.save(built.filename, File(out), save=False)
            job.filename, job.content_type = built.filename, built.content_type
    except LeaseLost:
        log.warning("export job %s: lease lost, left to the worker that took it", job.pk)
        return job
    except Exception as exc:  # any failure of a build: retried, then reported
        log.exception("export job %s failed", job.pk)
        if job.attempts < max_attempts():
            return _retry(job, worker, repr(exc))
        return _fail(job, worker, E.BUILD_FAILED, repr(exc))
    updated = ExportJob.objects.filter(pk=job.pk, claimed_by=worker, status=S.RUNNING).update(
        status=S.DONE,
        file=job.file.name,
        filename=job.filename,
        content_type=job.content_type,
        size=job.file.size,
        rows_done=progress.done,
        rows_total=progress.rows_total if progress.rows_total is not None else progress.done,
        claimed_until=None,
        finished_at=timezone.now(),
        error_code="",
        error_detail="",
    )
    if not updated:  # taken over meanwhile: the other worker's file counts
        job.file.delete(save=False)
        return job
    job.refresh_from_db()
    _notify(job)
    return job


def _retry(job: ExportJob, worker: str, detail: str) -> ExportJob:
    wait = _setting("EXPORT_JOB_RETRY_SECONDS", 30) * job.attempts
    ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(
        status=S.QUEUED,
        claimed_until=None,
        not_before=timezone.now() + dt.timedelta(seconds=wait),
        error_detail=detail[:4000],
    )
    job.refresh_from_db()
    return job


def _fail(job: ExportJob, worker: str, code: str, detail: str) -> ExportJob:
    ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(
        status=S.FAILED,
        claimed_until=None,
        finished_at=timezone.now(),
        error_code=code,
        error_detail=detail[:4000],
    )
    job.refresh_from_db()
    _notify(job)
    return job


def _notify(job: ExportJob) -> None:
    """An in-app notification to the requester, who asked a moment ago and
    waits on the page or nearby: no email (the row is marked skipped, so
    the email worker leaves it alone and the preferences page has nothing to
    offer for it)."""
    with translation.override(job.language):
        if job.status == S.DONE:
            title = _("Your export is ready: %(name)s") % {"name": job.filename}
            body = _("Download it from the export page within %(days)s days.") % {
                "days": int(_setting("EXPORT_JOB_KEEP_DAYS", 7))
            }
        else:
            title = _("Your export failed")
            body = job.error_message
    Notification.objects.create(
        recipient_id=job.requester_id,
        commune_id=job.commune_id,
        event="export_ready" if job.status == S.DONE else "export_failed",
        title=title[:200],
        body=body,
        url=reverse("export_job", args=[job.pk]),
        email_status=Notification.EmailStatus.SKIPPED,
        last_error="in-app only",
    )


# --- housekeeping -----------------------------------------------------------------------


def export_jobs_purge(*, days: float | None = None) -> int:
    """Delete finished jobs older than `days` (EXPORT_JOB_KEEP_DAYS) and their
    files. Returns the number of jobs deleted."""
    keep = _setting("EXPORT_JOB_KEEP_DAYS", 7) if days is None else days
    old = ExportJob.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(days=keep),
        status__in=[S.DONE, S.FAILED],
    )
    count = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
