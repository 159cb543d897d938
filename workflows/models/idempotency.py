"""Answers kept for clients' Idempotency-Key headers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` and the answer given to it, written in the
    same transaction as the effect (workflows.idempotency): committed, the
    effect and its answer exist together; a retry gets the answer back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.TextField()  # "POST /api/v1/cases/7/transitions/verify/"
    fingerprint = models.CharField(max_length=64)  # sha256 of the request's data and files
    status = models.PositiveSmallIntegerField()
    # The API's JSON as sent, or the web's redirect and messages.
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]
