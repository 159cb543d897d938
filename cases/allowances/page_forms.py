"""Forms of the allowance pages: filters, the month's generation, the new
dossier, payment results, and the fitting of the transitions' forms to the
page (months typed as mm/yyyy, the receiving commune as a list). The
services and the engine decide; these forms only collect and shape input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.allowances.models import (
    AllowanceCategory,
    EntitlementState,
    LineKind,
    LineState,
    PaymentMethod,
    PayrollState,
    Regime,
    UnpaidReason,
)
from cases.forms import NationalIdField, _choices, _set_choices
from cases.models import Person
from workflows.forms import MonthField, PastDateField
from workflows.text import NormalizedFormField


def month_field(**kwargs: Any) -> MonthField:
    return MonthField(**kwargs)


def fit_to_page(form: forms.Form, communes: list[Any] | None = None) -> forms.Form:
    """A transition's form as the page shows it: the receiving commune of a
    transfer as a list posting its id (months are mm/yyyy by the shared form)."""
    for name, field in list(form.fields.items()):
        if name == "to_commune" and communes is not None:
            form.fields[name] = forms.TypedChoiceField(
                label=field.label,
                coerce=int,
                choices=_choices(_("Choose…"), [(c.pk, c.name) for c in communes]),
            )
    return form


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


# --- payrolls ----------------------------------------------------------------------


class PayrollFilterForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)
    commune = forms.TypedChoiceField(label=_("Commune"), required=False, coerce=int)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=_choices(_("All states"), PayrollState.choices)
    )

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["commune"], _choices(_("All communes"), [(c.pk, c.name) for c in communes])
        )


class GenerateForm(forms.Form):
    """Lập bảng lương tháng: the commune and the month (mm/yyyy)."""

    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    month = MonthField(label=_("Month (mm/yyyy)"))

    def __init__(
        self, *args: Any, communes: list[Any], month: dt.date | None = None, **kwargs: Any
    ) -> None:
        """`month`: the month offered (the one still to prepare), else this month."""
        kwargs.setdefault("auto_id", "id_generate_%s")
        super().__init__(*args, **kwargs)
        self.communes = {c.pk: c for c in communes}
        _set_choices(self.fields["commune"], [(c.pk, c.name) for c in communes])
        if len(communes) == 1:
            self.fields["commune"].initial = communes[0].pk
        self.fields["month"].initial = month or this_month()


class LineFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or national ID"), required=False, max_length=120)
    kind = forms.ChoiceField(
        label=_("Kind of line"), required=False, choices=_choices(_("All kinds"), LineKind.choices)
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=_choices(_("All states"), LineState.choices)
    )


class PaidForm(forms.Form):
    paid_on = PastDateField(label=_("Paid on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_paid_%s")
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()


class UnpaidForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason not paid"), choices=_choices("—", UnpaidReason.choices)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_unpaid_%s")
        super().__init__(*args, **kwargs)


class SettleForm(forms.Form):
    how = forms.ChoiceField(
        label=_("What to do with the selected lines"),
        choices=[
            ("carry", _("Carry to the next month's payroll")),
            ("return", _("Return the money to the budget")),
        ],
        widget=forms.RadioSelect,
        initial="carry",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_settle_%s")
        super().__init__(*args, **kwargs)


# --- entitlements ------------------------------------------------------------------


def category_groups(categories: list[AllowanceCategory]) -> list[tuple[Any, list[Any]]]:
    """Categories grouped by regime, as a select's option groups."""
    labels = dict(Regime.choices)
    groups: dict[str, list[tuple[int, str]]] = {}
    for c in categories:
        groups.setdefault(c.regime, []).append((c.pk, c.name))
    return [(labels[r], items) for r, items in groups.items()]


class EntitlementFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or national ID"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. nguyen thi huong or 001172583746")}),
    )
    regime = forms.ChoiceField(
        label=_("Regime"), required=False, choices=_choices(_("All regimes"), Regime.choices)
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=_choices(_("All states"), EntitlementState.choices),
    )
    commune = forms.TypedChoiceField(label=_("Commune"), required=False, coerce=int)

    def __init__(
        self, *args: Any, communes: list[Any], categories: list[AllowanceCategory], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["commune"], _choices(_("All communes"), [(c.pk, c.name) for c in communes])
        )
        _set_choices(
            self.fields["category"], _choices(_("All categories"), category_groups(categories))
        )


# --- decision dossiers -------------------------------------------------------------


class AllowanceCaseForm(forms.Form):
    """A new dossier; the person is found by national ID among the commune's
    people (as on the housing page). For a change of category the person,
    commune and regime come from the entitlement changed."""

    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    national_id = NationalIdField(
        label=_("National ID of the beneficiary"),
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
    regime = forms.ChoiceField(label=_("Regime"), choices=_choices(_("Choose…"), Regime.choices))
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    degree = forms.IntegerField(
        label=_("Degree of lost working capacity (%)"),
        required=False,
        min_value=21,
        max_value=100,
        help_text=_("Only for war invalids and those treated as such: 21 to 100."),
    )
    requested_start_month = MonthField(label=_("Requested from month"))
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial=PaymentMethod.POST
    )
    bank_account = forms.CharField(label=_("Bank account"), required=False, max_length=30)
    bank_name = NormalizedFormField(label=_("Bank"), required=False, max_length=120)
    note = NormalizedFormField(
        label=_("Note"),
        required=False,
        multiline=True,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        communes: list[Any],
        people: QuerySet[Person],
        categories: list[AllowanceCategory],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.communes = {c.pk: c for c in communes}
        self.categories = {c.pk: c for c in categories}
        _set_choices(self.fields["commune"], [(c.pk, c.name) for c in communes])
        if len(communes) == 1:
            self.fields["commune"].initial = communes[0].pk
        _set_choices(self.fields["category"], _choices(_("Choose…"), category_groups(categories)))
        self.fields["requested_start_month"].initial = this_month()
        self.applicant: Person | None = None

    def clean_national_id(self) -> str:
        value = self.cleaned_data["national_id"].strip()
        self.applicant = self.people.select_related("commune").filter(national_id=value).first()
        if self.applicant is None:
            raise forms.ValidationError(
                _(
                    "No person with this national ID is registered in your communes. "
                    "Register them first."
                )
            )
        return value

    def category_options(self) -> list[dict[str, Any]]:
        """The category select written out with its groups (the shared field
        template lists flat choices only); `regime` lets the page's script
        show the categories of the regime chosen."""
        chosen = str(self["category"].value() or "")
        labels = dict(Regime.choices)
        out: list[dict[str, Any]] = []
        for regime in Regime.values:
            rows = [c for c in self.categories.values() if c.regime == regime]
            if rows:
                out.append(
                    {
                        "regime": regime,
                        "label": labels[regime],
                        "options": [
                            {"pk": c.pk, "name": c.name, "selected": str(c.pk) == chosen}
                            for c in rows
                        ],
                    }
                )
        return out
