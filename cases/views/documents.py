"""A case's documents: listing, the upload posted with a transition or alone,
and the download (through the case's scope)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.forms import DocumentUploadForm
from cases.selectors import case_document_checklist
from cases.services import DocumentFile, documents_upload
from workflows.actors import signed_in
from workflows.exceptions import InvalidData
from workflows.idempotency import Outcome


def upload_posted_document(view: Any, case: Any) -> Outcome:
    """The page's upload of several documents at once: the form kept on `view`
    for a re-render on refusal (each file's reason beside its own input), the
    service to check them all and store all or none; back to the page, saying
    what was stored."""
    request = view.request
    checklist = case_document_checklist(case)
    form = view.bound_form = DocumentUploadForm(request.POST, request.FILES, checklist=checklist)
    chosen = form.chosen()
    try:
        docs = documents_upload(
            actor=signed_in(request),
            case=case,
            files=[
                DocumentFile(
                    kind, upload, field=name, kind_field="kind" if name == "file" else name
                )
                for kind, name, upload in chosen
            ],
        )
    except InvalidData as exc:
        raise _named(exc, {name: upload.name for _kind, name, upload in chosen}) from None
    labels = {row["kind"]: row["label"] for row in checklist}
    stored = "; ".join(
        _("“%(name)s” as %(label)s") % {"name": d.original_name, "label": labels.get(d.kind, "")}
        for d in docs
    )
    return view.done(
        case.pk,
        ngettext(
            "Uploaded %(count)s document: %(list)s.",
            "Uploaded %(count)s documents: %(list)s.",
            len(docs),
        )
        % {"count": len(docs), "list": stored},
    )


def _named(exc: InvalidData, names: dict[str, str]) -> InvalidData:
    """The refusal with each message naming its file ("“anh.exe”: …"), so the
    summary at the top says which file of the several was refused."""
    fields = {
        field: [f"“{names[field]}”: {m}" if field in names else str(m) for m in messages]
        for field, messages in exc.fields.items()
    }
    return InvalidData(exc.message, fields=fields, code=exc.code, extra=exc.extra)
