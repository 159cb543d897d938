"""Recuperation (điều dưỡng phục hồi sức khỏe): a yearly quota per district or
commune, and each commune's list of people sent in a year, at home (paid
directly) or at a centre."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from cases.allowances.models.entitlements import Entitlement
from cases.allowances.models.rates import APP_LABEL, AllowanceCategory
from cases.models import AdministrativeUnit, Person


class RecuperationQuota(models.Model):
    """How many people a unit (the district, or a commune) may send in a year."""

    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    quota = models.PositiveIntegerField(_("quota (people)"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("recuperation quota")
        verbose_name_plural = _("recuperation quotas")
        ordering = ["-year", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "area"], name="recuperation_quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year}: {self.quota}"


class RecuperationMode(models.TextChoices):
    HOME = "home", _("At home")
    CENTRE = "centre", _("At a centre")


class RecuperationRate(models.Model):
    """Amount of a recuperation as a multiple of the meritorious-service
    standard in force (NĐ 75/2021 Art. 6: 0.9 at home, 1.8 at a centre)."""

    mode = models.CharField(_("mode"), max_length=10, choices=RecuperationMode.choices)
    effective_from = models.DateField(_("effective from"))
    multiplier = models.DecimalField(_("times the standard"), max_digits=5, decimal_places=2)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    verified = models.BooleanField(_("verified in the legal text"), default=False)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("recuperation rate")
        verbose_name_plural = _("recuperation rates")
        ordering = ["mode", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["mode", "effective_from"], name="recuperation_rate_unique"
            )
        ]


class RecuperationListState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Sent and paid")
    DONE = "done", _("Done")


RL = RecuperationListState


class RecuperationList(FSMModelMixin, models.Model):
    """A commune's recuperation list for a year (one viewflow process each)."""

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    state = FSMField(_("state"), default=RL.DRAFT, protected=True, max_length=20)
    flow_process = models.OneToOneField(
        "viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("recuperation list")
        verbose_name_plural = _("recuperation lists")
        ordering = ["-year", "commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "year"], name="recuperation_list_unique")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """How notifications and the audit trail name it."""
        return str(_("Recuperation list %(year)s · %(commune)s")) % {
            "year": self.year,
            "commune": self.commune.name,
        }

    @transition(field="state", source=RL.DRAFT, target=RL.SUBMITTED)
    def submit(self, data: dict) -> None:
        pass

    @transition(field="state", source=RL.SUBMITTED, target=RL.APPROVED)
    def approve(self, data: dict) -> None:
        pass

    @transition(field="state", source=RL.APPROVED, target=RL.PAID)
    def record_paid(self, data: dict) -> None:
        pass

    @transition(field="state", source=RL.PAID, target=RL.DONE)
    def close(self, data: dict) -> None:
        pass

    @transition(field="state", source=RL.SUBMITTED, target=RL.DRAFT)
    def return_for_correction(self, data: dict) -> None:
        pass


class Recuperation(models.Model):
    """One person on a recuperation list: mode, amount, when sent."""

    # A reorganisation moves the row with its list: its commune is the list's.
    COMMUNE_FOLLOWS = "recuperation_list"

    recuperation_list = models.ForeignKey(
        RecuperationList, on_delete=models.PROTECT, related_name="rows"
    )
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(AllowanceCategory, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    mode = models.CharField(_("mode"), max_length=10, choices=RecuperationMode.choices)
    amount = models.BigIntegerField(_("amount"))
    sent_on = models.DateField(_("sent on"), null=True, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("recuperation")
        verbose_name_plural = _("recuperations")
        ordering = ["recuperation_list", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="recuperation_once_a_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recuperation_amount_positive"),
        ]
