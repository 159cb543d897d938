"""A case's documents: listing, the upload posted with a transition or alone,
and the download (through the case's scope)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cases.forms import DocumentUploadForm
from cases.selectors import case_document_checklist
from cases.services import document_upload
from workflows.actors import signed_in
from workflows.idempotency import Outcome


def upload_posted_document(view: Any, case: Any) -> Outcome:
    """The page's document upload: the form kept on `view` for a re-render on
    refusal, the service to store it; back to the page, saying what was stored."""
    request = view.request
    checklist = case_document_checklist(case)
    view.bound_form = DocumentUploadForm(request.POST, request.FILES, checklist=checklist)
    doc = document_upload(
        actor=signed_in(request),
        case=case,
        kind=request.POST.get("kind", ""),
        upload=request.FILES.get("file"),
    )
    label = {row["kind"]: row["label"] for row in checklist}.get(doc.kind, doc.kind)
    return view.done(
        case.pk,
        _("Uploaded “%(name)s” as %(label)s.") % {"name": doc.original_name, "label": label},
    )
