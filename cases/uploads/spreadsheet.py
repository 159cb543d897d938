"""The first sheet of an uploaded .xlsx, read within bounds: the package checked
here, the cells read in a child process with memory, CPU and time limits (see
the package docstring), so that whatever the file does, at worst the child dies
and the upload is refused."""

from __future__ import annotations

import base64
import datetime as dt
import gc
import json
import logging
import os
import posixpath
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cases.uploads.limits import Limits
from cases.uploads.package import (
    OLE2_MAGIC,
    open_zip,
    parse_small_xml,
    read_small_part,
    require_main_part,
)
from cases.uploads.refusals import CODES, Refusal, refused

logger = logging.getLogger(__name__)

CHILD = Path(__file__).with_name("sheet_child.py")
# No settings, no DATABASE_URL, no secrets: the child needs nothing from us.
CHILD_ENVIRONMENT = {"LC_ALL": "C.UTF-8"}
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
SPREADSHEET_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    }
)
STDERR_KEPT = 4096
# How a child that died tells why: Rust's allocator and Python name a failed
# allocation on stderr before aborting or raising.
OUT_OF_MEMORY = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory")

Row = tuple[int, tuple[Any, ...]]
# (first row, first column, last row, last column), counted from 1.
Merged = tuple[int, int, int, int]


@dataclass(frozen=True)
class Sheet:
    """The first sheet as read: its rows with content, its merged ranges,
    the numbers of its hidden rows (hidden, filtered out, collapsed or of
    zero height) and the (row, column) of its cells holding a formula
    (counted from 1; a .csv has none)."""

    rows: list[Row]
    merged: list[Merged] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()
    formulas: frozenset[tuple[int, int]] = frozenset()


def read_sheet(blob: bytes, *, type_message: str, limits: Limits | None = None) -> Sheet:
    """The workbook's first sheet: (row number, cells) of each row with
    content, header included, empty cells None; its merged ranges and hidden
    rows. Raises InvalidData with one of the reader's codes (the package
    docstring) and `type_message` for "not an .xlsx"."""
    try:
        return _read(blob, limits or Limits.from_settings())
    except Refusal as refusal:
        logger.warning("spreadsheet refused: %s (%s)", refusal.code, refusal.reason)
        raise refused(refusal, type_message=type_message) from None


def read_first_sheet(blob: bytes, *, type_message: str, limits: Limits | None = None) -> list[Row]:
    """The rows of `read_sheet` alone."""
    return read_sheet(blob, type_message=type_message, limits=limits).rows


def _read(blob: bytes, limits: Limits) -> Sheet:
    if blob.startswith(OLE2_MAGIC):
        raise Refusal("file_type", "ole2_xls")
    archive = open_zip(blob, limits)
    require_main_part(archive, WORKBOOK, SPREADSHEET_TYPES)
    damaged = Refusal("file_parse_failed", "malformed_workbook")
    if WORKBOOK_RELATIONSHIPS not in archive.namelist():
        raise damaged
    sheets = parse_small_xml(read_small_part(archive, WORKBOOK), {"sheet"}, malformed=damaged)
    if not sheets:
        raise damaged
    relationships = parse_small_xml(
        read_small_part(archive, WORKBOOK_RELATIONSHIPS), {"Relationship"}, malformed=damaged
    )
    options = {"sheet_part": _first_sheet_part(sheets, relationships)}
    with collector_paused():
        result = _run_child(blob, limits, options)
        if "error" in result:
            code = result["error"] if result["error"] in CODES else "file_parse_failed"
            raise Refusal(code, str(result.get("reason", "")), **result.get("params", {}))
        return Sheet(
            rows=[(int(number), tuple(cells)) for number, cells in result["rows"]],
            merged=[(int(a), int(b), int(c), int(d)) for a, b, c, d in result.get("merged", [])],
            hidden_rows=frozenset(int(n) for n in result.get("hidden_rows", [])),
            formulas=frozenset((int(r), int(c)) for r, c in result.get("formulas", [])),
        )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a sheet's rows are made:
    100,000 rows are a million new objects, which it would otherwise walk
    through again and again to free nothing, as they are all kept. Back on
    (if it was) at the end, when it collects as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def mark_rows(
    blob: bytes,
    *,
    header_row: int,
    title: str,
    rows: dict[int, str],
    cells: dict[int, list[int]],
    type_message: str,
    limits: Limits | None = None,
) -> bytes:
    """The workbook `blob` again, its first sheet with a column `title` after
    its last one holding each of `rows`' text (row number -> text), those
    cells and the `cells` listed for each row (column numbers from 1) filled
    red; everything else as it was. Written by openpyxl in the same bounded
    child as the reader, after the same checks. The texts must already be
    safe (`cases.exports.tabular.safe_text`): they are written as strings."""
    limits = limits or Limits.from_settings()
    try:
        if blob.startswith(OLE2_MAGIC):
            raise Refusal("file_type", "ole2_xls")
        require_main_part(open_zip(blob, limits), WORKBOOK, SPREADSHEET_TYPES)
        marks = {
            "header_row": header_row,
            "title": title,
            "rows": {str(n): text for n, text in rows.items()},
            "cells": {str(n): columns for n, columns in cells.items()},
        }
        payload = json.dumps(marks, ensure_ascii=False).encode() + b"\n" + blob
        result = _run_child(payload, limits, {"mode": "mark"})
        if "error" in result:
            code = result["error"] if result["error"] in CODES else "file_parse_failed"
            raise Refusal(code, str(result.get("reason", "")), **result.get("params", {}))
        if "file" not in result:
            raise Refusal("file_parse_failed", "reader_died")
        return base64.b64decode(result["file"])
    except Refusal as refusal:
        logger.warning("spreadsheet not marked: %s (%s)", refusal.code, refusal.reason)
        raise refused(refusal, type_message=type_message) from None


def _first_sheet_part(
    sheets: list[tuple[str, dict[str, str]]], relationships: list[tuple[str, dict[str, str]]]
) -> str:
    """The zip member of the first sheet (the one calamine reads): its r:id
    in the workbook, that relationship's target, relative to xl/ unless
    absolute. Empty when the workbook does not say (no hidden rows are read)."""
    rel_id = sheets[0][1].get("id", "")
    targets = {a.get("Id", ""): a.get("Target", "") for _t, a in relationships}
    target = targets.get(rel_id, "")
    if not target:
        return ""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(WORKBOOK), target))


def _run_child(blob: bytes, limits: Limits, options: dict[str, Any]) -> dict[str, Any]:
    """Run sheet_child.py on the blob; its answer, or a Refusal saying how it
    ended when it gave none."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            finished = subprocess.run(
                [
                    sys.executable,
                    "-I",
                    "-B",
                    str(CHILD),
                    json.dumps(limits.for_child()),
                    json.dumps(options),
                ],
                input=blob,
                stdout=out,
                stderr=err,
                env=CHILD_ENVIRONMENT,
                timeout=limits.timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired:  # run() has killed it
            raise Refusal(
                "file_parse_timeout", "wall_clock", seconds=_seconds(limits.timeout_seconds)
            ) from None
        except OSError:  # no interpreter to start (sys.executable unusable here)
            logger.exception("the spreadsheet reader could not be started")
            raise Refusal("file_parse_failed", "reader_unavailable") from None
        err.seek(0)
        stderr = err.read(STDERR_KEPT)
        size = out.seek(0, os.SEEK_END)
        out.seek(0)
        output = out.read() if size <= limits.output_bytes else b""
    status = finished.returncode
    if status == 0 and size <= limits.output_bytes:
        try:
            answer = json.loads(output, object_hook=_untagged)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and ({"rows", "file", "error"} & answer.keys()):
            return answer
    logger.warning(
        "spreadsheet reader ended with status %s: %s", status, stderr.decode(errors="replace")
    )
    if status == -signal.SIGXCPU:
        raise Refusal("file_parse_timeout", "cpu_time", seconds=limits.cpu_seconds)
    if status == -signal.SIGXFSZ or size > limits.output_bytes:
        raise Refusal("file_too_large", "output")
    if any(marker in stderr for marker in OUT_OF_MEMORY):
        raise Refusal("file_too_large", "memory")
    raise Refusal("file_parse_failed", "reader_died")


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _untagged(obj: dict[str, Any]) -> Any:
    """The child's tagged values back as Python dates and times."""
    if len(obj) == 1:
        ((tag, value),) = obj.items()
        if tag == "$dt":
            return dt.datetime.fromisoformat(value)
        if tag == "$d":
            return dt.date.fromisoformat(value)
        if tag == "$t":
            return dt.time.fromisoformat(value)
        if tag == "$td":
            return dt.timedelta(seconds=value)
    return obj
