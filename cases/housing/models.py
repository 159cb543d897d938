"""Housing support: cases, caps and budgets in force by date, payments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from cases.models import Case
from workflows.formatting import money, vn_date

# The shared `cases` app label: tables, content types, permissions and migration
# history stay where they were before the process got its own package.
APP_LABEL = "cases"


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("Central budget")
    CITY = "city", _("City budget")
    DISTRICT = "district", _("District budget")
    COMMUNE = "commune", _("Commune budget")
    PRIVATE = "private", _("Private contributions")


class HousingProgram(models.TextChoices):
    MERIT = "nguoi_co_cong", _("People with meritorious service")
    POOR = "ho_ngheo", _("Poor households")
    NEAR_POOR = "ho_can_ngheo", _("Near-poor households")


class HousingKind(models.TextChoices):
    NEW_BUILD = "new_build", _("Build new")
    REPAIR = "repair", _("Repair")


class HousingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    COMMUNE_VERIFIED = "commune_verified", _("Verified by commune")
    DISTRICT_REVIEWED = "district_reviewed", _("Reviewed by district")
    APPROVED = "approved", _("Approved")
    PARTIALLY_DISBURSED = "partially_disbursed", _("Partially disbursed")
    COMPLETION_ACCEPTED = "completion_accepted", _("Completion accepted")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


S = HousingState
BEFORE_APPROVAL = [S.DRAFT, S.RETURNED, S.SUBMITTED, S.COMMUNE_VERIFIED, S.DISTRICT_REVIEWED]
UNDER_REVIEW = [S.SUBMITTED, S.COMMUNE_VERIFIED, S.DISTRICT_REVIEWED]
APPROVED_OPEN = [S.APPROVED, S.PARTIALLY_DISBURSED, S.COMPLETION_ACCEPTED]


class HousingCap(models.Model):
    """Maximum support per program and kind, in force from a date (decrees change it)."""

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=HousingKind.choices)
    effective_from = models.DateField(_("effective from"))
    amount = models.BigIntegerField(_("cap (đồng)"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("housing support cap")
        verbose_name_plural = _("housing support caps")
        ordering = ["program", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "effective_from"], name="housing_cap_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="housing_cap_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_program_display()} – {self.get_kind_display()}: "
            f"{money(self.amount)} ({vn_date(self.effective_from)})"
        )


class Budget(models.Model):
    """Money allocated to a program for a year from one funding source.

    `committed` is the sum of approved amounts still owed or paid; the database
    refuses a budget that would go negative or pay more than it committed.
    """

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    funding_source = models.CharField(
        _("funding source"), max_length=20, choices=FundingSource.choices
    )
    allocated = models.BigIntegerField(_("allocated"))
    committed = models.BigIntegerField(_("committed"), default=0)
    disbursed = models.BigIntegerField(_("disbursed"), default=0)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["year", "program", "funding_source"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "year", "funding_source"], name="budget_unique"
            ),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("allocated")),
                name="budget_not_overcommitted",
            ),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("committed")),
                name="budget_disbursed_within_committed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()} {self.year} ({self.get_funding_source_display()})"

    @property
    def remaining(self) -> int:
        return self.allocated - self.committed


class HousingCase(Case):
    """Support to build a new house or repair one (người có công, poor, near-poor)."""

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=HousingKind.choices)
    description = models.TextField(_("current condition of the house"), blank=True)
    requested_amount = models.BigIntegerField(_("requested amount"))
    assessed_amount = models.BigIntegerField(_("assessed amount"), null=True, blank=True)
    approved_amount = models.BigIntegerField(_("approved amount"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT)
    disbursed_amount = models.BigIntegerField(_("disbursed"), default=0)
    accepted_on = models.DateField(_("completion accepted on"), null=True, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("housing support case")
        verbose_name_plural = _("housing support cases")
        indexes = [models.Index(fields=["program", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="housing_requested_positive"
            ),
            models.CheckConstraint(
                # approved_amount IS NOT NULL: a CHECK passes on NULL, so without it
                # a case with no approved amount could be paid anything.
                condition=Q(disbursed_amount__gte=0)
                & (
                    Q(disbursed_amount=0)
                    | (
                        Q(approved_amount__isnull=False)
                        & Q(disbursed_amount__lte=F("approved_amount"))
                    )
                ),
                name="housing_disbursed_within_approved",
            ),
        ]

    # --- transitions: pure state moves plus the fields their data sets.
    # Permission, separation of duties, caps and budget live in the engine/specs.

    @transition(field="state", source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def submit(self, data: dict) -> None:
        pass

    @transition(field="state", source=S.SUBMITTED, target=S.COMMUNE_VERIFIED)
    def verify(self, data: dict) -> None:
        pass

    @transition(field="state", source=S.COMMUNE_VERIFIED, target=S.DISTRICT_REVIEWED)
    def review(self, data: dict) -> None:
        self.assessed_amount = data["assessed_amount"]

    @transition(field="state", source=S.DISTRICT_REVIEWED, target=S.APPROVED)
    def approve(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]
        self.approved_amount = data["approved_amount"]

    @transition(field="state", source=S.APPROVED, target=S.PARTIALLY_DISBURSED)
    @transition(field="state", source=S.COMPLETION_ACCEPTED, target=S.CLOSED)
    def disburse(self, data: dict) -> None:
        self.disbursed_amount += data["amount"]

    @transition(field="state", source=S.PARTIALLY_DISBURSED, target=S.COMPLETION_ACCEPTED)
    def accept_completion(self, data: dict) -> None:
        self.accepted_on = data["accepted_on"]

    @transition(field="state", source=UNDER_REVIEW, target=S.RETURNED)
    def return_for_correction(self, data: dict) -> None:
        pass

    @transition(field="state", source=UNDER_REVIEW, target=S.REJECTED)
    def reject(self, data: dict) -> None:
        pass

    @transition(field="state", source=BEFORE_APPROVAL, target=S.WITHDRAWN)
    def withdraw(self, data: dict) -> None:
        pass

    @transition(field="state", source=APPROVED_OPEN, target=S.CANCELLED)
    def cancel(self, data: dict) -> None:
        pass


class Disbursement(models.Model):
    """One payment (tranche) of an approved housing case."""

    case = models.ForeignKey(HousingCase, on_delete=models.PROTECT, related_name="disbursements")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT)
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive")
        ]

    def __str__(self) -> str:
        return f"{money(self.amount)} ({vn_date(self.paid_on)})"
