"""REST API of the monthly allowances (/api/v1/allowances/): the dated rates,
the decision dossiers and the entitlements. Payrolls: `api_payrolls.py`.

Reads go through `cases.allowances.selectors` (another commune's record is
404); state changes through `workflows.engine.transition`; domain errors are
answered by `workflows.api_errors` in the one error shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases import serializers
from cases.allowances.models import (
    AllowanceCategory,
    AllowanceStandard,
    CategoryRate,
    OneOffRule,
    Regime,
)
from cases.allowances.selectors import (
    allowance_case_get,
    entitlement_get,
    entitlement_search,
    person_lines,
)
from cases.allowances.serializers import (
    AllowanceCaseCreateSerializer,
    AllowanceCaseSerializer,
    EntitlementDetailSerializer,
    EntitlementFilterSerializer,
    EntitlementSerializer,
    RegimeQuerySerializer,
    RegimesSerializer,
)
from cases.allowances.services import allowance_case_create
from cases.api import (
    ERRORS_READ,
    ERRORS_WRITE,
    ApiView,
    CaseDocumentUploadView,
    E,
    transition_from_request,
)
from cases.api import validated_query as query
from cases.api_pages import KeysetPagination
from workflows.actors import signed_in
from workflows.idempotency import idempotent
from workflows.keyset import Keyset

# The person's lines shown with an entitlement: two years of months and arrears.
PERSON_LINES = 36


def _name(description: str) -> OpenApiParameter:
    return OpenApiParameter("name", str, OpenApiParameter.PATH, description=description)


# --- regimes and their dated rates ---------------------------------------------------


def _newest_by(rows: Iterable[Any], key: Any, on: dt.date) -> set[int]:
    """Ids of the rows in force on `on`: per key, the latest effective_from
    not after it (rows come newest first)."""
    seen: set[Any] = set()
    out: set[int] = set()
    for row in rows:
        k = key(row)
        if row.effective_from <= on and k not in seen:
            seen.add(k)
            out.add(row.pk)
    return out


def _dated(row: Any, in_force: set[int]) -> dict[str, Any]:
    return {
        "id": row.pk,
        "effective_from": row.effective_from,
        "legal_basis": row.legal_basis,
        "verified": row.verified,
        "in_force": row.pk in in_force,
    }


def _category(cat: AllowanceCategory, on: dt.date) -> dict[str, Any]:
    """A category with every rate; in force: the rows of the latest date not
    after `on` (one row per degree band), as the payroll reads them."""
    rates = list(cat.rates.all())
    start = next((r.effective_from for r in rates if r.effective_from <= on), None)
    return {
        "id": cat.pk,
        "code": cat.code,
        "name": cat.name,
        "by_degree": cat.by_degree,
        "recuperation_years": cat.recuperation_years,
        "rates": [
            {
                **_dated(r, {r.pk} if r.effective_from == start else set()),
                "degree_from": r.degree_from,
                "degree_to": r.degree_to,
                "coefficient": r.coefficient,
                "fixed_amount": r.fixed_amount,
                "extra_amount": r.extra_amount,
            }
            for r in rates
        ],
    }


def _standard(s: AllowanceStandard, in_force: set[int]) -> dict[str, Any]:
    area = s.area
    return {
        **_dated(s, in_force),
        "area": area.code if area is not None else None,
        "area_name": area.name if area is not None else None,
        "amount": s.amount,
    }


def _one_off(r: OneOffRule, in_force: set[int]) -> dict[str, Any]:
    return {
        **_dated(r, in_force),
        "kind": r.kind,
        "multiplier": r.multiplier,
        "basis": r.basis,
        "fixed_amount": r.fixed_amount,
    }


def regimes_on(on: dt.date) -> dict[str, Any]:
    """Both regimes with their standards, categories, rates and one-off
    rules, each marked in force on `on` or not: four queries."""
    standards = list(AllowanceStandard.objects.select_related("area").order_by("-effective_from"))
    rates = Prefetch("rates", CategoryRate.objects.order_by("-effective_from", "degree_from"))
    categories = list(
        AllowanceCategory.objects.prefetch_related(rates).order_by("position", "code")
    )
    one_offs = list(OneOffRule.objects.order_by("-effective_from"))
    standard_now = _newest_by(standards, lambda s: (s.regime, s.area_id), on)
    one_off_now = _newest_by(one_offs, lambda r: (r.regime, r.kind), on)
    out = []
    for regime, label in Regime.choices:
        national = [
            s.amount
            for s in standards
            if s.regime == regime and s.area_id is None and s.pk in standard_now
        ]
        out.append(
            {
                "code": regime,
                "label": str(label),
                "standard": national[0] if national else None,
                "standards": [_standard(s, standard_now) for s in standards if s.regime == regime],
                "categories": [_category(c, on) for c in categories if c.regime == regime],
                "one_offs": [_one_off(r, one_off_now) for r in one_offs if r.regime == regime],
            }
        )
    return {"on": on, "regimes": out}


class RegimeListView(ApiView):
    @extend_schema(
        operation_id="allowance_regimes",
        parameters=[RegimeQuerySerializer],
        responses={200: RegimesSerializer, 400: E, 401: E, 403: E},
        description="The two regimes (người có công, bảo trợ xã hội) with their dated "
        "standards (national and a province's own), categories and category rates "
        "(coefficient × standard + fixed + extra; bands of degree for war invalids) and "
        "one-off rules (funeral support), newest first; `in_force` marks the rows in "
        "force on `on` (default today). Reference data: any role may read it.",
    )
    def get(self, request: Request) -> Response:
        on = query(RegimeQuerySerializer, request).get("on") or timezone.localdate()
        return Response(RegimesSerializer(regimes_on(on)).data)


# --- entitlements -------------------------------------------------------------------


def entitlement_response(request: Request, pk: Any) -> Response:
    ent = entitlement_get(request.user, pk)
    prefetch_related_objects([ent], "suspensions")
    lines = list(person_lines(request.user, ent.person_id)[:PERSON_LINES])
    context = {"request": request, "lines": lines}
    return Response(EntitlementDetailSerializer(ent, context=context).data)


class EntitlementListView(ApiView, generics.ListAPIView):
    """Entitlements in the caller's communes, newest first, in keyset pages."""

    serializer_class = EntitlementSerializer
    pagination_class = KeysetPagination
    keyset = Keyset(("-id",), salt="api_allowance_entitlements")

    def get_queryset(self) -> Any:
        f = query(EntitlementFilterSerializer, self.request)
        qs = entitlement_search(
            self.request.user,
            regime=f.get("regime") or "",
            category=f.get("category"),
            state=f.get("state") or "",
            q=f.get("q") or "",
        )
        if f.get("commune"):
            qs = qs.filter(commune__code=f["commune"])
        return qs.select_related("person", "commune", "category")  # ordered by the keyset

    @extend_schema(
        operation_id="allowance_entitlements",
        parameters=[EntitlementFilterSerializer],
        responses={200: EntitlementSerializer(many=True), 400: E, 401: E, 403: E, 404: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EntitlementDetailView(ApiView):
    @extend_schema(
        operation_id="allowance_entitlement",
        responses={200: EntitlementDetailSerializer, **ERRORS_READ},
        description="An entitlement with its suspensions, the person's latest payroll lines "
        f"(at most {PERSON_LINES}) and what the caller may do with it now.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return entitlement_response(request, pk)


class EntitlementTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="allowance_entitlement_transition",
        request=serializers.TransitionBodySerializer,
        responses={200: EntitlementDetailSerializer, 409: E, **ERRORS_WRITE},
        parameters=[_name("suspend, resume, terminate, transfer, replace")],
        description="A decision on the entitlement (office head; suspend also the district "
        "specialist). Months as YYYY-MM: suspend {from_month}, resume {resume_month, "
        "pay_back}, terminate {end_reason, died_on | last_month}, transfer {to_commune (id), "
        "from_month}, replace {last_month}; reason where required. 400 with field errors or "
        "a stable code (entitlement_active_exists, ...); 409 invalid_transition or "
        "concurrent_change.",
    )
    @idempotent
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, entitlement_get(request.user, pk), name)
        return entitlement_response(request, pk)


# --- decision dossiers ---------------------------------------------------------------


def dossier_response(request: Request, pk: Any, code: int = status.HTTP_200_OK) -> Response:
    case = allowance_case_get(request.user, pk)
    prefetch_related_objects([case], "documents")
    return Response(AllowanceCaseSerializer(case, context={"request": request}).data, status=code)


class DossierCreateView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="allowance_dossier_create",
        request=AllowanceCaseCreateSerializer,
        responses={201: AllowanceCaseSerializer, **ERRORS_WRITE},
        description="Open a draft decision dossier (commune officers of that commune): a new "
        "entitlement, or with `replaces` a change of category or degree of that entitlement. "
        "Upload the documents (/documents/), then fire submit.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        s = AllowanceCaseCreateSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        case = allowance_case_create(actor=signed_in(request), **s.validated_data)
        return dossier_response(request, case.pk, status.HTTP_201_CREATED)


class DossierDetailView(ApiView):
    @extend_schema(
        operation_id="allowance_dossier",
        responses={200: AllowanceCaseSerializer, **ERRORS_READ},
        description="The dossier, its document checklist and what the caller may do now.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return dossier_response(request, pk)


class DossierTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="allowance_dossier_transition",
        request=serializers.TransitionBodySerializer,
        responses={200: AllowanceCaseSerializer, 409: E, **ERRORS_WRITE},
        parameters=[
            _name("submit, confirm, review, decide, return_for_correction, reject, withdraw")
        ],
        description="Move the dossier one step. decide: {decision_number, decision_date, "
        "start_month (YYYY-MM)}. 400 documents_missing, entitlement_active_exists "
        "(existing_id), allowance_case_open_exists; 403 not_permitted, separation_of_duties; "
        "409 invalid_transition or concurrent_change.",
    )
    @idempotent
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, allowance_case_get(request.user, pk), name)
        return dossier_response(request, pk)


@extend_schema_view(
    post=extend_schema(
        operation_id="allowance_dossier_document",
        request={"multipart/form-data": serializers.DocumentUploadSerializer},
        responses={201: serializers.DocumentSerializer, 409: E, **ERRORS_WRITE},
        description="Attach a PDF, JPG, PNG or DOCX file of a kind the regime requires "
        "(required_documents). Errors: file_type, file_too_large, file_empty, file_unsafe; "
        "409 when the dossier's state allows no upload.",
    )
)
class DossierDocumentView(CaseDocumentUploadView):
    case_get = staticmethod(allowance_case_get)
