"""REST API /api/v1: thin views over the selectors, the services and the engine.

Reads go through `cases.selectors` (commune-scoped; another commune's case is
404). State changes go through `workflows.engine.transition`, other writes
through `cases.services`. Domain errors propagate to
`workflows.api_errors.exception_handler`, the one place that maps them to
`{code, message, fields}` answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.fsm import TransitionNotAllowed as FlowTransitionNotAllowed
from viewflow.workflow.status import STATUS

from cases import commune_serializers, selectors, serializers, services
from workflows import engine, flows, onestop
from workflows.actors import signed_in
from workflows.exceptions import InvalidData, NotFound, NotPermitted, TransitionNotAllowed
from workflows.idempotency import idempotent
from workflows.permissions import scope_for
from workflows.text import national_id_terms

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


def validated_query(
    serializer_class: type, request: Request, context: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The query parameters, typed. A parameter sent empty (`?state=`) is
    refused (400 invalid) unless its field allows blanks: DRF would take it
    for an absent one, while the schema says it is a non-empty value."""
    s = serializer_class(data=request.query_params, context=context or {})
    query = request.query_params
    messages = drf_serializers.CharField.default_error_messages
    errors = {
        name: [str(messages["blank"])]
        for name, field in s.fields.items()
        if query.get(name, None) == "" and not getattr(field, "allow_blank", False)
    }
    # No text column takes a NUL character: refused here, not as a database error.
    errors.update(
        {
            name: [str(ProhibitNullCharactersValidator.message)]
            for name in s.fields
            if any("\x00" in value for value in query.getlist(name))
        }
    )
    if errors:
        raise InvalidData(fields=errors)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def transition_from_request(request: Request, obj: Any, name: str) -> None:
    """Fire transition `name` on `obj` (already fetched through its scope) with
    the request's JSON: reason, expected_state, and the transition's data."""
    if not isinstance(request.data, dict):
        raise InvalidData(_("Send a JSON object."))
    s = serializers.TransitionRequestSerializer(data=request.data)
    s.is_valid(raise_exception=True)
    reserved = serializers.TransitionRequestSerializer.RESERVED
    engine.transition(
        obj,
        name,
        actor=signed_in(request),
        reason=s.validated_data["reason"],
        data={k: v for k, v in request.data.items() if k not in reserved},
        expected_state=s.validated_data["expected_state"] or None,
    )


class CaseDocumentUploadView(ApiView):
    """POST a document to a case of the process whose scoped getter is
    `case_get` (user, pk) → case; each process's endpoint names its getter and
    its schema. The file is checked by `cases.services.document_upload`."""

    parser_classes = [MultiPartParser, FormParser]
    case_get: Callable[[Any, int], Any]

    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        case = self.case_get(request.user, pk)
        s = serializers.DocumentUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        doc = services.document_upload(
            actor=signed_in(request),
            case=case,
            kind=s.validated_data["kind"],
            upload=s.validated_data["file"],
        )
        return Response(serializers.DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


# --- registry -------------------------------------------------------------------


@extend_schema(
    parameters=[commune_serializers.CommuneFilterSerializer],
    responses={200: commune_serializers.CommuneDetailSerializer(many=True), 400: E, 401: E, 403: E},
)
class CommuneListView(ApiView, generics.ListAPIView):
    """The communes the caller works in (every commune for district roles),
    with their dates and the units they came from and went to."""

    serializer_class = commune_serializers.CommuneDetailSerializer

    def get_queryset(self) -> Any:
        filters = validated_query(commune_serializers.CommuneFilterSerializer, self.request)
        return selectors.communes_with_history(
            self.request.user, active_on=filters.get("active_on")
        )


class PersonListView(ApiView, generics.ListAPIView):
    """People registered in the caller's communes."""

    serializer_class = serializers.PersonSerializer

    def get_queryset(self) -> Any:
        filters = validated_query(serializers.PersonFilterSerializer, self.request)
        qs = selectors.people_search(self.request.user, filters.get("q") or "")
        if filters.get("national_id"):
            nid = filters["national_id"]
            qs = qs.filter(national_id__in=national_id_terms(nid) or [nid])
        # Vietnamese order: the column's collation (vi-x-icu).
        return qs.select_related("commune").order_by("full_name", "id")

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
    @idempotent
    def post(self, request: Request) -> Response:
        s = serializers.PersonCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        person = services.person_create(actor=signed_in(request), **s.validated_data)
        return Response(serializers.PersonSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonDetailView(ApiView):
    @extend_schema(responses={200: serializers.PersonSerializer, **ERRORS_READ})
    def get(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(request.user, pk)
        return Response(serializers.PersonSerializer(person).data)


class OneStopKpiView(ApiView):
    @extend_schema(
        parameters=[serializers.KpiQuerySerializer],
        responses={200: serializers.KpiSerializer, 400: E, 401: E, 403: E},
        description="On-time rate of one-stop dossiers whose result was returned in the "
        "period (year, optionally month), grouped by procedure, commune and month of the "
        "result; the caller's communes only.",
    )
    def get(self, request: Request) -> Response:
        q = validated_query(serializers.KpiQuerySerializer, request, {"request": request})
        kpi = onestop.onestop_kpi(
            request.user,
            year=q.get("year") or timezone.localdate().year,
            month=q.get("month"),
            process=q.get("process") or "",
            commune_id=q.get("commune"),
            by=q["by"],
        )
        return Response(serializers.KpiSerializer(kpi).data)


# --- tasks ----------------------------------------------------------------------


class TaskListView(ApiView, generics.ListAPIView):
    """Viewflow tasks: the caller's inbox or the queue of tasks they could claim."""

    serializer_class = serializers.TaskSerializer

    def get_queryset(self) -> Any:
        scope = validated_query(serializers.TaskFilterSerializer, self.request)["scope"]
        user = self.request.user
        tasks = selectors.tasks_queue(user) if scope == "queue" else selectors.tasks_inbox(user)
        # What the serializer reads of each task's case, in the page's query.
        return tasks.select_related("process__case__commune")

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
    @idempotent
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


@csrf_exempt  # nothing to protect; a POST without a CSRF token is still "not found"
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown API URLs answer in the API's error shape, not with an HTML page."""
    err = NotFound()
    return JsonResponse(err.as_dict(), status=err.status)


# --- gift campaigns: documents ---------------------------------------------------------


class _IgnoreFormatQuery(DefaultContentNegotiation):
    """`?format=` names the document here, not a DRF renderer: errors are JSON."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


BINARY = {"type": "string", "format": "binary"}
