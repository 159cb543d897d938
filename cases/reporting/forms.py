"""Forms of the six-month report page: the period, district and grouping of
the communes (GET, the preview and the .xlsx annex) and what the office
writes around the figures (POST, the .docx)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import VnDateField
from cases.reporting.report import default_issued_on, districts, last_half_year, period_problems
from cases.reporting.report_documents import DEFAULT_RECIPIENTS, ReportOptions
from cases.reporting.report_text import EDITABLE, default_texts
from cases.reporting.units import Grouping
from workflows.text import NormalizedFormField


def grouping_field() -> forms.ChoiceField:
    """How per-commune figures are grouped across a reorganisation (empty: current)."""
    return forms.ChoiceField(
        label=_("Figures by commune"),
        choices=Grouping.choices,
        required=False,
        help_text=_(
            "Across a reorganisation of communes: a former commune's figures under the "
            "commune that took it over, or each figure under the unit it was recorded in."
        ),
    )


class ReportPeriodForm(forms.Form):
    district = forms.TypedChoiceField(label=_("District"), coerce=int)
    start = VnDateField(label=_("From date"))
    end = VnDateField(label=_("To date"))
    grouping = grouping_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(d.pk, d.name) for d in districts()]

    @classmethod
    def from_query(cls, query: Any) -> Self:
        """Bound to the query, the last half-year and the first district by default."""
        start, end = last_half_year(timezone.localdate())
        data = query.copy()
        data.setdefault("start", start.strftime("%d/%m/%Y"))
        data.setdefault("end", end.strftime("%d/%m/%Y"))
        data.setdefault("grouping", Grouping.CURRENT.value)
        first = next(iter(districts()), None)
        if first is not None:
            data.setdefault("district", str(first.pk))
        return cls(data)

    def clean_grouping(self) -> str:
        return self.cleaned_data.get("grouping") or Grouping.CURRENT.value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            for name, message in period_problems(start, end).items():
                self.add_error(name, message)
        return data


class ReportDocumentForm(ReportPeriodForm):
    number = NormalizedFormField(label=_("Number and symbol"), max_length=60, required=False)
    place = NormalizedFormField(label=_("Place"), max_length=60, required=False)
    issued_on = VnDateField(label=_("Date"), required=False)
    signer_title = NormalizedFormField(
        multiline=True,
        label=_("Signer's title (one line each)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    signer_name = NormalizedFormField(label=_("Signer's name"), max_length=120, required=False)
    recipients = NormalizedFormField(
        multiline=True,
        label=_("Recipients (nơi nhận), one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for e in EDITABLE:
            self.fields[f"text_{e.key}"] = NormalizedFormField(
                multiline=True,
                label=e.label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @classmethod
    def initial_for(
        cls,
        *,
        district: Any,
        start: dt.date,
        end: dt.date,
        signer_name: str,
        grouping: str = Grouping.CURRENT,
    ) -> dict[str, Any]:
        texts = default_texts(start, end)
        return {
            "district": district.pk if district else None,
            "start": start,
            "end": end,
            "grouping": Grouping(grouping).value,
            "number": "…/BC-LĐTBXH",
            "place": district.name if district else "",
            "issued_on": default_issued_on(end, timezone.localdate()),
            "signer_title": "TRƯỞNG PHÒNG",
            "signer_name": signer_name,
            "recipients": "\n".join(DEFAULT_RECIPIENTS),
            **{f"text_{k}": v for k, v in texts.items()},
        }

    def options(self) -> ReportOptions:
        d = self.cleaned_data
        return ReportOptions(
            number=d.get("number") or "",
            place=d.get("place") or "",
            issued_on=d.get("issued_on"),
            signer_title=d.get("signer_title") or "",
            signer_name=d.get("signer_name") or "",
            recipients=(d.get("recipients") or "").splitlines(),
            texts={e.key: d.get(f"text_{e.key}") or "" for e in EDITABLE},
        )
