"""REST API for drug-rehab cases (sensitive records), under /api/v1/rehab/.

The same rules as the web pages (`cases.rehab.views`), through the same
services and selectors (`cases.rehab.services`, `cases.rehab.selectors`):

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
`{code, message, fields}` in `workflows.api_errors`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases import serializers
from cases.api import (
    ERRORS_READ,
    ERRORS_WRITE,
    ApiView,
    _IgnoreFormatQuery,
    transition_from_request,
    validated_query,
)
from cases.api_exports import ExportJobSerializer
from cases.exports.http import job_accepted
from cases.exports.models import ExportJob
from cases.rehab.exports import rehab_export_file
from cases.rehab.models import (
    RehabCase,
)
from cases.rehab.selectors import (
    ReadPurpose,
    case_reads,
    may_export,
    may_see_read_log,
    read_log_case_get,
    rehab_case_get,
    rehab_search,
)
from cases.rehab.serializers import (
    CheckinCreateSerializer,
    CheckinSerializer,
    ReadPurposeSerializer,
    ReferralCreateSerializer,
    RehabCaseDetailSerializer,
    RehabCaseListSerializer,
    RehabExportQuerySerializer,
    RehabExportSerializer,
    RehabFilterSerializer,
    RehabReadSerializer,
    VoluntaryCreateSerializer,
)
from cases.rehab.services import (
    PERSON_FIELDS,
    checkin_record,
    referral_create,
    rehab_case_file,
    rehab_export_record,
    rehab_read_record,
    voluntary_create,
)
from cases.selectors import unit_id_by_code
from workflows.actors import Reader, signed_in
from workflows.exceptions import NotFound, NotPermitted
from workflows.idempotency import idempotent
from workflows.permissions import scope_for
from workflows.registry import spec_for

E = serializers.ErrorSerializer


# --- views ----------------------------------------------------------------------------


class RehabApiView(ApiView):
    """Rehab endpoints exist only for rehab roles: everyone else gets 404."""

    def allowed(self, user: Reader) -> bool:
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
        actor=signed_in(request),
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
    @idempotent
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
    @idempotent
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
    @idempotent
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
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        case = rehab_case_get(request.user, pk)
        s = CheckinCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        checkin = checkin_record(
            actor=signed_in(request),
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

    def allowed(self, user: Reader) -> bool:
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


class RehabExportView(RehabApiView):
    content_negotiation_class = _IgnoreFormatQuery

    @extend_schema(
        operation_id="rehab_export",
        parameters=[RehabExportQuerySerializer],
        responses={
            200: RehabExportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            202: ExportJobSerializer,
            400: E,
            **ERRORS_READ,
        },
        description="The filtered list with full national IDs, as JSON or CSV. Needs the "
        "cases.export_rehab permission (403 not_permitted without it) and a purpose "
        "(400 purpose_required); logged (event export) with the filters, the row count and "
        "the purpose. 404 for every role without rehab access. A CSV of more than 5,000 "
        "cases is built in the background: 202 with the export job.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        if not may_export(request.user):  # before the query is even read
            raise NotPermitted(_("Exporting drug-rehab records needs its own permission."))
        q = validated_query(RehabExportQuerySerializer, request)
        filters = {k: q.get(k) or "" for k in ("process", "commune", "state", "q")}
        cases = _filtered(request, filters)
        fmt = q["format"]
        rehab_export_record(
            user=request.user,
            rows=cases.count(),
            filters=filters,
            fmt=fmt,
            purpose=q["purpose"],
            note=q["purpose_note"],
        )
        if fmt == "json":
            rows = [_export_row(c) for c in cases]
            return Response(RehabExportSerializer({"count": len(rows), "results": rows}).data)
        commune = unit_id_by_code(filters["commune"]) if filters["commune"] else None
        answer = rehab_export_file(request.user, cases, fmt, {**filters, "commune": commune})
        if isinstance(answer, ExportJob):
            return job_accepted(answer)
        return answer


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
