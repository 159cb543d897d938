"""REST API of gift campaigns, lists and rows."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework import serializers as drf
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases import serializers
from cases.api import (
    BINARY,
    ERRORS_READ,
    ERRORS_WRITE,
    ApiView,
    E,
    _IgnoreFormatQuery,
    transition_from_request,
    validated_query,
)
from cases.api_exports import ExportJobSerializer
from cases.exports.http import job_accepted
from cases.exports.models import ExportJob
from cases.gifts import services as gifts
from cases.gifts.documents import signature_list_export
from cases.gifts.models import Campaign
from cases.gifts.models import GiftRecipientState as RS
from cases.gifts.selectors import (
    campaign_get,
    campaign_reconciliation,
    campaign_totals,
    gift_list_get,
    gift_rows_for_user,
    gift_rows_matching,
)
from cases.gifts.serializers import (
    CampaignDetailSerializer,
    CampaignSerializer,
    GiftBulkResultSerializer,
    GiftDeliveryRequestSerializer,
    GiftListDetailSerializer,
    GiftListFilterSerializer,
    GiftListSerializer,
    GiftReturnRequestSerializer,
    GiftRowFilterSerializer,
    GiftRowSerializer,
    GiftTallySerializer,
)
from workflows.actors import signed_in
from workflows.idempotency import idempotent
from workflows.permissions import get_or_not_found


class SignatureListQuerySerializer(drf.Serializer):
    format = drf.ChoiceField(choices=["xlsx", "docx"], default="xlsx")


class ReconciliationTallySerializer(GiftTallySerializer):
    key = drf.CharField(help_text="source:donor, a commune id, or 'total'.")
    label = drf.CharField()  # type: ignore[assignment]  # a Field attribute in the stubs
    pending = drf.IntegerField(help_text="Not yet handed out: planned - delivered - returned.")
    pending_amount = drf.IntegerField()


class ReconciliationSerializer(drf.Serializer):
    by_source = ReconciliationTallySerializer(many=True)
    by_commune = ReconciliationTallySerializer(many=True)
    total = ReconciliationTallySerializer()


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
            202: ExportJobSerializer,
            400: E,
            409: E,
            **ERRORS_READ,
        },
        description="The list's signature list (danh sách ký nhận) as .xlsx or .docx in "
        "the official layout; 409 gift_list_not_approved before the list is approved. "
        "Each download is recorded in the audit trail (event export). A list of more "
        "than 500 rows is built in the background: 202 with the export job (poll its "
        "status_url, then download_url).",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:

        fmt = validated_query(SignatureListQuerySerializer, request)["format"]
        gift_list = gift_list_get(request.user, pk)
        exported = signature_list_export(actor=signed_in(request), gift_list=gift_list, fmt=fmt)
        if isinstance(exported, ExportJob):  # a long list: 202, built in the background
            return job_accepted(exported)
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
        campaign = campaign_get(request.user, pk, figures=True)
        rec = campaign_reconciliation(request.user, campaign)
        return Response(ReconciliationSerializer(rec).data)


# --- gift campaigns -------------------------------------------------------------


def _campaign_context(request: Request) -> dict[str, Any]:
    """Lists and row tallies per campaign, scoped to the caller (two queries)."""
    lists, tallies = campaign_totals(request.user)
    return {"request": request, "lists": lists, "tallies": tallies}


class CampaignListView(ApiView):
    @extend_schema(
        responses={200: CampaignSerializer(many=True), 401: E, 403: E},
        description="Gift campaigns, with the lists and rows the caller may see.",
    )
    def get(self, request: Request) -> Response:

        campaigns = Campaign.objects.order_by("-occasion_date", "name")
        context = _campaign_context(request)
        return Response(CampaignSerializer(campaigns, many=True, context=context).data)


class CampaignDetailView(ApiView):
    @extend_schema(
        responses={200: CampaignDetailSerializer, **ERRORS_READ},
        description="A campaign with its packages and budgets, and the totals of the rows "
        "the caller may see (the reconciliation by source and commune: "
        "/campaigns/{id}/reconciliation/).",
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = campaign_get(request.user, pk)
        context = _campaign_context(request)
        return Response(CampaignDetailSerializer(campaign, context=context).data)


def _gift_lists(request: Request) -> Any:
    from django.db.models import Count, Q, Sum

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
    gift_list = get_or_not_found(_gift_lists(request), pk)
    return Response(GiftListDetailSerializer(gift_list, context={"request": request}).data)


class GiftListListView(ApiView, generics.ListAPIView):
    """Commune gift lists the caller may see, by campaign and commune."""

    serializer_class = GiftListSerializer

    def get_queryset(self) -> Any:
        filters = validated_query(GiftListFilterSerializer, self.request)
        qs = _gift_lists(self.request)
        if filters.get("campaign"):
            qs = qs.filter(campaign_id=filters["campaign"])
        if filters.get("commune"):
            qs = qs.filter(commune__code=filters["commune"])
        if filters.get("state"):
            qs = qs.filter(state=filters["state"])
        return qs.order_by("campaign_id", "commune__name", "id")

    @extend_schema(
        parameters=[GiftListFilterSerializer],
        responses={200: GiftListSerializer(many=True), 400: E, 401: E, 403: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class GiftListDetailView(ApiView):
    @extend_schema(
        responses={200: GiftListDetailSerializer, **ERRORS_READ},
        description="A commune's list, its totals and what the caller may do with it now.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return gift_list_response(request, pk)


class GiftListTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.TransitionRequestSerializer,
        responses={200: GiftListDetailSerializer, 409: E, **ERRORS_WRITE},
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
    @idempotent
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, gift_list_get(request.user, pk), name)
        return gift_list_response(request, pk)


class GiftRowListView(ApiView, generics.ListAPIView):
    """The list's recipient rows, by name (paginated)."""

    serializer_class = GiftRowSerializer

    def get_queryset(self) -> Any:
        gift_list = gift_list_get(self.request.user, self.kwargs["pk"])
        filters = validated_query(GiftRowFilterSerializer, self.request)
        qs = gift_rows_for_user(self.request.user).filter(gift_list_id=gift_list.pk)
        if filters.get("package"):
            qs = qs.filter(package__code=filters["package"])
        if filters.get("state"):
            qs = qs.filter(state=filters["state"])
        qs = gift_rows_matching(qs, filters.get("q") or "")
        return qs.select_related("person", "package").order_by("person__full_name", "id")

    @extend_schema(
        parameters=[GiftRowFilterSerializer],
        responses={200: GiftRowSerializer(many=True), 400: E, **ERRORS_READ},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _bulk_response(result: Any) -> Response:
    data = {"moved": result.moved, "refused": {str(k): v for k, v in result.refused.items()}}
    return Response(GiftBulkResultSerializer(data).data)


class GiftDeliveriesView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=GiftDeliveryRequestSerializer,
        responses={200: GiftBulkResultSerializer, 409: E, **ERRORS_WRITE},
        description="Record gifts as delivered (commune officer, list approved): the given "
        "rows, or every row still waiting. A proxy needs proxy_name and proxy_relationship. "
        "409 gift_list_state when the list is not approved.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        gift_list = gift_list_get(request.user, pk)
        s = GiftDeliveryRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        result = gifts.gift_rows_deliver(
            actor=signed_in(request),
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
        request=GiftReturnRequestSerializer,
        responses={200: GiftBulkResultSerializer, 409: E, **ERRORS_WRITE},
        description="Record gifts not delivered (unclaimed, deceased, moved away).",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        gift_list = gift_list_get(request.user, pk)
        s = GiftReturnRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        result = gifts.gift_rows_return(
            actor=signed_in(request),
            gift_list=gift_list,
            row_ids=d["row_ids"],
            reason=d["reason"],
            note=d["note"],
        )
        return _bulk_response(result)
