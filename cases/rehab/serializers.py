"""API representations of drug-rehab records: input parsing, masked and full
output shapes, the read log and the export rows."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers as drf

from cases import commune_serializers, serializers
from cases.models import Case, Person
from cases.rehab.models import (
    CheckinResult,
    PostRehabCheckin,
    ReferralGround,
    ReferralState,
    RehabCase,
    RehabReferral,
    RehabSetting,
    SupportCategory,
    VoluntaryRehab,
    VoluntaryState,
)
from cases.rehab.selectors import (
    ReadPurpose,
    case_events,
    mask_national_id,
)
from cases.selectors import case_document_checklist
from cases.validators import NationalIdSerializerField
from workflows import formatting
from workflows.models import AuditEvent
from workflows.permissions import available_transitions
from workflows.registry import spec_for
from workflows.text import NormalizedSerializerField
from workflows.values import ApiDateField, ApiMoneyField

REHAB_PROCESSES = [
    (Case.Process.REHAB_COMPULSORY, Case.Process.REHAB_COMPULSORY.label),
    (Case.Process.REHAB_VOLUNTARY, Case.Process.REHAB_VOLUNTARY.label),
]


def _state_choices() -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for value, label in [*ReferralState.choices, *VoluntaryState.choices]:
        seen.setdefault(value, label)
    return list(seen.items())


# --- input ----------------------------------------------------------------------------


class RehabFilterSerializer(drf.Serializer):
    """The list's filters (the export takes them too)."""

    process = drf.ChoiceField(choices=[], required=False)
    commune = drf.CharField(required=False, help_text="Official commune code.")
    state = drf.ChoiceField(choices=[], required=False)
    q = drf.CharField(
        required=False,
        help_text="A reference (CNBB-/CNTN-…), an exact 12-digit national ID or part of a name.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Choices set here, as in the other filter serializers: the schema inlines
        # them instead of naming one more process/state enum.
        super().__init__(*args, **kwargs)
        cast(drf.ChoiceField, self.fields["process"]).choices = REHAB_PROCESSES
        cast(drf.ChoiceField, self.fields["state"]).choices = _state_choices()


class ReadPurposeSerializer(drf.Serializer):
    """Why the record is opened (checked and logged by `rehab_read_record`)."""

    purpose = drf.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="One of: " + ", ".join(ReadPurpose.values) + ". Required.",
    )
    purpose_note = NormalizedSerializerField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Required when purpose is 'other'.",
    )


class RehabExportQuerySerializer(RehabFilterSerializer, ReadPurposeSerializer):
    format = drf.ChoiceField(choices=["json", "csv"], default="json")


class RehabPersonInputSerializer(drf.Serializer):
    """The person concerned: found by national ID in the registry, or registered.
    The national ID is checked by `rehab_person` (against date of birth and sex)."""

    national_id = NationalIdSerializerField()
    full_name = NormalizedSerializerField(max_length=120)
    date_of_birth = ApiDateField()
    sex = drf.ChoiceField(choices=Person.Sex.choices)
    address = NormalizedSerializerField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    commune = commune_serializers.CommuneCodeField(help_text="Official commune code, e.g. 00448.")


class ReferralCreateSerializer(RehabPersonInputSerializer):
    ground = drf.ChoiceField(choices=ReferralGround.choices)
    violation_record_number = NormalizedSerializerField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    violation_on = ApiDateField(required=False, allow_null=True, default=None)
    stable_residence = drf.BooleanField(required=False, default=True)


class VoluntaryCreateSerializer(RehabPersonInputSerializer):
    setting = drf.ChoiceField(choices=RehabSetting.choices)
    facility_name = NormalizedSerializerField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    support_category = drf.ChoiceField(
        choices=SupportCategory.choices, required=False, allow_blank=True, default=""
    )
    estimated_cost = ApiMoneyField(min_value=0, required=False, default=0)


class CheckinCreateSerializer(drf.Serializer):
    checked_on = ApiDateField(required=False, allow_null=True, default=None)
    result = drf.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="One of: " + ", ".join(CheckinResult.values) + ".",
    )
    note = NormalizedSerializerField(max_length=500, required=False, allow_blank=True, default="")


# --- output ---------------------------------------------------------------------------


class RehabCaseRefSerializer(drf.Serializer):
    id = drf.IntegerField()
    reference = drf.CharField()
    state = drf.CharField()


class RehabPersonMaskedSerializer(drf.Serializer):
    full_name = drf.CharField()
    national_id = drf.SerializerMethodField(
        help_text="Masked: the province code and the last three digits only."
    )

    def get_national_id(self, person: Person) -> str:
        return mask_national_id(person.national_id)


class RehabCaseListSerializer(drf.Serializer):
    id = drf.IntegerField()
    reference = drf.CharField()
    process = drf.CharField(help_text="rehab_compulsory or rehab_voluntary.")
    process_label = drf.SerializerMethodField()
    version = drf.CharField(source="procedure_version.code")
    route = drf.CharField()
    state = drf.CharField()
    state_label = drf.SerializerMethodField()
    commune = drf.CharField(source="commune.code")
    commune_name = drf.CharField(source="commune.name")
    applicant = RehabPersonMaskedSerializer()
    is_minor = drf.BooleanField()
    created_at = drf.DateTimeField()

    def get_process_label(self, case: RehabCase) -> str:
        return str(spec_for(case).label)

    def get_state_label(self, case: RehabCase) -> str:
        return spec_for(case).state_label(case.state)


class RehabApplicantSerializer(drf.Serializer):
    id = drf.IntegerField()
    full_name = drf.CharField()
    national_id = drf.CharField()
    date_of_birth = drf.DateField()
    sex = drf.CharField()
    address = drf.CharField()


class ProcedureVersionSerializer(drf.Serializer):
    code = drf.CharField()
    name = drf.CharField()
    legal_basis = drf.CharField()
    route = drf.CharField()
    effective_from = drf.DateField()


class ReferralFieldsSerializer(drf.Serializer):
    """What a compulsory referral records (null on voluntary cases)."""

    ground = drf.CharField()
    violation_record_number = drf.CharField()
    violation_on = drf.DateField(allow_null=True)
    stable_residence = drf.BooleanField()
    pending_management = drf.CharField()
    pending_facility = drf.CharField()
    pending_from = drf.DateField(allow_null=True)
    notified_on = drf.DateField(allow_null=True)
    reading_until = drf.DateField(allow_null=True)
    court_name = drf.CharField()
    filed_on = drf.DateField(allow_null=True)
    decision_number = drf.CharField()
    decision_date = drf.DateField(allow_null=True)
    duration_months = drf.IntegerField(allow_null=True)
    centre_name = drf.CharField()
    complaint_until = drf.DateField(allow_null=True)
    postpone_ground = drf.CharField()
    postponed_until = drf.DateField(allow_null=True)
    exempt_ground = drf.CharField()
    placed_on = drf.DateField(allow_null=True)
    release_due_on = drf.DateField(allow_null=True)
    released_on = drf.DateField(allow_null=True)


class VoluntaryFieldsSerializer(drf.Serializer):
    """What a voluntary-rehab case records (null on referrals)."""

    setting = drf.CharField()
    facility_name = drf.CharField()
    registered_on = drf.DateField(allow_null=True)
    support_category = drf.CharField()
    estimated_cost = drf.IntegerField()
    support_percent = drf.IntegerField()
    support_amount = drf.IntegerField()
    decision_number = drf.CharField()
    decision_date = drf.DateField(allow_null=True)
    start_on = drf.DateField(allow_null=True)
    duration_months = drf.IntegerField(allow_null=True)
    end_due_on = drf.DateField(allow_null=True)
    finished_on = drf.DateField(allow_null=True)
    dropped_on = drf.DateField(allow_null=True)


class CheckinSerializer(drf.Serializer):
    id = drf.IntegerField()
    checked_on = drf.DateField()
    result = drf.CharField()
    result_label = drf.CharField(source="get_result_display")
    note = drf.CharField()
    recorded_by = drf.CharField(source="recorded_by.username")
    recorded_at = drf.DateTimeField()


class RehabEventSerializer(drf.Serializer):
    """An event of the case's history (reads are in the read log, not here)."""

    id = drf.IntegerField()
    actor = drf.CharField(source="actor_username")
    actor_role = drf.CharField()
    event = drf.CharField()
    transition = drf.CharField()
    from_state = drf.CharField()
    to_state = drf.CharField()
    reason = drf.CharField()
    data = drf.JSONField()  # type: ignore[assignment]
    occurred_at = drf.DateTimeField()


class RehabCaseDetailSerializer(drf.Serializer):
    id = drf.IntegerField()
    reference = drf.CharField()
    process = drf.CharField(help_text="rehab_compulsory or rehab_voluntary.")
    process_label = drf.SerializerMethodField()
    state = drf.CharField()
    state_label = drf.SerializerMethodField()
    waiting_for = drf.SerializerMethodField(
        help_text="The role whose step it is; empty when the case is closed."
    )
    commune = commune_serializers.CommuneSerializer()
    unit_history = commune_serializers.UnitHistoryField()
    applicant = RehabApplicantSerializer(help_text="Full data: this answer is a logged read.")
    procedure_version = ProcedureVersionSerializer()
    route = drf.CharField()
    is_minor = drf.BooleanField()
    post_rehab_months = drf.IntegerField(allow_null=True)
    post_rehab_from = drf.DateField(allow_null=True)
    post_rehab_until = drf.DateField(allow_null=True)
    certificate_number = drf.CharField()
    completed_on = drf.DateField(allow_null=True)
    relapse_on = drf.DateField(allow_null=True)
    previous_case = RehabCaseRefSerializer(allow_null=True)
    follow_ups = drf.SerializerMethodField()
    referral = drf.SerializerMethodField()
    voluntary = drf.SerializerMethodField()
    available_transitions = drf.SerializerMethodField()
    required_documents = drf.SerializerMethodField()
    documents = serializers.DocumentSerializer(many=True, source="documents.all")
    checkins = drf.SerializerMethodField()
    history = drf.SerializerMethodField()
    created_at = drf.DateTimeField()
    updated_at = drf.DateTimeField()

    def get_process_label(self, case: RehabCase) -> str:
        return str(spec_for(case).label)

    def get_state_label(self, case: RehabCase) -> str:
        return spec_for(case).state_label(case.state)

    def get_waiting_for(self, case: RehabCase) -> str:
        return str(spec_for(case).acting_role.get(case.state, ""))

    @extend_schema_field(RehabCaseRefSerializer(many=True))
    def get_follow_ups(self, case: RehabCase) -> Any:
        return RehabCaseRefSerializer(case.follow_ups.order_by("id"), many=True).data

    @extend_schema_field(ReferralFieldsSerializer(allow_null=True))
    def get_referral(self, case: RehabCase) -> dict[str, Any] | None:
        if not isinstance(case, RehabReferral):
            return None
        return dict(ReferralFieldsSerializer(case).data)

    @extend_schema_field(VoluntaryFieldsSerializer(allow_null=True))
    def get_voluntary(self, case: RehabCase) -> dict[str, Any] | None:
        if not isinstance(case, VoluntaryRehab):
            return None
        return dict(VoluntaryFieldsSerializer(case).data)

    @extend_schema_field(serializers.AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, case: RehabCase) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {
                "name": t.name,
                "label": str(t.label),
                "danger": t.danger,
                "fields": serializers.transition_fields(t),
            }
            for t in available_transitions(user, case)
        ]

    @extend_schema_field(serializers.RequiredDocumentSerializer(many=True))
    def get_required_documents(self, case: RehabCase) -> list[dict[str, Any]]:
        return case_document_checklist(case)

    @extend_schema_field(CheckinSerializer(many=True))
    def get_checkins(self, case: RehabCase) -> Any:
        rows = PostRehabCheckin.objects.filter(case_id=case.pk).select_related("recorded_by")
        return CheckinSerializer(rows, many=True).data

    @extend_schema_field(RehabEventSerializer(many=True))
    def get_history(self, case: RehabCase) -> Any:
        return RehabEventSerializer(case_events(case), many=True).data


class RehabReadSerializer(drf.Serializer):
    """One reading of a case: references and readers only, no personal data."""

    id = drf.IntegerField()
    case = drf.SerializerMethodField(help_text="The case's reference.")
    occurred_at = drf.DateTimeField()
    reader = drf.CharField(source="actor_username")
    reader_name = drf.SerializerMethodField()
    reader_role = drf.CharField(source="actor_role")
    purpose = drf.SerializerMethodField()
    purpose_label = drf.SerializerMethodField()
    note = drf.SerializerMethodField()
    via = drf.SerializerMethodField(help_text="web or api.")

    def get_case(self, event: AuditEvent) -> str:
        return str(self.context["case"].reference)

    def get_reader_name(self, event: AuditEvent) -> str:
        return formatting.display_name(event.actor) if event.actor else event.actor_username

    def _data(self, event: AuditEvent, key: str) -> str:
        return str((event.data or {}).get(key, ""))

    def get_purpose(self, event: AuditEvent) -> str:
        return self._data(event, "purpose")

    def get_purpose_label(self, event: AuditEvent) -> str:
        purpose = self._data(event, "purpose")
        return str(dict(ReadPurpose.choices).get(purpose, purpose))

    def get_note(self, event: AuditEvent) -> str:
        return self._data(event, "note")

    def get_via(self, event: AuditEvent) -> str:
        return self._data(event, "via")


class RehabExportRowSerializer(drf.Serializer):
    reference = drf.CharField()
    process = drf.CharField()
    process_label = drf.CharField()
    version = drf.CharField()
    commune = drf.CharField(help_text="Official commune code.")
    commune_name = drf.CharField()
    full_name = drf.CharField()
    national_id = drf.CharField(help_text="In full: exports need their own permission.")
    date_of_birth = drf.DateField()
    state = drf.CharField()
    state_label = drf.CharField()
    created_at = drf.DateTimeField()


class RehabExportSerializer(drf.Serializer):
    count = drf.IntegerField()
    results = RehabExportRowSerializer(many=True)
