"""Notification outbox: rows written inside the transaction that caused them,
delivered after commit by a worker (in-app rows are readable at once), and the
per-user delivery preferences the worker obeys."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        "cases.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    # Counted when a worker claims the row, so a row that kills its worker
    # every time is parked like one that fails cleanly.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Delivery bookkeeping (notifications.delivery). All nullable or with a
    # database default: the INSERT ... SELECT of notifications_enqueue_for_role
    # does not name them.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True, db_default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The worker's claim scans only what is still to be emailed.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="notification_email_due",
                condition=models.Q(email_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How one user wants to be emailed; without a row: every event, at once.

    In-app notifications are never affected: they are the record of what
    waits for the user."""

    class Digest(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately, one email per notification")
        DAILY = "daily", _("Once a day, one email with everything")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("email notifications"), default=True)
    digest = models.CharField(
        _("email frequency"), max_length=10, choices=Digest.choices, default=Digest.IMMEDIATE
    )
    muted_events = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("events without email"),
        default=list,
        blank=True,
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}"
