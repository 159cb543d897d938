"""Entitlements: the decision dossier that grants a monthly allowance (a case,
from the commune officer to the office head's decision) and the entitlement
it creates, which later decisions suspend, resume, end or transfer."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from cases.allowances.models.rates import APP_LABEL, AllowanceCategory, Regime
from cases.models import AdministrativeUnit, Case, Person
from workflows.formatting import month_label
from workflows.text import NormalizedCharField


class PaymentMethod(models.TextChoices):
    POST = "post", _("Through the post office")
    BANK = "bank", _("Bank transfer")


class DecisionKind(models.TextChoices):
    NEW = "new", _("New entitlement")
    CHANGE = "change", _("Change of category or degree")


class DecisionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed by commune")
    REVIEWED = "reviewed", _("Reviewed by district")
    DECIDED = "decided", _("Decided")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


D = DecisionState
DECISION_OPEN = [D.DRAFT, D.SUBMITTED, D.CONFIRMED, D.REVIEWED, D.RETURNED]


class AllowanceCase(Case):
    """The dossier asking for a monthly allowance (or a change of category):
    one viewflow process; the office head's decision creates the entitlement."""

    kind = models.CharField(_("kind"), max_length=10, choices=DecisionKind.choices, default="new")
    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    category = models.ForeignKey(
        AllowanceCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    degree = models.PositiveSmallIntegerField(
        _("degree of lost working capacity (%)"), null=True, blank=True
    )
    requested_start_month = models.DateField(_("requested from month"))
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, default="post"
    )
    bank_account = models.CharField(_("bank account"), max_length=30, blank=True)
    bank_name = NormalizedCharField(_("bank"), max_length=120, blank=True)
    # A change replaces this entitlement from the decision's start month.
    replaces = models.ForeignKey(
        "allowances.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entitlement changed"),
    )
    decision_number = NormalizedCharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    start_month = models.DateField(_("paid from month"), null=True, blank=True)
    note = NormalizedCharField(_("note"), max_length=500, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("allowance decision dossier")
        verbose_name_plural = _("allowance decision dossiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_start_month__day=1), name="allowance_case_month_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind="change") | Q(replaces__isnull=False),
                name="allowance_change_names_entitlement",
            ),
        ]

    @property
    def program(self) -> str:
        """The documents a dossier needs are listed per regime (`DocumentRequirement.program`)."""
        return self.regime

    @transition(field="state", source=[D.DRAFT, D.RETURNED], target=D.SUBMITTED)
    def submit(self, data: dict) -> None:
        pass

    @transition(field="state", source=D.SUBMITTED, target=D.CONFIRMED)
    def confirm(self, data: dict) -> None:
        pass

    @transition(field="state", source=D.CONFIRMED, target=D.REVIEWED)
    def review(self, data: dict) -> None:
        pass

    @transition(field="state", source=D.REVIEWED, target=D.DECIDED)
    def decide(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]
        self.start_month = data["start_month"]

    @transition(field="state", source=[D.SUBMITTED, D.CONFIRMED, D.REVIEWED], target=D.RETURNED)
    def return_for_correction(self, data: dict) -> None:
        pass

    @transition(field="state", source=[D.SUBMITTED, D.CONFIRMED, D.REVIEWED], target=D.REJECTED)
    def reject(self, data: dict) -> None:
        pass

    @transition(field="state", source=[D.DRAFT, D.RETURNED], target=D.WITHDRAWN)
    def withdraw(self, data: dict) -> None:
        pass


class EntitlementState(models.TextChoices):
    ACTIVE = "active", _("Being paid")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    DEATH = "death", _("Death")
    MOVED = "moved", _("Moved to another commune")
    REPLACED = "replaced", _("Replaced by a new decision")
    NO_LONGER_ELIGIBLE = "not_eligible", _("No longer eligible")


E = EntitlementState
HELD = [E.ACTIVE, E.SUSPENDED]


class Entitlement(FSMModelMixin, models.Model):
    """A person's right to a monthly allowance of a regime and category, paid
    by a commune from `start_month` to `end_month` (both included; open while
    the entitlement lasts). Months are stored as their first day.

    The database holds two rules: one active (or suspended) entitlement per
    person and regime, and no two entitlements of a person and regime cover
    the same month (a transfer or a change ends one the month before the next
    starts: no gap is checked by the services, no double month by PostgreSQL)."""

    # A commune split by villages: the entitlement goes where its holder's village went.
    COMMUNE_BY_PERSON = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="entitlements")
    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    category = models.ForeignKey(
        AllowanceCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    degree = models.PositiveSmallIntegerField(
        _("degree of lost working capacity (%)"), null=True, blank=True
    )
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("state"), default=E.ACTIVE, protected=True, max_length=20)
    start_month = models.DateField(_("paid from month"))
    end_month = models.DateField(_("paid until month"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason ended"), max_length=20, choices=EndReason.choices, blank=True
    )
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    decision_number = NormalizedCharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    case = models.ForeignKey(
        AllowanceCase, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The entitlement this one continues (a transfer or a change of category).
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next"
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, default="post"
    )
    bank_account = models.CharField(_("bank account"), max_length=30, blank=True)
    bank_name = NormalizedCharField(_("bank"), max_length=120, blank=True)
    # The earliest month that may be owed and not yet paid (a decision whose
    # start month is past, a resumption paying the suspended months): the
    # next payroll computes arrears from it, and its approval clears it.
    arrears_from = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["-start_month", "-id"]
        indexes = [
            models.Index(fields=["commune", "start_month"], name="entitlement_commune_start"),
            models.Index(
                fields=["commune", "arrears_from"],
                condition=Q(arrears_from__isnull=False),
                name="entitlement_arrears_due",
            ),
            models.Index(fields=["person"], name="entitlement_person"),
            models.Index(fields=["commune", "-id"], name="entitlement_commune_list"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "regime"],
                condition=Q(state__in=HELD),
                name="entitlement_one_active",
            ),
            ExclusionConstraint(
                name="entitlement_no_double_month",
                expressions=[
                    (F("person"), RangeOperators.EQUAL),
                    (F("regime"), RangeOperators.EQUAL),
                    (
                        Func(
                            F("start_month"),
                            F("end_month"),
                            Value("[]"),
                            function="daterange",
                            output_field=models.DateField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
            models.CheckConstraint(
                condition=Q(start_month__day=1) & (Q(end_month__isnull=True) | Q(end_month__day=1)),
                name="entitlement_months_start",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=F("start_month")),
                name="entitlement_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state=E.ENDED) | (Q(end_month__isnull=False) & ~Q(end_reason="")),
                name="entitlement_ended_has_month_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.category} ({month_label(self.start_month)})"

    @property
    def reference(self) -> str:
        """How notifications and the audit trail name it."""
        return f"{self.person.full_name} – {self.get_regime_display()}"

    @transition(field="state", source=E.ACTIVE, target=E.SUSPENDED)
    def suspend(self, data: dict) -> None:
        pass

    @transition(field="state", source=E.SUSPENDED, target=E.ACTIVE)
    def resume(self, data: dict) -> None:
        pass

    @transition(field="state", source=HELD, target=E.ENDED)
    def terminate(self, data: dict) -> None:
        self.end_month = data["end_month"]
        self.end_reason = data["end_reason"]
        self.died_on = data.get("died_on")

    @transition(field="state", source=E.ACTIVE, target=E.ENDED)
    def transfer(self, data: dict) -> None:
        self.end_month = data["end_month"]
        self.end_reason = EndReason.MOVED

    @transition(field="state", source=HELD, target=E.ENDED)
    def replace(self, data: dict) -> None:
        self.end_month = data["end_month"]
        self.end_reason = EndReason.REPLACED


class Suspension(models.Model):
    """Months an entitlement was not paid. With `pay_back` (decided at the
    resumption) those months are owed again and paid as arrears."""

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="suspensions"
    )
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"), null=True, blank=True)
    pay_back = models.BooleanField(_("suspended months paid back"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["entitlement", "from_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_month__day=1) & (Q(to_month__isnull=True) | Q(to_month__day=1)),
                name="suspension_months_start",
            ),
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(to_month__isnull=True),
                name="suspension_one_open",
            ),
        ]
