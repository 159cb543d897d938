"""The shared registry's models as the settings name them (`CASEFLOW_CASE_MODEL`,
`CASEFLOW_UNIT_MODEL`, `CASEFLOW_DOCUMENT_REQUIREMENT_MODEL`), as Django names
its user model: the engine works on "a case" and "a commune" without importing
the package that defines them, which sits above it."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings


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
