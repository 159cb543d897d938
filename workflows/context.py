"""Request id and client IP for audit rows, carried in a context variable."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "caseflow_request",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, immutable
)


def current() -> RequestContext:
    return _current.get()


def bind(request_id: str | None = None, ip: str | None = None) -> contextvars.Token:
    return _current.set(RequestContext(request_id or uuid.uuid4().hex, ip))


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
