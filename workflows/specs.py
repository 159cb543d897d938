"""Process definitions as data: who may fire which transition from which state,
what data it takes, what it checks under lock and what it does afterwards.

The engine reads these; the UI and API read them to show buttons and forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from workflows.exceptions import InvalidData
from workflows.registry_models import case_model

Errors = dict[str, list[Any]]
# The route of a process's version done by the commune in the two-level
# government (`workflows.devolution`); its district version's route is "".
DEVOLVED_ROUTE = "commune"


class InFlight(StrEnum):
    """What an object open when its procedure changes does (each process with
    more than one route states its rule when it registers)."""

    # It keeps the route it bound to when filed, until it ends (procedure
    # versions by date: drug rehab's 2022 and 2025 routes).
    CONTINUE = "continue"
    # It takes the new route from the step it is waiting for; the steps done
    # keep who did them (the district office's processes on 01/07/2025:
    # the district and its roles end, nobody is left on the former route).
    SWITCH = "switch"

    @property
    def text(self) -> str:
        """The rule as the process page states it."""
        if self is InFlight.CONTINUE:
            return str(
                _(
                    "A case in progress when a new version comes into force keeps the version "
                    "it was filed under until it ends."
                )
            )
        return str(
            _(
                "Work in progress on 01/07/2025 (two-level government) continued on the commune "
                "route from the step it was waiting for; the steps already done keep who did them."
            )
        )


# One contract for a process's hooks. A check refuses by raising a DomainError
# (field errors through `refuse`, anything else with its own code) and returns
# nothing; an effect (`apply`) runs after the state changed, in the same
# transaction, and refuses the same way.
Check = Callable[[Any, dict[str, Any], Any], None]
Apply = Callable[[Any, dict[str, Any], Any], None]
# What the transition's form shows filled in (the UI's defaults, never the engine's).
Initial = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    label: Any
    roles: Mapping[Any, frozenset[Any]]  # source state (or "*") -> roles allowed
    form: type[forms.Form] | None = None
    reason_required: bool = False
    # Separation of duties: an actor who fired any of these on the case may not fire this.
    not_by_actors_of: tuple[str, ...] = ()
    check: Check | None = None
    apply: Apply | None = None
    danger: bool = False
    initial: Initial | None = None

    def roles_from(self, state: str) -> frozenset[str]:
        return self.roles.get(state, self.roles.get("*", frozenset()))


@dataclass(frozen=True)
class OneStopSpec:
    """How a process meets the one-stop register (whether it is a one-stop
    procedure, and its time limit, are data: `OneStopProcedure`)."""

    # Transitions by which the desk receives the dossier (Mẫu 01 receipt).
    receipt: frozenset[str]
    # States that are the result handed back to the applicant.
    results: frozenset[str]
    # States that end the dossier without a result counted in the on-time rate.
    void: frozenset[str] = frozenset()
    # States in which the dossier waits on the applicant: no Mẫu 04 prompt.
    paused: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Step:
    """A human task: while the object is in one of `states`, `role` must act.

    `name` is the viewflow node's name: open tasks refer to it, so it stays."""

    name: str
    states: tuple[str, ...]
    role: str
    title: Any


@dataclass(frozen=True)
class ProcessSpec:
    code: str
    label: Any
    model: type[Any]
    states: Any  # TextChoices
    transitions: Mapping[str, TransitionSpec]
    # Who must act next in each waiting state: the tasks of the flow built from
    # this spec, and whom the outbox tells.
    steps: tuple[Step, ...]
    happy_path: tuple[str, ...]
    terminal: frozenset[str] = field(default_factory=frozenset)
    one_stop: OneStopSpec | None = None
    # What the process moves: a case (its audit events carry case_id) or another
    # commune-owned object such as a gift list (object_type + object_id).
    object_type: str = "cases.case"
    detail_url: str = "case_detail"  # URL name taking the object's pk
    # How a sentence (a reminder's title) names one object: a function giving a
    # query expression over the flow's artifact model, called in the language
    # of the message (`workflows.artifacts.phrase`). None: its `reference`
    # field (every case has one).
    reference: Callable[[], Any] | None = None
    # The steps of one procedure version (a case keeps the route it filed under).
    route: str = ""
    # Sensitive (drug rehab): only rehab roles see it; reads are logged.
    sensitive: bool = False
    # Its own audit events (other than transitions) as people call them, and
    # what each says beyond its label (None: the presenter's generic reading).
    event_labels: Mapping[str, Any] = field(default_factory=dict)
    event_details: Callable[[Any], list[tuple[str, str]] | None] | None = None
    # Whom a transition tells when nobody must act next, for objects nobody
    # filed (no `created_by`): a role of the object's commune.
    inform_role: str = ""

    @cached_property
    def acting_role(self) -> dict[str, str]:
        """The role that must act next, by waiting state (from the steps)."""
        return {str(state): step.role for step in self.steps for state in step.states}

    def step_title(self, name: str) -> Any:
        """The title of the step `name` (a viewflow node's name) on this route."""
        return next((step.title for step in self.steps if step.name == name), name)

    @property
    def route_label(self) -> str:
        """The route (procedure version) as people call it."""
        if self.route == DEVOLVED_ROUTE:
            return str(_("Commune (two-level government, from 01/07/2025)"))
        if not self.route:
            return str(_("District office (until 30/06/2025)"))
        return f"{_('Route')} {self.route}"

    @property
    def is_case(self) -> bool:

        return issubclass(self.model, case_model())

    def state_label(self, state: str) -> str:
        return str(dict(self.states.choices).get(state, state))


def refuse(errors: Errors | None) -> None:
    """Refuse the transition with these field errors, if there are any."""
    if errors:
        raise InvalidData(fields={k: [str(m) for m in v] for k, v in errors.items()})
