"""Procedures over time: versions in force from a date, the one-stop
procedures, their register of dossiers and the apology letters (Mẫu 04)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from workflows.formatting import vn_date
from workflows.registry import route_choices
from workflows.registry_models import case_processes
from workflows.text import NormalizedCharField, NormalizedTextField


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
