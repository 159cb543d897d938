"""REST API representations: input parsing and output shapes, no business logic.

Input serializers only turn JSON into typed values; the services and the
engine decide what is allowed and give the field errors (the same ones the web
UI shows). Output serializers read objects the selectors already scoped.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows.permissions import available_transitions
from workflows.registry import all_specs, spec_for
from workflows.specs import TransitionSpec

from cases.models import (
    AdministrativeUnit,
    Category,
    Disbursement,
    Document,
    HousingCase,
    HousingKind,
    HousingProgram,
    HousingState,
    MeritSubtype,
    Person,
)
from cases.selectors import case_document_checklist, people_for_user

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
        help_text="duplicate_national_id only: the existing person's id, if visible to you.",
    )


# --- auth -----------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


# --- registry -------------------------------------------------------------------


class CommuneCodeField(serializers.SlugRelatedField):
    """A commune given by its official code; the unit valid today wins.

    Codes are public reference data (the administrative map), so any commune
    resolves here; whether the caller may act in it is the service's question
    (403), not a 'does not exist' (400).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault(
                "queryset",
                AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE),
            )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> AdministrativeUnit:
        if not isinstance(data, str) or not data:
            self.fail("invalid")
        today = timezone.localdate()
        queryset = self.get_queryset()
        assert queryset is not None
        unit = (
            queryset.filter(code=data)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
            .order_by("-valid_from")
            .first()
        )
        if unit is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return unit


class CommuneSerializer(serializers.ModelSerializer):
    # Plain string, not an enum: "kind" is also the housing kind, and one
    # enum name must not stand for two choice sets in the schema.
    kind = serializers.CharField(
        read_only=True, help_text="xa (commune), thi_tran (township) or phuong (ward)."
    )

    class Meta:
        model = AdministrativeUnit
        fields = ["code", "name", "kind"]


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
            "sex",
            "national_id",
            "commune",
            "address",
            "categories",
            "merit_subtype",
            "created_at",
        ]
        read_only_fields = fields


class PersonCreateSerializer(serializers.Serializer):
    """Types only: the national ID and the rest are checked by `person_create`."""

    full_name = serializers.CharField(max_length=120)
    date_of_birth = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")
    sex = serializers.ChoiceField(choices=Person.Sex.choices)
    national_id = serializers.CharField(
        max_length=32, help_text="12 digits (CCCD), consistent with date of birth and sex."
    )
    commune = CommuneCodeField(help_text="Official commune code, e.g. 00448.")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
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
    national_id = serializers.CharField(required=False, help_text="Exact national ID.")


class PersonBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "full_name", "national_id", "date_of_birth", "address"]
        read_only_fields = fields


# --- housing cases --------------------------------------------------------------


class ApplicantField(serializers.PrimaryKeyRelatedField):
    """A person id among the people the caller may see.

    Someone else's person answers exactly like an id that does not exist, so
    the field never reveals who is registered in another commune.
    """

    def get_queryset(self) -> QuerySet[Person]:
        request = self.context.get("request")
        return people_for_user(getattr(request, "user", None))


class HousingCaseCreateSerializer(serializers.Serializer):
    commune = CommuneCodeField(help_text="Official commune code, e.g. 00448.")
    applicant = ApplicantField(queryset=Person.objects.none(), help_text="Person id.")
    program = serializers.ChoiceField(choices=HousingProgram.choices)
    kind = serializers.ChoiceField(choices=HousingKind.choices)
    requested_amount = serializers.IntegerField(
        min_value=1, max_value=10**13, help_text="Whole đồng."
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")


class HousingFilterSerializer(serializers.Serializer):
    commune = serializers.CharField(required=False, help_text="Official commune code.")
    state = serializers.ChoiceField(choices=HousingState.choices, required=False)
    program = serializers.ChoiceField(choices=HousingProgram.choices, required=False)


class StateLabelMixin:
    """`state_label`: the case's state as its process names it, translated."""

    def get_state_label(self, case: HousingCase) -> str:
        return spec_for(case).state_label(case.state)


class HousingCaseListSerializer(StateLabelMixin, serializers.ModelSerializer):
    commune = CommuneCodeField(read_only=True)
    state_label = serializers.SerializerMethodField()
    applicant = PersonBriefSerializer(read_only=True)

    class Meta:
        model = HousingCase
        fields = [
            "id",
            "reference",
            "process",
            "state",
            "state_label",
            "commune",
            "applicant",
            "program",
            "kind",
            "requested_amount",
            "approved_amount",
            "disbursed_amount",
            "created_at",
        ]
        read_only_fields = fields


class AmountsSerializer(serializers.Serializer):
    requested = serializers.IntegerField(source="requested_amount")
    assessed = serializers.IntegerField(source="assessed_amount", allow_null=True)
    approved = serializers.IntegerField(source="approved_amount", allow_null=True)
    disbursed = serializers.IntegerField(source="disbursed_amount")


class BudgetBriefSerializer(serializers.Serializer):
    funding_source = serializers.CharField()
    year = serializers.IntegerField()


class DisbursementSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Disbursement
        fields = ["id", "amount", "paid_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


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
    new_due_on = serializers.DateField(allow_null=True, required=False, default=None)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


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
        from cases.selectors import communes_for_user

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


class HousingCaseDetailSerializer(StateLabelMixin, serializers.ModelSerializer):
    process_label = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    commune = CommuneSerializer(read_only=True)
    applicant = PersonBriefSerializer(read_only=True)
    amounts = serializers.SerializerMethodField()
    budget = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()
    required_documents = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    disbursements = serializers.SerializerMethodField()
    one_stop = serializers.SerializerMethodField()

    class Meta:
        model = HousingCase
        fields = [
            "id",
            "reference",
            "process",
            "process_label",
            "state",
            "state_label",
            "commune",
            "applicant",
            "program",
            "kind",
            "description",
            "amounts",
            "decision_number",
            "decision_date",
            "accepted_on",
            "budget",
            "available_transitions",
            "required_documents",
            "documents",
            "disbursements",
            "one_stop",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_process_label(self, case: HousingCase) -> str:
        return str(spec_for(case).label)

    @extend_schema_field(AmountsSerializer)
    def get_amounts(self, case: HousingCase) -> dict[str, Any]:
        return AmountsSerializer(case).data

    @extend_schema_field(BudgetBriefSerializer(allow_null=True))
    def get_budget(self, case: HousingCase) -> dict[str, Any] | None:
        if case.budget is None:
            return None
        return BudgetBriefSerializer(case.budget).data

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, case: HousingCase) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {
                "name": t.name,
                "label": str(t.label),
                "danger": t.danger,
                "fields": transition_fields(t),
            }
            for t in available_transitions(user, case)
        ]

    @extend_schema_field(RequiredDocumentSerializer(many=True))
    def get_required_documents(self, case: HousingCase) -> list[dict[str, Any]]:
        return case_document_checklist(case)

    @extend_schema_field(DisbursementSerializer(many=True))
    def get_disbursements(self, case: HousingCase) -> Any:
        rows = case.disbursements.select_related("recorded_by").order_by("paid_on", "id")
        return DisbursementSerializer(rows, many=True).data

    @extend_schema_field(OneStopSerializer(allow_null=True))
    def get_one_stop(self, case: HousingCase) -> dict[str, Any] | None:
        from workflows.onestop import onestop_record_for_case, record_status

        record = onestop_record_for_case(case)
        if record is None:
            return None
        return OneStopSerializer(record_status(record, case.state)).data


# --- transitions ----------------------------------------------------------------


class TransitionRequestSerializer(serializers.Serializer):
    """The fields the API itself reads; every other key goes to the engine as data."""

    RESERVED = ("reason", "expected_state")

    reason = serializers.CharField(required=False, allow_blank=True, default="")
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

    @extend_schema_field(OpenApiTypes.STR)
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


# --- gift campaigns -------------------------------------------------------------


class GiftTallySerializer(serializers.Serializer):
    """Counts and amounts (đồng) of recipient rows the caller may see."""

    planned = serializers.IntegerField()
    planned_amount = serializers.IntegerField()
    delivered = serializers.IntegerField()
    delivered_amount = serializers.IntegerField()
    returned = serializers.IntegerField()
    returned_amount = serializers.IntegerField()


class GiftPackageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    donor = serializers.CharField()
    commune = serializers.CharField(
        source="commune.code", allow_null=True, default=None, help_text="Only for this commune."
    )
    amount = serializers.IntegerField(help_text="Đồng per recipient.")
    categories = serializers.ListField(child=serializers.CharField())
    merit_subtypes = serializers.ListField(child=serializers.CharField())
    exclusive_group = serializers.CharField()


class CampaignBudgetSerializer(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]
    donor = serializers.CharField()
    allocated = serializers.IntegerField()


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    occasion_date = serializers.DateField()
    decision = serializers.CharField()
    reconciled_at = serializers.DateTimeField(allow_null=True)
    lists = serializers.SerializerMethodField(help_text="Commune lists the caller may see.")
    totals = serializers.SerializerMethodField()

    def get_lists(self, campaign: Any) -> int:
        return int(self.context.get("lists", {}).get(campaign.pk, 0))

    @extend_schema_field(GiftTallySerializer)
    def get_totals(self, campaign: Any) -> dict[str, int]:
        tally = self.context.get("tallies", {}).get(campaign.pk, {})
        names = ("planned", "planned_amount", "delivered", "delivered_amount", "returned")
        return {k: int(tally.get(k) or 0) for k in (*names, "returned_amount")}


class CampaignDetailSerializer(CampaignSerializer):
    packages = GiftPackageSerializer(many=True, source="packages.all")
    budgets = CampaignBudgetSerializer(many=True, source="budgets.all")


class GiftListFilterSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(required=False)
    commune = serializers.CharField(required=False, help_text="Official commune code.")
    state = serializers.ChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from cases.models import GiftListState

        super().__init__(*args, **kwargs)
        cast(serializers.ChoiceField, self.fields["state"]).choices = GiftListState.choices


class GiftListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id")
    campaign_name = serializers.CharField(source="campaign.name")
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    waiting_for = serializers.SerializerMethodField(
        help_text="The role whose step it is; empty when the list is closed."
    )
    rows = serializers.IntegerField(source="n_rows")
    amount = serializers.IntegerField()
    delivered = serializers.IntegerField()
    returned = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_state_label(self, gift_list: Any) -> str:
        return spec_for(gift_list).state_label(gift_list.state)

    def get_waiting_for(self, gift_list: Any) -> str:
        return str(spec_for(gift_list).acting_role.get(gift_list.state, ""))


class GiftListDetailSerializer(GiftListSerializer):
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, gift_list: Any) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {
                "name": t.name,
                "label": str(t.label),
                "danger": t.danger,
                "fields": transition_fields(t),
            }
            for t in available_transitions(user, gift_list)
        ]


class GiftRowPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    national_id = serializers.CharField()
    date_of_birth = serializers.DateField()


class GiftRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = GiftRowPersonSerializer()
    package = serializers.CharField(source="package.code")
    amount = serializers.IntegerField()
    state = serializers.CharField()
    delivered_on = serializers.DateField(allow_null=True)
    signed_by = serializers.CharField()
    proxy_name = serializers.CharField()
    proxy_relationship = serializers.CharField()
    return_reason = serializers.CharField()
    note = serializers.CharField()


class GiftRowFilterSerializer(serializers.Serializer):
    package = serializers.CharField(required=False, help_text="Package code.")
    state = serializers.ChoiceField(
        choices=["listed", "approved", "delivered", "returned"], required=False
    )
    q = serializers.CharField(required=False, help_text="Part of the name or of the national ID.")


class GiftDeliveryRequestSerializer(serializers.Serializer):
    row_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Rows to record; omitted or null: every row still waiting for delivery.",
    )
    delivered_on = serializers.DateField(required=False, allow_null=True, default=None)
    signed_by = serializers.ChoiceField(
        choices=["recipient", "proxy"], required=False, default="recipient"
    )
    proxy_name = serializers.CharField(required=False, allow_blank=True, default="")
    proxy_relationship = serializers.CharField(required=False, allow_blank=True, default="")


class GiftReturnRequestSerializer(serializers.Serializer):
    row_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    reason = serializers.ChoiceField(choices=["unclaimed", "deceased", "moved"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class GiftBulkResultSerializer(serializers.Serializer):
    moved = serializers.ListField(child=serializers.IntegerField(), help_text="Rows recorded.")
    refused = serializers.DictField(
        child=serializers.CharField(),
        help_text="Row id -> reason not moved (wrong_state, not_permitted, ...).",
    )
