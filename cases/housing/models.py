"""Housing support: cases, caps and budgets in force by date, payments."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from cases.models import Case, Household, Person
from workflows.formatting import money, vn_date
from workflows.text import NormalizedCharField, NormalizedTextField

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
# A case is open in every state but these: a person or household has at most one open case.
ENDED = [S.CLOSED, S.REJECTED, S.WITHDRAWN, S.CANCELLED]
OPEN = [s for s in S if s not in ENDED]
# A household counts as supported by a case that reached approval and was not cancelled.
SUPPORTED = [*APPROVED_OPEN, S.CLOSED]


class HousingCap(models.Model):
    """Maximum support per program and kind, in force from a date (decrees change it)."""

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=HousingKind.choices)
    effective_from = models.DateField(_("effective from"))
    amount = models.BigIntegerField(_("cap (đồng)"))
    legal_basis = NormalizedCharField(_("legal basis"), max_length=200, blank=True)

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


class HousingSupportRule(models.Model):
    """How often a household may be supported under a program, in force from a date.

    `period_years` empty means once ever: a household supported before (a case
    of it that reached approval and was not cancelled) is refused. Otherwise it
    is refused while its last decision is less than that many years old. The
    rule in force on the day a case is filed applies (as for caps).
    """

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    effective_from = models.DateField(_("effective from"))
    period_years = models.PositiveSmallIntegerField(
        _("once every (years)"),
        null=True,
        blank=True,
        help_text=_("Empty: a household is supported once only under this program."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    verified = models.BooleanField(
        _("verified in the legal text"),
        default=False,
        help_text=_("Unticked: a working assumption to be checked and edited."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("housing support frequency rule")
        verbose_name_plural = _("housing support frequency rules")
        ordering = ["program", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "effective_from"], name="housing_support_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_years__isnull=True) | Q(period_years__gt=0),
                name="housing_support_rule_period_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()} ({vn_date(self.effective_from)}): {self.period_text}"

    @property
    def period_text(self) -> str:
        if self.period_years is None:
            return str(_("once only"))
        return str(_("once every %(years)s years") % {"years": self.period_years})

    @classmethod
    def in_force(cls, program: str, on: dt.date) -> HousingSupportRule | None:
        """The rule of `program` in force on `on` (None: the program sets no limit)."""
        return (
            cls.objects.filter(program=program, effective_from__lte=on)
            .order_by("-effective_from")
            .first()
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


ONE_OPEN_PER_PERSON = "housing_one_open_case_per_person"
ONE_OPEN_PER_HOUSEHOLD = "housing_one_open_case_per_household"


class HousingCase(Case):
    """Support to build a new house or repair one (người có công, poor, near-poor)."""

    # What the case commits of its budget (budget, amount committed, amount
    # paid): a reorganisation's dry run reports what open cases carry.
    COMMITS_BUDGET = ("budget", "approved_amount", "disbursed_amount")

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=HousingKind.choices)
    description = NormalizedTextField(_("current condition of the house"), blank=True)
    requested_amount = models.BigIntegerField(_("requested amount"))
    assessed_amount = models.BigIntegerField(_("assessed amount"), null=True, blank=True)
    approved_amount = models.BigIntegerField(_("approved amount"), null=True, blank=True)
    decision_number = NormalizedCharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT)
    disbursed_amount = models.BigIntegerField(_("disbursed"), default=0)
    accepted_on = models.DateField(_("completion accepted on"), null=True, blank=True)
    # Why the district assessed more than was requested (required then, by the review).
    over_request_reason = NormalizedTextField(
        _("reason for assessing more than requested"), blank=True, default="", db_default=""
    )
    # The applicant's household when the case was filed (the household rules use it).
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="housing_cases",
        verbose_name=_("household"),
    )
    # The applicant's (household's) address as compared for possible duplicates:
    # folded (no case, no diacritics, no punctuation), "" when unknown.
    address_key = models.CharField(max_length=255, blank=True, default="", db_default="")
    # One open case per person and per household, held by the database: these
    # copy the applicant and the household while the case is open and are
    # cleared by the transitions that end it (`ENDED`), and a partial unique
    # constraint covers each. Copies, because the state and the applicant live
    # in the `Case` table and a constraint sees one table. Migration 0014 gave
    # the places to the oldest open case where older data had several.
    open_applicant = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    open_household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("housing support case")
        verbose_name_plural = _("housing support cases")
        indexes = [
            models.Index(fields=["program", "kind"]),
            models.Index(
                fields=["address_key"],
                condition=~Q(address_key=""),
                name="housing_address_key",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["open_applicant"],
                condition=Q(open_applicant__isnull=False),
                name=ONE_OPEN_PER_PERSON,
            ),
            models.UniqueConstraint(
                fields=["open_household"],
                condition=Q(open_household__isnull=False),
                name=ONE_OPEN_PER_HOUSEHOLD,
            ),
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
        over = self.assessed_amount > self.requested_amount
        self.over_request_reason = data.get("over_request_reason", "") if over else ""

    @transition(field="state", source=S.DISTRICT_REVIEWED, target=S.APPROVED)
    def approve(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]
        self.approved_amount = data["approved_amount"]

    @transition(field="state", source=S.APPROVED, target=S.PARTIALLY_DISBURSED)
    @transition(field="state", source=S.COMPLETION_ACCEPTED, target=S.CLOSED)
    def disburse(self, data: dict) -> None:
        self.disbursed_amount += data["amount"]
        if self.state == S.COMPLETION_ACCEPTED:  # the final tranche closes the case
            self.give_up_open_places()

    @transition(field="state", source=S.PARTIALLY_DISBURSED, target=S.COMPLETION_ACCEPTED)
    def accept_completion(self, data: dict) -> None:
        self.accepted_on = data["accepted_on"]

    @transition(field="state", source=UNDER_REVIEW, target=S.RETURNED)
    def return_for_correction(self, data: dict) -> None:
        pass

    @transition(field="state", source=UNDER_REVIEW, target=S.REJECTED)
    def reject(self, data: dict) -> None:
        self.give_up_open_places()

    @transition(field="state", source=BEFORE_APPROVAL, target=S.WITHDRAWN)
    def withdraw(self, data: dict) -> None:
        self.give_up_open_places()

    @transition(field="state", source=APPROVED_OPEN, target=S.CANCELLED)
    def cancel(self, data: dict) -> None:
        self.give_up_open_places()

    def give_up_open_places(self) -> None:
        """The case ends: its person and household may have another open case."""
        self.open_applicant = None
        self.open_household = None


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
