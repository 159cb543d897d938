"""Admin for configuration that changes by decree: caps, budgets, checklists, units.

Cases and people are not edited here: they change only through the services
and the transition engine.
"""

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from cases.formatting import money
from cases.models import (
    AdministrativeUnit,
    Budget,
    Campaign,
    CampaignBudget,
    DocumentRequirement,
    GiftPackage,
    HousingCap,
    RehabSupportRate,
)

admin.site.site_header = _("Social-affairs case management: configuration")
admin.site.site_title = _("Social-affairs case management")
admin.site.index_title = _("Configuration")


def money_column(field: str, label: Any) -> Any:
    """An admin column showing an integer field as 17.120.000 đ."""

    @admin.display(description=label, ordering=field)
    def column(obj: Any) -> str:
        return money(getattr(obj, field))

    return column


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(GuardedModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")


@admin.register(HousingCap)
class HousingCapAdmin(admin.ModelAdmin):
    list_display = (
        "program",
        "kind",
        "effective_from",
        money_column("amount", _("cap (đồng)")),
        "legal_basis",
    )
    list_filter = ("program", "kind")


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = (
        "program",
        "year",
        "funding_source",
        money_column("allocated", _("allocated")),
        money_column("committed", _("committed")),
        money_column("disbursed", _("disbursed")),
    )
    list_filter = ("year", "program", "funding_source")
    readonly_fields = ("committed", "disbursed")


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ("process", "program", "kind", "label", "required", "position")
    list_filter = ("process", "program")


class CampaignBudgetInline(admin.TabularInline):
    model = CampaignBudget
    extra = 0


class GiftPackageInline(admin.TabularInline):
    model = GiftPackage
    extra = 0
    fields = (
        "code",
        "name",
        "source",
        "donor",
        "commune",
        "amount",
        "categories",
        "merit_subtypes",
        "exclusive_group",
    )


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Campaigns, their packages (amounts and eligibility rules) and budgets:
    data, editable per campaign. Lists and rows are case data: not here."""

    list_display = ("name", "code", "year", "occasion_date", "decision", "reconciled_at")
    search_fields = ("name", "code")
    readonly_fields = ("reconciled_at", "reconciled_by")
    inlines = [GiftPackageInline, CampaignBudgetInline]


@admin.register(RehabSupportRate)
class RehabSupportRateAdmin(admin.ModelAdmin):
    list_display = ("category", "percent", "effective_from", "legal_basis")
    list_filter = ("category",)
