"""API of the six-month report: its figures as JSON (amounts in đồng) with the
body as the .docx prints it, or `?format=docx|xlsx` for the files."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import BINARY, ERRORS_READ, ApiView, E, _IgnoreFormatQuery, validated_query
from cases.reporting.report import (
    district_get,
    districts,
    last_half_year,
    period_problems,
    six_month_report,
)
from cases.reporting.report_documents import report_export
from cases.reporting.report_text import body, default_texts, summary_vi
from cases.reporting.units import Grouping
from workflows.actors import signed_in
from workflows.values import ApiDateField


class ReportQuerySerializer(drf.Serializer):
    district = drf.IntegerField(required=False, help_text="District id (default: the first).")
    start = ApiDateField(
        required=False, help_text="YYYY-MM-DD. Default: the last half-year that ended."
    )
    end = ApiDateField(required=False)
    grouping = drf.ChoiceField(
        choices=Grouping.values,
        default=Grouping.CURRENT.value,
        help_text="The lines of `communes` across a reorganisation of units: `current` puts a "
        "former commune's figures under the unit in force at the period's end (a unit split "
        "by villages keeps its own line, `split`: true), `historical` each figure under the "
        "unit it was recorded in. Totals are the same.",
    )
    format = drf.ChoiceField(choices=["json", "docx", "xlsx"], default="json")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = last_half_year(timezone.localdate())
        attrs.setdefault("start", start)
        attrs.setdefault("end", end)
        problems = period_problems(attrs["start"], attrs["end"])
        if problems:
            raise drf.ValidationError({k: [v] for k, v in problems.items()})
        return attrs


class SixMonthReportView(ApiView):
    content_negotiation_class = _IgnoreFormatQuery

    @extend_schema(
        operation_id="six_month_report",
        parameters=[ReportQuerySerializer],
        responses={
            200: {"type": "object"},
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): BINARY,
            (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"): (
                BINARY
            ),
            400: E,
            **ERRORS_READ,
        },
        description="The six-month report of a district (its communes and the units that took "
        "them over) for a period: gifts delivered by campaign and funding source, housing "
        "support approved by program and kind, drug-rehab referrals (district totals), one-stop "
        "on-time rate, the figures by commune (`grouping`), and the body paragraphs. "
        "Office head, specialists and auditors; the .docx for the office head and specialists. "
        "Each file download is recorded in the audit trail (event report_download).",
    )
    def get(self, request: Request) -> HttpResponseBase:
        q = validated_query(ReportQuerySerializer, request)
        if "district" in q:
            district = district_get(q["district"])
        else:
            first = next(iter(districts()), None)
            district = district_get(first.pk if first else None)
        if q["format"] != "json":
            exported = report_export(
                actor=signed_in(request), district=district, start=q["start"], end=q["end"],
                fmt=q["format"], grouping=q["grouping"],
            )  # fmt: skip
            response = HttpResponse(exported.content, content_type=exported.content_type)
            response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
            return response
        data = six_month_report(
            request.user, district=district, start=q["start"], end=q["end"], grouping=q["grouping"]
        )
        return Response(
            {
                **data.as_json(),
                "summary": summary_vi(q["start"], q["end"]),
                "body": [
                    {"kind": b.kind, "text": b.text}
                    for b in body(data, default_texts(q["start"], q["end"]))
                ],
            }
        )
