"""REST API of the gift list .xlsx import: the upload (with the choice about
hidden rows) and the uploaded file back with its refused rows marked."""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse, HttpResponseBase
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cases import serializers
from cases.api import BINARY, ERRORS_READ, ApiView, E
from cases.api_exports import ExportJobSerializer
from cases.exports.http import job_accepted
from cases.exports.models import ExportJob
from cases.gifts.import_attempts import attempt_get, gift_import_error_file
from cases.gifts.imports import HiddenRows, gift_import
from cases.gifts.selectors import gift_list_get
from workflows.actors import signed_in
from workflows.exceptions import InvalidData
from workflows.idempotency import idempotent

# Refusals that keep the upload as an attempt: answered without undoing it.
KEPT = ("import_errors", "hidden_rows")


class GiftImportUploadSerializer(drf.Serializer):
    file = drf.FileField(help_text="The filled-in template, or the office's own list (.xlsx).")
    only_valid = drf.BooleanField(
        default=False, help_text="Import the valid rows and skip the bad ones."
    )
    hidden_rows = drf.ChoiceField(
        choices=HiddenRows.values,
        default=HiddenRows.ASK,
        help_text="Rows hidden in the file (hidden, filtered out, collapsed): ask (400 "
        "hidden_rows if there are any), skip, or include.",
    )


class GiftImportRowErrorSerializer(drf.Serializer):
    row = drf.IntegerField(help_text="Row number in the sheet, as Excel shows it.")
    column = drf.CharField(help_text="The column's title in the template.")
    code = drf.CharField(help_text="e.g. bad_national_id, not_eligible, unknown_package.")
    message = drf.CharField()


class GiftImportHiddenRowSerializer(drf.Serializer):
    row = drf.IntegerField()
    full_name = drf.CharField()


class GiftImportReportSerializer(drf.Serializer):
    file_name = drf.CharField()
    sha256 = drf.CharField()
    attempt = drf.IntegerField(allow_null=True)
    header_row = drf.IntegerField(allow_null=True, help_text="The row holding the titles.")
    rows_read = drf.IntegerField()
    imported = drf.IntegerField()
    people_created = drf.IntegerField()
    skipped = GiftImportRowErrorSerializer(
        many=True, help_text="only_valid: each problem of each row skipped, with its reason."
    )
    hidden_rows = drf.ListField(child=drf.IntegerField(), help_text="Hidden rows of the file.")
    hidden_rows_choice = drf.ChoiceField(choices=HiddenRows.values)
    error_file_url = drf.CharField(
        allow_null=True, help_text="The uploaded file with the skipped rows marked (.xlsx)."
    )


class GiftImportErrorSerializer(serializers.ErrorSerializer):
    rows = GiftImportRowErrorSerializer(
        many=True, required=False, help_text="import_errors only: every bad row."
    )
    attempt = drf.IntegerField(required=False, help_text="import_errors, hidden_rows.")
    error_file_url = drf.CharField(
        required=False, help_text="import_errors: the uploaded file with the bad rows marked."
    )
    hidden_rows = GiftImportHiddenRowSerializer(
        many=True, required=False, help_text="hidden_rows only: the hidden rows."
    )


def error_file_url(gift_list_pk: int, attempt_pk: int) -> str:
    return reverse("api-gift-import-error-file", kwargs={"pk": gift_list_pk, "attempt": attempt_pk})


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
        description="Import a list into a commune's list being prepared: the template, or "
        "the office's own file (title rows above the column titles, columns in any order; "
        "a package by its code or its exact name; a date of birth as dd/mm/yyyy or the year "
        "alone). 400 hidden_rows: the file has hidden rows and `hidden_rows` is ask; send "
        "skip or include. Every row is checked; 400 import_errors lists each bad row (row, "
        "column, code, message) with error_file_url, and nothing is written, unless "
        "only_valid (then `skipped` lists them, with error_file_url). Other 400 codes: "
        "file_type, file_too_large, file_empty, empty_file, bad_header, too_many_rows, and "
        "from the bounded reader (with a `reason` naming the check): file_sheet_too_large, "
        "file_unsafe, file_parse_failed, file_parse_timeout. "
        "409: the list is no longer being prepared.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        gift_list = gift_list_get(request.user, pk)
        s = GiftImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            report = gift_import(
                actor=signed_in(request),
                gift_list=gift_list,
                upload=s.validated_data["file"],
                only_valid=s.validated_data["only_valid"],
                hidden_rows=s.validated_data["hidden_rows"],
            )
        except InvalidData as exc:
            if exc.code not in KEPT:
                raise
            # Answered, not raised: the request's transaction keeps the attempt.
            body = exc.as_dict()
            if exc.code == "import_errors":
                body["error_file_url"] = error_file_url(gift_list.pk, exc.extra["attempt"])
            return Response(body, status=exc.status)
        data: dict[str, Any] = report.as_dict()
        data["error_file_url"] = (
            error_file_url(gift_list.pk, report.attempt)
            if report.skipped and report.attempt
            else None
        )
        return Response(GiftImportReportSerializer(data).data, status=status.HTTP_201_CREATED)


class GiftImportErrorFileView(ApiView):
    @extend_schema(
        operation_id="gift_import_error_file",
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): BINARY,
            202: ExportJobSerializer,
            **ERRORS_READ,
        },
        description="The file of an import attempt (yours only) as uploaded, with a "
        '"Lỗi" column giving each refused row\'s reasons and the failing cells filled '
        "red; everything else as it was. 404 when no row was refused. A file of more than "
        "5,000 rows is marked in the background: 202 with the export job.",
    )
    def get(self, request: Request, pk: int, attempt: int) -> HttpResponseBase:
        found = attempt_get(request.user, pk, attempt)
        exported = gift_import_error_file(actor=signed_in(request), attempt=found)
        if isinstance(exported, ExportJob):
            return job_accepted(exported)
        return FileResponse(
            io.BytesIO(exported.content),
            as_attachment=True,
            filename=exported.filename,
            content_type=exported.content_type,
        )
