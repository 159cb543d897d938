"""API test helpers: a client signed in with a token, and files to upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.demo.base import PDF
from cases.housing.models import HousingCase, HousingKind, HousingProgram
from cases.housing.services import housing_case_create
from tests.conftest import api_token
from tests.factories import PersonFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The shared `users` fixture sets eleven passwords; PBKDF2 makes that seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """api(user) -> a client sending `Authorization: Token ...`; api() -> anonymous.

    Each request authenticates afresh, as a real client does, so scope is
    never cached across requests on a shared user object.
    """

    def make(user: Any = None, *, language: str = "en") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    return make


def pdf(name: str = "don.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def case_url(case: Any, suffix: str = "") -> str:
    return f"/api/v1/cases/{case.pk}/{suffix}"


def assert_error(response: Any, status: int, code: str, *fields: str) -> dict[str, Any]:
    """The answer is our error shape with this status and code (and these field errors)."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) >= {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    for name in fields:
        assert body["fields"].get(name), body
        assert all(isinstance(m, str) and m for m in body["fields"][name])
    return body


@pytest.fixture
def make_case_b(users: Any, communes: Any, config: None) -> Callable[..., HousingCase]:
    """make_case_b() -> a draft case in commune b, opened by officer_b."""

    def make() -> HousingCase:
        person: Any = PersonFactory(commune=communes.b)
        return housing_case_create(
            actor=users.officer_b,
            commune=communes.b,
            applicant=person,
            program=HousingProgram.MERIT,
            kind=HousingKind.REPAIR,
            requested_amount=20_000_000,
        )

    return make
