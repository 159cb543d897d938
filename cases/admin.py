"""Admin for configuration that changes by decree: caps, budgets, checklists, units.

Cases and people are not edited here: they change only through the services
and the transition engine.
"""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import AdministrativeUnit, Budget, DocumentRequirement, HousingCap


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(GuardedModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")


@admin.register(HousingCap)
class HousingCapAdmin(admin.ModelAdmin):
    list_display = ("program", "kind", "effective_from", "amount", "legal_basis")
    list_filter = ("program", "kind")


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("program", "year", "funding_source", "allocated", "committed", "disbursed")
    list_filter = ("year", "program", "funding_source")
    readonly_fields = ("committed", "disbursed")


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ("process", "program", "kind", "label", "required", "position")
    list_filter = ("process", "program")
