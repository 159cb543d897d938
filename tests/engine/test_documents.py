"""Document uploads (cases.services.document_upload): pdf/jpg/png/docx judged
by content, the name must agree, a size cap, SHA-256 stored, and nothing at
all stored when a file is refused."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cases.demo.base import PDF
from cases.housing.models import HousingState
from cases.models import Document
from cases.services import document_upload
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent

KIND = "don_de_nghi"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
TEXT = "Đơn đề nghị hỗ trợ nhà ở\n".encode()


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.txt", "not a word document")
    return buf.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def draft(make_case: Any) -> Any:
    return make_case(HousingState.DRAFT, documents=False)


def upload(actor: Any, case: Any, name: str, content: bytes, kind: str = KIND) -> Document:
    return document_upload(
        actor=actor, case=case, kind=kind, upload=SimpleUploadedFile(name, content)
    )


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("don.pdf", PDF, "application/pdf"),
        ("anh.jpg", JPG, "image/jpeg"),
        ("ANH.JPEG", JPG, "image/jpeg"),
        ("anh.png", PNG, "image/png"),
        (
            "don.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_pdf_jpg_png_and_docx_are_accepted_and_stored_with_their_sha256(
    name: str, content: bytes, mime: str, draft: Any, users: SimpleNamespace
) -> None:
    doc = upload(users.officer, draft, name, content)
    doc.refresh_from_db()
    digest = hashlib.sha256(content).hexdigest()
    assert (doc.kind, doc.original_name, doc.content_type, doc.size, doc.sha256) == (
        KIND,
        name,
        mime,
        len(content),
        digest,
    )
    assert doc.uploaded_by_id == users.officer.pk
    with doc.file.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest
    event = AuditEvent.objects.get(event="document_upload", object_id=str(doc.pk))
    assert (event.case_id, event.actor_id, event.data["sha256"]) == (
        draft.pk,
        users.officer.pk,
        digest,
    )


def assert_refused(actor: Any, case: Any, name: str, content: bytes, code: str) -> InvalidData:
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidData) as exc:
        upload(actor, case, name, content)
    assert exc.value.code == code
    assert "file" in exc.value.fields
    assert not Document.objects.filter(case=case).exists()
    assert AuditEvent.objects.count() == events
    assert stored_files() == []
    return exc.value


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("anh.pdf", PNG),  # PNG content under a .pdf name
        ("don.png", PDF),
        ("setup.exe", EXE),
        ("setup.pdf", EXE),
        ("ghi_chu.pdf", TEXT),  # a text file renamed .pdf
        ("ghi_chu.txt", TEXT),
        ("archive.docx", zip_bytes()),  # a zip that is not a Word document
        ("broken.docx", b"PK\x03\x04garbage"),
        ("no_extension", PDF),
        ("anh.gif", b"GIF89a" + b"\x00" * 32),
    ],
)
def test_a_file_whose_content_is_not_an_accepted_type_matching_its_name_is_refused(
    name: str, content: bytes, draft: Any, users: SimpleNamespace
) -> None:
    assert_refused(users.officer, draft, name, content, "file_type")


@override_settings(MAX_UPLOAD_BYTES=1024)
def test_an_oversized_file_is_refused(draft: Any, users: SimpleNamespace) -> None:
    big = PDF + b"0" * 1024
    assert_refused(users.officer, draft, "lon.pdf", big, "file_too_large")
    # Exactly at the limit is fine.
    at_limit = PDF + b"0" * (1024 - len(PDF))
    assert upload(users.officer, draft, "vua.pdf", at_limit).size == 1024


def test_an_empty_file_is_refused(draft: Any, users: SimpleNamespace) -> None:
    assert_refused(users.officer, draft, "rong.pdf", b"", "file_empty")


def test_an_unknown_document_kind_is_refused(draft: Any, users: SimpleNamespace) -> None:
    with pytest.raises(InvalidData) as exc:
        upload(users.officer, draft, "don.pdf", PDF, kind="bogus")
    assert list(exc.value.fields) == ["kind"]
    assert stored_files() == []


def test_only_an_officer_of_the_commune_or_a_district_specialist_may_upload(
    draft: Any, users: SimpleNamespace
) -> None:
    for actor in (users.leader, users.officer_b, users.head, users.accountant, users.auditor):
        with pytest.raises(NotPermitted):
            upload(actor, draft, "don.pdf", PDF)
    upload(users.specialist, draft, "don.pdf", PDF)
    assert Document.objects.filter(case=draft).count() == 1


def test_documents_cannot_be_added_once_the_case_is_decided(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(HousingState.APPROVED)
    before = Document.objects.filter(case=case).count()
    with pytest.raises(TransitionNotAllowed):
        upload(users.specialist, case, "don.pdf", PDF)
    assert Document.objects.filter(case=case).count() == before


def test_a_file_name_with_a_path_is_stored_under_the_case_folder_only(
    draft: Any, users: SimpleNamespace
) -> None:
    doc = upload(users.officer, draft, "../../etc/don.pdf", PDF)
    path = Path(doc.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "cases" / str(draft.pk))
    assert doc.original_name == "don.pdf"


def test_a_stale_case_object_cannot_slip_a_document_into_a_decided_case(
    make_case: Any, users: SimpleNamespace
) -> None:
    from workflows import engine

    case = make_case(HousingState.COMMUNE_VERIFIED)
    stale = type(case).objects.get(pk=case.pk)  # what the upload form was built from
    engine.transition(case, "review", actor=users.specialist, data={"assessed_amount": 1})
    before = Document.objects.filter(case=case).count()
    with pytest.raises(TransitionNotAllowed):
        upload(users.specialist, stale, "don.pdf", PDF)
    assert Document.objects.filter(case=case).count() == before
    assert not [p for p in stored_files() if p.name.endswith("-don.pdf")]
