"""Web UI fixtures: uploads go to a temporary folder, clients per role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def client_for(db: Any) -> Any:
    """client_for(user) -> a logged-in test client (Vietnamese, the default)."""

    def make(user: Any) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make
