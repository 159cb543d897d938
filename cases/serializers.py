"""REST API representations: input parsing and output shapes, no business logic.

Input serializers only turn JSON into typed values; the services and the
engine decide what is allowed and give the field errors (the same ones the web
UI shows). Output serializers read objects the selectors already scoped."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.commune_serializers import CommuneCodeField
from cases.models import (
    Case,
    Category,
    Document,
    MeritSubtype,
    Person,
)
from cases.selectors import communes_for_user, people_for_user
from cases.validators import NationalIdSerializerField
from workflows.registry import all_specs, spec_for
from workflows.specs import TransitionSpec
from workflows.text import NormalizedSerializerField
from workflows.values import ApiDateField

# --- errors (what workflows.api_errors produces) ------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a stable code, a translated message, per-field messages."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_found.")
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name -> messages (in the caller's language).",
    )
    existing_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="duplicate_national_id: the existing person's id; housing_open_case_exists, "
        "housing_already_supported: the existing case's id; null when not visible to you.",
    )
    existing_reference = serializers.CharField(
        required=False,
        help_text="housing_open_case_exists, housing_already_supported: the existing case's "
        "reference, when visible to you.",
    )


# --- registry -------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    commune = CommuneCodeField(read_only=True)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), read_only=True
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "full_name",
            "date_of_birth",
            "birth_year_only",
            "sex",
            "national_id",
            "commune",
            "village",
            "address",
            "categories",
            "merit_subtype",
            "created_at",
        ]
        read_only_fields = fields


class PersonCreateSerializer(serializers.Serializer):
    """Types only: the national ID and the rest are checked by `person_create`."""

    full_name = NormalizedSerializerField(max_length=120)
    date_of_birth = ApiDateField()
    sex = serializers.ChoiceField(choices=Person.Sex.choices)
    national_id = NationalIdSerializerField()  # consistent with date of birth and sex
    commune = CommuneCodeField(help_text="Official commune code, e.g. 00448.")
    village = NormalizedSerializerField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="Village (thôn, tổ dân phố) within the commune.",
    )
    address = NormalizedSerializerField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    # A flat list of messages on error (a ListField would nest them by index).
    categories = serializers.MultipleChoiceField(
        choices=Category.choices, required=False, default=set
    )
    merit_subtype = serializers.ChoiceField(
        choices=MeritSubtype.choices, required=False, allow_blank=True, default=""
    )

    def validate_categories(self, value: Any) -> list[str]:
        # Keep the catalogue's order: MultipleChoiceField hands back a set.
        return [c for c in Category.values if c in value]


class PersonFilterSerializer(serializers.Serializer):
    national_id = serializers.CharField(
        required=False,
        help_text="National ID; spaces and dots are ignored, 11 digits also match with a "
        "leading 0.",
    )
    q = NormalizedSerializerField(
        required=False,
        max_length=120,
        help_text="Part of the name (with or without diacritics) or a national ID.",
    )


class PersonBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "full_name", "national_id", "date_of_birth", "address"]
        read_only_fields = fields


# --- cases ----------------------------------------------------------------------


class ApplicantField(serializers.PrimaryKeyRelatedField):
    """A person id among the people the caller may see.

    Someone else's person answers exactly like an id that does not exist, so
    the field never reveals who is registered in another commune.
    """

    def get_queryset(self) -> QuerySet[Person]:
        request = self.context.get("request")
        return people_for_user(getattr(request, "user", None))


class StateLabelMixin:
    """`state_label`: the case's state as its process names it, translated."""

    def get_state_label(self, case: Case) -> str:
        return spec_for(case).state_label(case.state)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "original_name", "size", "sha256", "content_type", "uploaded_at"]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    """Multipart form. Type, size and kind are checked by `document_upload`."""

    kind = serializers.CharField(max_length=40, help_text="A kind from required_documents.")
    # Empty files go through so that the service answers with its own code.
    file = serializers.FileField(allow_empty_file=True, use_url=False)


# Output shapes whose field names ("label", "required", "fields") shadow
# attributes of DRF's Field/Serializer: DRF's metaclass takes declared fields
# off the class, so this is fine at run time; only the type stubs object.


class RequiredDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    present = serializers.BooleanField()


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class TransitionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    type = serializers.ChoiceField(choices=["string", "integer", "date", "choice"])
    required = serializers.BooleanField()  # type: ignore[assignment]
    choices = ChoiceSerializer(many=True, required=False)


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    danger = serializers.BooleanField(help_text="Destructive or final: ask for confirmation.")
    fields = TransitionFieldSerializer(many=True)  # type: ignore[assignment]


def _field_type(field: forms.Field) -> str:
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    return "string"


def transition_fields(tspec: TransitionSpec) -> list[dict[str, Any]]:
    """The body a transition takes, read from its form and its reason rule."""
    out: list[dict[str, Any]] = []
    if tspec.form is not None:
        for name, field in tspec.form.base_fields.items():
            item: dict[str, Any] = {
                "name": name,
                "label": str(field.label or name),
                "type": _field_type(field),
                "required": field.required,
            }
            if isinstance(field, forms.ChoiceField):
                choices: Any = field.choices
                item["choices"] = [
                    {"value": str(v), "label": str(lbl)} for v, lbl in choices if v != ""
                ]
            out.append(item)
    out.append(
        {
            "name": "reason",
            "label": str(_("Reason")),
            "type": "string",
            "required": tspec.reason_required,
        }
    )
    return out


# --- one-stop register ----------------------------------------------------------


class ApologyLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    issued_on = serializers.DateField()
    issued_by = serializers.CharField(source="issued_by.username")
    reason = serializers.CharField()
    previous_due_on = serializers.DateField()
    new_due_on = serializers.DateField()


class OneStopSerializer(serializers.Serializer):
    """A case's line in the one-stop register (from workflows.onestop.RecordStatus)."""

    procedure = serializers.CharField(source="record.procedure.name")
    received_on = serializers.DateField(source="record.received_on")
    working_days = serializers.IntegerField(source="record.working_days")
    appointment_on = serializers.DateField(
        source="record.appointment_on", help_text="The appointment date on the receipt (Mẫu 01)."
    )
    due_on = serializers.DateField(
        source="record.due_on", help_text="The appointment in force (moved by Mẫu 04 letters)."
    )
    result_on = serializers.DateField(source="record.result_on", allow_null=True)
    late = serializers.BooleanField(source="record.is_late", allow_null=True)
    status = serializers.ChoiceField(
        choices=["pending", "due-soon", "overdue", "paused", "on-time", "late", "void"]
    )
    status_label = serializers.CharField(source="label")
    needs_apology = serializers.BooleanField()
    apology_letters = ApologyLetterSerializer(source="record.apologies.all", many=True)


class ApologyRequestSerializer(serializers.Serializer):
    new_due_on = ApiDateField(allow_null=True, required=False, default=None)
    reason = NormalizedSerializerField(multiline=True, allow_blank=True, required=False, default="")


class KpiQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    process = serializers.ChoiceField(choices=[], required=False)
    commune = serializers.IntegerField(required=False, help_text="One of the caller's communes.")
    by = serializers.CharField(
        required=False,
        default="process,commune,month",
        help_text="Comma-separated grouping: any of process, commune, month (empty: totals only).",
        allow_blank=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [code for code, spec in all_specs().items() if spec.one_stop is not None]
        cast(serializers.ChoiceField, self.fields["process"]).choices = choices

    def validate_commune(self, value: int) -> int:

        if not communes_for_user(self.context["request"].user).filter(pk=value).exists():
            raise serializers.ValidationError(_("Not one of your communes."))
        return value

    def validate_by(self, value: str) -> tuple[str, ...]:
        parts = tuple(p.strip() for p in value.split(",") if p.strip())
        unknown = [p for p in parts if p not in ("process", "commune", "month")]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown grouping: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return parts


class KpiRowSerializer(serializers.Serializer):
    process = serializers.CharField(allow_blank=True)
    process_label = serializers.CharField(allow_blank=True)
    commune_id = serializers.IntegerField(allow_null=True)
    commune = serializers.CharField(source="commune_name", allow_blank=True)
    month = serializers.SerializerMethodField()
    resolved = serializers.IntegerField()
    early = serializers.IntegerField()
    on_day = serializers.IntegerField()
    late = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    apology_letters = serializers.IntegerField(source="apologised")

    def get_month(self, row: Any) -> str | None:
        return row.month.strftime("%Y-%m") if row.month else None


class KpiSerializer(serializers.Serializer):
    by = serializers.ListField(child=serializers.CharField())
    rows = KpiRowSerializer(many=True)
    total = KpiRowSerializer()
    received = serializers.IntegerField(help_text="Dossiers received in the period.")
    open_in_time = serializers.IntegerField()
    open_overdue = serializers.IntegerField(help_text="Open today and past the appointment.")
    open_paused = serializers.IntegerField(help_text="Waiting for the applicant.")


# --- transitions ----------------------------------------------------------------


class TransitionRequestSerializer(serializers.Serializer):
    """The fields the API itself reads; every other key goes to the engine as data."""

    RESERVED = ("reason", "expected_state")

    reason = NormalizedSerializerField(multiline=True, required=False, allow_blank=True, default="")
    expected_state = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The state you saw; if the case has moved on since, the answer is 409.",
    )


def _schema_field(field: forms.Field, used_by: list[str]) -> serializers.Field:
    kwargs: dict[str, Any] = {
        "required": False,
        "help_text": format_lazy("{} — {}", field.label, ", ".join(used_by)),
    }
    kind = _field_type(field)
    if kind == "integer":
        return serializers.IntegerField(**kwargs)
    if kind == "date":
        return serializers.DateField(**kwargs)
    if kind == "choice":
        assert isinstance(field, forms.ChoiceField)
        choices: Any = field.choices
        return serializers.ChoiceField(
            choices=[c for c in choices if c[0] != ""], allow_blank=True, **kwargs
        )
    return serializers.CharField(**kwargs)


def _transition_body_serializer() -> type[serializers.Serializer]:
    """For the schema only: every data field any transition takes, all optional.

    Built from the process specs so the documentation follows the forms.
    Requests are not validated with it: the engine validates the data with
    the transition's own form, so API and UI give the same field errors.
    """
    found: dict[str, tuple[forms.Field, list[str]]] = {}
    for spec in all_specs().values():
        for tspec in spec.transitions.values():
            if tspec.form is None:
                continue
            for name, field in tspec.form.base_fields.items():
                found.setdefault(name, (field, []))[1].append(tspec.name)
    attrs: dict[str, Any] = {
        name: _schema_field(field, used_by) for name, (field, used_by) in sorted(found.items())
    }
    attrs["__doc__"] = "reason, expected_state and the transition's data fields."
    return type("TransitionBodySerializer", (TransitionRequestSerializer,), attrs)


TransitionBodySerializer = _transition_body_serializer()


# --- audit and tasks ------------------------------------------------------------


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    actor = serializers.CharField(source="actor_username")
    actor_role = serializers.CharField()
    event = serializers.CharField()
    transition = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    data = serializers.JSONField()  # type: ignore[assignment]
    occurred_at = serializers.DateTimeField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()


class TaskCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.SerializerMethodField()
    status = serializers.CharField()
    case = serializers.SerializerMethodField()
    commune = serializers.SerializerMethodField()
    created = serializers.DateTimeField()
    due_on = serializers.DateField(
        source="deadline.due_on",
        read_only=True,
        allow_null=True,
        help_text="When the task is due; null when its step has no time limit.",
    )

    def get_step(self, task: Any) -> str:
        return task.flow_task.name

    @staticmethod
    def _case(task: Any) -> Any:
        return getattr(task.process, "case", None)

    @extend_schema_field(TaskCaseSerializer(allow_null=True))
    def get_case(self, task: Any) -> dict[str, Any] | None:
        case = self._case(task)
        return None if case is None else {"id": case.pk, "reference": case.reference}

    @extend_schema_field(serializers.CharField(allow_null=True))  # null: a gift list's task
    def get_commune(self, task: Any) -> str | None:
        case = self._case(task)
        return None if case is None else case.commune.code


class TaskFilterSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=[("inbox", "inbox"), ("queue", "queue")],
        required=False,
        default="inbox",
        help_text="inbox: tasks you hold; queue: unclaimed tasks you could take.",
    )
