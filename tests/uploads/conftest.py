"""Uploads go to a temporary folder; a few files as offices scan them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.demo.base import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOUSING_KINDS = ["don_de_nghi", "giay_to_doi_tuong", "anh_hien_trang", "giay_chung_nhan_qsdd"]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def png(name: str = "anh.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, "image/png")


def fake_pdf(name: str = "virus.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 not a pdf", "application/pdf")


@pytest.fixture
def client_for(db: Any) -> Any:
    """client_for(user) -> a signed-in test client (Vietnamese, the default)."""
    from django.test import Client

    from tests.conftest import sign_in

    def make(user: Any) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make
