"""The third part of the authorization matrix's URLs: the rules, the world
and the check are tests/authz/test_authorization_matrix.py's (xdist deals
whole files to its workers, so the matrix is spread over several)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.authz.test_authorization_matrix import MATRIX_PRINCIPALS, check_part

PART = 2


@pytest.mark.parametrize("principal", MATRIX_PRINCIPALS)
def test_authorization_matrix_part_3(
    principal: str, matrix_world: SimpleNamespace, db: Any, settings: Any
) -> None:
    check_part(PART, principal, matrix_world, settings)
