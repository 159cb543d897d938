"""Forms of the data the allowance transitions take (the same form checks the
page's post and the API's JSON body)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.allowances.models import EndReason
from workflows.forms import MonthField, PastDateField
from workflows.text import NormalizedFormField


class DecideForm(forms.Form):
    decision_number = NormalizedFormField(label=_("Decision number"), max_length=50)
    decision_date = PastDateField(label=_("Decision date"))
    start_month = MonthField(label=_("Paid from month"))


class SuspendForm(forms.Form):
    from_month = MonthField(label=_("Not paid from month"))


class ResumeForm(forms.Form):
    resume_month = MonthField(label=_("Paid again from month"))
    pay_back = forms.BooleanField(
        label=_("Pay the suspended months as arrears"), required=False, initial=True
    )


TERMINATE_REASONS = [
    (EndReason.DEATH, EndReason.DEATH.label),
    (EndReason.NO_LONGER_ELIGIBLE, EndReason.NO_LONGER_ELIGIBLE.label),
]


class TerminateForm(forms.Form):
    end_reason = forms.ChoiceField(label=_("Reason"), choices=TERMINATE_REASONS)
    died_on = PastDateField(label=_("Date of death"), required=False)
    last_month = MonthField(label=_("Last month paid"), required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("end_reason") == EndReason.DEATH and not data.get("died_on"):
            self.add_error("died_on", _("Give the date of death."))
        if data.get("end_reason") == EndReason.NO_LONGER_ELIGIBLE and not data.get("last_month"):
            self.add_error("last_month", _("Give the last month paid."))
        return data


class TransferForm(forms.Form):
    to_commune = forms.IntegerField(label=_("Receiving commune"))
    from_month = MonthField(label=_("Paid by the receiving commune from month"))


class ReplaceForm(forms.Form):
    last_month = MonthField(label=_("Last month paid under this decision"))
