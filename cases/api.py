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
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework import serializers as drf
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.negotiation import DefaultContentNegotiation
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

from cases import gifts, selectors, serializers, services

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
        actor=request.user,
        reason=s.validated_data["reason"],
        data={k: v for k, v in request.data.items() if k not in reserved},
        expected_state=s.validated_data["expected_state"] or None,
    )


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
        transition_from_request(request, selectors.housing_case_get(request.user, pk), name)
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


# --- gift lists: .xlsx import ------------------------------------------------------


class GiftImportUploadSerializer(drf.Serializer):
    file = drf.FileField(help_text="The filled-in template (.xlsx).")
    only_valid = drf.BooleanField(
        default=False, help_text="Import the valid rows and skip the bad ones."
    )


class GiftImportRowErrorSerializer(drf.Serializer):
    row = drf.IntegerField(help_text="Row number in the sheet (the header is row 1).")
    column = drf.CharField(help_text="The column's title in the template.")
    code = drf.CharField(help_text="e.g. bad_national_id, not_eligible.")
    message = drf.CharField()


class GiftImportReportSerializer(drf.Serializer):
    file_name = drf.CharField()
    sha256 = drf.CharField()
    rows_read = drf.IntegerField()
    imported = drf.IntegerField()
    people_created = drf.IntegerField()
    skipped = GiftImportRowErrorSerializer(many=True, help_text="Rows skipped (only_valid).")


class GiftImportErrorSerializer(serializers.ErrorSerializer):
    rows = GiftImportRowErrorSerializer(
        many=True, required=False, help_text="import_errors only: every bad row."
    )


class GiftListImportView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="gift_list_import",
        request={"multipart/form-data": GiftImportUploadSerializer},
        responses={
            201: GiftImportReportSerializer,
            400: GiftImportErrorSerializer,
            401: E,
            403: E,
            404: E,
            409: E,
        },
        description="Import the commune officer's filled-in template into a list being "
        "prepared. Every row is checked; 400 import_errors lists each bad row (row, column, "
        "code, message) and nothing is written, unless only_valid. Other 400 codes: "
        "file_type, file_too_large, file_empty, empty_file, bad_header, too_many_rows. "
        "409: the list is no longer being prepared.",
    )
    def post(self, request: Request, pk: int) -> Response:
        from cases.gift_import import gift_import
        from cases.gifts import gift_list_get

        gift_list = gift_list_get(request.user, pk)
        s = GiftImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        report = gift_import(
            actor=request.user,
            gift_list=gift_list,
            upload=s.validated_data["file"],
            only_valid=s.validated_data["only_valid"],
        )
        return Response(
            GiftImportReportSerializer(report.as_dict()).data, status=status.HTTP_201_CREATED
        )


# --- gift campaigns: documents ---------------------------------------------------------


class _IgnoreFormatQuery(DefaultContentNegotiation):
    """`?format=` names the document here, not a DRF renderer: errors are JSON."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class SignatureListQuerySerializer(drf.Serializer):
    format = drf.ChoiceField(choices=["xlsx", "docx"], default="xlsx")


class ReconciliationTallySerializer(serializers.GiftTallySerializer):
    key = drf.CharField(help_text="source:donor, a commune id, or 'total'.")
    label = drf.CharField()  # type: ignore[assignment]  # a Field attribute in the stubs
    pending = drf.IntegerField(help_text="Not yet handed out: planned - delivered - returned.")
    pending_amount = drf.IntegerField()


class ReconciliationSerializer(drf.Serializer):
    by_source = ReconciliationTallySerializer(many=True)
    by_commune = ReconciliationTallySerializer(many=True)
    total = ReconciliationTallySerializer()


BINARY = {"type": "string", "format": "binary"}


class GiftListSignatureListView(ApiView):
    content_negotiation_class = _IgnoreFormatQuery

    @extend_schema(
        operation_id="gift_list_signature_list",
        parameters=[SignatureListQuerySerializer],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): BINARY,
            (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"): (
                BINARY
            ),
            400: E,
            409: E,
            **ERRORS_READ,
        },
        description="The list's signature list (danh sách ký nhận) as .xlsx or .docx in "
        "the official layout; 409 gift_list_not_approved before the list is approved. "
        "Each download is recorded in the audit trail (event export).",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        from cases.gift_documents import signature_list_export
        from cases.gifts import gift_list_get

        fmt = validated_query(SignatureListQuerySerializer, request)["format"]
        gift_list = gift_list_get(request.user, pk)
        exported = signature_list_export(actor=request.user, gift_list=gift_list, fmt=fmt)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


class CampaignReconciliationView(ApiView):
    @extend_schema(
        operation_id="campaign_reconciliation",
        responses={200: ReconciliationSerializer, **ERRORS_READ},
        description="Planned, delivered, returned and not yet handed out (counts and "
        "amounts in đồng) by funding source (and donor) and by commune, over the rows "
        "the caller may see: a commune user gets their commune only.",
    )
    def get(self, request: Request, pk: int) -> Response:
        from cases.gift_documents import campaign_get
        from cases.gifts import campaign_reconciliation

        rec = campaign_reconciliation(request.user, campaign_get(request.user, pk))
        return Response(ReconciliationSerializer(rec).data)


# --- gift campaigns -------------------------------------------------------------


def _campaign_get(pk: int) -> Any:
    from cases.models import Campaign

    try:
        return Campaign.objects.get(pk=pk)
    except Campaign.DoesNotExist:
        raise NotFound() from None


def _campaign_context(request: Request) -> dict[str, Any]:
    """Lists and row tallies per campaign, scoped to the caller (two queries)."""
    lists, tallies = gifts.campaign_totals(request.user)
    return {"request": request, "lists": lists, "tallies": tallies}


class CampaignListView(ApiView):
    @extend_schema(
        responses={200: serializers.CampaignSerializer(many=True), 401: E, 403: E},
        description="Gift campaigns, with the lists and rows the caller may see.",
    )
    def get(self, request: Request) -> Response:
        from cases.models import Campaign

        campaigns = Campaign.objects.order_by("-occasion_date", "name")
        context = _campaign_context(request)
        return Response(serializers.CampaignSerializer(campaigns, many=True, context=context).data)


class CampaignDetailView(ApiView):
    @extend_schema(
        responses={200: serializers.CampaignDetailSerializer, **ERRORS_READ},
        description="A campaign with its packages and budgets, and the totals of the rows "
        "the caller may see (the reconciliation by source and commune: "
        "/campaigns/{id}/reconciliation/).",
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = _campaign_get(pk)
        context = _campaign_context(request)
        return Response(serializers.CampaignDetailSerializer(campaign, context=context).data)


def _gift_lists(request: Request) -> Any:
    from django.db.models import Count, Q, Sum

    from cases.models import GiftRecipientState as RS

    return (
        gifts.gift_lists_for_user(request.user)
        .select_related("campaign", "commune")
        .annotate(
            n_rows=Count("rows"),
            amount=Sum("rows__amount", default=0),
            delivered=Count("rows", filter=Q(rows__state=RS.DELIVERED)),
            returned=Count("rows", filter=Q(rows__state=RS.RETURNED)),
        )
    )


def gift_list_response(request: Request, pk: int) -> Response:
    try:
        gift_list = _gift_lists(request).get(pk=pk)
    except (gifts.GiftList.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    return Response(
        serializers.GiftListDetailSerializer(gift_list, context={"request": request}).data
    )


class GiftListListView(ApiView, generics.ListAPIView):
    """Commune gift lists the caller may see, by campaign and commune."""

    serializer_class = serializers.GiftListSerializer

    def get_queryset(self) -> Any:
        filters = validated_query(serializers.GiftListFilterSerializer, self.request)
        qs = _gift_lists(self.request)
        if filters.get("campaign"):
            qs = qs.filter(campaign_id=filters["campaign"])
        if filters.get("commune"):
            qs = qs.filter(commune__code=filters["commune"])
        if filters.get("state"):
            qs = qs.filter(state=filters["state"])
        return qs.order_by("campaign_id", "commune__name", "id")

    @extend_schema(
        parameters=[serializers.GiftListFilterSerializer],
        responses={200: serializers.GiftListSerializer(many=True), 400: E, 401: E, 403: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class GiftListDetailView(ApiView):
    @extend_schema(
        responses={200: serializers.GiftListDetailSerializer, **ERRORS_READ},
        description="A commune's list, its totals and what the caller may do with it now.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return gift_list_response(request, pk)


class GiftListTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.TransitionRequestSerializer,
        responses={200: serializers.GiftListDetailSerializer, 409: E, **ERRORS_WRITE},
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                description="submit, confirm, review, approve, record_distribution, close, "
                "return_for_correction",
            )
        ],
        description="Move the list one step. 400 gift_list_empty, budget_exceeded, "
        "distribution_incomplete; 403 not_permitted, separation_of_duties; 409 "
        "invalid_transition or concurrent_change (stale expected_state).",
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, gifts.gift_list_get(request.user, pk), name)
        return gift_list_response(request, pk)


class GiftRowListView(ApiView, generics.ListAPIView):
    """The list's recipient rows, by name (paginated)."""

    serializer_class = serializers.GiftRowSerializer

    def get_queryset(self) -> Any:
        gift_list = gifts.gift_list_get(self.request.user, self.kwargs["pk"])
        filters = validated_query(serializers.GiftRowFilterSerializer, self.request)
        qs = gifts.gift_rows_for_user(self.request.user).filter(gift_list_id=gift_list.pk)
        if filters.get("package"):
            qs = qs.filter(package__code=filters["package"])
        if filters.get("state"):
            qs = qs.filter(state=filters["state"])
        q = (filters.get("q") or "").strip()
        if q.isdigit():
            qs = qs.filter(person__national_id__startswith=q)
        elif q:
            qs = qs.filter(person__full_name__icontains=q)
        return qs.select_related("person", "package").order_by("person__full_name", "id")

    @extend_schema(
        parameters=[serializers.GiftRowFilterSerializer],
        responses={200: serializers.GiftRowSerializer(many=True), 400: E, **ERRORS_READ},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _bulk_response(result: Any) -> Response:
    data = {"moved": result.moved, "refused": {str(k): v for k, v in result.refused.items()}}
    return Response(serializers.GiftBulkResultSerializer(data).data)


class GiftDeliveriesView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.GiftDeliveryRequestSerializer,
        responses={200: serializers.GiftBulkResultSerializer, 409: E, **ERRORS_WRITE},
        description="Record gifts as delivered (commune officer, list approved): the given "
        "rows, or every row still waiting. A proxy needs proxy_name and proxy_relationship. "
        "409 gift_list_state when the list is not approved.",
    )
    def post(self, request: Request, pk: int) -> Response:
        gift_list = gifts.gift_list_get(request.user, pk)
        s = serializers.GiftDeliveryRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        result = gifts.gift_rows_deliver(
            actor=request.user,
            gift_list=gift_list,
            row_ids=d["row_ids"],
            delivered_on=d["delivered_on"],
            signed_by=d["signed_by"],
            proxy_name=d["proxy_name"],
            proxy_relationship=d["proxy_relationship"],
        )
        return _bulk_response(result)


class GiftReturnsView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.GiftReturnRequestSerializer,
        responses={200: serializers.GiftBulkResultSerializer, 409: E, **ERRORS_WRITE},
        description="Record gifts not delivered (unclaimed, deceased, moved away).",
    )
    def post(self, request: Request, pk: int) -> Response:
        gift_list = gifts.gift_list_get(request.user, pk)
        s = serializers.GiftReturnRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        result = gifts.gift_rows_return(
            actor=request.user,
            gift_list=gift_list,
            row_ids=d["row_ids"],
            reason=d["reason"],
            note=d["note"],
        )
        return _bulk_response(result)
