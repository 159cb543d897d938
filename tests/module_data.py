"""Rows written once for a module's tests and rolled back after the last one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.test import override_settings

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def written_once(django_db_blocker: Any, **settings: Any) -> Iterator[None]:
    """Inside: write the module's rows (passwords hashed fast, `settings` in
    force); they are gone after the module's tests."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, **settings),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)


def checked() -> None:
    """Run the deferred foreign-key checks of what was written so far, once.

    Django checks the constraints before rolling each test back, and rolling
    back to the test's savepoint queues the module's unchecked rows again: a
    demo's hundreds of thousands of rows would be checked at every test's end.
    """
    connection.check_constraints()
