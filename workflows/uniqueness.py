"""One active row per key — one open housing case per person, one active
entitlement per person and regime — held by the database and explained by the
service (docs/architecture.md, "One active row per key").

The database holds the rule with a partial unique constraint (the key, where
the row is active). The service asks a selector for the row holding the place
before it writes, and refuses with a message naming that row; the write runs
inside `refuse_duplicates`, so a race lost to another request (the constraint
fires at the INSERT or UPDATE) gets the same refusal instead of a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from workflows.exceptions import DomainError, InvalidData


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint or unique index PostgreSQL reports (psycopg's
    diagnostics), None when the error names none."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name) if name else None


class AlreadyHeld(InvalidData):
    """A refusal because another row holds the place: the API answers its
    `code` and `existing_id` (None when the caller may not see that row); a
    page shows the message with `link` (url, text) to the row."""

    def __init__(
        self,
        message: Any,
        *,
        code: str,
        existing_id: int | None,
        link: tuple[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, extra={"existing_id": existing_id, **(extra or {})})
        self.existing_id = existing_id
        self.link = {"url": link[0], "text": link[1]} if link else None


@dataclass(frozen=True)
class OneActive:
    """One partial unique constraint and how to refuse its violation.

    `holder` is the selector finding the row that holds the place now (or
    None); `refusal` builds the error naming it."""

    constraint: str
    holder: Callable[[], Any]
    refusal: Callable[[Any], DomainError]


@contextmanager
def refuse_duplicates(*rules: OneActive) -> Iterator[None]:
    """Run the block in a savepoint; a violation of one of `rules`' constraints
    becomes that rule's refusal, naming the row that won. Other integrity
    errors pass unchanged."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        name = violated_constraint(exc)
        rule = next((r for r in rules if r.constraint == name), None)
        if rule is None:
            raise
        # The savepoint is gone; the winner committed (that is what made ours
        # fail), so a fresh read in this transaction sees it.
        raise rule.refusal(rule.holder()) from exc
