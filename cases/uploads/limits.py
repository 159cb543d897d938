"""The caps of the bounded reader, from settings (IMPORT_*), with the defaults
explained in the package docstring."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings

MIB = 1024 * 1024
DEFAULTS: dict[str, int | float] = {
    "IMPORT_MAX_ROWS": 100_000,
    "IMPORT_MAX_COLUMNS": 64,
    "IMPORT_MAX_CELLS": 2_000_000,
    "IMPORT_MAX_SHARED_STRINGS": 1_000_000,
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 200 * MIB,
    "IMPORT_MAX_COMPRESSION_RATIO": 100,
    "IMPORT_MAX_MEMBERS": 2_000,
    "IMPORT_PARSER_MEMORY_BYTES": 1024 * MIB,
    "IMPORT_PARSER_CPU_SECONDS": 30,
    "IMPORT_PARSER_TIMEOUT_SECONDS": 60,
}
# Bytes of JSON the child may write per cell it may read: far above real rows
# (the 26,553-row list is 14 bytes a cell), far below what a shared string
# repeated in every cell would make.
OUTPUT_BYTES_PER_CELL = 32


def _setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


@dataclass(frozen=True)
class Limits:
    max_rows: int
    max_columns: int
    max_cells: int
    max_shared_strings: int
    max_uncompressed_bytes: int
    max_compression_ratio: int
    max_members: int
    memory_bytes: int
    cpu_seconds: int
    timeout_seconds: float

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_rows=int(_setting("IMPORT_MAX_ROWS")),
            max_columns=int(_setting("IMPORT_MAX_COLUMNS")),
            max_cells=int(_setting("IMPORT_MAX_CELLS")),
            max_shared_strings=int(_setting("IMPORT_MAX_SHARED_STRINGS")),
            max_uncompressed_bytes=int(_setting("IMPORT_MAX_UNCOMPRESSED_BYTES")),
            max_compression_ratio=int(_setting("IMPORT_MAX_COMPRESSION_RATIO")),
            max_members=int(_setting("IMPORT_MAX_MEMBERS")),
            memory_bytes=int(_setting("IMPORT_PARSER_MEMORY_BYTES")),
            cpu_seconds=max(1, int(_setting("IMPORT_PARSER_CPU_SECONDS"))),
            timeout_seconds=float(_setting("IMPORT_PARSER_TIMEOUT_SECONDS")),
        )

    @property
    def output_bytes(self) -> int:
        return max(MIB, self.max_cells * OUTPUT_BYTES_PER_CELL)

    def for_child(self) -> dict[str, Any]:
        return {**asdict(self), "output_bytes": self.output_bytes}
