"""A timeline of audit events (a case's, a gift list's): each event read by
the one presenter of audit events, with the page's state badges."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cases.templatetags.caseflow import spec_badge
from workflows.audit_presenter import EventPresenter, EventRow
from workflows.formatting import display_name
from workflows.specs import ProcessSpec

Badge = Callable[[str], str]


class TimelineEntry:
    """One event as includes/timeline.html shows it: when, who in which role,
    the state badges, the action, its details and the reason."""

    def __init__(self, row: EventRow, badge: Badge) -> None:
        event = row.ev
        self.event = event
        self.who = display_name(event.actor) if event.actor else event.actor_username
        self.role = event.actor_role
        self.from_state = event.from_state
        self.to_state = event.to_state
        self.from_badge = badge(event.from_state)
        self.to_badge = badge(event.to_state)
        self.reason = row.reason
        self.action = row.action
        self.details = row.details


def timeline_entries(
    events: Iterable[Any],
    spec: ProcessSpec,
    badge: Badge | None = None,
    doc_labels: dict[str, str] | None = None,
) -> list[TimelineEntry]:
    """The events of one object the page has authorized, oldest first."""
    presenter = EventPresenter(compact=False, doc_labels=doc_labels)
    shown = badge or (lambda state: spec_badge(spec, state))
    return [TimelineEntry(presenter.row(event, spec), shown) for event in events]
