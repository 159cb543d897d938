"""REST API for drug-rehab cases (sensitive records), under /api/v1/rehab/.

The same rules as the web pages (`cases.views.rehab`), through the same
services and selectors (`cases.rehab`):

- Only rehab roles reach these endpoints: the commune rehab officer and the
  head of commune police (their communes' cases) and district rehab staff
  (every case). Everyone else gets 404 not_found, as for a case that does
  not exist; the read-log endpoint is for auditors and district rehab staff.
- Lists mask national IDs and log nothing. Reading a case needs a purpose
  (`?purpose=`, `purpose_note` for "other") and is logged with via="api";
  answers that carry the full record after an action (filing, a transition)
  are logged as reads for handling the case, as the web page after the same
  action is.
- Exports need the `cases.export_rehab` permission (403 not_permitted
  without it), a purpose, and are logged.

State changes go through `workflows.engine.transition`; domain errors map to
`{code, message, fields}` in `workflows.api_errors`.
"""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, status
from rest_framework import serializers as drf
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from workflows.exceptions import NotFound, NotPermitted
from workflows.models import AuditEvent
from workflows.permissions import available_transitions, scope_for
from workflows.registry import spec_for

from cases import formatting, serializers
from cases.api import (
    ERRORS_READ,
    ERRORS_WRITE,
    ApiView,
    _IgnoreFormatQuery,
    transition_from_request,
    validated_query,
)
from cases.models import Case, Person
from cases.models_rehab import (
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
from cases.rehab import (
    PERSON_FIELDS,
    ReadPurpose,
    case_events,
    case_reads,
    checkin_record,
    mask_national_id,
    may_export,
    may_see_read_log,
    read_log_case_get,
    referral_create,
    rehab_case_file,
    rehab_case_get,
    rehab_export_record,
    rehab_read_record,
    rehab_search,
    voluntary_create,
)
from cases.selectors import case_document_checklist

E = serializers.ErrorSerializer
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
    purpose_note = drf.CharField(
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

    national_id = drf.CharField(max_length=20, help_text="12 digits (CCCD).")
    full_name = drf.CharField(max_length=120)
    date_of_birth = drf.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")
    sex = drf.ChoiceField(choices=Person.Sex.choices)
    address = drf.CharField(max_length=255, required=False, allow_blank=True, default="")
    commune = serializers.CommuneCodeField(help_text="Official commune code, e.g. 00448.")


class ReferralCreateSerializer(RehabPersonInputSerializer):
    ground = drf.ChoiceField(choices=ReferralGround.choices)
    violation_record_number = drf.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    violation_on = drf.DateField(
        input_formats=["%Y-%m-%d"], required=False, allow_null=True, default=None
    )
    stable_residence = drf.BooleanField(required=False, default=True)


class VoluntaryCreateSerializer(RehabPersonInputSerializer):
    setting = drf.ChoiceField(choices=RehabSetting.choices)
    facility_name = drf.CharField(max_length=200, required=False, allow_blank=True, default="")
    support_category = drf.ChoiceField(
        choices=SupportCategory.choices, required=False, allow_blank=True, default=""
    )
    estimated_cost = drf.IntegerField(
        min_value=0, max_value=10**13, required=False, default=0, help_text="Whole đồng."
    )


class CheckinCreateSerializer(drf.Serializer):
    checked_on = drf.DateField(
        input_formats=["%Y-%m-%d"], required=False, allow_null=True, default=None
    )
    result = drf.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="One of: " + ", ".join(CheckinResult.values) + ".",
    )
    note = drf.CharField(max_length=500, required=False, allow_blank=True, default="")


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
    commune = serializers.CommuneSerializer()
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


# --- views ----------------------------------------------------------------------------


class RehabApiView(ApiView):
    """Rehab endpoints exist only for rehab roles: everyone else gets 404."""

    def allowed(self, user: Any) -> bool:
        return scope_for(user).sees_rehab

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not self.allowed(request.user):
            raise NotFound()


def _filtered(request: Request, filters: dict[str, Any]) -> QuerySet[RehabCase]:
    qs = rehab_search(
        request.user,
        process=filters.get("process") or "",
        state=filters.get("state") or "",
        q=filters.get("q") or "",
    )
    if filters.get("commune"):
        qs = qs.filter(commune__code=filters["commune"])
    return qs


def detail_response(
    request: Request,
    case: RehabCase,
    *,
    purpose: str,
    note: str = "",
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The full record, once the read is logged (a missing purpose is 400)."""
    rehab_read_record(user=request.user, case=case, purpose=purpose, note=note, via="api")
    prefetch_related_objects([case], "documents")
    data = RehabCaseDetailSerializer(case, context={"request": request}).data
    return Response(data, status=status_code)


PURPOSE_HELP = (
    "Why the record is opened: "
    + ", ".join(ReadPurpose.values)
    + " (purpose_note required for 'other'). Logged with the read."
)


class RehabCaseListView(RehabApiView, generics.ListAPIView):
    """The caller's rehab cases, newest first; national IDs masked (no read is logged)."""

    serializer_class = RehabCaseListSerializer

    def get_queryset(self) -> Any:
        filters = validated_query(RehabFilterSerializer, self.request)
        return _filtered(self.request, filters)

    @extend_schema(
        operation_id="rehab_cases_list",
        parameters=[RehabFilterSerializer],
        responses={200: RehabCaseListSerializer(many=True), 400: E, **ERRORS_READ},
        description="Drug-rehab cases of the communes where the caller holds a rehab role "
        "(all for district rehab staff). 404 for every other role.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _file(request: Request, d: dict[str, Any], create: Any, *fields: str) -> Response:
    """Person and case in one service call; the full record answers (a read)."""
    case = rehab_case_file(
        actor=request.user,
        commune=d["commune"],
        person={k: d.get(k) for k in PERSON_FIELDS},
        create=create,
        **{name: d[name] for name in fields},
    )
    return detail_response(
        request,
        rehab_case_get(request.user, case.pk),
        purpose=ReadPurpose.HANDLING,
        status_code=status.HTTP_201_CREATED,
    )


class RehabReferralCreateView(RehabApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="rehab_referral_create",
        request=ReferralCreateSerializer,
        responses={201: RehabCaseDetailSerializer, **ERRORS_WRITE},
        description="Open a compulsory referral under the procedure version in force today: "
        "filed by the commune rehab officer (2022 route) or the head of commune police (2025 "
        "route) of that commune (403 not_permitted otherwise). The person is found by "
        "national ID or registered. 400: invalid (field errors), national_id_mismatch, "
        "under_minimum_age, no_procedure_version. The answer is logged as a read (handling).",
    )
    def post(self, request: Request) -> Response:
        s = ReferralCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        fields = ("ground", "violation_record_number", "violation_on", "stable_residence")
        return _file(request, s.validated_data, referral_create, *fields)


class RehabVoluntaryCreateView(RehabApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="rehab_voluntary_create",
        request=VoluntaryCreateSerializer,
        responses={201: RehabCaseDetailSerializer, **ERRORS_WRITE},
        description="Register voluntary rehab (the commune rehab officer of that commune; "
        "403 not_permitted otherwise). The state's share of the costs follows the dated "
        "rates of the support category. 400: invalid (field errors), national_id_mismatch, "
        "under_minimum_age. The answer is logged as a read (handling).",
    )
    def post(self, request: Request) -> Response:
        s = VoluntaryCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        fields = ("setting", "facility_name", "support_category", "estimated_cost")
        return _file(request, s.validated_data, voluntary_create, *fields)


class RehabCaseDetailView(RehabApiView):
    @extend_schema(
        operation_id="rehab_case_retrieve",
        parameters=[ReadPurposeSerializer],
        responses={200: RehabCaseDetailSerializer, 400: E, **ERRORS_READ},
        description="The full record. " + PURPOSE_HELP + " 400 purpose_required without a "
        "valid purpose; 404 when the case is not the caller's.",
    )
    def get(self, request: Request, pk: int) -> Response:
        case = rehab_case_get(request.user, pk)  # 404 before anything about the purpose
        q = validated_query(ReadPurposeSerializer, request)
        return detail_response(request, case, purpose=q["purpose"], note=q["purpose_note"])


class RehabCaseTransitionView(RehabApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="rehab_case_transition",
        request=serializers.TransitionBodySerializer,
        responses={200: RehabCaseDetailSerializer, 409: E, **ERRORS_WRITE},
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                description="e.g. notify, file_with_court, record_decision, place, register",
            )
        ],
        description="Fire a transition, as /cases/{id}/transitions/{name}/ does. Fields "
        "other than reason and expected_state are the transition's data (see "
        "available_transitions on the case). 409: wrong state (invalid_transition) or a "
        "stale expected_state (concurrent_change). The answer is logged as a read (handling).",
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, rehab_case_get(request.user, pk), name)
        # Fresh from the database: the transition changed the state and its fields.
        return detail_response(
            request, rehab_case_get(request.user, pk), purpose=ReadPurpose.HANDLING
        )


class RehabCheckinView(RehabApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="rehab_case_checkin_create",
        request=CheckinCreateSerializer,
        responses={201: CheckinSerializer, 409: E, **ERRORS_WRITE},
        description="Record a post-rehab check-in (commune rehab officer or police of the "
        "case's commune; 403 not_permitted otherwise). 409 not_in_post_rehab outside "
        "post-rehab management; 400 field errors on checked_on and result.",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = rehab_case_get(request.user, pk)
        s = CheckinCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        checkin = checkin_record(
            actor=request.user,
            case=case,
            checked_on=d["checked_on"],
            result=d["result"],
            note=d["note"],
        )
        return Response(CheckinSerializer(checkin).data, status=status.HTTP_201_CREATED)


class RehabCaseReadsView(RehabApiView, generics.ListAPIView):
    """Who read this record, newest first: references and readers, no personal data."""

    serializer_class = RehabReadSerializer
    case: RehabCase

    def allowed(self, user: Any) -> bool:
        return may_see_read_log(user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "case": self.case}

    def get_queryset(self) -> Any:
        self.case = read_log_case_get(self.request.user, self.kwargs["pk"])
        return case_reads(self.case)

    @extend_schema(
        operation_id="rehab_case_reads_list",
        responses={200: RehabReadSerializer(many=True), **ERRORS_READ},
        description="Auditors and district rehab staff only (404 for everyone else).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


EXPORT_COLUMNS = [
    gettext_lazy("Reference"),
    gettext_lazy("Procedure"),
    gettext_lazy("Version"),
    gettext_lazy("Commune"),
    gettext_lazy("Full name"),
    gettext_lazy("National ID"),
    gettext_lazy("Date of birth"),
    gettext_lazy("State"),
    gettext_lazy("Opened on"),
]


class RehabExportView(RehabApiView):
    content_negotiation_class = _IgnoreFormatQuery

    @extend_schema(
        operation_id="rehab_export",
        parameters=[RehabExportQuerySerializer],
        responses={
            200: RehabExportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: E,
            **ERRORS_READ,
        },
        description="The filtered list with full national IDs, as JSON or CSV. Needs the "
        "cases.export_rehab permission (403 not_permitted without it) and a purpose "
        "(400 purpose_required); logged (event export) with the filters, the row count and "
        "the purpose. 404 for every role without rehab access.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        if not may_export(request.user):  # before the query is even read
            raise NotPermitted(_("Exporting drug-rehab records needs its own permission."))
        q = validated_query(RehabExportQuerySerializer, request)
        filters = {k: q.get(k) or "" for k in ("process", "commune", "state", "q")}
        cases = list(_filtered(request, filters))
        fmt = q["format"]
        rehab_export_record(
            user=request.user,
            rows=len(cases),
            filters=filters,
            fmt=fmt,
            purpose=q["purpose"],
            note=q["purpose_note"],
        )
        if fmt == "json":
            rows = [_export_row(c) for c in cases]
            return Response(RehabExportSerializer({"count": len(rows), "results": rows}).data)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(label) for label in EXPORT_COLUMNS])
        for c in cases:
            writer.writerow(
                [
                    c.reference,
                    str(c.get_process_display()),
                    c.procedure_version.code,
                    str(c.commune),
                    c.applicant.full_name,
                    c.applicant.national_id,
                    formatting.vn_date(c.applicant.date_of_birth),
                    spec_for(c).state_label(c.state),
                    formatting.vn_date(c.created_at),
                ]
            )
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="cai-nghien-{stamp}.csv"'
        return response


def _export_row(case: RehabCase) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "process": case.process,
        "process_label": str(case.get_process_display()),
        "version": case.procedure_version.code,
        "commune": case.commune.code,
        "commune_name": case.commune.name,
        "full_name": case.applicant.full_name,
        "national_id": case.applicant.national_id,
        "date_of_birth": case.applicant.date_of_birth,
        "state": case.state,
        "state_label": spec_for(case).state_label(case.state),
        "created_at": case.created_at,
    }
