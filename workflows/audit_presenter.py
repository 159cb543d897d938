"""Audit events as people read them: labels instead of codes, each step's data
labelled as its form labels it, what the viewer may not see hidden. The
explorer, its exports and the timelines of cases and gift lists use it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import formatting
from workflows.actors import Reader
from workflows.audit_batch import batch_of
from workflows.audit_explorer import REDACTED, redacted
from workflows.audit_labels import (
    DATA_LABELS,
    EVENT_LABELS,
    LOGIN_EVENTS,
    LOGIN_VALUE_LABELS,
    MONEY_KEYS,
    OBJECT_LABELS,
    OTHER_DETAIL,
    OTHER_OBJECT,
    SIZE_KEYS,
    VALUE_LABELS,
    document_label,
)
from workflows.forms import MoneyField, MonthField
from workflows.models import AuditEvent
from workflows.permissions import (
    ROLE_LABELS,
)
from workflows.registry import all_specs, routed_specs, row_labels, spec_at
from workflows.registry_models import case_processes, document_requirement_model

# --- how an event reads: one presenter for the table and the exports ---------------

MAX_DETAILS = 4
MAX_VALUE = 80


def _specs_by_name() -> tuple[dict[str, Any], dict[str, str]]:
    """Transition specs and state labels of every process and route, by name
    (the first spec that knows a name wins), for events without a case."""

    transitions: dict[str, Any] = {}
    states: dict[str, str] = {}
    for spec in [*all_specs().values(), *routed_specs()]:
        for name, tspec in spec.transitions.items():
            transitions.setdefault(name, tspec)
        for value, label in spec.states.choices:
            states.setdefault(value, str(label))
    return transitions, states


def _spec_of_case(case: Any, commune_id: int | None = None) -> Any:
    """The spec of the case's route where the event happened: an event
    before a reorganisation reads as the district route named it."""
    try:
        route = str(getattr(case, "route", "") or "")
        return spec_at(str(case.process), route, commune_id or case.commune_id)
    except (KeyError, StopIteration):
        return None


def _model_choices() -> dict[str, dict[str, str]]:
    """{field name: {code: label}} of the choice fields of every process's
    model (the spec's), so that a code in an event's data reads as its model
    names it, whichever page or export shows the event."""
    out: dict[str, dict[str, str]] = {}
    for spec in [*all_specs().values(), *routed_specs()]:
        for f in spec.model._meta.get_fields():
            choices = getattr(f, "choices", None)
            if choices and f.name != "state":
                known = out.setdefault(f.name, {})
                for value, label in choices:
                    known.setdefault(str(value), str(label))
    return out


def _group_text(group: str) -> str:
    """'commune_officer@00448' (a role's group) -> 'Cán bộ xã (00448)'."""
    role, _at, commune = str(group).partition("@")
    label = str(ROLE_LABELS.get(role, role))  # type: ignore[call-overload]
    return f"{label} ({commune})" if commune else label


def _value_text(field: Any, value: Any, key: str = "") -> str:
    from django import forms

    if value in (None, "", [], {}):
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(field, MoneyField) or (
        field is None and key in MONEY_KEYS and isinstance(value, int)
    ):
        try:
            return formatting.money(int(value))
        except (TypeError, ValueError):
            return str(value)
    if field is None and isinstance(value, int) and not isinstance(value, bool):
        return formatting.file_size(value) if key in SIZE_KEYS else formatting.number(value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
    if isinstance(field, MonthField) and isinstance(value, str):
        try:
            return formatting.month_label(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return formatting.vn_date(dt.date.fromisoformat(value[:10]))
        except ValueError:
            pass
    if isinstance(value, dict) and set(value) == {"code", "name"}:
        return f"{value['name']} ({value['code']})"  # an administrative unit
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _short(text: str) -> str:
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


@dataclass
class EventRow:
    """An event as people read it (labels, not codes), with what the viewer
    may not see hidden. The table and both exports are built from it."""

    ev: AuditEvent
    hidden: bool
    reason: str
    details: list[tuple[str, str]]
    event_label: str = ""
    transition_label: str = ""
    from_label: str = ""
    to_label: str = ""
    role_label: str = ""
    commune: str = ""
    case_ref: str = ""
    process_label: str = ""
    object_label: str = ""

    @property
    def data(self) -> str:
        """The details on one line ("label: value; …"), or "—" when hidden."""
        if self.hidden:
            return REDACTED
        return "; ".join(f"{k}: {v}" if k else v for k, v in self.details)

    @property
    def action(self) -> str:
        return self.transition_label or self.event_label


class EventPresenter:
    """Turns events into `EventRow`s: the one reading of an audit event, for
    the explorer, its exports and the timelines of cases and gift lists.

    Reads nothing from the database but, once, the document checklist's
    labels when an upload is shown without them: the events come with their
    case and commune (`with_display`), specs and labels are in memory, and an
    account's name is in the event's data. `user` None: the page has
    authorized the object already (a timeline), nothing is hidden.
    `compact`: at most `MAX_DETAILS` details of at most `MAX_VALUE`
    characters (a table row); a timeline shows them all."""

    def __init__(
        self,
        user: Reader = None,
        *,
        compact: bool = True,
        doc_labels: dict[str, str] | None = None,
    ) -> None:
        self.user = user
        self.compact = compact
        self.doc_labels = doc_labels
        self.transitions, self.states = _specs_by_name()
        self.processes = {k: str(v) for k, v in case_processes()}
        self.object_specs = {s.object_type: s for s in all_specs().values() if not s.is_case}
        self.role_labels: dict[str, Any] = {str(k): v for k, v in ROLE_LABELS.items()}
        self.choices = _model_choices()

    def spec_of(self, ev: AuditEvent) -> Any:
        """The spec of the event's case, or of the process object it is about."""
        if ev.case_id is not None:
            return _spec_of_case(ev.case, ev.commune_id)
        return self.object_specs.get(ev.object_type)

    def row(self, ev: AuditEvent, spec: Any = None) -> EventRow:
        hidden = self.user is not None and redacted(self.user, ev)
        case = ev.case if ev.case_id is not None else None
        spec = spec or self.spec_of(ev)
        # Rows moved in bulk (a gift list's recipients) name their own steps;
        # a batch event names the rows' model in its data.
        batch = batch_of(ev)
        if batch is not None:
            rows = row_labels(str(batch.get("model", "")))
        else:
            rows = row_labels(ev.object_type) if case is None and ev.object_type else None
        tspec = None
        if ev.transition and rows is None and batch is None:
            tspec = spec.transitions.get(ev.transition) if spec is not None else None
            tspec = tspec or self.transitions.get(ev.transition)

        def state(value: str) -> str:
            if not value:
                return ""
            if rows is not None and value in rows.states:
                return str(rows.states[value])
            return spec.state_label(value) if spec is not None else self.states.get(value, value)

        if tspec is not None:
            transition_label = str(tspec.label)
        elif rows is not None and ev.transition in rows.transitions:
            transition_label = str(rows.transitions[ev.transition])
        else:
            transition_label = ev.transition

        labels = spec.event_labels if spec is not None else {}
        roles = [r for r in ev.actor_role.split(",") if r]
        return EventRow(
            ev,
            hidden,
            REDACTED if hidden else ev.reason,
            [] if hidden else self._details(ev, tspec, spec),
            event_label=str(labels.get(ev.event) or EVENT_LABELS.get(ev.event, ev.event)),
            transition_label=transition_label,
            from_label=state(ev.from_state),
            to_label=state(ev.to_state),
            role_label=", ".join(str(self.role_labels.get(r, r)) for r in roles),
            commune=ev.commune.name if ev.commune_id is not None and ev.commune else "",
            case_ref=case.reference if case is not None else "",
            process_label=self.processes.get(case.process, case.process) if case else "",
            object_label="" if case is not None else self._object(ev),
        )

    def _object(self, ev: AuditEvent) -> str:
        if not ev.object_type:
            return ""
        label = OBJECT_LABELS.get(ev.object_type, OTHER_OBJECT)
        ident = ev.object_id
        if ev.object_type == "auth.user" and isinstance(ev.data, dict) and ev.data.get("username"):
            ident = str(ev.data["username"])
        if "%(id)s" in str(label) and not ident:
            return str(label).replace("#%(id)s", "").replace("%(id)s", "").strip()
        return str(label) % {"id": ident} if "%(id)s" in str(label) else str(label)

    def _doc_label(self, kind: str) -> str:
        if self.doc_labels is None:
            self.doc_labels = dict(
                document_requirement_model()
                .objects.order_by("kind", "id")
                .values_list("kind", "label")
            )
        return str(self.doc_labels.get(kind, kind))

    def _batch(self, ev: AuditEvent, batch: dict[str, Any]) -> list[tuple[str, str]]:
        """A batch event's own lines: "Đã duyệt 1.234 dòng cùng bảng lương", the
        rows per state they came from, the checksum of the moved ids."""
        rows = row_labels(str(batch.get("model", "")))
        count = formatting.number(int(batch.get("count", 0)))
        phrase = rows.batch.get(ev.transition) if rows is not None else None
        if phrase is not None:
            text = str(phrase) % {"count": count}
        else:
            step = rows.transitions.get(ev.transition) if rows is not None else None
            text = _("%(step)s: %(count)s rows") % {"step": step or ev.transition, "count": count}
        states = rows.states if rows is not None else {}
        sources = batch.get("from_states") or {}
        out = [("", text)]
        if isinstance(sources, dict) and len(sources) > 1:
            out.append(
                (
                    _("From state"),
                    "; ".join(
                        f"{states.get(k, self.states.get(k, k))}: {formatting.number(int(n))}"
                        for k, n in sources.items()
                    ),
                )
            )
        out.append((str(DATA_LABELS["sha256"]), str(batch.get("sha256", ""))))
        return out

    def _details(self, ev: AuditEvent, tspec: Any, spec: Any) -> list[tuple[str, str]]:
        data = ev.data if isinstance(ev.data, dict) else {}
        batch = batch_of(ev)
        out: list[tuple[str, str]] = []
        if batch is not None:
            out = self._batch(ev, batch)
            data = {k: v for k, v in data.items() if k != "batch"}
            rows = row_labels(str(batch.get("model", "")))
            tspec = spec = None  # the rows' step: not the parent's transition of that name
        else:
            rows = row_labels(ev.object_type) if ev.case_id is None and ev.object_type else None
        if rows is not None:
            tspec = None  # a row's step: not a process transition of the same name
        if spec is not None and spec.event_details is not None and not tspec:
            own = spec.event_details(ev)
            if own is not None:
                return own
        if ev.event == "document_upload":
            return [(self._doc_label(str(data.get("kind", ""))), str(data.get("name", "")))]
        if ev.event == "onestop_apology":
            text = _value_text(None, data.get("new_due_on"))
            return [(_("New appointment date"), text)] if text else []
        if ev.event == "create" and ev.case_id is not None and "requested_amount" in data:
            text = _value_text(MoneyField(), data.get("requested_amount"))
            return [(_("Requested amount"), text)] if text else []
        fields = dict(tspec.form.base_fields) if tspec is not None and tspec.form else {}
        for key, value in data.items():
            if ev.event == "edit" and isinstance(value, list) and len(value) == 2:
                # A draft's edit: [before, after].
                before, after = (self._code_text(ev, key, fields, v) for v in value)
                text = f"{before or '—'} → {after or '—'}"
            elif key == "filters" and isinstance(value, dict):
                text = "; ".join(
                    f"{self._label(k, {})}: {self._code_text(ev, k, {}, v)}"
                    for k, v in value.items()
                )
            elif rows is not None and isinstance(value, str) and value in rows.values.get(key, {}):
                text = str(rows.values[key][value])
            else:
                text = self._code_text(ev, key, fields, value)
            if not text:
                continue
            out.append((self._label(key, fields), _short(text) if self.compact else text))
            if self.compact and len(out) == MAX_DETAILS:
                break
        return out

    @staticmethod
    def _label(key: str, fields: dict[str, Any]) -> str:
        if key in fields:
            return UNIT_SUFFIX.sub("", str(fields[key].label or DATA_LABELS.get(key, OTHER_DETAIL)))
        return str(DATA_LABELS.get(key, OTHER_DETAIL))

    def _code_text(self, ev: AuditEvent, key: str, fields: dict[str, Any], value: Any) -> str:
        """One value of the data as people read it: a code by its label (the
        form's choices, the login events' words, the role, the document, the
        process models' choices), numbers and dates written the Vietnamese way."""
        if isinstance(value, str):
            if key == "role":
                value = str(self.role_labels.get(value, value))
            elif key == "group":
                value = _group_text(value)
            elif key == "document":
                value = document_label(value)
            elif key == "process":
                value = self.processes.get(value, value)
            elif key == "event":
                value = str(EVENT_LABELS.get(value, value))
            elif ev.event in LOGIN_EVENTS and value in LOGIN_VALUE_LABELS.get(key, {}):
                value = str(LOGIN_VALUE_LABELS[key][value])
            elif key not in fields:
                value = str(
                    VALUE_LABELS.get(key, {}).get(value)
                    or self.choices.get(key, {}).get(value)
                    # a document's kind: the checklist's name for it
                    or (self._doc_label(value) if key == "kind" else value)
                )
        return _value_text(fields.get(key), value, key)


UNIT_SUFFIX = re.compile(r"\s*\((đồng|đ)\)$")


def display_rows(user: Reader, events: list[AuditEvent]) -> list[EventRow]:
    presenter = EventPresenter(user)
    return [presenter.row(ev) for ev in events]


# The export's columns: (key, header). The headers are translated; the keys
# are only for code.
EXPORT_COLUMNS: tuple[tuple[str, Any, int], ...] = (
    ("id", gettext_lazy("Event id"), 10),
    ("occurred_at", gettext_lazy("Time"), 18),
    ("actor", gettext_lazy("User name"), 18),
    ("actor_role", gettext_lazy("Role"), 22),
    ("commune", gettext_lazy("Commune"), 18),
    ("case", gettext_lazy("Case"), 18),
    ("process", gettext_lazy("Process"), 24),
    ("object", gettext_lazy("Object"), 22),
    ("event", gettext_lazy("Event"), 24),
    ("transition", gettext_lazy("Step"), 28),
    ("from_state", gettext_lazy("From state"), 20),
    ("to_state", gettext_lazy("To state"), 20),
    ("reason", gettext_lazy("Reason"), 40),
    ("data", gettext_lazy("Details"), 50),
    ("chain", gettext_lazy("Chain"), 16),
    ("seq", gettext_lazy("Sequence number"), 10),
    ("ip", gettext_lazy("IP address"), 15),
    ("request_id", gettext_lazy("Request id"), 20),
    ("hash", gettext_lazy("Hash"), 20),
)


def export_headers() -> list[str]:
    return [str(label) for _key, label, _width in EXPORT_COLUMNS]


def export_cells(
    row: EventRow, when: Callable[[dt.datetime], dt.datetime] = timezone.localtime
) -> list[Any]:
    """One row as export cells (EXPORT_COLUMNS order); the time through `when`,
    by default an aware local datetime (the writer decides how to show it)."""
    ev = row.ev
    return [
        ev.id,
        when(ev.occurred_at),
        ev.actor_username,
        row.role_label,
        row.commune,
        row.case_ref,
        row.process_label,
        row.object_label,
        row.event_label,
        row.transition_label if ev.transition else "",
        row.from_label,
        row.to_label,
        row.reason,
        row.data,
        ev.chain,
        ev.seq,
        ev.ip or "",
        ev.request_id,
        ev.hash,
    ]
