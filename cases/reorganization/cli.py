"""What the two reorganisation commands share: loading the mapping file (and
the staff mapping) named on the command line, and a domain refusal said as a
command error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError

from cases.reorganization.mapping import LoadResult, MappingRow, load_mapping, read_mapping
from cases.reorganization.staff import load_staff, read_staff
from workflows.exceptions import InvalidData


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None


def load_file(
    path: Path, *, effective: dt.date, decision: str, unverified: bool
) -> tuple[list[MappingRow], LoadResult]:
    """Read and load the mapping file (in the caller's transaction)."""
    rows = read_mapping(path.name, _read(path))
    return rows, load_mapping(rows, effective=effective, decision=decision, unverified=unverified)


def load_staff_file(path: Path, *, effective: dt.date) -> LoadResult:
    """Read and load the staff mapping file (in the caller's transaction)."""
    return load_staff(read_staff(path.name, _read(path)), effective=effective)


def command_error(exc: InvalidData) -> CommandError:
    """The refusal's message, then each row or unit it names."""
    details = [f"  {e}" for values in exc.fields.values() for e in values]
    return CommandError("\n".join([str(exc.message), *details]))
