"""The audit trail: events (append-only, hash-chained per commune), the
chains' heads, the tamper check's checkpoints and its alerts."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from workflows.text import folded_column


class AuditEvent(models.Model):
    """One thing that happened: a transition, an upload, a grant, a read.

    Each event carries the hash of the previous event of its chain (one chain
    per commune, plus "system"), so an edit or a deletion breaks the chain and
    `manage.py verify_audit` finds it.
    """

    chain = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    commune = models.ForeignKey(
        settings.CASEFLOW_UNIT_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        settings.CASEFLOW_CASE_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    event = models.CharField(max_length=30)
    transition = models.CharField(max_length=40, blank=True)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    # What the explorer's free text reads: no diacritics, lower case. Not hashed.
    reason_folded = folded_column("reason")
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")
        ]
        indexes = [
            # The explorer's keyset pages (occurred_at DESC, id DESC), over
            # everything or within one case, actor or commune: an index range
            # that stops after one page, with no sort (bench_audit_explorer).
            models.Index(fields=["-occurred_at", "-id"], name="audit_time"),
            models.Index(fields=["case", "-occurred_at", "-id"], name="audit_case_time"),
            models.Index(fields=["actor", "-occurred_at", "-id"], name="audit_actor_time"),
            models.Index(fields=["commune", "-occurred_at", "-id"], name="audit_commune_time"),
            # Events of one object (a gift list or row): timelines, separation of duties.
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # The explorer's free text with or without diacritics (workflows.text).
            GinIndex(
                fields=["reason_folded"], opclasses=["gin_trgm_ops"], name="audit_reason_fold_trgm"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.event} {self.transition}"


class AuditChainHead(models.Model):
    """Last link of each chain; locked while appending so links never fork."""

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.chain}@{self.seq}"


class AuditCheckpoint(models.Model):
    """How far the tamper check has verified a chain: its event `seq`, whose
    hash was `hash`. The next incremental check re-reads that event (it must
    still be there with the same hash) and walks only what came after it, so
    its cost follows the new events, not the whole trail; a full walk
    (`verify_audit --full`, the auditors' page) reads everything again."""

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.chain}@{self.seq}"


class AuditAlert(models.Model):
    """A broken link of the audit trail that admins were told about: one row
    per link (its `key`), so a check repeated every few minutes by the
    scheduler, the page and the command notifies once."""

    key = models.CharField(max_length=64, unique=True)
    chain = models.CharField(max_length=40, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    event_id = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField()
    found_at = models.DateTimeField(default=timezone.now)
    notified = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.problem
