"""Clients signed in as a role, for the pages whose messages are compared."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import sign_in


@pytest.fixture
def client_for(db: Any) -> Any:
    """client_for(user) -> a signed-in test client (Vietnamese, the default)."""

    def make(user: Any) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make
