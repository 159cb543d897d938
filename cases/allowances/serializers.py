"""API representations of the monthly allowances: the dated rates, decision
dossiers, entitlements, payrolls and their lines. Input serializers only turn
JSON into typed values; the services and the engine decide what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.allowances.models import (
    AllowanceCase,
    AllowanceCategory,
    Entitlement,
    EntitlementState,
    LineKind,
    LineState,
    PaymentMethod,
    PayrollState,
    Regime,
    UnpaidReason,
)
from cases.allowances.selectors import entitlements_for_user
from cases.commune_serializers import CommuneCodeField, CommuneSerializer, UnitHistoryField
from cases.models import Person
from cases.selectors import case_document_checklist
from cases.serializers import (
    ApplicantField,
    AvailableTransitionSerializer,
    DocumentSerializer,
    PersonBriefSerializer,
    RequiredDocumentSerializer,
    transition_fields,
)
from workflows.permissions import available_transitions
from workflows.registry import spec_for
from workflows.text import NormalizedSerializerField
from workflows.values import ApiDateField

MONTH_HELP = "YYYY-MM (a date YYYY-MM-DD is read as its month)."


@extend_schema_field(
    {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$", "example": "2024-07"}
)
class ApiMonthField(serializers.Field):
    """A month: "2024-07" (or a date, kept as its first day); answers "2024-07"."""

    default_error_messages = {"invalid": _("Give a month as YYYY-MM.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", MONTH_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dt.date:
        text = data if isinstance(data, str) else ""
        parts = text.strip().split("-")
        digits = all(p.isascii() and p.isdigit() for p in parts)
        if len(parts) in (2, 3) and digits and len(parts[0]) == 4:
            year, month = int(parts[0]), int(parts[1])
            if 1900 <= year <= 2999 and 1 <= month <= 12:
                if len(parts) == 3:
                    try:
                        dt.date(year, month, int(parts[2]))
                    except ValueError:
                        self.fail("invalid")
                return dt.date(year, month, 1)
        self.fail("invalid")
        raise AssertionError  # fail() raises

    def to_representation(self, value: dt.date) -> str:
        return value.strftime("%Y-%m")


def _transitions(request: Any, obj: Any) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "label": str(t.label), "danger": t.danger, "fields": transition_fields(t)}
        for t in available_transitions(request.user, obj)
    ]


class StateLabelled(serializers.Serializer):
    """`state_label` and `available_transitions` from the object's process spec."""

    state_label = serializers.SerializerMethodField()

    def get_state_label(self, obj: Any) -> str:
        return spec_for(obj).state_label(obj.state)


# --- regimes and rates -------------------------------------------------------------


class RegimeQuerySerializer(serializers.Serializer):
    on = ApiDateField(required=False, help_text="YYYY-MM-DD. Default: today.")


class DatedRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    effective_from = serializers.DateField()
    legal_basis = serializers.CharField()
    verified = serializers.BooleanField(help_text="False: a working assumption to check.")
    in_force = serializers.BooleanField(help_text="In force on the day asked (`on`).")


class StandardSerializer(DatedRowSerializer):
    area = serializers.CharField(
        allow_null=True, help_text="Province code; null: the national standard."
    )
    area_name = serializers.CharField(allow_null=True)
    amount = serializers.IntegerField(help_text="Đồng per month.")


class CategoryRateSerializer(DatedRowSerializer):
    degree_from = serializers.IntegerField(allow_null=True)
    degree_to = serializers.IntegerField(allow_null=True)
    coefficient = serializers.DecimalField(max_digits=6, decimal_places=3)
    fixed_amount = serializers.IntegerField()
    extra_amount = serializers.IntegerField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    by_degree = serializers.BooleanField(help_text="Paid by degree of lost working capacity.")
    recuperation_years = serializers.IntegerField(allow_null=True)
    rates = CategoryRateSerializer(many=True, help_text="Every dated rate, newest first.")


class OneOffRuleSerializer(DatedRowSerializer):
    kind = serializers.CharField()
    multiplier = serializers.DecimalField(max_digits=6, decimal_places=2)
    basis = serializers.ChoiceField(choices=["national", "local"])
    fixed_amount = serializers.IntegerField()


class RegimeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="nguoi_co_cong or bao_tro_xa_hoi.")
    label = serializers.CharField()  # type: ignore[assignment]
    standard = serializers.IntegerField(
        allow_null=True, help_text="The national standard in force on `on` (đồng)."
    )
    standards = StandardSerializer(many=True, help_text="Every dated standard, newest first.")
    categories = CategorySerializer(many=True)
    one_offs = OneOffRuleSerializer(many=True)


class RegimesSerializer(serializers.Serializer):
    on = serializers.DateField()
    regimes = RegimeSerializer(many=True)


# --- entitlements --------------------------------------------------------------------


class EntitlementFilterSerializer(serializers.Serializer):
    regime = serializers.ChoiceField(choices=Regime.choices, required=False)
    category = serializers.IntegerField(required=False, help_text="Category id.")
    state = serializers.ChoiceField(choices=EntitlementState.choices, required=False)
    commune = serializers.CharField(required=False, help_text="Official commune code.")
    q = serializers.CharField(
        required=False, help_text="National ID, or part of the name (with or without diacritics)."
    )


class CategoryBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class EntitlementSerializer(StateLabelled):
    id = serializers.IntegerField()
    person = PersonBriefSerializer()
    commune = CommuneSerializer()
    regime = serializers.CharField()
    category = CategoryBriefSerializer()
    degree = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    start_month = ApiMonthField()
    end_month = ApiMonthField(allow_null=True)
    end_reason = serializers.CharField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    payment_method = serializers.CharField()


class SuspensionSerializer(serializers.Serializer):
    from_month = ApiMonthField()
    to_month = ApiMonthField(allow_null=True)
    pay_back = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = ApiMonthField(help_text="The payroll's month.")
    payroll = serializers.IntegerField(source="payroll_id")
    entitlement = serializers.IntegerField(source="entitlement_id")
    person = serializers.IntegerField(source="person_id")
    regime = serializers.CharField()
    category = serializers.IntegerField(source="category_id")
    for_month = ApiMonthField(help_text="The month the amount is for (arrears: an earlier one).")
    # Plain string, not an enum: "kind" names other choice sets in the schema.
    kind = serializers.CharField(help_text="regular, arrears or one_off.")
    amount = serializers.IntegerField()
    state = serializers.ChoiceField(choices=LineState.choices)
    paid_on = serializers.DateField(allow_null=True)
    unpaid_reason = serializers.CharField()
    note = serializers.CharField()


class EntitlementDetailSerializer(EntitlementSerializer):
    unit_history = UnitHistoryField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    died_on = serializers.DateField(allow_null=True)
    suspensions = SuspensionSerializer(many=True, source="suspensions.all")
    lines = serializers.SerializerMethodField(
        help_text="The person's latest payroll lines the caller may see, newest month first."
    )
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, ent: Any) -> Any:
        return LineSerializer(self.context["lines"], many=True).data

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, ent: Any) -> list[dict[str, Any]]:
        return _transitions(self.context["request"], ent)


# --- decision dossiers -------------------------------------------------------------


class VisibleEntitlementField(serializers.PrimaryKeyRelatedField):
    """An entitlement id among those the caller may see: another commune's
    answers exactly like one that does not exist."""

    def get_queryset(self) -> QuerySet[Entitlement]:
        request = self.context.get("request")
        return entitlements_for_user(getattr(request, "user", None))


class AllowanceCaseCreateSerializer(serializers.Serializer):
    commune = CommuneCodeField(help_text="Official commune code, e.g. 00448.")
    applicant = ApplicantField(queryset=Person.objects.none(), help_text="Person id.")
    regime = serializers.ChoiceField(choices=Regime.choices)
    category = serializers.PrimaryKeyRelatedField(
        queryset=AllowanceCategory.objects.all(),
        help_text="Category id (GET /allowances/regimes/).",
    )
    requested_start_month = ApiMonthField()
    degree = serializers.IntegerField(required=False, allow_null=True, default=None)
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, default="post"
    )
    bank_account = NormalizedSerializerField(
        required=False, allow_blank=True, default="", max_length=30
    )
    bank_name = NormalizedSerializerField(
        required=False, allow_blank=True, default="", max_length=120
    )
    replaces = VisibleEntitlementField(
        queryset=Entitlement.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A change of category or degree: the id of the entitlement it replaces.",
    )
    note = NormalizedSerializerField(required=False, allow_blank=True, default="", max_length=500)


class AllowanceCaseSerializer(StateLabelled):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    process = serializers.CharField()
    state = serializers.CharField()
    commune = CommuneSerializer()
    unit_history = UnitHistoryField()
    applicant = PersonBriefSerializer()
    kind = serializers.CharField()
    regime = serializers.CharField()
    category = CategoryBriefSerializer()
    degree = serializers.IntegerField(allow_null=True)
    requested_start_month = ApiMonthField()
    payment_method = serializers.CharField()
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    decision_number = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    start_month = ApiMonthField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    available_transitions = serializers.SerializerMethodField()
    required_documents = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, source="documents.all")

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, case: AllowanceCase) -> list[dict[str, Any]]:
        return _transitions(self.context["request"], case)

    @extend_schema_field(RequiredDocumentSerializer(many=True))
    def get_required_documents(self, case: AllowanceCase) -> list[dict[str, Any]]:
        return case_document_checklist(case)


# --- payrolls --------------------------------------------------------------------------


class PayrollFilterSerializer(serializers.Serializer):
    month = ApiMonthField(required=False)
    commune = serializers.CharField(required=False, help_text="Official commune code.")
    state = serializers.ChoiceField(choices=PayrollState.choices, required=False)


class PayrollGenerateSerializer(serializers.Serializer):
    commune = CommuneCodeField(help_text="Official commune code, e.g. 00448.")
    month = ApiMonthField()


class PayrollSerializer(StateLabelled):
    id = serializers.IntegerField()
    commune = CommuneSerializer()
    month = ApiMonthField()
    state = serializers.CharField()
    generated_at = serializers.DateTimeField(allow_null=True)
    line_count = serializers.IntegerField()
    total_amount = serializers.IntegerField(help_text="Đồng, every line.")
    paid_count = serializers.IntegerField()
    paid_amount = serializers.IntegerField(help_text="Đồng, lines recorded as paid.")


class DifferenceRowSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    full_name = serializers.CharField()
    regime = serializers.CharField()
    before = serializers.IntegerField()
    after = serializers.IntegerField()


class DifferenceGroupSerializer(serializers.Serializer):
    change = serializers.ChoiceField(
        choices=["new", "stopped", "changed", "arrears", "one_off", "carried"]
    )
    count = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Change of the total, in đồng.")
    rows = DifferenceRowSerializer(many=True, help_text="Examples (at most 20), by name.")


class DifferencesSerializer(serializers.Serializer):
    previous_month = ApiMonthField(allow_null=True)
    groups = DifferenceGroupSerializer(many=True)


class ImportBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    file_name = serializers.CharField()
    outcome = serializers.CharField()
    rows_read = serializers.IntegerField()
    paid = serializers.IntegerField()
    unpaid = serializers.IntegerField()


class PayrollDetailSerializer(PayrollSerializer):
    unit_history = UnitHistoryField()
    lines_by_state = serializers.DictField(child=serializers.IntegerField())
    differences = serializers.SerializerMethodField()
    imports = serializers.SerializerMethodField(help_text="The latest payment-result uploads.")
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(DifferencesSerializer)
    def get_differences(self, payroll: Any) -> Any:
        return DifferencesSerializer(self.context["differences"]).data

    @extend_schema_field(ImportBriefSerializer(many=True))
    def get_imports(self, payroll: Any) -> Any:
        return ImportBriefSerializer(payroll.imports.order_by("-id")[:5], many=True).data

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, payroll: Any) -> list[dict[str, Any]]:
        return _transitions(self.context["request"], payroll)


class PayrollLineFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=LineState.choices, required=False)
    kind = serializers.ChoiceField(choices=LineKind.choices, required=False)
    regime = serializers.ChoiceField(choices=Regime.choices, required=False)
    q = serializers.CharField(
        required=False, help_text="National ID, or part of the name (with or without diacritics)."
    )


class PayrollLineSerializer(LineSerializer):
    full_name = serializers.CharField(source="person.full_name")
    national_id = serializers.CharField(source="person.national_id")


# Ids as the database holds them (a bigint): a larger number is refused as input.
ID_MAX = 2**63 - 1


def line_id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class SettleSerializer(serializers.Serializer):
    carry = serializers.ListField(
        child=line_id(), required=False, default=list,
        help_text="Lines not paid to list again in the next month's payroll.",
    )  # fmt: skip
    give_back = serializers.ListField(
        child=line_id(), required=False, default=list,
        help_text="Lines not paid whose money goes back to the budget.",
    )  # fmt: skip


class SettleResultSerializer(serializers.Serializer):
    carried = serializers.IntegerField()
    returned = serializers.IntegerField()
    payroll = PayrollSerializer()


class PaidResultSerializer(serializers.Serializer):
    line = line_id()
    paid_on = ApiDateField()

    def validate_paid_on(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value


class UnpaidResultSerializer(serializers.Serializer):
    line = line_id()
    reason = serializers.ChoiceField(choices=UnpaidReason.choices)


class ResultsRecordSerializer(serializers.Serializer):
    paid = PaidResultSerializer(many=True, required=False, default=list)
    unpaid = UnpaidResultSerializer(many=True, required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lines = [r["line"] for r in attrs["paid"]] + [r["line"] for r in attrs["unpaid"]]
        if len(lines) != len(set(lines)):
            raise serializers.ValidationError(
                {"unpaid": [_("A line cannot be both paid and not paid, or given twice.")]},
                code="line_twice",
            )
        return attrs


class ResultsRecordedSerializer(serializers.Serializer):
    paid = serializers.IntegerField()
    unpaid = serializers.IntegerField()
    payroll = PayrollSerializer()
