"""Forms of the drug-rehab pages. The services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import NationalIdField, VnDateField, _choices, _set_choices, money_input
from cases.models import Case, Person
from cases.rehab.models import (
    CheckinResult,
    ReferralGround,
    ReferralState,
    RehabSetting,
    SupportCategory,
    VoluntaryState,
)
from cases.rehab.selectors import ReadPurpose
from workflows.forms import MoneyField
from workflows.text import NormalizedFormField


class _PersonFields(forms.Form):
    """The person concerned: found by national ID, or registered."""

    national_id = NationalIdField(label=_("National ID number (CCCD)"))
    full_name = NormalizedFormField(label=_("Full name"), max_length=120)
    date_of_birth = VnDateField(label=_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Person.Sex.choices, widget=forms.RadioSelect)
    address = NormalizedFormField(label=_("Address"), max_length=255, required=False)
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communes = {c.pk: c for c in communes}
        _set_choices(self.fields["commune"], [(c.pk, str(c)) for c in communes])


class ReferralCreateForm(_PersonFields):
    ground = forms.ChoiceField(label=_("Ground"), choices=ReferralGround.choices)
    violation_record_number = NormalizedFormField(
        label=_("Violation record number (Mẫu 27)"), max_length=50, required=False
    )
    violation_on = VnDateField(label=_("Violation found on"), required=False)
    stable_residence = forms.BooleanField(
        label=_("Has a stable residence"), required=False, initial=True
    )


class VoluntaryCreateForm(_PersonFields):
    setting = forms.ChoiceField(
        label=_("Where"), choices=RehabSetting.choices, widget=forms.RadioSelect
    )
    facility_name = NormalizedFormField(label=_("Facility"), max_length=200, required=False)
    support_category = forms.ChoiceField(
        label=_("Cost-support category"), choices=SupportCategory.choices, required=False
    )
    estimated_cost = MoneyField(
        label=_("Estimated cost (đồng)"), required=False, min_value=0, widget=money_input()
    )


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Why are you opening this record?"),
        choices=ReadPurpose.choices,
        widget=forms.RadioSelect,
    )
    purpose_note = NormalizedFormField(
        label=_("Details"), max_length=300, required=False, widget=forms.TextInput()
    )


class ExportForm(PurposeForm):
    purpose = forms.ChoiceField(
        label=_("Why are you exporting these records?"),
        choices=ReadPurpose.choices,
        widget=forms.RadioSelect,
    )
    fmt = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], initial="xlsx"
    )


class CheckinForm(forms.Form):
    checked_on = VnDateField(label=_("Date"))
    # No default: a check-in's result is what the officer found, never assumed.
    result = forms.ChoiceField(
        label=_("Result"), choices=_choices(_("Choose…"), CheckinResult.choices)
    )
    note = NormalizedFormField(label=_("Note"), max_length=500, required=False)


def _state_choices() -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for value, label in [*ReferralState.choices, *VoluntaryState.choices]:
        seen.setdefault(value, label)
    return list(seen.items())


class RehabFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Reference, national ID or name")}),
    )
    process = forms.ChoiceField(label=_("Procedure"), required=False)
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int, required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["process"],
            _choices(
                _("All"),
                [
                    (Case.Process.REHAB_COMPULSORY, Case.Process.REHAB_COMPULSORY.label),
                    (Case.Process.REHAB_VOLUNTARY, Case.Process.REHAB_VOLUNTARY.label),
                ],
            ),
        )
        _set_choices(self.fields["commune"], _choices(_("All"), [(c.pk, str(c)) for c in communes]))
        _set_choices(self.fields["state"], _choices(_("All"), _state_choices()))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "process": data.get("process") or "",
            "commune": data.get("commune") or None,
            "state": data.get("state") or "",
            "q": data.get("q") or "",
        }
