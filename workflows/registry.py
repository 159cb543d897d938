"""Which process spec governs a case or another process object (a gift list).

A process with procedure versions has one spec per route; a case is governed
by the route of the version it bound to at filing (`case.route`).
"""

from __future__ import annotations

from typing import Any

from workflows.specs import ProcessSpec


def _specs() -> dict[str, ProcessSpec]:
    """One spec per process: for versioned processes, the latest route."""
    from workflows import gifts, housing, rehab

    return {s.code: s for s in [housing.SPEC, gifts.SPEC, rehab.REFERRAL_2025, rehab.VOLUNTARY]}


def _routed() -> dict[tuple[str, str], ProcessSpec]:
    from workflows import rehab

    return {
        (s.code, s.route): s for s in [rehab.REFERRAL_2022, rehab.REFERRAL_2025, rehab.VOLUNTARY]
    }


def all_specs() -> dict[str, ProcessSpec]:
    return _specs()


def route_specs(code: str) -> list[ProcessSpec]:
    """Every route of a process (one for processes without versions)."""
    routed = [s for (c, _r), s in _routed().items() if c == code]
    return routed or [s for c, s in _specs().items() if c == code]


def spec_for(obj: Any) -> ProcessSpec:
    """By the case's process (and route), or by the object's model for other processes."""
    process = getattr(obj, "process", None)
    if process:
        route = str(getattr(obj, "route", "") or "")
        return _routed().get((str(process), route)) or _specs()[process]
    return next(s for s in _specs().values() if isinstance(obj, s.model))
