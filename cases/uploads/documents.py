"""What an uploaded document is, by its content and within bounds: PDF, JPG and
PNG by their magic bytes, DOCX as a zip package checked like a workbook (caps
on members, sizes and compression ratio; [Content_Types].xml through
defusedxml; word/document.xml present). Nothing here inflates the document's
own parts: they are stored as uploaded, never parsed."""

from __future__ import annotations

from cases.uploads.limits import Limits
from cases.uploads.package import open_zip, require_main_part
from cases.uploads.refusals import Refusal

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "docx": (b"PK\x03\x04", DOCX_MIME),
}
EXTENSIONS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png", "docx": "docx"}
WORD_DOCUMENT = "word/document.xml"


def sniff_document(blob: bytes, *, limits: Limits | None = None) -> str:
    """The kind of document ("pdf", "jpg", "png", "docx"); Refusal "file_type"
    when it is none of them, or the zip refusals (file_unsafe, file_too_large)
    for a .docx built to hurt."""
    for kind, (magic, _mime) in SIGNATURES.items():
        if blob.startswith(magic):
            if kind == "docx":
                _check_docx(blob, limits or Limits.from_settings())
            return kind
    raise Refusal("file_type", "unknown_signature")


def _check_docx(blob: bytes, limits: Limits) -> None:
    try:
        require_main_part(open_zip(blob, limits), WORD_DOCUMENT, None)
    except Refusal as refusal:
        if refusal.code == "file_parse_failed":  # a damaged zip is no Word document
            raise Refusal("file_type", refusal.reason) from None
        raise
