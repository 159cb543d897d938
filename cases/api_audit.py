"""REST API of the audit trail: the explorer's events (keyset pages), their
export, and the tamper check. Same selectors and scoping as the web pages
(`workflows.audit_explorer`); errors go through the one exception handler.

    GET  /api/v1/audit/events/?commune=00448&actor=...&cursor=...   -> {results, next, previous}
    GET  /api/v1/audit/events/export/?format=csv|xlsx&...            -> the file
    POST /api/v1/audit/verify/                                       -> the verdict
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import ApiView, _IgnoreFormatQuery, validated_query
from cases.api_exports import ExportJobSerializer
from cases.audit_export import audit_export_response
from cases.models import Case
from cases.selectors import unit_id_by_code
from cases.serializers import ErrorSerializer
from workflows.audit_check import audit_verify_and_notify, may_verify
from workflows.audit_explorer import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    REDACTED,
    AuditFilters,
    audit_page,
    redacted,
)
from workflows.exceptions import InvalidData, NotPermitted
from workflows.values import ApiDateField

E = ErrorSerializer


class AuditFilterSerializer(drf.Serializer):
    date_from = ApiDateField(required=False, help_text="First day (YYYY-MM-DD), inclusive.")
    date_to = ApiDateField(required=False, help_text="Last day (YYYY-MM-DD), inclusive.")
    commune = drf.CharField(required=False, help_text="Commune code, e.g. 00448.")
    actor = drf.CharField(required=False, help_text="User name of whoever acted.")
    process = drf.ChoiceField(choices=Case.Process.choices, required=False)
    case = drf.CharField(required=False, help_text="Case reference or id.")
    event = drf.CharField(required=False, max_length=30)
    q = drf.CharField(required=False, help_text="Text in the reason, a transition or a reference.")


class AuditPageQuerySerializer(AuditFilterSerializer):
    cursor = drf.CharField(required=False, help_text="`next` or `previous` of the last answer.")
    page_size = drf.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class AuditExportQuerySerializer(AuditFilterSerializer):
    format = drf.ChoiceField(choices=["csv", "xlsx"], default="xlsx")


def _filters(data: dict[str, Any]) -> AuditFilters:
    values = {
        k: data[k] for k in AuditFilters.__dataclass_fields__ if data.get(k) not in (None, "")
    }
    if "commune" in values:
        pk = unit_id_by_code(values["commune"])
        if pk is None:
            raise InvalidData(fields={"commune": [_("No commune has this code.")]})
        values["commune"] = pk
    return AuditFilters(**values)


class AuditEventOutSerializer(drf.Serializer):
    """An event; `reason` and `data` are "—" / null on rehab events for viewers
    who are not rehab staff (auditors see that they happened)."""

    id = drf.IntegerField()
    occurred_at = drf.DateTimeField()
    chain = drf.CharField()
    seq = drf.IntegerField()
    actor = drf.CharField(source="actor_username")
    actor_role = drf.CharField()
    commune = drf.SerializerMethodField()
    case = drf.SerializerMethodField()
    event = drf.CharField()
    transition = drf.CharField()
    from_state = drf.CharField()
    to_state = drf.CharField()
    object_type = drf.CharField()
    object_id = drf.CharField()
    reason = drf.SerializerMethodField()
    data = drf.SerializerMethodField()  # type: ignore[assignment]
    redacted = drf.SerializerMethodField()
    hash = drf.CharField()
    prev_hash = drf.CharField()

    def _hidden(self, ev: Any) -> bool:
        return redacted(self.context["request"].user, ev)

    def get_commune(self, ev: Any) -> str | None:
        return ev.commune.code if ev.commune_id else None

    def get_case(self, ev: Any) -> dict[str, Any] | None:
        if not ev.case_id:
            return None
        return {"id": ev.case_id, "reference": ev.case.reference, "process": ev.case.process}

    def get_reason(self, ev: Any) -> str:
        return REDACTED if self._hidden(ev) else ev.reason

    def get_data(self, ev: Any) -> dict[str, Any] | None:
        return None if self._hidden(ev) else ev.data

    def get_redacted(self, ev: Any) -> bool:
        return self._hidden(ev)


class AuditPageSerializer(drf.Serializer):
    results = AuditEventOutSerializer(many=True)
    next = drf.CharField(allow_null=True)
    previous = drf.CharField(allow_null=True)


class VerdictSerializer(drf.Serializer):
    ok = drf.BooleanField()
    events = drf.IntegerField()
    chains = drf.IntegerField()
    problem = drf.CharField()
    chain = drf.CharField()
    seq = drf.IntegerField(allow_null=True)
    event_id = drf.IntegerField(allow_null=True)
    notified = drf.IntegerField()


class AuditEventListView(ApiView):
    @extend_schema(
        operation_id="audit_events",
        parameters=[AuditPageQuerySerializer],
        responses={200: AuditPageSerializer, 400: E, 401: E, 403: E},
        description="The audit events the caller may see, newest first, in keyset pages: "
        "pass `next` (older) or `previous` (newer) back as `cursor`. No total count. "
        "400 invalid_cursor for a cursor this API did not give.",
    )
    def get(self, request: Request) -> Response:
        query = validated_query(AuditPageQuerySerializer, request)
        page = audit_page(
            request.user,
            _filters(query),
            query.get("cursor", ""),
            query.get("page_size") or PAGE_SIZE,
        )
        results = AuditEventOutSerializer(page.rows, many=True, context={"request": request}).data
        return Response({"results": results, "next": page.next, "previous": page.previous})


class AuditExportView(ApiView):
    content_negotiation_class = _IgnoreFormatQuery

    @extend_schema(
        operation_id="audit_events_export",
        parameters=[AuditExportQuerySerializer],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            (200, "text/csv"): bytes,
            202: ExportJobSerializer,
            400: E,
            401: E,
            403: E,
        },
        description="The filtered events as .xlsx (the default) or .csv, newest first, at "
        "most 100,000 rows (a last line says when the export was cut). The export is "
        "logged. Past 5,000 events the file is built in the background: 202 with the "
        "export job (poll its status_url until status is done, then get download_url).",
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = validated_query(AuditExportQuerySerializer, request)
        return audit_export_response(request.user, _filters(query), query["format"], via="api")


class MayVerify(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not may_verify(request.user):
            raise NotPermitted(_("Only auditors and administrators run the tamper check."))
        return True


class AuditVerifyView(APIView):
    permission_classes = [MayVerify]

    @extend_schema(
        operation_id="audit_verify",
        request=None,
        responses={200: VerdictSerializer, 401: E, 403: E},
        description="Walk every chain of the audit trail. `ok` false names the first broken "
        "link; the administrators are notified once per broken link.",
    )
    def post(self, request: Request) -> Response:
        return Response(VerdictSerializer(audit_verify_and_notify().as_dict()).data)
