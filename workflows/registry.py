"""Which process spec governs a case or another process object (a gift list)."""

from __future__ import annotations

from typing import Any

from .specs import ProcessSpec


def _specs() -> dict[str, ProcessSpec]:
    from . import gifts, housing

    return {housing.SPEC.code: housing.SPEC, gifts.SPEC.code: gifts.SPEC}


def all_specs() -> dict[str, ProcessSpec]:
    return _specs()


def spec_for(obj: Any) -> ProcessSpec:
    """By the case's process, or by the object's model for other processes."""
    process = getattr(obj, "process", None)
    if process:
        return _specs()[process]
    return next(s for s in _specs().values() if isinstance(obj, s.model))
