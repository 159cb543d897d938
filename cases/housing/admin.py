"""Admin for housing caps, support frequency rules and budgets (they change by decree)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.admin import money_column
from cases.housing.models import Budget, HousingCap, HousingSupportRule


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


@admin.register(HousingSupportRule)
class HousingSupportRuleAdmin(admin.ModelAdmin):
    list_display = ("program", "effective_from", "period_text", "legal_basis", "verified")
    list_filter = ("program", "verified")

    @admin.display(description=_("how often"))
    def period_text(self, rule: HousingSupportRule) -> str:
        return rule.period_text
