"""Which process spec governs a case."""

from __future__ import annotations

from typing import Any

from .specs import ProcessSpec


def _specs() -> dict[str, ProcessSpec]:
    from . import housing

    return {housing.SPEC.code: housing.SPEC}


def all_specs() -> dict[str, ProcessSpec]:
    return _specs()


def spec_for(case: Any) -> ProcessSpec:
    return _specs()[case.process]
