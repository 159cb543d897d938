"""The outbox port: what the engine and its sweeps must tell people, written in
their own transaction. The notifications app provides the table and the
writers and registers them here from its `AppConfig.ready()`, so the engine
never imports it (notifications sits above the engine)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class Enqueue(Protocol):
    def __call__(
        self,
        *,
        recipients: Iterable[Any],
        event: str,
        title: str,
        body: str = "",
        url: str = "",
        case_id: int | None = None,
        commune_id: int | None = None,
        exclude_user_id: int | None = None,
    ) -> int: ...


class EnqueueForRole(Protocol):
    def __call__(
        self,
        *,
        role: str,
        commune_id: int | None,
        event: str,
        title: str,
        body: str = "",
        url: str = "",
        case_id: int | None = None,
        exclude_user_id: int | None = None,
    ) -> int: ...


@dataclass(frozen=True)
class Outbox:
    enqueue: Enqueue
    enqueue_for_role: EnqueueForRole
    # The outbox table, for the set-based sweeps that write with one INSERT ... SELECT.
    table: str
    # Its e-mail status column's value for a row still to be delivered.
    pending: str


_outbox: Outbox | None = None


def register(outbox: Outbox) -> None:
    global _outbox
    _outbox = outbox


def outbox() -> Outbox:
    if _outbox is None:
        raise RuntimeError("No outbox registered: is the notifications app installed?")
    return _outbox
