"""Reading the audit trail: who may see which events, the explorer's filters,
keyset pagination and the rows of an export.

Every read of `AuditEvent` for the explorer, the case timeline, a user's
activity, the exports and the API goes through `audit_events_for_user`:

- auditors see every event; events of drug rehab (events of rehab cases,
  reads and exports of rehab records, registrations of rehab-only people)
  show their metadata only: `redacted()` tells the templates and serializers
  to print "—" for their reason and data;
- the other district roles of the general processes see every other event,
  commune roles only the events of their communes, never a rehab event;
- rehab roles see the rehab events of their rehab communes (district rehab
  staff: of every commune, and the rehab exports) and nothing else.

Pages are keyset pages over (occurred_at DESC, id DESC): a page costs the
same at page 1 and page 5,000 and no page counts the table. The cursor is
opaque (url-safe base64 of JSON) and is only a position: scoping and filters
are applied again on every request, so a forged cursor reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.exceptions import InvalidData, NotFound
from workflows.models import AuditEvent
from workflows.permissions import SENSITIVE_PROCESSES, Role, Scope, can_view_case, scope_for

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EXPORT_CAP = 100_000
REDACTED = "—"
REHAB_EXPORT_OBJECT = "cases.rehabcase"
REHAB_PERSON_EVENT = "rehab_person_create"


# --- who sees what ---------------------------------------------------------------


def _rehab_case_ids(commune_ids: frozenset[int] | None = None) -> QuerySet:
    from cases.models import Case

    qs = Case.objects.filter(process__in=sorted(SENSITIVE_PROCESSES))
    if commune_ids is not None:
        qs = qs.filter(commune_id__in=sorted(commune_ids))
    return qs.values("id")


def _sensitive_q() -> Q:
    """Events that belong to drug rehab, whatever their chain."""
    return (
        Q(case_id__in=_rehab_case_ids())
        | Q(event=REHAB_PERSON_EVENT)
        | Q(event="export", object_type=REHAB_EXPORT_OBJECT)
    )


def is_auditor(user: Any) -> bool:
    return Role.AUDITOR in scope_for(user).district_roles


def may_read_audit(user: Any) -> bool:
    """Anyone with a case role reads the part of the trail their scope covers."""
    return scope_for(user).has_any_role


def _general_q(scope: Scope) -> Q | None:
    if scope.sees_all_communes:
        return ~_sensitive_q()
    if scope.commune_ids:
        return Q(commune_id__in=sorted(scope.commune_ids)) & ~_sensitive_q()
    return None


def _rehab_q(scope: Scope) -> Q | None:
    if scope.rehab_all:
        return (
            Q(case_id__in=_rehab_case_ids())
            | Q(event=REHAB_PERSON_EVENT)
            | Q(event="export", object_type=REHAB_EXPORT_OBJECT)
        )
    if scope.rehab_commune_ids:
        ids = scope.rehab_commune_ids
        return Q(case_id__in=_rehab_case_ids(ids)) | Q(
            event=REHAB_PERSON_EVENT, commune_id__in=sorted(ids)
        )
    return None


def audit_events_for_user(user: Any) -> QuerySet[AuditEvent]:
    """Every audit event `user` may see (rows only: see `redacted` for fields)."""
    scope = scope_for(user)
    qs = AuditEvent.objects.all()
    if Role.AUDITOR in scope.district_roles:
        return qs
    parts = [q for q in (_general_q(scope), _rehab_q(scope)) if q is not None]
    if not parts:
        return qs.none()
    q = parts[0]
    for extra in parts[1:]:
        q |= extra
    return qs.filter(q)


def is_sensitive(event: AuditEvent) -> bool:
    """Needs `case` loaded (select_related) to avoid a query per row."""
    if event.event == REHAB_PERSON_EVENT:
        return True
    if event.event == "export" and event.object_type == REHAB_EXPORT_OBJECT:
        return True
    case = event.case if event.case_id is not None else None
    return case is not None and case.process in SENSITIVE_PROCESSES


def redacted(user: Any, event: AuditEvent) -> bool:
    """Nobody reads a rehab record's content through the trail: it shows that
    a rehab event happened (who, when, which step), not its reason or data.
    The content is read on the rehab pages, where the reader gives a purpose
    and the read is logged; exports of it need their own permission there."""
    return is_sensitive(event)


# --- filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    commune: int | None = None
    actor: str = ""
    process: str = ""
    case: str = ""  # a reference or an id
    event: str = ""
    q: str = ""  # reason, transition code, user name or the start of a reference
    case_id: int | None = None  # the case timeline
    actor_id: int | None = None  # a user's activity

    def as_params(self) -> dict[str, str]:
        """The non-empty filters as query parameters (links, export log)."""
        out = {}
        for key, value in asdict(self).items():
            if value not in (None, ""):
                out[key] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(user: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The user's events narrowed by `filters`, not yet ordered or sliced.

    Filters that would need a join with cases (process, reference) are
    subqueries on the cases table, so the event table keeps using its own
    indexes (commune, actor, case, time) and no join is added for nothing.
    """
    from cases.models import Case

    qs = audit_events_for_user(user)
    f = filters
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.commune:
        qs = qs.filter(commune_id=f.commune)
    if f.actor_id:
        qs = qs.filter(actor_id=f.actor_id)
    if f.actor:
        users = get_user_model().objects.filter(username__iexact=f.actor.strip())
        qs = qs.filter(actor_id__in=users.values("id"))
    if f.process:
        qs = qs.filter(case_id__in=Case.objects.filter(process=f.process).values("id"))
    if f.case_id:
        qs = qs.filter(case_id=f.case_id)
    if f.case:
        ref = f.case.strip()
        by_ref = Case.objects.filter(reference__in={ref, ref.upper()}).values("id")
        q = Q(case_id__in=by_ref)
        if ref.isdigit() and int(ref) < 2**63:
            q |= Q(case_id=int(ref))
        qs = qs.filter(q)
    if f.event:
        qs = qs.filter(event=f.event)
    text = f.q.strip()
    if text:
        by_ref = Case.objects.filter(reference__istartswith=text).values("id")
        qs = qs.filter(
            Q(reason__icontains=text)
            | Q(transition=text)
            | Q(actor_username__iexact=text)
            | Q(case_id__in=by_ref)
        )
    return qs


# --- keyset pages ----------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Position just after (`after`) or just before (not `after`) an event
    in newest-first order."""

    occurred_at: dt.datetime
    id: int
    after: bool = True

    def encode(self) -> str:
        raw = json.dumps(
            {"t": self.occurred_at.isoformat(), "i": self.id, "d": "n" if self.after else "p"},
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            when = parse_datetime(data["t"])
            if when is None or timezone.is_naive(when):
                raise ValueError
            return cls(when, int(data["i"]), data["d"] != "p")
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidData(
                fields={"cursor": ["This cursor is not valid."]}, code="invalid_cursor"
            ) from exc


@dataclass
class AuditPage:
    rows: list[AuditEvent]
    next: str | None = None
    previous: str | None = None
    size: int = PAGE_SIZE
    extra: dict[str, Any] = field(default_factory=dict)


def _before(qs: QuerySet, c: Cursor) -> QuerySet:
    """(occurred_at, id) < (t, id): the first condition is an index range,
    the second only sorts out events of the very same microsecond."""
    return qs.filter(
        Q(occurred_at__lt=c.occurred_at) | Q(id__lt=c.id), occurred_at__lte=c.occurred_at
    )


def _after(qs: QuerySet, c: Cursor) -> QuerySet:
    return qs.filter(
        Q(occurred_at__gt=c.occurred_at) | Q(id__gt=c.id), occurred_at__gte=c.occurred_at
    )


def with_display(qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """What a page row shows: the case (reference, process) and the commune."""
    return qs.select_related("case", "commune")


def audit_page(
    user: Any, filters: AuditFilters, cursor: str = "", size: int = PAGE_SIZE
) -> AuditPage:
    """One newest-first page of the user's filtered events: one query."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    qs = with_display(audit_search(user, filters))
    position = Cursor.decode(cursor) if cursor else None
    if position is None or position.after:
        if position is not None:
            qs = _before(qs, position)
        rows = list(qs.order_by("-occurred_at", "-id")[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        page = AuditPage(rows, size=size)
        if more:
            page.next = Cursor(rows[-1].occurred_at, rows[-1].id).encode()
        if position is not None and rows:
            page.previous = Cursor(rows[0].occurred_at, rows[0].id, after=False).encode()
        return page
    rows = list(_after(qs, position).order_by("occurred_at", "id")[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    rows.reverse()
    page = AuditPage(rows, size=size)
    if rows:
        page.next = Cursor(rows[-1].occurred_at, rows[-1].id).encode()
        if more:
            page.previous = Cursor(rows[0].occurred_at, rows[0].id, after=False).encode()
    return page


def export_events(user: Any, filters: AuditFilters, cap: int = EXPORT_CAP) -> Iterator[AuditEvent]:
    """Up to `cap` + 1 events, newest first, streamed from a server-side
    cursor (the caller writes `cap` and says the rest was cut)."""
    qs = with_display(audit_search(user, filters)).order_by("-occurred_at", "-id")
    return qs[: cap + 1].iterator(chunk_size=2000)


# --- single objects --------------------------------------------------------------


def object_timeline(
    *, case_id: int | None = None, object_type: str = "", object_id: Any = "", reads: bool = True
) -> QuerySet[AuditEvent]:
    """The events of one case (or another object: its type and id), oldest
    first, with their actor. The caller has authorized the object already.
    `reads=False` leaves out the logged reads (a sensitive case's page)."""
    if case_id is not None:
        qs = AuditEvent.objects.filter(case_id=case_id)
    else:
        qs = AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
    if not reads:
        qs = qs.exclude(event="read")
    return qs.select_related("actor").order_by("occurred_at", "id")


def audit_case_get(user: Any, pk: int) -> Any:
    """A case whose timeline the user may read: auditors any case, rehab roles
    their rehab cases, general roles the cases they see. Otherwise NotFound."""
    from cases.models import Case

    try:
        case = Case.objects.select_related("commune").get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if is_auditor(user) or can_view_case(user, case):
        return case
    raise NotFound()


def case_reference_exists(ref: str) -> bool:
    """Whether the explorer's case filter names a case (its reference, any
    case, or its id): an unknown reference is a mistake, not "no events"."""
    from cases.models import Case

    q = Q(reference__iexact=ref.strip())
    if ref.strip().isdigit() and int(ref) < 2**63:
        q |= Q(pk=int(ref))
    return Case.objects.filter(q).exists()


def audit_user_get(user: Any, username: str) -> Any:
    """The account whose activity is shown. Any role may name an account:
    the events listed are still only those the viewer may see."""
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise NotFound() from None


# --- how an event reads: one presenter for the table and the exports ---------------

# What happened, for events other than a transition (which shows its own label).
EVENT_LABELS: dict[str, Any] = {
    "transition": gettext_lazy("Step of the process"),
    "create": gettext_lazy("Created"),
    "edit": gettext_lazy("Edited the draft"),
    "document_upload": gettext_lazy("Uploaded a document"),
    "task_waiting": gettext_lazy("Task waiting"),
    "case_finished": gettext_lazy("Case finished"),
    "person_create": gettext_lazy("Registered a person"),
    "gift_import": gettext_lazy("Imported a gift list"),
    "campaign_reconcile": gettext_lazy("Reconciled a gift campaign"),
    "onestop_apology": gettext_lazy("Issued the apology letter (Mẫu 04)"),
    "checkin": gettext_lazy("Post-rehab check-in"),
    "read": gettext_lazy("Read a record"),
    "export": gettext_lazy("Exported"),
    "rehab_person_create": gettext_lazy("Registered a person for rehab"),
    "role_grant": gettext_lazy("Granted a role"),
    "role_revoke": gettext_lazy("Revoked a role"),
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
}
MAX_DETAILS = 4
MAX_VALUE = 80


def _specs_by_name() -> tuple[dict[str, Any], dict[str, str]]:
    """Transition specs and state labels of every process and route, by name
    (the first spec that knows a name wins), for events without a case."""
    from workflows.registry import all_specs, routed_specs

    transitions: dict[str, Any] = {}
    states: dict[str, str] = {}
    for spec in [*all_specs().values(), *routed_specs()]:
        for name, tspec in spec.transitions.items():
            transitions.setdefault(name, tspec)
        for value, label in spec.states.choices:
            states.setdefault(value, str(label))
    return transitions, states


def _spec_of_case(case: Any) -> Any:
    from workflows.registry import spec_for

    try:
        return spec_for(case)
    except (KeyError, StopIteration):
        return None


def _value_text(field: Any, value: Any) -> str:
    from django import forms

    from cases import formatting
    from workflows.forms import MoneyField

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
    """Turns events into `EventRow`s. Reads nothing from the database: the
    events come with their case and commune (`with_display`), specs and labels
    are in memory, and an account's name is in the event's data."""

    def __init__(self, user: Any) -> None:
        from cases.models import Case

        self.user = user
        self.transitions, self.states = _specs_by_name()
        self.processes = {k: str(v) for k, v in Case.Process.choices}

    def row(self, ev: AuditEvent) -> EventRow:
        from workflows.permissions import ROLE_LABELS

        hidden = redacted(self.user, ev)
        case = ev.case if ev.case_id is not None else None
        spec = _spec_of_case(case) if case is not None else None
        tspec = None
        if ev.transition:
            tspec = spec.transitions.get(ev.transition) if spec is not None else None
            tspec = tspec or self.transitions.get(ev.transition)

        def state(value: str) -> str:
            if not value:
                return ""
            return spec.state_label(value) if spec is not None else self.states.get(value, value)

        roles = [r for r in ev.actor_role.split(",") if r]
        labels: dict[str, Any] = {str(k): v for k, v in ROLE_LABELS.items()}
        row = EventRow(
            ev,
            hidden,
            REDACTED if hidden else ev.reason,
            [] if hidden else self._details(ev, tspec),
            event_label=str(EVENT_LABELS.get(ev.event, ev.event)),
            transition_label=(str(tspec.label) if tspec else ev.transition),
            from_label=state(ev.from_state),
            to_label=state(ev.to_state),
            role_label=", ".join(str(labels.get(r, r)) for r in roles),
            commune=ev.commune.name if ev.commune_id is not None and ev.commune else "",
            case_ref=case.reference if case is not None else "",
            process_label=self.processes.get(case.process, case.process) if case else "",
            object_label="" if case is not None else self._object(ev),
        )
        return row

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

    def _details(self, ev: AuditEvent, tspec: Any) -> list[tuple[str, str]]:
        data = ev.data if isinstance(ev.data, dict) else {}
        fields = dict(tspec.form.base_fields) if tspec is not None and tspec.form else {}
        out: list[tuple[str, str]] = []
        for key, value in data.items():
            if ev.event == "role_grant" and key == "role":
                from workflows.permissions import ROLE_LABELS

                value = str(ROLE_LABELS.get(value, value))
            elif key == "filters" and isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            text = _value_text(fields.get(key), value)
            if not text:
                continue
            if key in fields:
                label = UNIT_SUFFIX.sub("", str(fields[key].label or key))
            else:
                label = str(DATA_LABELS.get(key, key))
            out.append((label, _short(text)))
            if len(out) == MAX_DETAILS:
                break
        return out


UNIT_SUFFIX = re.compile(r"\s*\((đồng|đ)\)$")


def display_rows(user: Any, events: list[AuditEvent]) -> list[EventRow]:
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


def export_cells(row: EventRow) -> list[Any]:
    """One row as export cells (EXPORT_COLUMNS order); the time as an aware
    local datetime (the writer decides how to show it)."""
    ev = row.ev
    return [
        ev.id,
        timezone.localtime(ev.occurred_at),
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


def audit_communes_for_user(user: Any) -> QuerySet:
    """Communes offered by the commune filter: those whose events the user sees."""
    from cases.models import AdministrativeUnit

    scope = scope_for(user)
    qs = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE)
    if Role.AUDITOR in scope.district_roles or scope.sees_all_communes or scope.rehab_all:
        return qs.order_by("name")
    return qs.filter(id__in=sorted(scope.commune_ids | scope.rehab_commune_ids)).order_by("name")


def audit_processes_for_user(user: Any) -> list[tuple[str, Any]]:
    from cases.models import Case

    scope = scope_for(user)
    everything = Role.AUDITOR in scope.district_roles
    return [
        (value, label)
        for value, label in Case.Process.choices
        if everything
        or (value in SENSITIVE_PROCESSES and scope.sees_rehab)
        or (value not in SENSITIVE_PROCESSES and scope.sees_general)
    ]
