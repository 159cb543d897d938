"""A lockout as the office sees it: which account or address, since and until
when, and how it ended. django-axes keeps the failure counts that decide it;
this row is what the administrator's page lists and what the audit trail's
lockout and unlock events are about."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LoginLockout(models.Model):
    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account")
        ADDRESS = "address", _("IP address")

    class How(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Lifted by the administrator")
        COOL_OFF = "cool_off", _("Ended after the waiting time")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The username tried, or the client's IP address.
    value = models.CharField(_("account or address"), max_length=255)
    started_at = models.DateTimeField(_("locked at"))
    until = models.DateTimeField(_("locked until"))
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    how = models.CharField(_("how it ended"), max_length=20, choices=How.choices, blank=True)

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        ordering = ["-started_at", "-id"]
        constraints = [
            # At most one open lockout per account or address.
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=Q(lifted_at__isnull=True),
                name="one_open_lockout_per_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["until"], condition=Q(lifted_at__isnull=True), name="open_lockout_until"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
