"""Audit trail (append-only, hash-chained per commune) and the working-day
calendar's data: office days off, make-up working days, step time limits."""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.formatting import vn_date
from workflows.registry import route_choices, step_processes
from workflows.registry_models import case_processes
from workflows.text import NormalizedCharField, NormalizedTextField, folded_column


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


class DeclaredDay(models.Model):
    """A date the office declares, with a reason; a date is declared one way only."""

    date = models.DateField(_("date"), unique=True)
    reason = NormalizedCharField(_("reason"), max_length=200)
    # The other kind of declared day, and the error when the date is taken there.
    other: type[DeclaredDay]
    taken_message: Any

    class Meta:
        abstract = True
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{vn_date(self.date)} {self.reason}"

    def clean(self) -> None:
        if self.other._default_manager.filter(date=self.date).exists():
            raise ValidationError({"date": self.taken_message})


class OfficeDayOff(DeclaredDay):
    """A day the office declares closed beyond the national holidays (not a working day)."""

    taken_message = _("This date is already declared a make-up working day.")

    class Meta(DeclaredDay.Meta):
        verbose_name = _("office day off")
        verbose_name_plural = _("office days off")


class MakeUpWorkday(DeclaredDay):
    """A Saturday (or other day) declared a working day (ngày làm bù)."""

    taken_message = _("This date is already declared an office day off.")

    class Meta(DeclaredDay.Meta):
        verbose_name = _("make-up working day")
        verbose_name_plural = _("make-up working days")


OfficeDayOff.other = MakeUpWorkday
MakeUpWorkday.other = OfficeDayOff


class ProcedureVersion(models.Model):
    """A version of a procedure, in force from a date until the next version's
    date. A case binds at filing to the version in force that day and keeps it.

    `route` names the steps the version follows (registered by its process);
    the durations are the version's own data (changed by law, e.g. Luật
    120/2025 from 01/7/2026).
    """

    procedure = models.CharField(_("procedure"), max_length=20, choices=case_processes)
    code = models.CharField(_("version"), max_length=20)
    name = NormalizedCharField(_("name"), max_length=200)
    legal_basis = NormalizedCharField(_("legal basis"), max_length=300)
    route = models.CharField(
        _("route (steps)"),
        max_length=10,
        # The routes are the processes' own (registered with the engine).
        choices=route_choices,
    )
    effective_from = models.DateField(_("effective from"))
    adult_months_min = models.PositiveSmallIntegerField(_("adults: shortest term (months)"))
    adult_months_max = models.PositiveSmallIntegerField(_("adults: longest term (months)"))
    minor_months_min = models.PositiveSmallIntegerField(_("ages 12–18: shortest term (months)"))
    minor_months_max = models.PositiveSmallIntegerField(_("ages 12–18: longest term (months)"))
    post_rehab_months_adult = models.PositiveSmallIntegerField(
        _("post-rehab management, adults (months)")
    )
    post_rehab_months_minor = models.PositiveSmallIntegerField(
        _("post-rehab management, ages 12–18 (months)")
    )
    reading_working_days = models.PositiveSmallIntegerField(
        _("dossier reading period (working days)"), default=5
    )
    complaint_working_days = models.PositiveSmallIntegerField(
        _("complaint window (working days)"), default=5
    )
    note = NormalizedTextField(
        _("note"), blank=True, help_text=_("What is not verified in the legal text, and why.")
    )

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "code"], name="procedure_version_code"),
            models.UniqueConstraint(
                fields=["procedure", "effective_from"], name="procedure_version_from"
            ),
            models.CheckConstraint(
                condition=Q(adult_months_min__lte=F("adult_months_max"))
                & Q(minor_months_min__lte=F("minor_months_max")),
                name="procedure_version_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} {self.code} ({vn_date(self.effective_from)})"

    @classmethod
    def in_force(cls, procedure: str, on: Any) -> ProcedureVersion | None:
        """The version of `procedure` in force on date `on` (None before the first)."""
        return (
            cls.objects.filter(procedure=procedure, effective_from__lte=on)
            .order_by("-effective_from")
            .first()
        )

    def effective_to(self) -> Any:
        """The last day of this version (None while no later version exists)."""
        import datetime as dt

        later = (
            ProcedureVersion.objects.filter(
                procedure=self.procedure, effective_from__gt=self.effective_from
            )
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )
        return later - dt.timedelta(days=1) if later else None


class StepTimeLimit(models.Model):
    """How many working days a human step of a process may take, from a date on.

    A new row with a later `effective_from` changes the limit for tasks opened
    from that day; tasks opened before keep the limit they started under.
    """

    process = models.CharField(_("process"), max_length=20, choices=step_processes)
    step = models.CharField(
        _("step"), max_length=40, help_text=_("The step of the process the limit is for.")
    )
    working_days = models.PositiveSmallIntegerField(_("working days"))
    effective_from = models.DateField(_("effective from"))
    note = NormalizedCharField(_("note"), max_length=300, blank=True)
    verified = models.BooleanField(
        _("verified in the legal text"),
        default=True,
        help_text=_("Unticked: a working assumption to be checked and edited."),
    )

    class Meta:
        verbose_name = _("step time limit")
        verbose_name_plural = _("step time limits")
        ordering = ["process", "step", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "step", "effective_from"], name="step_time_limit_unique"
            ),
            models.CheckConstraint(
                condition=Q(working_days__gt=0), name="step_time_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process}.{self.step}: {self.working_days} ({vn_date(self.effective_from)})"


class TaskDeadline(models.Model):
    """When a human task is due: set once, when the task is created, under the
    time limit in force that day (a later change of limit does not move it)."""

    task = models.OneToOneField(
        "viewflow.Task", on_delete=models.CASCADE, related_name="deadline", verbose_name=_("task")
    )
    process = models.CharField(_("process"), max_length=20, choices=step_processes)
    step = models.CharField(_("step"), max_length=40)
    started_on = models.DateField(_("started on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    due_on = models.DateField(_("due on"), db_index=True)

    class Meta:
        verbose_name = _("task deadline")
        verbose_name_plural = _("task deadlines")

    def __str__(self) -> str:
        return f"{self.process}.{self.step} #{self.task_id}: {vn_date(self.due_on)}"


class ReminderSent(models.Model):
    """A reminder (or the escalation) sent for a task: once per task and threshold."""

    class Threshold(models.TextChoices):
        BEFORE = "before", _("Before the due date")
        DUE = "due", _("On the due date")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated")

    task = models.ForeignKey(
        "viewflow.Task", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("task")
    )
    threshold = models.CharField(_("threshold"), max_length=10, choices=Threshold.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["task", "threshold"], name="reminder_sent_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.task_id} {self.threshold}"


class OneStopProcedure(models.Model):
    """A process received and returned through the one-stop shop (một cửa),
    with its total time limit in working days, from a date on.

    A case is a one-stop dossier when its process has a row in force on the
    day the dossier is received; the appointment date on the receipt (Mẫu 01)
    is that many working days after receipt. A later row changes the limit
    for dossiers received from its date; earlier dossiers keep theirs.
    """

    process = models.CharField(_("process"), max_length=20, choices=case_processes)
    code = models.CharField(
        _("procedure code"), max_length=40, blank=True, help_text=_("Code in the national list.")
    )
    name = NormalizedCharField(_("procedure name"), max_length=300)
    working_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    effective_from = models.DateField(_("effective from"))
    note = NormalizedCharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("one-stop procedure")
        verbose_name_plural = _("one-stop procedures")
        ordering = ["process", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "effective_from"], name="onestop_procedure_unique"
            ),
            models.CheckConstraint(
                condition=Q(working_days__gt=0), name="onestop_procedure_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.working_days}, {vn_date(self.effective_from)})"


class OneStopRecord(models.Model):
    """The one-stop register line of a dossier (sổ theo dõi, Mẫu 06).

    `appointment_on` is the date on the receipt; the dossier is late when its
    result comes after it, whatever apology letter followed. `due_on` is the
    appointment in force: the receipt's, or the last apology letter's (Mẫu 04).
    A dossier received again after being returned for more documents gets a
    new receipt: the clock restarts (TT 01/2018/TT-VPCP).
    """

    case = models.OneToOneField(
        settings.CASEFLOW_CASE_MODEL,
        on_delete=models.CASCADE,
        related_name="one_stop",
        verbose_name=_("case"),
    )
    procedure = models.ForeignKey(
        OneStopProcedure, on_delete=models.PROTECT, related_name="+", verbose_name=_("procedure")
    )
    # Copied from the case so the register and its KPI read one table.
    process = models.CharField(_("process"), max_length=20, choices=case_processes)
    commune = models.ForeignKey(
        settings.CASEFLOW_UNIT_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    working_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    appointment_on = models.DateField(_("appointment date"))
    due_on = models.DateField(_("current appointment date"))
    result_on = models.DateField(_("result date"), null=True, blank=True)
    result_state = models.CharField(_("result"), max_length=30, blank=True)
    # Whether the result counts in the on-time rate (a withdrawn dossier does not).
    counted = models.BooleanField(_("counted in the on-time rate"), default=True)
    # The appointment date the Mẫu 04 prompt was last sent for (once per date).
    prompted_for = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-stop register entry")
        verbose_name_plural = _("one-stop register")
        indexes = [
            models.Index(fields=["commune", "result_on"]),
            models.Index(fields=["process", "received_on"]),
            models.Index(
                fields=["due_on"], name="onestop_open_due", condition=Q(result_on__isnull=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment_on__gte=F("received_on")),
                name="onestop_appointment_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("appointment_on")),
                name="onestop_due_not_before_appointment",
            ),
            models.CheckConstraint(
                condition=Q(result_on__isnull=True) | Q(result_on__gte=F("received_on")),
                name="onestop_result_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {vn_date(self.received_on)} → {vn_date(self.appointment_on)}"

    @property
    def is_late(self) -> bool | None:
        """None while there is no result."""
        if self.result_on is None:
            return None
        return self.result_on > self.appointment_on


class ApologyLetter(models.Model):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04), as issued."""

    record = models.ForeignKey(
        OneStopRecord, on_delete=models.CASCADE, related_name="apologies", verbose_name=_("dossier")
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = NormalizedTextField(_("reason for the delay"))
    previous_due_on = models.DateField(_("previous appointment date"))
    new_due_on = models.DateField(_("new appointment date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("apology letter (Mẫu 04)")
        verbose_name_plural = _("apology letters (Mẫu 04)")
        ordering = ["issued_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due_on__gt=F("previous_due_on")),
                name="apology_moves_appointment_later",
            )
        ]

    def __str__(self) -> str:
        return f"{vn_date(self.previous_due_on)} → {vn_date(self.new_due_on)}"


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
