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
from workflows.audit_explorer import REDACTED, redacted
from workflows.forms import MoneyField
from workflows.models import AuditEvent
from workflows.permissions import (
    ROLE_LABELS,
)
from workflows.registry import all_specs, routed_specs, spec_for
from workflows.registry_models import case_processes, document_requirement_model

# --- how an event reads: one presenter for the table and the exports ---------------

# What happened, for events other than a transition (which shows its own label).
EVENT_LABELS: dict[str, Any] = {
    "transition": gettext_lazy("Step of the process"),
    "create": gettext_lazy("Created the case"),
    "edit": gettext_lazy("Edited the draft"),
    "document_upload": gettext_lazy("Uploaded a document"),
    "task_waiting": gettext_lazy("Task waiting"),
    "case_finished": gettext_lazy("Case finished"),
    "person_create": gettext_lazy("Registered a person"),
    "gift_import": gettext_lazy("Imported a gift list"),
    "campaign_reconcile": gettext_lazy("Reconciled a gift campaign"),
    "onestop_apology": gettext_lazy("Issued the apology and new appointment letter (Mẫu 04)"),
    "checkin": gettext_lazy("Post-rehab check-in"),
    "read": gettext_lazy("Read a record"),
    "export": gettext_lazy("Exported"),
    "rehab_person_create": gettext_lazy("Registered a person for rehab"),
    "role_grant": gettext_lazy("Granted a role"),
    "role_revoke": gettext_lazy("Revoked a role"),
    # Login security (cases.accounts).
    "login": gettext_lazy("Logged in"),
    "login_failed": gettext_lazy("Failed login"),
    "logout": gettext_lazy("Logged out"),
    "login_lockout": gettext_lazy("Login locked out"),
    "login_unlock": gettext_lazy("Login lockout ended"),
    "password_change": gettext_lazy("Changed the password"),
    "otp_enrol": gettext_lazy("Enrolled two-step verification"),
    "otp_verify": gettext_lazy("Verified the second factor"),
    "otp_verify_failed": gettext_lazy("Wrong second-factor code"),
    "otp_reset": gettext_lazy("Reset two-step verification"),
    "token_issue": gettext_lazy("Issued an API token"),
    "token_revoke": gettext_lazy("Revoked API tokens"),
    "audit_export": gettext_lazy("Exported the audit trail"),
    "report_download": gettext_lazy("Downloaded a report"),
}
# The event filter's choices (it takes only these: a DISTINCT over millions
# of events is not worth it to find others).
EVENT_TYPES = tuple(EVENT_LABELS)

# What the event is about when it is not a case: a noun and a cheap reference.
OBJECT_LABELS: dict[str, Any] = {
    "cases.case": gettext_lazy("Case #%(id)s"),
    "cases.person": gettext_lazy("Person #%(id)s"),
    "auth.user": gettext_lazy("Account %(id)s"),
    "cases.giftlist": gettext_lazy("Gift list #%(id)s"),
    "cases.campaign": gettext_lazy("Gift campaign #%(id)s"),
    "cases.giftcampaign": gettext_lazy("Gift campaign #%(id)s"),
    "cases.document": gettext_lazy("Document #%(id)s"),
    "cases.rehabcase": gettext_lazy("Drug-rehab records"),
    "cases.report": gettext_lazy("Six-month report"),
    "workflows.apologyletter": gettext_lazy("Apology letter #%(id)s"),
    "workflows.auditevent": gettext_lazy("Audit trail"),
}

# Labels of the data keys written by events other than transitions.
DATA_LABELS: dict[str, Any] = {
    "purpose": gettext_lazy("Purpose"),
    "note": gettext_lazy("Note"),
    "via": gettext_lazy("Via"),
    "format": gettext_lazy("Format"),
    "rows": gettext_lazy("Rows"),
    "filters": gettext_lazy("Filters"),
    "username": gettext_lazy("Account"),
    "role": gettext_lazy("Role"),
    "commune": gettext_lazy("Commune"),
    "checked_on": gettext_lazy("Check-in date"),
    "result": gettext_lazy("Result"),
    "document": gettext_lazy("Document"),
    "district": gettext_lazy("District"),
    "start": gettext_lazy("From date"),
    "end": gettext_lazy("To date"),
    "number": gettext_lazy("Number"),
    "kind": gettext_lazy("Kind"),
    "name": gettext_lazy("Name"),
    "full_name": gettext_lazy("Full name"),
    "national_id": gettext_lazy("ID number"),
    "new_due_on": gettext_lazy("New appointment date"),
    "requested_amount": gettext_lazy("Requested amount"),
    "amount": gettext_lazy("Amount"),
    "how": gettext_lazy("How"),
    "refused": gettext_lazy("Refused while locked out"),
    "address": gettext_lazy("IP address"),
    "failures": gettext_lazy("Failed attempts"),
    "minutes": gettext_lazy("Minutes"),
    "method": gettext_lazy("Method"),
    "tokens": gettext_lazy("API tokens"),
    "devices": gettext_lazy("Devices"),
    "expiry": gettext_lazy("Valid until"),
}
# Codes in the data of the login-security events, as people read them.
LOGIN_EVENTS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "login_lockout",
        "login_unlock",
        "password_change",
        "otp_enrol",
        "otp_verify",
        "otp_verify_failed",
        "otp_reset",
        "token_issue",
        "token_revoke",
    }
)
LOGIN_VALUE_LABELS: dict[str, dict[str, Any]] = {
    "via": {
        "web": gettext_lazy("web page"),
        "api": gettext_lazy("API"),
        "admin": gettext_lazy("administration site"),
    },
    "how": {
        "administrator": gettext_lazy("by the administrator"),
        "cool_off": gettext_lazy("after the waiting time"),
        "logout": gettext_lazy("logout"),
        "logout_all": gettext_lazy("logout everywhere"),
        "command": gettext_lazy("provisioning command"),
        "demo": gettext_lazy("demo data"),
    },
    "method": {
        "totp": gettext_lazy("authenticator app"),
        "recovery_code": gettext_lazy("recovery code"),
    },
}
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


def _spec_of_case(case: Any) -> Any:

    try:
        return spec_for(case)
    except (KeyError, StopIteration):
        return None


def _value_text(field: Any, value: Any) -> str:
    from django import forms

    if value in (None, "", [], {}):
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(field, MoneyField) or (field is None and isinstance(value, int) and value > 9999):
        try:
            return formatting.money(int(value))
        except (TypeError, ValueError):
            return str(value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return formatting.vn_date(dt.date.fromisoformat(value[:10]))
        except ValueError:
            pass
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

    def spec_of(self, ev: AuditEvent) -> Any:
        """The spec of the event's case, or of the process object it is about."""
        if ev.case_id is not None:
            return _spec_of_case(ev.case)
        return self.object_specs.get(ev.object_type)

    def row(self, ev: AuditEvent, spec: Any = None) -> EventRow:
        hidden = self.user is not None and redacted(self.user, ev)
        case = ev.case if ev.case_id is not None else None
        spec = spec or self.spec_of(ev)
        tspec = None
        if ev.transition:
            tspec = spec.transitions.get(ev.transition) if spec is not None else None
            tspec = tspec or self.transitions.get(ev.transition)

        def state(value: str) -> str:
            if not value:
                return ""
            return spec.state_label(value) if spec is not None else self.states.get(value, value)

        labels = spec.event_labels if spec is not None else {}
        roles = [r for r in ev.actor_role.split(",") if r]
        return EventRow(
            ev,
            hidden,
            REDACTED if hidden else ev.reason,
            [] if hidden else self._details(ev, tspec, spec),
            event_label=str(labels.get(ev.event) or EVENT_LABELS.get(ev.event, ev.event)),
            transition_label=(str(tspec.label) if tspec else ev.transition),
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
        label = OBJECT_LABELS.get(ev.object_type)
        if label is None:
            return f"{ev.object_type} {ev.object_id}".strip()
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

    def _details(self, ev: AuditEvent, tspec: Any, spec: Any) -> list[tuple[str, str]]:
        data = ev.data if isinstance(ev.data, dict) else {}
        if spec is not None and spec.event_details is not None and not tspec:
            own = spec.event_details(ev)
            if own is not None:
                return own
        if ev.event == "document_upload":
            return [(self._doc_label(str(data.get("kind", ""))), str(data.get("name", "")))]
        if ev.event == "onestop_apology":
            text = _value_text(None, data.get("new_due_on"))
            return [(_("New appointment date"), text)] if text else []
        if ev.event == "create" and ev.case_id is not None:
            text = _value_text(MoneyField(), data.get("requested_amount"))
            return [(_("Requested amount"), text)] if text else []
        fields = dict(tspec.form.base_fields) if tspec is not None and tspec.form else {}
        out: list[tuple[str, str]] = []
        for key, value in data.items():
            if ev.event == "role_grant" and key == "role":
                value = str(ROLE_LABELS.get(value, value))
            elif ev.event in LOGIN_EVENTS and isinstance(value, str):
                value = str(LOGIN_VALUE_LABELS.get(key, {}).get(value, value))
            elif key == "filters" and isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            text = _value_text(fields.get(key), value)
            if not text:
                continue
            if key in fields:
                label = UNIT_SUFFIX.sub("", str(fields[key].label or key))
            else:
                label = str(DATA_LABELS.get(key, key))
            out.append((label, _short(text) if self.compact else text))
            if self.compact and len(out) == MAX_DETAILS:
                break
        return out


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
