from django.contrib import admin

from cases.reorganization.models import StaffAssignment


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    """The staff mapping of a reorganisation, as loaded by `reorganize --staff`;
    a row is added or corrected here before the run."""

    list_display = ("user", "role", "former", "successor", "effective")
    list_filter = ("effective", "role")
    search_fields = ("user__username", "user__last_name", "former__name", "successor__name")
    autocomplete_fields = ("user", "former", "successor")
