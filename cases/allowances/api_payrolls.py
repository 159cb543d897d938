"""REST API of the commune payrolls (/api/v1/allowances/payrolls/): list,
generation, detail with totals and the differences from last month, lines,
transitions, payment results (a file, or JSON) and the settlement of lines
not paid. Scoped through `cases.allowances.selectors`; every move through
the engine or the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework import serializers as drf
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases import serializers
from cases.allowances import imports, services
from cases.allowances.lines import state_counts
from cases.allowances.models import Payroll
from cases.allowances.selectors import (
    payroll_differences,
    payroll_get,
    payroll_lines_for_user,
    payrolls_for_user,
)
from cases.allowances.serializers import (
    ImportBriefSerializer,
    PayrollDetailSerializer,
    PayrollFilterSerializer,
    PayrollGenerateSerializer,
    PayrollLineFilterSerializer,
    PayrollLineSerializer,
    PayrollSerializer,
    ResultsRecordedSerializer,
    ResultsRecordSerializer,
    SettleResultSerializer,
    SettleSerializer,
)
from cases.api import ERRORS_READ, ERRORS_WRITE, ApiView, E, transition_from_request
from cases.api import validated_query as query
from cases.api_pages import KeysetPagination
from workflows.actors import signed_in
from workflows.exceptions import InvalidData
from workflows.idempotency import idempotent
from workflows.keyset import Keyset
from workflows.text import clean_text, fold_search_q, national_id_terms

# Examples of each kind of difference in the detail (the counts are exact).
DIFFERENCE_EXAMPLES = 20


def payroll_data(request: Request, payroll: Payroll) -> dict[str, Any]:
    diff = payroll_differences(payroll, limit=DIFFERENCE_EXAMPLES)
    groups = [
        {"change": c, "count": n, "amount": diff.amounts.get(c, 0), "rows": diff.rows.get(c, [])}
        for c, n in sorted(diff.counts.items())
    ]
    payroll.lines_by_state = state_counts(payroll)  # type: ignore[attr-defined]
    context = {
        "request": request,
        "differences": {"previous_month": diff.previous_month, "groups": groups},
    }
    return dict(PayrollDetailSerializer(payroll, context=context).data)


def payroll_response(request: Request, pk: Any, code: int = status.HTTP_200_OK) -> Response:
    return Response(payroll_data(request, payroll_get(request.user, pk)), status=code)


def _fresh(request: Request, pk: Any) -> Payroll:
    """The payroll read again (its totals have moved)."""
    return payroll_get(request.user, pk)


class PayrollListView(ApiView, generics.ListAPIView):
    """Payrolls of the caller's communes, newest month first, in keyset pages."""

    serializer_class = PayrollSerializer
    pagination_class = KeysetPagination
    keyset = Keyset(("-month", "-id"), salt="api_allowance_payrolls")

    def get_queryset(self) -> Any:
        f = query(PayrollFilterSerializer, self.request)
        qs = payrolls_for_user(self.request.user).select_related("commune")
        if f.get("month"):
            qs = qs.filter(month=f["month"])
        if f.get("commune"):
            qs = qs.filter(commune__code=f["commune"])
        if f.get("state"):
            qs = qs.filter(state=f["state"])
        return qs  # ordered by the keyset

    @extend_schema(
        operation_id="allowance_payrolls",
        parameters=[PayrollFilterSerializer],
        responses={200: PayrollSerializer(many=True), 400: E, 401: E, 403: E, 404: E},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="allowance_payroll_generate",
        request=PayrollGenerateSerializer,
        responses={
            201: PayrollDetailSerializer,
            200: PayrollDetailSerializer,
            **ERRORS_WRITE,
            409: E,
        },  # fmt: skip
        description="Generate the commune's payroll for the month (commune officers of "
        "that commune): 201 when it opens the payroll, 200 when it regenerates a draft "
        "(the lines from the entitlements and the rates in force, arrears included). "
        "409 payroll_state once the payroll is past its draft.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        s = PayrollGenerateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        commune, month = s.validated_data["commune"], s.validated_data["month"]
        existed = Payroll.objects.filter(commune=commune, month=month).exists()
        payroll = services.payroll_generate(actor=signed_in(request), commune=commune, month=month)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return payroll_response(request, payroll.pk, code)


class PayrollDetailView(ApiView):
    @extend_schema(
        operation_id="allowance_payroll",
        responses={200: PayrollDetailSerializer, **ERRORS_READ},
        description="The payroll with its totals (đồng), its lines by state, what changed "
        "since the commune's previous month (new, stopped, changed, arrears, one-off, "
        "carried: exact counts and amounts, a few examples each), the latest payment-result "
        "uploads and what the caller may do now.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return payroll_response(request, pk)


class PayrollTransitionView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="allowance_payroll_transition",
        request=serializers.TransitionBodySerializer,
        responses={200: PayrollDetailSerializer, 409: E, **ERRORS_WRITE},
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                description="submit, review, approve, send, reconcile, close, "
                "return_for_correction",
            )
        ],  # fmt: skip
        description="Move the payroll (and its lines) one step. 400 payroll_empty, "
        "payroll_results_incomplete, payroll_lines_refused; 403 not_permitted, "
        "separation_of_duties (who generated or submitted it may not approve it); 409 "
        "invalid_transition or concurrent_change.",
    )
    @idempotent
    def post(self, request: Request, pk: int, name: str) -> Response:
        transition_from_request(request, payroll_get(request.user, pk), name)
        return payroll_response(request, pk)


class PayrollLineListView(ApiView, generics.ListAPIView):
    """The payroll's lines the caller may see, in keyset pages."""

    serializer_class = PayrollLineSerializer
    pagination_class = KeysetPagination
    keyset = Keyset(("id",), salt="api_allowance_payroll_lines")

    def get_queryset(self) -> Any:
        payroll = payroll_get(self.request.user, self.kwargs["pk"])
        f = query(PayrollLineFilterSerializer, self.request)
        qs = payroll_lines_for_user(self.request.user, payroll).select_related("person")
        for name in ("state", "kind", "regime"):
            if f.get(name):
                qs = qs.filter(**{name: f[name]})
        q = clean_text(f.get("q") or "")
        ids = national_id_terms(q)
        if ids:
            qs = qs.filter(person__national_id__in=ids)
        elif q:
            qs = qs.filter(fold_search_q("person__full_name_folded", q))
        return qs

    @extend_schema(
        operation_id="allowance_payroll_lines",
        parameters=[PayrollLineFilterSerializer],
        responses={200: PayrollLineSerializer(many=True), 400: E, **ERRORS_READ},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ResultsUploadSerializer(drf.Serializer):
    file = drf.FileField(help_text="The post office's or the bank's results (.xlsx or .csv).")


class ResultsRowErrorSerializer(drf.Serializer):
    row = drf.IntegerField(help_text="Row number in the sheet (0: the whole file).")
    column = drf.CharField()
    code = drf.CharField()
    message = drf.CharField()


# "import" is a Python keyword: the class is built with the field under its JSON name.
ResultsErrorSerializer = type(
    "ResultsErrorSerializer",
    (serializers.ErrorSerializer,),
    {
        "__doc__": "An error; import_errors also lists the bad rows and names the upload.",
        "rows": ResultsRowErrorSerializer(
            many=True, required=False, help_text="import_errors only: each problem of each row."
        ),
        "errors_total": drf.IntegerField(required=False),
        "import": drf.IntegerField(required=False, help_text="import_errors: the upload's id."),
    },
)


class ResultsImportedSerializer(drf.Serializer):
    result_import = ImportBriefSerializer(source="record")
    payroll = PayrollSerializer()


class PayrollResultsView(ApiView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="allowance_payroll_results",
        request={
            "multipart/form-data": ResultsUploadSerializer,
            "application/json": ResultsRecordSerializer,
        },
        responses={
            201: ResultsImportedSerializer,
            200: ResultsRecordedSerializer,
            400: ResultsErrorSerializer,
            401: E,
            403: E,
            404: E,
            409: E,
        },  # fmt: skip
        description="Record payment results (accountants, payroll sent for payment). A file "
        "(multipart `file`, .xlsx or .csv in the post office's or the bank's layout): every "
        "row is checked and with any error nothing is recorded, 400 import_errors with each "
        "bad row (row, column, code, message) and the upload's record; 201 with the record "
        "when imported; other 400 codes: file_type, file_too_large, file_empty, empty_file, "
        "bad_header, too_many_rows, file_unsafe, file_parse_failed. Or JSON {paid: [{line, "
        "paid_on}], unpaid: [{line, reason}]}: 200 with the counts; 400 "
        "payroll_lines_refused when a line is not waiting for its result. 409 payroll_state "
        "when the payroll is not sent for payment.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        payroll = payroll_get(request.user, pk)
        actor = signed_in(request)
        if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            upload = ResultsUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            file = upload.validated_data["file"]
            try:
                record = imports.payment_results_import(
                    actor=actor,
                    payroll=payroll,
                    file_name=file.name or "",
                    # One byte past the cap is enough for the import to refuse the size.
                    content=file.read(imports.max_bytes() + 1),
                )
            except InvalidData as exc:
                # Answered, not raised: the request's transaction keeps the upload's record.
                return Response(exc.as_dict(), status=exc.status)
            data = {"record": record, "payroll": payroll_get(request.user, pk)}
            return Response(ResultsImportedSerializer(data).data, status=status.HTTP_201_CREATED)
        s = ResultsRecordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        done = services.payroll_results_record(
            actor=actor,
            payroll=payroll,
            paid={r["line"]: r["paid_on"] for r in s.validated_data["paid"]},
            unpaid={r["line"]: r["reason"] for r in s.validated_data["unpaid"]},
            source="api",
        )
        recorded: dict[str, Any] = {"paid": done.paid, "unpaid": done.unpaid}
        recorded["payroll"] = _fresh(request, pk)
        return Response(ResultsRecordedSerializer(recorded).data)


class PayrollSettleView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="allowance_payroll_settle",
        request=SettleSerializer,
        responses={200: SettleResultSerializer, 409: E, **ERRORS_WRITE},
        description="Settle lines not paid (accountants, payroll sent for payment): carry "
        "them to the next month's payroll (it lists them again when generated) or give "
        "their money back to the budget. 400 line_twice (a line in both lists), "
        "payroll_lines_refused (a line that is not an unpaid line of this payroll: nothing "
        "is moved); 409 payroll_state.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        payroll = payroll_get(request.user, pk)
        s = SettleSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        carried, returned = services.payroll_unpaid_settle(
            actor=signed_in(request),
            payroll=payroll,
            carry=s.validated_data["carry"],
            give_back=s.validated_data["give_back"],
        )
        settled: dict[str, Any] = {"carried": carried, "returned": returned}
        settled["payroll"] = _fresh(request, pk)
        return Response(SettleResultSerializer(settled).data)
