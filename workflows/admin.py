"""Admin for the working-day calendar's data: the office's declared days off,
its make-up working days, the time limits of each process step and the
one-stop procedures (the register itself is case data: it is not here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.dates import WEEKDAYS  # translated by Django: "Thứ bảy"
from django.utils.translation import gettext_lazy as _

from workflows.formatting import vn_date
from workflows.models import (
    MakeUpWorkday,
    OfficeDayOff,
    OneStopProcedure,
    ProcedureVersion,
    StepTimeLimit,
)
from workflows.registry import route_specs, step_choices, step_labels
from workflows.registry_models import case_model


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


class StepTimeLimitForm(forms.ModelForm):
    """The step is chosen by its name on screen, among the chosen process's steps."""

    step = forms.ChoiceField(label=_("step"))

    class Meta:
        model = StepTimeLimit
        fields = ("process", "step", "working_days", "effective_from", "verified", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.fields["step"]
        assert isinstance(step, forms.ChoiceField)
        step.choices = [("", "---------"), *step_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        process, step = data.get("process"), data.get("step")
        if process and step and step not in step_labels(route_specs(process)):
            self.add_error("step", _("This step is not a step of the chosen process."))
        return data


@admin.register(StepTimeLimit)
class StepTimeLimitAdmin(admin.ModelAdmin):
    form = StepTimeLimitForm
    list_display = ("process", "step_label", "working_days", "effective_from", "verified", "note")
    list_filter = ("process", "verified")

    @admin.display(description=_("step"), ordering="step")
    def step_label(self, obj: StepTimeLimit) -> str:
        return step_labels(route_specs(obj.process)).get(obj.step, obj.step)


def _bound_cases(version: ProcedureVersion) -> bool:
    """Whether any case (of whichever process) is bound to the version."""
    return any(
        rel.related_model._default_manager.filter(**{rel.field.name: version}).exists()
        for rel in version._meta.related_objects
        if issubclass(rel.related_model, case_model())
    )


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    """Which version of a procedure applies from which date (cases keep theirs)."""

    list_display = ("procedure", "code", "name", "from_column", "to_column", "route")
    list_filter = ("procedure",)
    ordering = ("procedure", "effective_from")

    @admin.display(description=_("effective from"), ordering="effective_from")
    def from_column(self, obj: ProcedureVersion) -> str:
        return vn_date(obj.effective_from)

    @admin.display(description=_("in force until"))
    def to_column(self, obj: ProcedureVersion) -> str:
        end = obj.effective_to()
        return vn_date(end) if end else str(_("today (latest version)"))

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Cases are bound to their version: a version in use cannot go.
        if obj is not None and _bound_cases(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(OneStopProcedure)
class OneStopProcedureAdmin(admin.ModelAdmin):
    list_display = ("name", "process", "code", "working_days", "effective_from", "note")
    list_filter = ("process",)
