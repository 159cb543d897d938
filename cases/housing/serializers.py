"""API representations of housing cases."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.commune_serializers import CommuneCodeField, CommuneSerializer, UnitHistoryField
from cases.housing.models import (
    Disbursement,
    HousingCase,
    HousingKind,
    HousingProgram,
    HousingState,
)
from cases.models import Person
from cases.selectors import case_document_checklist
from cases.serializers import (
    ApplicantField,
    AvailableTransitionSerializer,
    DocumentSerializer,
    OneStopSerializer,
    PersonBriefSerializer,
    RequiredDocumentSerializer,
    StateLabelMixin,
    transition_fields,
)
from workflows.onestop import onestop_record_for_case, record_status
from workflows.permissions import available_transitions
from workflows.registry import spec_for
from workflows.text import NormalizedSerializerField
from workflows.values import ApiMoneyField


class HousingCaseCreateSerializer(serializers.Serializer):
    commune = CommuneCodeField(help_text="Official commune code, e.g. 00448.")
    applicant = ApplicantField(queryset=Person.objects.none(), help_text="Person id.")
    program = serializers.ChoiceField(choices=HousingProgram.choices)
    kind = serializers.ChoiceField(choices=HousingKind.choices)
    requested_amount = ApiMoneyField()
    description = NormalizedSerializerField(
        multiline=True, required=False, allow_blank=True, default=""
    )


class HousingFilterSerializer(serializers.Serializer):
    commune = serializers.CharField(required=False, help_text="Official commune code.")
    state = serializers.ChoiceField(choices=HousingState.choices, required=False)
    program = serializers.ChoiceField(choices=HousingProgram.choices, required=False)


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


class HousingCaseDetailSerializer(StateLabelMixin, serializers.ModelSerializer):
    process_label = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    commune = CommuneSerializer(read_only=True)
    unit_history = UnitHistoryField()
    applicant = PersonBriefSerializer(read_only=True)
    amounts = serializers.SerializerMethodField()
    over_request_reason = serializers.CharField(
        read_only=True,
        help_text="Why the district assessed more than was requested (empty otherwise).",
    )
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
            "unit_history",
            "applicant",
            "program",
            "kind",
            "description",
            "amounts",
            "over_request_reason",
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

        record = onestop_record_for_case(case)
        if record is None:
            return None
        return OneStopSerializer(record_status(record, case.state)).data
