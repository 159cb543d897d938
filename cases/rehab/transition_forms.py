"""Forms for the data the drug-rehab transitions take (the UI post and the API body alike)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.rehab.models import ExemptGround, PendingManagement, PostponeGround
from workflows.forms import PastDateField, VnDateField
from workflows.text import NormalizedFormField

# --- drug rehab (cases/rehab/spec.py) ---------------------------------------------


class NotifyForm(forms.Form):
    notified_on = PastDateField(label=_("Person and family notified on"))
    pending_management = forms.ChoiceField(
        label=_("Management while the case is pending"), choices=PendingManagement.choices
    )
    pending_facility = NormalizedFormField(
        label=_("Facility (when managed at a facility)"), max_length=200, required=False
    )
    pending_from = PastDateField(label=_("Managed at the facility from"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pending_management") == PendingManagement.FACILITY:
            if not data.get("pending_facility"):
                self.add_error("pending_facility", _("Name the facility."))
            if not data.get("pending_from"):
                self.add_error("pending_from", _("Give the date the facility took the person in."))
        return data


class CourtFilingForm(forms.Form):
    court_name = NormalizedFormField(label=_("Court"), max_length=200)
    filed_on = PastDateField(label=_("Filed with the court on"))


class CourtDecisionForm(forms.Form):
    decision_number = NormalizedFormField(label=_("Court decision number"), max_length=50)
    decision_date = PastDateField(label=_("Court decision date"))
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1, max_value=36)
    centre_name = NormalizedFormField(label=_("Rehab centre"), max_length=200)


class CourtRefusalForm(forms.Form):
    decision_number = NormalizedFormField(label=_("Court decision number"), max_length=50)
    decision_date = PastDateField(label=_("Court decision date"))


class PostponeForm(forms.Form):
    postpone_ground = forms.ChoiceField(label=_("Ground"), choices=PostponeGround.choices)
    postponed_until = VnDateField(label=_("Postponed until"))


class ExemptForm(forms.Form):
    exempt_ground = forms.ChoiceField(label=_("Ground"), choices=ExemptGround.choices)


class PlaceForm(forms.Form):
    placed_on = PastDateField(label=_("Placed in the centre on"))


class ReleaseForm(forms.Form):
    released_on = PastDateField(label=_("Released on"))


class CompleteForm(forms.Form):
    certificate_number = NormalizedFormField(
        label=_("Completion certificate number (Mẫu 54)"), max_length=50
    )
    completed_on = PastDateField(label=_("Completed on"))


class RelapseForm(forms.Form):
    relapse_on = PastDateField(label=_("Relapse found on"))


class RegisterForm(forms.Form):
    registered_on = PastDateField(label=_("Registered on"))


class VoluntaryDecisionForm(forms.Form):
    decision_number = NormalizedFormField(label=_("Decision number"), max_length=50)
    decision_date = PastDateField(label=_("Decision date"))


class StartTreatmentForm(forms.Form):
    start_on = PastDateField(label=_("Treatment started on"))
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1, max_value=24)


class FinishTreatmentForm(forms.Form):
    finished_on = PastDateField(label=_("Treatment finished on"))


class DropOutForm(forms.Form):
    dropped_on = PastDateField(label=_("Dropped out on"))
