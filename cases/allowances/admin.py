"""Admin for the allowances' dated data: standards, categories and their
rates, one-off support, the recuperation quotas and rates. A row edited or
added after a month was paid makes the next payroll pay the difference.
Entitlements, payrolls and their lines are case data: not here."""

from django.contrib import admin

from cases.allowances.models import (
    AllowanceCategory,
    AllowanceStandard,
    CategoryRate,
    OneOffRule,
    RecuperationQuota,
    RecuperationRate,
)


@admin.register(AllowanceStandard)
class AllowanceStandardAdmin(admin.ModelAdmin):
    list_display = ("regime", "area", "effective_from", "amount", "legal_basis", "verified")
    list_filter = ("regime", "verified")
    readonly_fields = ("updated_at",)


class CategoryRateInline(admin.TabularInline):
    model = CategoryRate
    extra = 0
    fields = (
        "effective_from",
        "degree_from",
        "degree_to",
        "coefficient",
        "fixed_amount",
        "extra_amount",
        "legal_basis",
        "verified",
    )


@admin.register(AllowanceCategory)
class AllowanceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "regime", "by_degree", "recuperation_years", "position")
    list_filter = ("regime", "by_degree")
    search_fields = ("name", "code")
    inlines = [CategoryRateInline]


@admin.register(CategoryRate)
class CategoryRateAdmin(admin.ModelAdmin):
    list_display = (
        "category",
        "effective_from",
        "degree_from",
        "degree_to",
        "coefficient",
        "fixed_amount",
        "extra_amount",
        "verified",
    )
    list_filter = ("category__regime", "verified")
    search_fields = ("category__name",)
    readonly_fields = ("updated_at",)


@admin.register(OneOffRule)
class OneOffRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "regime", "effective_from", "multiplier", "basis", "fixed_amount")
    list_filter = ("regime", "kind", "verified")
    readonly_fields = ("updated_at",)


@admin.register(RecuperationQuota)
class RecuperationQuotaAdmin(admin.ModelAdmin):
    list_display = ("year", "area", "quota", "legal_basis")
    list_filter = ("year",)


@admin.register(RecuperationRate)
class RecuperationRateAdmin(admin.ModelAdmin):
    list_display = ("mode", "effective_from", "multiplier", "legal_basis", "verified")
