"""Deadline fixtures: logged-in clients (as in the web tests)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import sign_in


@pytest.fixture
def client_for(db: Any) -> Any:
    def make(user: Any) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
