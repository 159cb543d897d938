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
    """The matrix's world and its people (users, rehab users and the commune
    staff of the two-level government), written once for the module and
    rolled back after its last test; each test's own writes are rolled back
    after it."""
    from cases.demo.base import seed_configuration
    from tests.authz.test_authorization_matrix import build_world
    from tests.conftest import case_maker, communes_create, rehab_users_create, users_create
    from tests.factories import PersonFactory
    from tests.module_data import checked, written_once

    with written_once(django_db_blocker):
        communes = communes_create()
        users = users_create(communes)
        rehab_users = rehab_users_create(communes)
        staff = commune_staff_create(communes)
        seed_configuration(timezone.localdate().year)  # the `config` fixture
        make_case = case_maker(users, PersonFactory(commune=communes.a))
        world = build_world(make_case, users, rehab_users, communes)
        checked()
        yield SimpleNamespace(
            world=world,
            people=SimpleNamespace(**vars(users), **vars(rehab_users), **vars(staff)),
        )


def commune_staff_create(communes: SimpleNamespace) -> SimpleNamespace:
    """The commune roles of the two-level government, held in communes still
    under the district (A and B), where the district route applies: the
    culture–society specialist, the chairman and the accountant of commune A
    (specialist_c, chairman, accountant_c) and of commune B (…_b)."""
    from tests.conftest import PASSWORD
    from workflows.permissions import Role, forget_scope
    from workflows.services import role_grant

    def grant(username: str, role: str, code: str) -> Any:
        user = role_grant(
            actor=None,
            username=username,
            role=role,
            commune_codes=[code],
            password=PASSWORD,
            full_name=f"Thử {username}",
        )
        forget_scope(user)
        return user

    a, b = communes.a.code, communes.b.code
    return SimpleNamespace(
        specialist_c=grant("specialist_c_a", Role.COMMUNE_SPECIALIST, a),
        chairman=grant("chairman_a", Role.COMMUNE_CHAIRMAN, a),
        accountant_c=grant("accountant_c_a", Role.COMMUNE_ACCOUNTANT, a),
        specialist_c_b=grant("specialist_c_b", Role.COMMUNE_SPECIALIST, b),
        chairman_b=grant("chairman_b", Role.COMMUNE_CHAIRMAN, b),
        accountant_c_b=grant("accountant_c_b", Role.COMMUNE_ACCOUNTANT, b),
    )
