"""Admin for gift campaigns, their packages and budgets."""

from django.contrib import admin

from cases.gifts.models import Campaign, CampaignBudget, GiftPackage


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
