"""The shared registry's models as the settings name them (`CASEFLOW_CASE_MODEL`,
`CASEFLOW_UNIT_MODEL`, `CASEFLOW_DOCUMENT_REQUIREMENT_MODEL`), as Django names
its user model: the engine works on "a case" and "a commune" without importing
the package that defines them, which sits above it."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection


def case_model() -> Any:
    """The base model of every case (a process, a commune, an applicant, a state)."""
    return apps.get_model(settings.CASEFLOW_CASE_MODEL)


def unit_model() -> Any:
    """Administrative units: commune roles hold their object permission on these rows."""
    return apps.get_model(settings.CASEFLOW_UNIT_MODEL)


def document_requirement_model() -> Any:
    """The documents each process and program requires (their labels)."""
    return apps.get_model(settings.CASEFLOW_DOCUMENT_REQUIREMENT_MODEL)


def case_processes() -> list[tuple[str, Any]]:
    """The case processes (value, label): the choices of a case's `process`."""
    return list(case_model().Process.choices)


# (highest unit id seen, the communes of the two-level government among them).
_devolved: tuple[int, frozenset[int]] | None = None


def devolved_unit(unit_id: int) -> bool:
    """Is this a commune of the two-level government (no district above it,
    from 01/07/2025), whose steps its own staff do (`workflows.devolution`)?

    Every user's scope query reads them along (`permissions.scope_for`), so
    a request asks nothing more; read here otherwise, and again when a unit
    newer than any seen comes up. Saving a unit forgets what was read."""
    if _devolved is None or unit_id > _devolved[0]:
        with connection.cursor() as cur:
            cur.execute(unit_model().devolved_sql())
            top, ids = cur.fetchone()
        note_devolved_units(max(top or 0, unit_id), ids)
    assert _devolved is not None
    return unit_id in _devolved[1]


def note_devolved_units(top: int, ids: list[int]) -> None:
    global _devolved
    _devolved = (top, frozenset(ids))


def forget_devolved_units(**_kwargs: Any) -> None:
    global _devolved
    _devolved = None
