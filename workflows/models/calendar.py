"""The working-day calendar's data: office days off, make-up working days,
step time limits, the deadlines they set and the reminders sent."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.formatting import vn_date
from workflows.registry import step_processes
from workflows.text import NormalizedCharField


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
