"""What the two reorganisation commands share: loading the mapping file named
on the command line, and a domain refusal said as a command error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError

from cases.reorganization.mapping import LoadResult, MappingRow, load_mapping, read_mapping
from workflows.exceptions import InvalidData


def load_file(
    path: Path, *, effective: dt.date, decision: str, unverified: bool
) -> tuple[list[MappingRow], LoadResult]:
    """Read and load the mapping file (in the caller's transaction)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    rows = read_mapping(path.name, content)
    return rows, load_mapping(rows, effective=effective, decision=decision, unverified=unverified)


def command_error(exc: InvalidData) -> CommandError:
    """The refusal's message, then each row or unit it names."""
    details = [f"  {e}" for values in exc.fields.values() for e in values]
    return CommandError("\n".join([str(exc.message), *details]))
