"""The two-level government: from 01/07/2025 the district level is abolished
and its steps pass to the commune (Nghị quyết 1656/NQ-UBTVQH15; `domain.md` §0,
§11). The commune's culture–society division reviews what the district
office's specialists reviewed, the commune chairman approves what the head
of the office approved, the commune's accountant pays what the district
accountant paid.

A process whose steps the district did registers a second version of its
spec, its steps and transitions given to these commune roles
(`devolve(spec)`), and the engine chooses the version by the organisation
the object's commune belongs to: a commune with no district above it (a unit
of the two-level government, formed by the reorganisation) follows the
commune route; a commune under a district, the district route. The date is
the organisation's: a former unit is under its district until the day the
reorganisation closes it, a new commune exists from that day.

In-flight work (the rule, for every process devolved here): an object open
when its unit is reorganised follows the commune route from the step it is
waiting for. The district that did that step no longer exists, so its
waiting task passes to the successor's commune role at the run
(`cases.reorganization.run`); the steps already done keep who did them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from workflows.permissions import DEVOLVED_ROLES, step_role
from workflows.specs import DEVOLVED_ROUTE, ProcessSpec


def _role(role: str) -> str:
    return DEVOLVED_ROLES.get(role, role)


def devolve(spec: ProcessSpec, *, titles: Mapping[str, Any] | None = None) -> ProcessSpec:
    """The commune route of a process the district office worked on: every
    district role of its steps and transitions given to the commune role
    that took its work over; `titles` names the steps (and the transitions
    of the same name) whose title said who did them ("Review (district)")."""
    titles = titles or {}
    return replace(
        spec,
        route=DEVOLVED_ROUTE,
        steps=tuple(
            replace(step, role=_role(step.role), title=titles.get(step.name, step.title))
            for step in spec.steps
        ),
        transitions={
            name: replace(
                t,
                roles={state: frozenset(map(_role, roles)) for state, roles in t.roles.items()},
                label=titles.get(name, t.label),
            )
            for name, t in spec.transitions.items()
        },
        inform_role=_role(spec.inform_role),
    )


__all__ = ["DEVOLVED_ROLES", "devolve", "step_role"]
