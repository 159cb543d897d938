"""Admin for configuration that changes by decree: caps, budgets, checklists, units.

Cases and people are not edited here: they change only through the services
and the transition engine."""

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from cases.models import AdministrativeUnit, DocumentRequirement, UnitChange
from workflows.formatting import money

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


@admin.register(UnitChange)
class UnitChangeAdmin(admin.ModelAdmin):
    """The official mapping of a reorganisation, as loaded by `load_unit_mapping`;
    a row is corrected here once the resolution is checked."""

    list_display = (
        "predecessor", "successor", "kind", "villages", "effective", "decision", "unverified",
    )  # fmt: skip
    list_filter = ("kind", "unverified", "effective")
    search_fields = ("predecessor__name", "predecessor__code", "successor__name")
    autocomplete_fields = ("predecessor", "successor")


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ("process", "program", "kind", "label", "required", "position")
    list_filter = ("process", "program")
