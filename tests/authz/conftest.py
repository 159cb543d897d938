"""The authorization matrix's world (tests/authz/test_authorization_matrix.py),
written once for each module that checks a part of the matrix."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone


@pytest.fixture(scope="module")
def matrix_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """The matrix's world and its people (users and rehab users), written once
    for the module and rolled back after its last test; each test's own writes
    are rolled back after it."""
    from cases.demo.base import seed_configuration
    from tests.authz.test_authorization_matrix import build_world
    from tests.conftest import case_maker, communes_create, rehab_users_create, users_create
    from tests.factories import PersonFactory
    from tests.module_data import checked, written_once

    with written_once(django_db_blocker):
        communes = communes_create()
        users = users_create(communes)
        rehab_users = rehab_users_create(communes)
        seed_configuration(timezone.localdate().year)  # the `config` fixture
        make_case = case_maker(users, PersonFactory(commune=communes.a))
        world = build_world(make_case, users, rehab_users, communes)
        checked()
        yield SimpleNamespace(
            world=world, people=SimpleNamespace(**vars(users), **vars(rehab_users))
        )
