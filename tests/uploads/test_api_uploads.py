"""Document upload through the API: unchanged shape, the same checks as the page."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from cases.housing.models import HousingState
from cases.models import Document
from tests.conftest import api_token

from .conftest import fake_pdf, pdf


def client(user: Any) -> APIClient:
    c = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    c.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return c


def test_the_api_still_takes_one_document(make_case: Any, users: Any) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    r = client(users.officer).post(
        f"/api/v1/cases/{case.pk}/documents/",
        {"kind": "don_de_nghi", "file": pdf("don.pdf")},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["kind"] == "don_de_nghi"
    assert Document.objects.filter(case=case).count() == 1


def test_the_api_refuses_a_file_as_the_page_does(
    make_case: Any, users: Any, client_for: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    api = client(users.officer).post(
        f"/api/v1/cases/{case.pk}/documents/",
        {"kind": "don_de_nghi", "file": fake_pdf("don.pdf")},
        format="multipart",
    )
    page = client_for(users.officer).post(
        f"/cases/{case.pk}/documents/", {"file_don_de_nghi": fake_pdf("don.pdf")}
    )
    assert api.status_code == 400 and api.json()["code"] == "file_type"
    [api_reason] = api.json()["fields"]["file"]
    [page_reason] = page.context["upload_form"].errors["file_don_de_nghi"]
    assert page_reason == f"“don.pdf”: {api_reason}"
    assert not Document.objects.filter(case=case).exists()


def test_the_api_refuses_a_file_over_the_limit(make_case: Any, users: Any, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 20
    case = make_case(HousingState.DRAFT, documents=False)
    r = client(users.officer).post(
        f"/api/v1/cases/{case.pk}/documents/",
        {"kind": "don_de_nghi", "file": pdf("don.pdf")},
        format="multipart",
    )
    assert r.status_code == 400 and r.json()["code"] == "file_too_large"
    assert r.json()["fields"]["file"]
