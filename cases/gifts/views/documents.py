"""Downloads of a gift campaign's documents: a commune list's signature list
and the campaign reconciliation, as .xlsx or .docx. Thin: the list is read
through its scope (404 for another commune), the service checks the state
(409 before approval), builds the file and audits the export; a long list's
signature list is built in the background (its progress page)."""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.views import View

from cases.exports.models import ExportJob
from cases.gifts import documents as gift_documents
from cases.gifts.reconciliation import reconciliation_export
from cases.gifts.selectors import campaign_get, gift_list_get
from cases.views.base import CaseflowMixin
from workflows.actors import signed_in


def file_response(exported: gift_documents.ExportedFile) -> FileResponse:
    return FileResponse(
        io.BytesIO(exported.content),
        as_attachment=True,
        filename=exported.filename,
        content_type=exported.content_type,
    )


class GiftListSignatureView(CaseflowMixin, View):
    rerender_on_error = False
    fmt = "xlsx"

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponseBase:
        gift_list = gift_list_get(request.user, pk)
        exported = gift_documents.signature_list_export(
            actor=signed_in(request), gift_list=gift_list, fmt=self.fmt
        )
        if isinstance(exported, ExportJob):  # a long list: built in the background
            return redirect("export_job", exported.pk)
        return file_response(exported)


class CampaignReconciliationView(CaseflowMixin, View):
    rerender_on_error = False
    fmt = "xlsx"

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponseBase:
        campaign = campaign_get(request.user, pk, figures=True)
        return file_response(
            reconciliation_export(actor=signed_in(request), campaign=campaign, fmt=self.fmt)
        )
