"""Which process spec and viewflow flow govern a case or another process object.

Each process package registers itself here from its `AppConfig.ready()`; the
engine reads the registry and never imports a process. A process with
procedure versions registers one spec per route; a case is governed by the
route of the version it bound to at filing (`case.route`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.registry_models import case_processes, devolved_unit
from workflows.specs import DEVOLVED_ROUTE, InFlight, ProcessSpec

_specs: dict[str, ProcessSpec] = {}
_routed: dict[tuple[str, str], ProcessSpec] = {}
_flows: dict[str, type[Any] | None] = {}
_devolved: dict[str, ProcessSpec] = {}
_in_flight: dict[str, InFlight] = {}
_rows: dict[str, RowLabels] = {}


@dataclass(frozen=True)
class RowLabels:
    """How the audit trail names the states and transitions of the rows a
    process moves in bulk (`engine.bulk_transition`), which have no spec of
    their own: e.g. the recipients of a gift list."""

    states: Mapping[str, Any]
    transitions: Mapping[str, Any]
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # codes in their data
    # What one batch event (audit="batch") says, by transition, with %(count)s:
    # "Approved %(count)s lines with the payroll". Default: "<step>: N rows".
    batch: Mapping[str, Any] = field(default_factory=dict)


def register_rows(object_type: str, labels: RowLabels) -> None:
    """Make the labels of bulk-moved rows (`app_label.model`) known to the engine."""
    _rows[object_type] = labels


def row_labels(object_type: str) -> RowLabels | None:
    return _rows.get(object_type)


def register(
    spec: ProcessSpec,
    *,
    flow: type[Any] | None,
    routes: Iterable[ProcessSpec] = (),
    devolved: ProcessSpec | None = None,
    in_flight: InFlight | None = None,
) -> None:
    """Make a process known to the engine: its current spec, its viewflow flow
    (None for objects that change state by decision with nobody's task waiting,
    such as an entitlement), for a versioned process the spec of every route,
    and for a process the district worked on, its commune route in the
    two-level government (`workflows.devolution`). A process with more than
    one route states what its work in progress does when the route changes
    (`in_flight`): a versioned process's case keeps the route it bound to at
    filing (CONTINUE); a devolved process's work takes the commune route at
    the step it waits for (SWITCH), the district's roles having ended."""
    expected = InFlight.SWITCH if devolved else InFlight.CONTINUE if routes else None
    if in_flight != expected:
        raise ValueError(
            f"{spec.code}: in_flight must be {expected!r} for this process, not {in_flight!r}"
        )
    if in_flight is not None:
        _in_flight[spec.code] = in_flight
    _specs[spec.code] = spec
    _flows[spec.code] = flow
    for route in routes:
        _routed[(route.code, route.route)] = route
    if devolved is not None:
        _devolved[spec.code] = devolved


def in_flight_rule(code: str) -> InFlight | None:
    """The rule a process stated for its work in progress when its route
    changes (None: it has one route)."""
    return _in_flight.get(code)


def all_specs() -> dict[str, ProcessSpec]:
    """One spec per process (for versioned processes, the latest route), in
    the order the processes registered."""
    return dict(_specs)


def routed_specs() -> list[ProcessSpec]:
    """The spec of every route of every versioned process, and the commune
    routes of the processes the district worked on."""
    return [*_routed.values(), *_devolved.values()]


def route_specs(code: str) -> list[ProcessSpec]:
    """Every route of a process (one for processes without versions; the
    district and the commune route of a devolved one)."""
    routed = [s for (c, _r), s in _routed.items() if c == code]
    devolved = [_devolved[code]] if code in _devolved else []
    return (routed or [s for c, s in _specs.items() if c == code]) + devolved


def route_choices() -> list[tuple[str, Any]]:
    """The routes (steps) of every versioned process, for a procedure version's
    `route` field (each route's spec names it by its `route` choice)."""
    return [(str(s.route), getattr(s.route, "label", s.route)) for s in _routed.values()]


def has_flow(code: str) -> bool:
    return _flows.get(code) is not None


def flow_for(code: str) -> type[Any]:
    flow = _flows[code]
    if flow is None:
        raise LookupError(f"process {code} has no viewflow flow")
    return flow


def flow_code(flow_class: type[Any]) -> str | None:
    """The process code of a viewflow flow class (None for a flow not registered)."""
    return next((code for code, cls in _flows.items() if cls is flow_class), None)


def spec_for(obj: Any) -> ProcessSpec:
    """By the case's process (and route), or by the object's model for other
    processes; the commune route where the object's commune has no district."""
    process = getattr(obj, "process", None)
    if process:
        code = str(process)
    else:
        code = next(s.code for s in _specs.values() if isinstance(obj, s.model))
    return spec_at(code, str(getattr(obj, "route", "") or ""), getattr(obj, "commune_id", None))


def spec_at(code: str, route: str, commune_id: int | None) -> ProcessSpec:
    """The spec governing an object of process `code` on `route` (its bound
    procedure version, if any) in the commune `commune_id`."""
    if not route and code in _devolved and commune_id is not None and devolved_unit(commune_id):
        return _devolved[code]
    return spec_named(code, route)


def spec_named(code: str, route: str = "") -> ProcessSpec:
    """The spec of a process by its code, of the route's version when it has one."""
    if route == DEVOLVED_ROUTE and code in _devolved:
        return _devolved[code]
    return _routed.get((code, route)) or _specs[code]


def step_processes() -> list[tuple[str, Any]]:
    """Processes whose human steps have time limits: the case processes, then
    the others registered with the engine (the commune gift lists)."""
    cases = case_processes()
    known = {value for value, _label in cases}
    return [*cases, *((s.code, s.label) for s in _specs.values() if s.code not in known)]


def step_labels(routes: Iterable[ProcessSpec]) -> dict[str, str]:
    """What each step of a process is called (every route's steps and
    transitions), by the name its time limit is stored under."""
    routes = list(routes)
    labels: dict[str, str] = {}
    for spec in routes:
        for step in spec.steps:
            labels.setdefault(step.name, str(step.title))
    for spec in routes:
        for name, tspec in spec.transitions.items():
            labels.setdefault(name, str(tspec.label))
    return labels


def step_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The steps a time limit can be set for, grouped by process: (process
    label, [(step name, step label)])."""
    groups = [
        (str(label), list(step_labels(route_specs(code)).items()))
        for code, label in step_processes()
    ]
    return [(label, steps) for label, steps in groups if steps]
