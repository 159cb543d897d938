"""REST API of housing cases (/api/v1/housing/, /api/v1/cases/<id>/...)."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors, serializers
from cases.api import (
    ERRORS_READ,
    ERRORS_WRITE,
    ApiView,
    CaseDocumentUploadView,
    E,
    transition_from_request,
    validated_query,
)
from cases.api_pages import KeysetPagination
from cases.housing.selectors import housing_case_get, housing_cases_for_user
from cases.housing.serializers import (
    HousingCaseCreateSerializer,
    HousingCaseDetailSerializer,
    HousingCaseListSerializer,
    HousingFilterSerializer,
)
from cases.housing.services import housing_case_create
from workflows import onestop
from workflows.actors import signed_in
from workflows.idempotency import idempotent
from workflows.keyset import Keyset


def case_response(request: Request, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    case = housing_case_get(request.user, pk)
    # Documents feed both the document list and the checklist: read them once.
    prefetch_related_objects([case], "documents")
    data = HousingCaseDetailSerializer(case, context={"request": request}).data
    return Response(data, status=status_code)


# --- housing cases --------------------------------------------------------------


class HousingListView(ApiView, generics.ListAPIView):
    """Housing-support cases in the caller's communes, newest first, in keyset
    pages (`next` / `previous` carry a cursor; `count` is null past 1,000)."""

    serializer_class = HousingCaseListSerializer
    pagination_class = KeysetPagination
    keyset = Keyset(("-created_at", "-id"), salt="api_housing_list")

    def get_queryset(self) -> Any:
        qs = housing_cases_for_user(self.request.user).select_related("commune", "applicant")
        filters = validated_query(HousingFilterSerializer, self.request)
        if filters.get("commune"):
            qs = qs.filter(commune__code=filters["commune"])
        if filters.get("state"):
            qs = qs.filter(state=filters["state"])
        if filters.get("program"):
            qs = qs.filter(program=filters["program"])
        return qs  # ordered by the keyset pages

    @extend_schema(
        parameters=[HousingFilterSerializer],
        responses={200: HousingCaseListSerializer(many=True), 400: E, 401: E, 403: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=HousingCaseCreateSerializer,
        responses={201: HousingCaseDetailSerializer, **ERRORS_WRITE},
        description="Open a draft case (commune officers of that commune). 400 "
        "housing_open_case_exists: the applicant or their household has an open housing case "
        "(existing_id, existing_reference: that case, null when in a commune you cannot see); "
        "400 housing_already_supported: the household was supported under the program within "
        "the period its rule sets (existing_id as above). Submitting answers the same codes.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        s = HousingCaseCreateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        case = housing_case_create(actor=signed_in(request), **s.validated_data)
        return case_response(request, case.pk, status.HTTP_201_CREATED)


class CaseDetailView(ApiView):
    @extend_schema(
        responses={200: HousingCaseDetailSerializer, **ERRORS_READ},
        description="The case, what the caller may do with it now and its document checklist.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return case_response(request, pk)


@extend_schema_view(
    post=extend_schema(
        request={"multipart/form-data": serializers.DocumentUploadSerializer},
        responses={201: serializers.DocumentSerializer, 409: E, **ERRORS_WRITE},
        description="Attach a PDF, JPG, PNG or DOCX file (checked by content). Errors: "
        "file_type, file_too_large, file_empty, file_unsafe (a .docx built to hurt: zip bomb, "
        "DTD); 409 when the case's state allows no upload.",
    )
)
class CaseDocumentView(CaseDocumentUploadView):
    case_get = staticmethod(housing_case_get)


class CaseTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.TransitionBodySerializer,
        responses={200: HousingCaseDetailSerializer, 409: E, **ERRORS_WRITE},
        parameters=[
            OpenApiParameter(
                "name", str, OpenApiParameter.PATH, description="e.g. submit, approve, disburse"
            )
        ],
        description="Fire a transition. Fields other than reason and expected_state are the "
        "transition's data (see available_transitions on the case). 409: wrong state "
        "(invalid_transition) or a stale expected_state (concurrent_change).",
    )
    @idempotent
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, housing_case_get(request.user, pk), name)
        return case_response(request, pk)


class CaseApologyView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.ApologyRequestSerializer,
        responses={201: serializers.ApologyLetterSerializer, 409: E, **ERRORS_WRITE},
        description="Record the apology and new appointment letter (Mẫu 04) of a one-stop "
        "dossier: new_due_on must be a working day after the appointment in force. 409: "
        "not_one_stop, one_stop_result_returned.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        case = housing_case_get(request.user, pk)
        s = serializers.ApologyRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        letter = onestop.apology_issue(
            case,
            actor=signed_in(request),
            new_due_on=s.validated_data["new_due_on"],
            reason=s.validated_data["reason"],
        )
        return Response(
            serializers.ApologyLetterSerializer(letter).data, status=status.HTTP_201_CREATED
        )


class CaseAuditView(ApiView, generics.ListAPIView):
    """The case's audit events, oldest first, with their hash-chain links."""

    serializer_class = serializers.AuditEventSerializer

    def get_queryset(self) -> Any:
        case = housing_case_get(self.request.user, self.kwargs["pk"])
        return selectors.case_timeline(case)

    @extend_schema(responses={200: serializers.AuditEventSerializer(many=True), **ERRORS_READ})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
