"""A case's timeline: each audit event with its fields shown as the forms label them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import formatting
from cases.templatetags.caseflow import spec_badge
from cases.views.base import TimelineEntryBase
from workflows.forms import MoneyField
from workflows.specs import ProcessSpec

UNIT_SUFFIX = re.compile(r"\s*\((đồng|đ)\)$")
EVENT_LABELS = {
    "create": gettext_lazy("Created the case"),
    "edit": gettext_lazy("Edited the draft"),
    "document_upload": gettext_lazy("Uploaded a document"),
    "onestop_apology": gettext_lazy("Issued the apology and new appointment letter (Mẫu 04)"),
}


def _value_text(field: forms.Field | None, value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(field, MoneyField):
        return formatting.money(int(value))
    if isinstance(field, forms.DateField) and isinstance(value, str):
        try:
            return formatting.vn_date(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(field, forms.ChoiceField):
        return str(dict(cast(Any, field.choices)).get(value, value))
    return str(value)


class TimelineEntry(TimelineEntryBase):
    """One audit event of the case as the timeline shows it."""

    def __init__(self, event: Any, spec: ProcessSpec, doc_labels: dict[str, str]) -> None:
        super().__init__(event, lambda state: spec_badge(spec, state))
        data = event.data or {}
        tspec = spec.transitions.get(event.transition) if event.transition else None
        if tspec is not None:
            self.action = str(tspec.label)
            fields = tspec.form.base_fields if tspec.form else {}
            for key, value in data.items():
                text = _value_text(fields.get(key), value)
                if text:
                    label = str(fields[key].label) if key in fields else key
                    # "Amount (đồng): 80.000.000 đ" says the unit twice.
                    self.details.append((UNIT_SUFFIX.sub("", label), text))
        elif event.event == "document_upload":
            self.action = str(EVENT_LABELS["document_upload"])
            kind = data.get("kind", "")
            self.details.append((str(doc_labels.get(kind, kind)), data.get("name", "")))
        else:
            self.action = str(EVENT_LABELS.get(event.event, event.event))
            if event.event == "onestop_apology" and data.get("new_due_on"):
                self.details.append(
                    (_("New appointment date"), _value_text(forms.DateField(), data["new_due_on"]))
                )
            if event.event == "create" and data.get("requested_amount"):
                self.details.append(
                    (_("Requested amount"), formatting.money(int(data["requested_amount"])))
                )
