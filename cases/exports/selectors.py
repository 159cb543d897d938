"""Reads of the export jobs, scoped: a user sees only their own jobs, and only
while the job's kind still lets them read what it exported (another user's
job, or one they may no longer read, is "not found")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cases.exports.kinds import kind_get
from cases.exports.models import ExportJob
from workflows.exceptions import NotFound

RECENT_DAYS = 30


def export_jobs_for_user(user: Any) -> QuerySet[ExportJob]:
    """The user's own jobs of the last days, newest first."""
    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    return ExportJob.objects.filter(requester_id=user.pk, created_at__gte=since)


def export_job_get(user: Any, pk: Any) -> ExportJob:
    """One of the user's jobs that they may still read; NotFound otherwise."""
    try:
        job = ExportJob.objects.get(pk=int(pk), requester_id=getattr(user, "pk", None))
    except (ExportJob.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not kind_get(job.kind).may_access(user, job):
        raise NotFound()
    return job
