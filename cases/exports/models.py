"""A background export: who asked for what, how far it got, and its file.

Jobs are claimed by `manage.py run_exports` (cases.exports.worker) with
SELECT ... FOR UPDATE SKIP LOCKED and a lease; the file lives under
MEDIA_ROOT/exports/ and is downloaded only through the requester's scoped view
(MEDIA_URL is not served)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _file_path(job: ExportJob, filename: str) -> str:
    """A name nobody can guess or collide with; the download name is kept apart."""
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"exports/{job.created_at:%Y/%m}/{uuid.uuid4().hex}.{ext}"


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being produced")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Not produced")

    class Error(models.TextChoices):
        """Why a job failed, as the requester reads it (`message`)."""

        BUILD_FAILED = "build_failed", _("The file could not be produced. Try again later.")
        WORKER_LOST = (
            "worker_lost",
            _(
                "The export stopped several times before it finished. "
                "Narrow the filters and try again."
            ),
        )
        EXPIRED = (
            "expired",
            _("No export worker took the job in time. Try again later or tell the administrator."),
        )
        NOT_ALLOWED = "not_allowed", _("You may no longer export these records.")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # The commune of what is exported (a commune's signature list); null for
    # district-wide exports. Access is checked again by the kind on every read.
    commune = models.ForeignKey(
        "cases.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40)
    fmt = models.CharField(_("format"), max_length=8)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(max_length=8, default="vi")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    file = models.FileField(upload_to=_file_path, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.BigIntegerField(default=0)
    error_code = models.CharField(max_length=20, choices=Error.choices, blank=True)
    error_detail = models.TextField(blank=True)  # for the administrator: the exception
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)  # a retry waits until then
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [
            models.Index(fields=["requester", "-created_at"]),
            # The worker's claim looks only at unfinished jobs.
            models.Index(
                fields=["status", "id"],
                name="exportjob_open",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.fmt} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))

    @property
    def error_message(self) -> str:
        return str(self.Error(self.error_code).label) if self.error_code else ""

    def as_status(self, **urls: Any) -> dict[str, Any]:
        """What the progress page polls (and the API answers)."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "format": self.fmt,
            "status": self.status,
            "status_label": str(self.get_status_display()),
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "percent": self.percent,
            "filename": self.filename if self.status == self.Status.DONE else "",
            "error": self.error_message,
            **urls,
        }
