"""What the law pays, as dated data: the standards (mức chuẩn) by regime and
area, the categories with their coefficient or amount from a date, and
one-off support such as the funeral allowance. Editable in the admin; a row
edited or added after a month was paid makes the next payroll pay the
difference (its `updated_at` is what the payroll compares)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import AdministrativeUnit
from workflows.formatting import money, vn_date
from workflows.text import NormalizedCharField

APP_LABEL = "allowances"


class Regime(models.TextChoices):
    # The same codes as the registry's categories and the report's JSON keys.
    MERIT = "nguoi_co_cong", _("People with meritorious service")
    SOCIAL = "bao_tro_xa_hoi", _("Social-protection beneficiaries")


class DatedRule(models.Model):
    """What every dated row has: from when, on what legal basis, whether it was
    read in the legal text, and when it was last changed."""

    effective_from = models.DateField(_("effective from"))
    legal_basis = NormalizedCharField(_("legal basis"), max_length=300, blank=True)
    verified = models.BooleanField(
        _("verified in the legal text"),
        default=False,
        help_text=_("Unticked: a working assumption to be checked and edited."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AllowanceStandard(DatedRule):
    """The standard amount of a regime from a date: the national one (no area)
    or a province's own (Hà Nội's social-assistance standard). A commune's
    payroll uses its province's standard when one is in force, else the
    national one."""

    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    area = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province (empty: national)"),
    )
    amount = models.BigIntegerField(_("standard amount (đồng)"))

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("allowance standard")
        verbose_name_plural = _("allowance standards")
        ordering = ["regime", "area", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "area", "effective_from"],
                name="allowance_standard_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allowance_standard_positive"),
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="allowance_standard_from_month_start"
            ),
        ]

    def __str__(self) -> str:
        where = str(self.area) if self.area_id else str(_("national"))
        since = vn_date(self.effective_from)
        return f"{self.get_regime_display()} ({where}, {since}): {money(self.amount)}"


class AllowanceCategory(models.Model):
    """A group of beneficiaries of a regime (relative of one martyr, severely
    disabled adult, ...). Its amounts are `CategoryRate` rows by date."""

    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = NormalizedCharField(_("name"), max_length=200)
    # War invalids are paid by their degree of lost working capacity (%).
    by_degree = models.BooleanField(_("paid by degree of lost working capacity"), default=False)
    # Recuperation (điều dưỡng): every N years (None: not eligible).
    recuperation_years = models.PositiveSmallIntegerField(
        _("recuperation every (years)"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("allowance category")
        verbose_name_plural = _("allowance categories")
        ordering = ["regime", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["regime", "code"], name="allowance_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CategoryRate(DatedRule):
    """A category's monthly amount from a date: coefficient × the standard in
    force, plus a fixed amount and an extra allowance (e.g. the carer
    allowance of a Heroic Vietnamese Mother). For categories paid by degree,
    one row per band of degrees."""

    category = models.ForeignKey(AllowanceCategory, on_delete=models.PROTECT, related_name="rates")
    degree_from = models.PositiveSmallIntegerField(_("from degree (%)"), null=True, blank=True)
    degree_to = models.PositiveSmallIntegerField(_("to degree (%)"), null=True, blank=True)
    coefficient = models.DecimalField(
        _("coefficient of the standard"), max_digits=6, decimal_places=3, default=Decimal(0)
    )
    fixed_amount = models.BigIntegerField(_("fixed amount (đồng)"), default=0)
    extra_amount = models.BigIntegerField(_("extra allowance (đồng)"), default=0)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("category rate")
        verbose_name_plural = _("category rates")
        ordering = ["category", "-effective_from", "degree_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from", "degree_from"],
                name="category_rate_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(coefficient__gte=0) & Q(fixed_amount__gte=0) & Q(extra_amount__gte=0),
                name="category_rate_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="category_rate_from_month_start"
            ),
            models.CheckConstraint(
                condition=(Q(degree_from__isnull=True) & Q(degree_to__isnull=True))
                | Q(degree_from__lte=models.F("degree_to")),
                name="category_rate_degree_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} ({vn_date(self.effective_from)})"


class OneOffKind(models.TextChoices):
    FUNERAL = "funeral", _("Funeral support")


class StandardBasis(models.TextChoices):
    NATIONAL = "national", _("National standard")
    LOCAL = "local", _("The province's standard in force")


class OneOffRule(DatedRule):
    """A one-off support of a regime from a date: multiplier × a standard, plus
    a fixed amount (funeral support: 20 × the social-assistance standard under
    NĐ 20/2021 Art. 11, unverified)."""

    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=OneOffKind.choices)
    multiplier = models.DecimalField(
        _("times the standard"), max_digits=6, decimal_places=2, default=Decimal(0)
    )
    basis = models.CharField(
        _("standard used"), max_length=10, choices=StandardBasis.choices, default="national"
    )
    fixed_amount = models.BigIntegerField(_("fixed amount (đồng)"), default=0)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("one-off support rule")
        verbose_name_plural = _("one-off support rules")
        ordering = ["regime", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "kind", "effective_from"], name="one_off_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        since = vn_date(self.effective_from)
        return f"{self.get_kind_display()} – {self.get_regime_display()} ({since})"
