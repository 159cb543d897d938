"""Refusals of the bounded reader: a stable code, a reason naming the check,
and the Vietnamese message the officer reads (see the package docstring)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from workflows.exceptions import InvalidData
from workflows.formatting import file_size
from workflows.formatting import number as vn_number

CODES = (
    "file_too_large",
    "file_type",
    "file_sheet_too_large",
    "file_unsafe",
    "file_parse_failed",
    "file_parse_timeout",
)


class Refusal(Exception):
    """A file the reader will not read: `code` (one of CODES), `reason` (which
    check), `params` for the message."""

    def __init__(self, code: str, reason: str, **params: Any) -> None:
        assert code in CODES, code
        self.code = code
        self.reason = reason
        self.params = params
        super().__init__(f"{code}: {reason}")


def number(n: int) -> str:
    """100000 -> 100.000, as Vietnamese write it."""
    return vn_number(int(n))


def column_letters(column: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _message(refusal: Refusal, type_message: str) -> str:
    code, reason, p = refusal.code, refusal.reason, refusal.params
    if code == "file_too_large":
        if reason == "upload_size":
            return _("The file is %(size)s; the limit is %(limit)s.") % {
                "size": file_size(p["size"]),
                "limit": file_size(p["limit"]),
            }
        if reason == "uncompressed_size":
            return _(
                "Unpacked, the file would take more than %(limit)s: it is too large to "
                "read. Split it into smaller files."
            ) % {"limit": file_size(p["limit"])}
        return _("Reading this file needs more memory than allowed: split it into smaller files.")
    if code == "file_type":
        if reason == "ole2_xls":
            return _(
                "This is an Excel 97-2003 file (.xls). Open it in Excel, save it as an Excel "
                "Workbook (.xlsx) and upload that."
            )
        return type_message
    if code == "file_sheet_too_large":
        if reason == "shared_strings":
            return _(
                "The workbook holds %(count)s distinct texts, but at most %(limit)s are read: "
                "split the file."
            ) % {"count": number(p["count"]), "limit": number(p["limit"])}
        cell = f"{column_letters(p['columns'])}{p['rows']}"
        if p["rows"] <= p["max_rows"] and p["columns"] <= p["max_columns"]:
            return _(
                "The sheet spans %(cells)s cells (up to %(cell)s), but at most %(max_cells)s are "
                "read. Delete the empty rows and columns (or split the file) and upload it again."
            ) % {
                "cells": number(p["rows"] * p["columns"]),
                "cell": cell,
                "max_cells": number(p["max_cells"]),
            }
        return _(
            "The sheet reaches cell %(cell)s, but at most %(max_rows)s rows and %(max_columns)s "
            "columns are read. Delete what lies beyond the list (or split the file) and upload "
            "it again."
        ) % {
            "cell": cell,
            "max_rows": number(p["max_rows"]),
            "max_columns": number(p["max_columns"]),
        }
    if code == "file_unsafe":
        return _(
            "This file is built in a way ordinary Excel and Word files never are (for example "
            "an extreme compression ratio, embedded declarations or endless nesting), so it was "
            "not opened. Save it again from Excel or Word and upload that copy."
        )
    if code == "file_parse_timeout":
        return _(
            "Reading the file took longer than %(seconds)s seconds: split it into smaller files."
        ) % {"seconds": vn_number(p["seconds"])}
    return _("The file could not be read as an Excel workbook.")


def refused(refusal: Refusal, *, type_message: str) -> InvalidData:
    """The refusal as the domain error pages and the API answer: the message on
    the field "file", the code, and the reason beside them."""
    message = _message(refusal, type_message)
    return InvalidData(
        message, fields={"file": [message]}, code=refusal.code, extra={"reason": refusal.reason}
    )
