"""Fixtures of the text tests: signed-in web and API clients, and spellings of
one name as people really type or paste it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import api_token, sign_in

NAME = "Lê Thị Hường"
# The same name as Excel on macOS or a PDF gives it: decomposed (NFD), with a
# non-breaking space, a zero-width space and stray blanks.
NAME_NFD = unicodedata.normalize("NFD", NAME)
NAME_MESSY = unicodedata.normalize("NFD", "  Lê\u00a0Thị \u2003Hư\u200bờng \ufeff")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def client_for(db: Any) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        return sign_in(Client(), user)

    return make


@pytest.fixture
def api(db: Any) -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    return make
