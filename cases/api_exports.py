"""REST API of the background exports: a job's status and its file, for the
caller who asked for it (another user's job is 404 not_found).

    GET /api/v1/exports/<id>/            -> {status, rows_done, rows_total, percent, ...}
    GET /api/v1/exports/<id>/download/   -> the file, once status is "done"
"""

from __future__ import annotations

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import ERRORS_READ, ApiView
from cases.exports.http import api_job_status, download
from cases.exports.models import ExportJob
from cases.exports.selectors import export_job_get


class ExportJobSerializer(drf.Serializer):
    id = drf.IntegerField()
    kind = drf.CharField()
    format = drf.CharField()
    status = drf.ChoiceField(choices=ExportJob.Status.choices)
    status_label = drf.CharField()
    rows_done = drf.IntegerField()
    rows_total = drf.IntegerField(allow_null=True)
    percent = drf.IntegerField()
    filename = drf.CharField()
    error = drf.CharField()
    status_url = drf.CharField()
    download_url = drf.CharField(required=False)


class ExportJobView(ApiView):
    @extend_schema(
        operation_id="export_job",
        responses={200: ExportJobSerializer, **ERRORS_READ},
        description="A background export the caller asked for (exports past a few thousand "
        "rows answer 202 with this). Poll until `status` is done (then `download_url`) "
        "or failed (then `error`). 404 for anyone else's job.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(api_job_status(export_job_get(request.user, pk)))


class ExportJobDownloadView(ApiView):
    @extend_schema(
        operation_id="export_job_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS_READ},
        description="The file of a finished export (.xlsx, .csv or .docx); 404 before it is "
        "ready and for anyone else's job.",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        return download(export_job_get(request.user, pk))
