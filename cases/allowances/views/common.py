"""What the allowance pages share: the transitions a user may fire, fitted to
the page; the audit events that moved a set of payroll lines; the words of
the differences a reviewer reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cases.allowances.models import ChangeKind, LineState, PayrollLine
from cases.allowances.page_forms import fit_to_page
from cases.allowances.selectors import line_events
from cases.allowances.spec import LINE_LABELS
from cases.views.base import ActionForm
from cases.views.transitions import transition_actions
from workflows.actors import Reader
from workflows.models import AuditEvent

# The kinds of change `selectors.payroll_differences` returns, as the page names them.
CHANGES = ChangeKind.choices
LINE_STAMPS = ("approved_event", "sent_event", "result_event", "settled_event")
LINE_TYPE = "allowances.payrollline"


def with_labels(lines: Iterable[PayrollLine]) -> list[PayrollLine]:
    """The lines with their state's words (`state_label`): the state is an FSM
    field without choices, so it has no `get_state_display`."""
    labels = dict(LineState.choices)
    rows = list(lines)
    for line in rows:
        line.state_label = labels.get(line.state, "")  # type: ignore[attr-defined]
    return rows


def page_actions(
    view: Any,
    user: Reader,
    obj: Any,
    *,
    hidden: Iterable[str] = (),
    communes: list[Any] | None = None,
) -> list[ActionForm]:
    """The transitions `user` may fire on `obj` (but `hidden`), each form
    fitted to the page (months as mm/yyyy, the receiving commune as a list)."""
    leave_out = set(hidden)
    actions = [a for a in transition_actions(view, user, obj) if a.name not in leave_out]
    for action in actions:
        fit_to_page(action.form, communes)
    return actions


def line_histories(lines: Iterable[PayrollLine]) -> dict[int, list[tuple[Any, AuditEvent]]]:
    """Who moved each line, when, through which step: the events written for
    the line itself and the batch events its stamps point at (one query for
    every line on the page), oldest first, by line id."""
    lines = list(lines)
    # The stamps' columns (the events' ids), not the events: no query per line.
    columns = [getattr(PayrollLine._meta.get_field(s), "attname", s) for s in LINE_STAMPS]
    stamps = {getattr(line, c) for line in lines for c in columns} - {None}
    found = line_events([line.pk for line in lines], stamps)
    steps = {str(k): v for k, v in LINE_LABELS.transitions.items()}
    out: dict[int, list[tuple[Any, AuditEvent]]] = {line.pk: [] for line in lines}
    by_id = {e.pk: e for e in found}
    for line in lines:
        events = [e for e in found if e.object_type == LINE_TYPE and e.object_id == str(line.pk)]
        events += [by_id[i] for c in columns if (i := getattr(line, c)) in by_id]
        events.sort(key=lambda e: (e.occurred_at, e.pk))
        out[line.pk] = [(steps.get(e.transition, e.transition), e) for e in events]
    return out
