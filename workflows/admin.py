"""Admin for the working-day calendar's data: the office's declared days off,
its make-up working days, the time limits of each process step and the
one-stop procedures (the register itself is case data: it is not here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.dates import WEEKDAYS  # translated by Django: "Thứ bảy"
from django.utils.translation import gettext_lazy as _

from cases.formatting import vn_date

from .models import MakeUpWorkday, OfficeDayOff, OneStopProcedure, StepTimeLimit


@admin.display(description=_("date"), ordering="date")
def date_column(obj: Any) -> str:
    return vn_date(obj.date)


@admin.display(description=_("weekday"))
def weekday_column(obj: Any) -> str:
    return str(WEEKDAYS[obj.date.weekday()])


@admin.register(OfficeDayOff)
class OfficeDayOffAdmin(admin.ModelAdmin):
    list_display = (date_column, weekday_column, "reason")
    date_hierarchy = "date"
    search_fields = ("reason",)


@admin.register(MakeUpWorkday)
class MakeUpWorkdayAdmin(admin.ModelAdmin):
    list_display = (date_column, weekday_column, "reason")
    date_hierarchy = "date"
    search_fields = ("reason",)


@admin.register(StepTimeLimit)
class StepTimeLimitAdmin(admin.ModelAdmin):
    list_display = ("process", "step", "working_days", "effective_from", "note")
    list_filter = ("process", "step")


@admin.register(OneStopProcedure)
class OneStopProcedureAdmin(admin.ModelAdmin):
    list_display = ("name", "process", "code", "working_days", "effective_from", "note")
    list_filter = ("process",)
