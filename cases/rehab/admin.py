"""Admin for the drug-rehab cost-support rates."""

from django.contrib import admin

from cases.rehab.models import RehabSupportRate


@admin.register(RehabSupportRate)
class RehabSupportRateAdmin(admin.ModelAdmin):
    list_display = ("category", "percent", "effective_from", "legal_basis")
    list_filter = ("category",)
