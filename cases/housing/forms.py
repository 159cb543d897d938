"""Forms of the housing pages and of the data its transitions take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import (
    NationalIdField,
    VnDateField,
    _choices,
    _set_choices,
    money_input,
    money_text,
)
from cases.housing.models import (
    FundingSource,
    HousingCase,
    HousingKind,
    HousingProgram,
    HousingState,
)
from cases.models import Person
from workflows.forms import MoneyField, PastDateField
from workflows.text import NormalizedFormField


class ReviewForm(forms.Form):
    assessed_amount = MoneyField(label=_("Assessed amount (đồng)"))
    # Required by the review's check when the assessed amount exceeds the requested one.
    over_request_reason = NormalizedFormField(
        label=_("Reason for assessing more than requested"),
        required=False,
        multiline=True,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the assessed amount is more than the requested amount."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("over_request_reason"):
            # Nothing to keep: the audit event records only what was given.
            data.pop("over_request_reason", None)
        return data


class ApproveForm(forms.Form):
    decision_number = NormalizedFormField(label=_("Decision number"), max_length=50)
    decision_date = PastDateField(label=_("Decision date"))
    approved_amount = MoneyField(label=_("Approved amount (đồng)"))
    funding_source = forms.ChoiceField(
        label=_("Funding source"),
        required=False,
        choices=[("", _("Any source with enough budget"))] + list(FundingSource.choices),
    )


class DisburseForm(forms.Form):
    amount = MoneyField(label=_("Amount paid (đồng)"))
    paid_on = PastDateField(label=_("Paid on"))


class AcceptCompletionForm(forms.Form):
    accepted_on = PastDateField(label=_("Completion accepted on (nghiệm thu)"))


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or national ID"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("Name or 12-digit national ID")}),
    )
    commune = forms.TypedChoiceField(label=_("Commune"), required=False, coerce=int)
    program = forms.ChoiceField(
        label=_("Program"),
        required=False,
        choices=_choices(_("All programs"), HousingProgram.choices),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=_choices(_("All states"), HousingState.choices)
    )
    created_from = VnDateField(label=_("Created from"), required=False)
    created_to = VnDateField(label=_("to"), required=False)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["commune"], _choices(_("All communes"), [(c.pk, str(c)) for c in communes])
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def created_range(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Local days as an aware half-open range, so the created_at index is used."""
        start, end = self.cleaned_data.get("created_from"), self.cleaned_data.get("created_to")
        tz = timezone.get_current_timezone()

        def midnight(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time.min, tzinfo=tz)

        return (
            midnight(start) if start else None,
            midnight(end + dt.timedelta(days=1)) if end else None,
        )


class HousingCaseForm(forms.Form):
    """Create a draft; the applicant is found by national ID among the user's people."""

    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    national_id = NationalIdField(
        label=_("Applicant's national ID"),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "placeholder": "001048001234",
                "list": "people",
                "autocomplete": "off",
            }
        ),
        help_text=_("12 digits. The person must be registered in the chosen commune."),
    )
    program = forms.ChoiceField(
        label=_("Program"), choices=_choices(_("Choose…"), HousingProgram.choices)
    )
    kind = forms.ChoiceField(
        label=_("Kind of support"), choices=_choices(_("Choose…"), HousingKind.choices)
    )
    requested_amount = MoneyField(label=_("Requested amount (đồng)"), widget=money_input())
    description = NormalizedFormField(
        multiline=True,
        label=_("Current condition of the house"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self, *args: Any, communes: list[Any], people: QuerySet[Person], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.communes = {c.pk: c for c in communes}
        _set_choices(self.fields["commune"], [(c.pk, str(c)) for c in communes])
        if len(communes) == 1:
            self.fields["commune"].initial = communes[0].pk
        self.applicant: Person | None = None

    def clean_national_id(self) -> str:
        value = self.cleaned_data["national_id"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("The national ID number must be exactly 12 digits."))
        self.applicant = self.people.select_related("commune").filter(national_id=value).first()
        if self.applicant is None:
            raise forms.ValidationError(
                _(
                    "No person with this national ID is registered in your communes. "
                    "Register them first."
                )
            )
        return value


class HousingCaseEditForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"), choices=HousingProgram.choices)
    kind = forms.ChoiceField(label=_("Kind of support"), choices=HousingKind.choices)
    requested_amount = MoneyField(label=_("Requested amount (đồng)"), widget=money_input())
    description = NormalizedFormField(
        multiline=True,
        label=_("Current condition of the house"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @classmethod
    def for_case(cls, case: HousingCase, data: Any = None) -> HousingCaseEditForm:
        return cls(
            data=data,
            initial={
                "program": case.program,
                "kind": case.kind,
                "requested_amount": money_text(case.requested_amount),
                "description": case.description,
            },
        )
