"""What can be exported in the background: each kind registers how to build its
file and who may still read it. The audit trail registers itself from
`cases.apps`, the processes from their `AppConfig.ready()`, so this package
imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from cases.exports.models import ExportJob


class Progress:
    """Handed to a build: `total(n)` once the row count is known, `advance(n)`
    after each row (cheap; the worker writes it out at most every half second
    and renews its lease then)."""

    def __init__(self, report: Callable[[int, int | None], None] | None = None) -> None:
        self.done = 0
        self.rows_total: int | None = None
        self._report = report

    def total(self, n: int) -> None:
        self.rows_total = n
        if self._report is not None:
            self._report(self.done, n)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._report is not None:
            self._report(self.done, self.rows_total)


@dataclass(frozen=True)
class Built:
    filename: str  # the name the browser saves it under
    content_type: str


@dataclass(frozen=True)
class ExportKind:
    """`build(job, out, progress)` writes the file into `out` (run as the
    requester, in the job's language); `may_access(user, job)` is asked on
    every read of the job, besides the job being the user's own."""

    name: str
    build: Callable[[ExportJob, IO[bytes], Progress], Built]
    may_access: Callable[[Any, ExportJob], bool]


_kinds: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    _kinds[kind.name] = kind


def kind_get(name: str) -> ExportKind:
    return _kinds[name]


def inline_max_rows() -> int:
    """Tabular exports with more rows than this are produced in the background."""
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", 5_000))


def document_inline_max_rows() -> int:
    """Official documents (signature lists) with more rows than this too."""
    return int(getattr(settings, "EXPORT_DOCUMENT_INLINE_MAX_ROWS", 500))
