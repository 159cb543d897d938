"""Forms of the web UI. They collect and shape input; the services and the
engine decide (and explain, in Vietnamese) what is allowed."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Category, MeritSubtype, Person
from cases.uploads.documents import EXTENSIONS, SIGNATURES
from cases.validators import NationalIdField as NationalIdField  # shared by the processes
from notifications.models import NotificationPreference
from workflows import formatting
from workflows.forms import MoneyField, MonthField, PastDateField, month_input
from workflows.forms import VnDateField as VnDateField
from workflows.forms import date_input as date_input
from workflows.specs import TransitionSpec
from workflows.text import NormalizedFormField


def money_input() -> forms.TextInput:
    """Text, not number: people type 20.000.000, which a number input refuses."""
    return forms.TextInput(
        attrs={"inputmode": "numeric", "placeholder": "20.000.000", "autocomplete": "off"}
    )


def money_text(amount: int | None) -> str:
    """20000000 -> '20.000.000', the way it is typed back."""
    return "" if amount is None else formatting.number(amount)


def _choices(blank: Any, choices: Any) -> list[tuple[Any, Any]]:
    return [("", blank), *choices]


def _set_choices(field: forms.Field, choices: list[tuple[Any, Any]]) -> None:
    cast(forms.ChoiceField, field).choices = choices


class ApologyForm(forms.Form):
    """Phiếu xin lỗi và hẹn lại (Mẫu 04): the service checks the date."""

    new_due_on = VnDateField(label=_("New appointment date"))
    reason = NormalizedFormField(
        multiline=True, label=_("Reason for the delay"), widget=forms.Textarea(attrs={"rows": 3})
    )


class OneStopKpiForm(forms.Form):
    """Filters of the on-time KPI (page and API)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=_("Month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Whole year"))] + [(m, f"{m:02d}") for m in range(1, 13)],
    )
    process = forms.ChoiceField(label=_("Procedure"), required=False)
    commune = forms.TypedChoiceField(
        label=_("Commune"), required=False, coerce=int, empty_value=None
    )
    by = forms.MultipleChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("process", _("Procedure")), ("commune", _("Commune")), ("month", _("Month"))],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, communes: list[Any], processes: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["commune"],
            _choices(_("All my communes"), [(c.pk, c.name) for c in communes]),
        )
        _set_choices(self.fields["process"], _choices(_("All procedures"), processes))

    @classmethod
    def from_query(cls, query: Any, **kwargs: Any) -> OneStopKpiForm:
        """Bound to the query string, with this year and every dimension by default."""
        data = query.copy()
        data.setdefault("year", str(timezone.localdate().year))
        if "by" not in data and "filtered" not in data:
            data.setlist("by", ["process", "commune", "month"])
        return cls(data, **kwargs)


class PersonSearchForm(forms.Form):
    """The people list's search: a name with or without diacritics, or a national ID."""

    q = NormalizedFormField(
        label=_("Name or national ID"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. nguyen thi huong or 001172583746")}),
    )
    commune = forms.TypedChoiceField(label=_("Commune"), required=False, coerce=int)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commune = self.fields["commune"]
        assert isinstance(commune, forms.TypedChoiceField)
        commune.choices = [("", _("All communes")), *((c.pk, str(c)) for c in communes)]


class PersonForm(forms.Form):
    """Register a person. The national ID is checked by the service, which knows
    the rules (domain.md §8) and gives the Vietnamese reasons."""

    full_name = NormalizedFormField(label=_("Full name"), max_length=120)
    date_of_birth = VnDateField(label=_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Person.Sex.choices, widget=forms.RadioSelect)
    national_id = NationalIdField(label=_("National ID number (CCCD)"))
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    village = NormalizedFormField(
        label=_("Village (thôn, tổ dân phố)"), max_length=120, required=False
    )
    address = NormalizedFormField(label=_("Address"), max_length=255, required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        required=False,
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    merit_subtype = forms.ChoiceField(
        label=_("Meritorious-service type"), required=False, choices=MeritSubtype.choices
    )

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communes = {c.pk: c for c in communes}
        _set_choices(self.fields["commune"], [(c.pk, str(c)) for c in communes])


def document_limits_text() -> str:
    """The limits stated on the form before anything is chosen, from the same
    settings and list of types the service checks: "At most 10,0 MB per file;
    PDF, JPG, PNG, DOCX"."""
    return _("At most %(size)s per file; %(types)s") % {
        "size": formatting.file_size(settings.MAX_UPLOAD_BYTES),
        "types": ", ".join(kind.upper() for kind in SIGNATURES),
    }


class DocumentUploadForm(forms.Form):
    """Several documents in one post: one optional file input per document of
    the case's checklist, so the type of each file is the row it is chosen in.
    The service checks them all and stores all or none."""

    FIELD_PREFIX = "file_"

    def __init__(self, *args: Any, checklist: list[dict[str, Any]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_upload_%s")
        super().__init__(*args, **kwargs)
        self.limits = document_limits_text()
        self.max_bytes = settings.MAX_UPLOAD_BYTES
        self.accept = ",".join(f".{ext}" for ext in EXTENSIONS)
        self.rows: list[tuple[dict[str, Any], str]] = []
        for row in checklist:
            name = self.FIELD_PREFIX + row["kind"]
            self.fields[name] = forms.FileField(label=row["label"], required=False)
            self.rows.append((row, name))

    def rows_with_fields(self) -> list[tuple[dict[str, Any], forms.BoundField]]:
        return [(row, self[name]) for row, name in self.rows]

    def first_error_id(self) -> str:
        """The id of the first file input with an error: focused on the
        re-rendered page, so the browser scrolls to it."""
        for _row, name in self.rows:
            if self.errors.get(name):
                return self[name].id_for_label
        return ""

    def chosen(self) -> list[tuple[str, str, Any]]:
        """(kind, field name, file) for every row where a file was chosen; also
        the single "kind" + "file" post of the earlier one-file form."""
        files: Any = self.files or {}
        picked = [
            (row["kind"], name, files[name])
            for row, name in self.rows
            if files.get(name) is not None
        ]
        if files.get("file") is not None:
            picked.append((str(self.data.get("kind", "")), "file", files["file"]))
        return picked


def _transition_initial(
    tspec: TransitionSpec, case: Any, form_class: type[forms.Form]
) -> dict[str, Any]:
    """Sensible defaults: the dates of what is recorded default to today; the
    process adds its own (e.g. the amount the previous step settled on)."""
    today = timezone.localdate()
    initial: dict[str, Any] = {
        field: today for field, f in form_class.base_fields.items() if isinstance(f, PastDateField)
    }
    if tspec.initial is not None:
        initial.update(tspec.initial(case))
    return initial


def transition_form(
    tspec: TransitionSpec, case: Any, data: Any = None, expected_state: str = ""
) -> forms.Form:
    """The transition's own form (the one the engine validates with), plus a
    reason when one is required and the state the user saw (stale-page check)."""
    base: type[forms.Form] = tspec.form or forms.Form
    extra: dict[str, Any] = {
        "expected_state": forms.CharField(widget=forms.HiddenInput, required=False),
    }
    if tspec.reason_required:
        extra["reason"] = NormalizedFormField(
            multiline=True,
            label=_("Reason"),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=2000,
        )
    form_class = type(f"{tspec.name.title()}TransitionForm", (base,), extra)
    initial = _transition_initial(tspec, case, form_class)
    initial["expected_state"] = expected_state or case.state
    form = form_class(data=data, initial=initial, auto_id=f"id_{tspec.name}_%s")
    for field in form.fields.values():
        # The shared forms use the default widgets: make them fit this UI.
        if isinstance(field, MoneyField):
            field.widget = money_input()
        elif isinstance(field, MonthField):
            field.widget = month_input()
        elif isinstance(field, forms.DateField):
            field.widget = date_input()
    return form


def transition_data(tspec: TransitionSpec, post: Any) -> dict[str, Any]:
    """The raw values the engine's form will validate (nothing else from the POST)."""
    if tspec.form is None:
        return {}
    return {name: post.get(name, "") for name in tspec.form.base_fields}


def attach_errors(form: forms.Form | None, fields: dict[str, list[Any]]) -> None:
    """Put a domain error's field messages on the form (unknown fields: on top)."""
    if form is None:
        return
    for name, messages in fields.items():
        target = name if name in form.fields else None
        shown = [str(m) for m in form.errors.get(target or NON_FIELD_ERRORS, [])]
        for message in messages:
            if str(message) not in shown:
                form.add_error(target, str(message))


# Every event code the system writes to the outbox: workflows.engine
# (_notify_next), workflows.reminders (EVENTS) and workflows.onestop (prompts).
# A test keeps the list complete.
NOTIFICATION_EVENTS = [
    ("task_waiting", _("A case is waiting for my action")),
    ("case_finished", _("A case I filed is closed, rejected or withdrawn")),
    ("reminder_before", _("Reminder: a task of mine is due soon")),
    ("reminder_due", _("Reminder: a task of mine is due today")),
    ("reminder_overdue", _("Reminder: a task of mine is overdue")),
    ("escalation", _("Escalation: a task I supervise is overdue")),
    ("onestop_apology_due", _("One-stop: an appointment date is near (issue Mẫu 04)")),
]


class NotificationPreferenceForm(forms.Form):
    """A user's email preferences. The page asks which events *send* email
    (ticked = emailed); the model stores the opposite, the muted ones."""

    pref: NotificationPreference

    email_enabled = forms.BooleanField(label=_("Send me notifications by email"), required=False)
    digest = forms.ChoiceField(
        label=_("How often"),
        choices=NotificationPreference.Digest.choices,
        widget=forms.RadioSelect,
    )
    email_events = forms.MultipleChoiceField(
        label=_("Events that send an email"),
        required=False,
        choices=NOTIFICATION_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown event: %(value)s.")},
        help_text=_("Notifications always appear under the bell, whatever you choose here."),
    )

    @classmethod
    def for_preference(
        cls, pref: NotificationPreference, data: Any = None
    ) -> NotificationPreferenceForm:
        muted = set(pref.muted_events or [])
        initial = {
            "email_enabled": pref.email_enabled,
            "digest": pref.digest,
            "email_events": [code for code, _label in NOTIFICATION_EVENTS if code not in muted],
        }
        form = cls(data, initial=initial)
        form.pref = pref
        return form

    def muted_events(self) -> list[str]:
        """The events not ticked, plus any muted code this page does not list
        (set elsewhere), which saving here must not silently unmute."""
        known = {code for code, _label in NOTIFICATION_EVENTS}
        ticked = set(self.cleaned_data["email_events"])
        kept = set(self.pref.muted_events or []) - known
        return sorted(kept | (known - ticked))
