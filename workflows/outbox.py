"""The outbox port: what the engine and its sweeps must tell people, written in
their own transaction. The notifications app provides the table and the
writers and registers them here from its `AppConfig.ready()`, so the engine
never imports it (notifications sits above the engine)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outbox:
    # notifications_enqueue(*, recipients, event, title, body, url, case_id, commune_id,
    # exclude_user_id) -> rows written; ..._for_role takes a role and commune instead.
    enqueue: Callable[..., int]
    enqueue_for_role: Callable[..., int]
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
