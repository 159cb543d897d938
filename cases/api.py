"""REST API /api/v1: thin views over the selectors, the services and the engine.

Reads go through `cases.selectors` (commune-scoped; another commune's case is
404). State changes go through `workflows.engine.transition`, other writes
through `cases.services`. Domain errors propagate to
`workflows.api_errors.exception_handler`, the one place that maps them to
`{code, message, fields}` answers.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.fsm import TransitionNotAllowed as FlowTransitionNotAllowed
from viewflow.workflow.status import STATUS

from workflows import engine, flows, onestop
from workflows.exceptions import InvalidData, NotFound, NotPermitted, TransitionNotAllowed
from workflows.permissions import scope_for

from . import selectors, serializers, services

E = serializers.ErrorSerializer
ERRORS_READ = {401: E, 403: E, 404: E}
ERRORS_WRITE = {400: E, 401: E, 403: E, 404: E}


class HasRole(BasePermission):
    """Signed in and holding at least one case role; nothing for role-less accounts."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 (NotAuthenticated)
        if not scope_for(user).has_any_role:
            # The domain error, so the code is the same not_permitted as elsewhere.
            raise NotPermitted(_("Your account has no role in any commune."))
        return True


class ApiView(APIView):
    """Base of every role-protected endpoint (mixed in first with DRF's generics)."""

    permission_classes = [HasRole]


def validated_query(serializer_class: type, request: Request) -> dict[str, Any]:
    s = serializer_class(data=request.query_params)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def case_response(request: Request, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    case = selectors.housing_case_get(request.user, pk)
    # Documents feed both the document list and the checklist: read them once.
    prefetch_related_objects([case], "documents")
    data = serializers.HousingCaseDetailSerializer(case, context={"request": request}).data
    return Response(data, status=status_code)


# --- auth -----------------------------------------------------------------------


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="auth_token",
        request=serializers.TokenRequestSerializer,
        responses={200: serializers.TokenSerializer, 400: E},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        s = AuthTokenSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=s.validated_data["user"])
        return Response({"token": token.key})


# --- registry -------------------------------------------------------------------


@extend_schema(responses={200: serializers.CommuneSerializer(many=True), 401: E, 403: E})
class CommuneListView(ApiView, generics.ListAPIView):
    """The communes the caller works in (every commune for district roles)."""

    serializer_class = serializers.CommuneSerializer

    def get_queryset(self) -> Any:
        return selectors.communes_for_user(self.request.user)


class PersonListView(ApiView, generics.ListAPIView):
    """People registered in the caller's communes."""

    serializer_class = serializers.PersonSerializer

    def get_queryset(self) -> Any:
        qs = selectors.people_for_user(self.request.user).select_related("commune")
        filters = validated_query(serializers.PersonFilterSerializer, self.request)
        if filters.get("national_id"):
            qs = qs.filter(national_id=filters["national_id"])
        return qs.order_by("full_name", "id")

    @extend_schema(
        parameters=[serializers.PersonFilterSerializer],
        responses={200: serializers.PersonSerializer(many=True), 400: E, 401: E, 403: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=serializers.PersonCreateSerializer,
        responses={201: serializers.PersonSerializer, **ERRORS_WRITE},
        description="Register a person. A national ID already registered answers 400 "
        "duplicate_national_id with existing_id when you may see that person.",
    )
    def post(self, request: Request) -> Response:
        s = serializers.PersonCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        person = services.person_create(actor=request.user, **s.validated_data)
        return Response(serializers.PersonSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonDetailView(ApiView):
    @extend_schema(responses={200: serializers.PersonSerializer, **ERRORS_READ})
    def get(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(request.user, pk)
        return Response(serializers.PersonSerializer(person).data)


# --- housing cases --------------------------------------------------------------


class HousingListView(ApiView, generics.ListAPIView):
    """Housing-support cases in the caller's communes, newest first."""

    serializer_class = serializers.HousingCaseListSerializer

    def get_queryset(self) -> Any:
        qs = selectors.housing_cases_for_user(self.request.user).select_related(
            "commune", "applicant"
        )
        filters = validated_query(serializers.HousingFilterSerializer, self.request)
        if filters.get("commune"):
            qs = qs.filter(commune__code=filters["commune"])
        if filters.get("state"):
            qs = qs.filter(state=filters["state"])
        if filters.get("program"):
            qs = qs.filter(program=filters["program"])
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[serializers.HousingFilterSerializer],
        responses={200: serializers.HousingCaseListSerializer(many=True), 400: E, 401: E, 403: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=serializers.HousingCaseCreateSerializer,
        responses={201: serializers.HousingCaseDetailSerializer, **ERRORS_WRITE},
        description="Open a draft case (commune officers of that commune).",
    )
    def post(self, request: Request) -> Response:
        s = serializers.HousingCaseCreateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        case = services.housing_case_create(actor=request.user, **s.validated_data)
        return case_response(request, case.pk, status.HTTP_201_CREATED)


class CaseDetailView(ApiView):
    @extend_schema(
        responses={200: serializers.HousingCaseDetailSerializer, **ERRORS_READ},
        description="The case, what the caller may do with it now and its document checklist.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return case_response(request, pk)


class CaseDocumentView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": serializers.DocumentUploadSerializer},
        responses={201: serializers.DocumentSerializer, 409: E, **ERRORS_WRITE},
        description="Attach a PDF, JPG, PNG or DOCX file (checked by content). Errors: "
        "file_type, file_too_large, file_empty; 409 when the case's state allows no upload.",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.housing_case_get(request.user, pk)
        s = serializers.DocumentUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        doc = services.document_upload(
            actor=request.user,
            case=case,
            kind=s.validated_data["kind"],
            upload=s.validated_data["file"],
        )
        return Response(serializers.DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


class CaseTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.TransitionBodySerializer,
        responses={200: serializers.HousingCaseDetailSerializer, 409: E, **ERRORS_WRITE},
        parameters=[
            OpenApiParameter(
                "name", str, OpenApiParameter.PATH, description="e.g. submit, approve, disburse"
            )
        ],
        description="Fire a transition. Fields other than reason and expected_state are the "
        "transition's data (see available_transitions on the case). 409: wrong state "
        "(invalid_transition) or a stale expected_state (concurrent_change).",
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        case = selectors.housing_case_get(request.user, pk)
        if not isinstance(request.data, dict):
            raise InvalidData(_("Send a JSON object."))
        s = serializers.TransitionRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        reserved = serializers.TransitionRequestSerializer.RESERVED
        data = {k: v for k, v in request.data.items() if k not in reserved}
        engine.transition(
            case,
            name,
            actor=request.user,
            reason=s.validated_data["reason"],
            data=data,
            expected_state=s.validated_data["expected_state"] or None,
        )
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
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.housing_case_get(request.user, pk)
        s = serializers.ApologyRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        letter = onestop.apology_issue(
            case,
            actor=request.user,
            new_due_on=s.validated_data["new_due_on"],
            reason=s.validated_data["reason"],
        )
        return Response(
            serializers.ApologyLetterSerializer(letter).data, status=status.HTTP_201_CREATED
        )


class OneStopKpiView(ApiView):
    @extend_schema(
        parameters=[serializers.KpiQuerySerializer],
        responses={200: serializers.KpiSerializer, 400: E, 401: E, 403: E},
        description="On-time rate of one-stop dossiers whose result was returned in the "
        "period (year, optionally month), grouped by procedure, commune and month of the "
        "result; the caller's communes only.",
    )
    def get(self, request: Request) -> Response:
        s = serializers.KpiQuerySerializer(data=request.query_params, context={"request": request})
        s.is_valid(raise_exception=True)
        q = s.validated_data
        kpi = onestop.onestop_kpi(
            request.user,
            year=q.get("year") or timezone.localdate().year,
            month=q.get("month"),
            process=q.get("process") or "",
            commune_id=q.get("commune"),
            by=q["by"],
        )
        return Response(serializers.KpiSerializer(kpi).data)


class CaseAuditView(ApiView, generics.ListAPIView):
    """The case's audit events, oldest first, with their hash-chain links."""

    serializer_class = serializers.AuditEventSerializer

    def get_queryset(self) -> Any:
        case = selectors.housing_case_get(self.request.user, self.kwargs["pk"])
        return selectors.case_timeline(case)

    @extend_schema(responses={200: serializers.AuditEventSerializer(many=True), **ERRORS_READ})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- tasks ----------------------------------------------------------------------


class TaskListView(ApiView, generics.ListAPIView):
    """Viewflow tasks: the caller's inbox or the queue of tasks they could claim."""

    serializer_class = serializers.TaskSerializer

    def get_queryset(self) -> Any:
        scope = validated_query(serializers.TaskFilterSerializer, self.request)["scope"]
        if scope == "queue":
            return selectors.tasks_queue(self.request.user)
        return selectors.tasks_inbox(self.request.user)

    @extend_schema(
        parameters=[serializers.TaskFilterSerializer],
        responses={200: serializers.TaskSerializer(many=True), 400: E, 401: E, 403: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TaskClaimView(ApiView):
    @extend_schema(
        request=None,
        responses={200: serializers.TaskSerializer, 409: E, **ERRORS_READ},
        description="Take an unclaimed task from the queue; 409 already_claimed if "
        "someone (or you) holds it already.",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.task_get(request.user, pk)
        claimed = TransitionNotAllowed(
            _("This task has already been claimed."), code="already_claimed"
        )
        if task.status != STATUS.NEW or task.owner_id is not None:
            raise claimed
        try:
            flows.task_claim(task, request.user)
        except FlowTransitionNotAllowed:
            # Someone claimed it between our read and viewflow's locked re-read.
            raise claimed from None
        task = selectors.task_get(request.user, pk)
        return Response(serializers.TaskSerializer(task).data)


# --- anything else under /api/v1/ ----------------------------------------------


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown API URLs answer in the API's error shape, not with an HTML page."""
    err = NotFound()
    return JsonResponse(err.as_dict(), status=err.status)
