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
are applied again on every request, so a forged cursor reveals nothing."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from workflows.actors import Reader
from workflows.exceptions import InvalidData, NotFound
from workflows.models import AuditEvent
from workflows.permissions import (
    SENSITIVE_PROCESSES,
    Role,
    Scope,
    can_view_case,
    get_or_not_found,
    scope_for,
)
from workflows.registry_models import case_model, case_processes, unit_model
from workflows.text import clean_text, fold_search_q

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EXPORT_CAP = 100_000
REDACTED = "—"
REHAB_EXPORT_OBJECT = "cases.rehabcase"
REHAB_PERSON_EVENT = "rehab_person_create"


# --- who sees what ---------------------------------------------------------------


def _rehab_case_ids(commune_ids: frozenset[int] | None = None) -> QuerySet:

    qs = case_model().objects.filter(process__in=sorted(SENSITIVE_PROCESSES))
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


def is_auditor(user: Reader) -> bool:
    return Role.AUDITOR in scope_for(user).district_roles


def may_read_audit(user: Reader) -> bool:
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


def audit_events_for_user(user: Reader) -> QuerySet[AuditEvent]:
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


def redacted(user: Reader, event: AuditEvent) -> bool:
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
    q: str = ""  # reason (diacritics optional), transition code, user name, reference start
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


def audit_search(user: Reader, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The user's events narrowed by `filters`, not yet ordered or sliced.

    Filters that would need a join with cases (process, reference) are
    subqueries on the cases table, so the event table keeps using its own
    indexes (commune, actor, case, time) and no join is added for nothing.
    """

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
        qs = qs.filter(case_id__in=case_model().objects.filter(process=f.process).values("id"))
    if f.case_id:
        qs = qs.filter(case_id=f.case_id)
    if f.case:
        ref = f.case.strip()
        by_ref = case_model().objects.filter(reference__in={ref, ref.upper()}).values("id")
        q = Q(case_id__in=by_ref)
        if ref.isdigit() and int(ref) < 2**63:
            q |= Q(case_id=int(ref))
        qs = qs.filter(q)
    if f.event:
        qs = qs.filter(event=f.event)
    text = clean_text(f.q)
    if text:
        by_ref = case_model().objects.filter(reference__istartswith=text).values("id")
        # The reason with or without diacritics (its trigram index is on the fold).
        qs = qs.filter(
            fold_search_q("reason_folded", text)
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
    user: Reader, filters: AuditFilters, cursor: str = "", size: int = PAGE_SIZE
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


def export_events(
    user: Reader, filters: AuditFilters, cap: int = EXPORT_CAP
) -> Iterator[AuditEvent]:
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
    return qs.select_related("actor", "case", "commune").order_by("occurred_at", "id")


def audit_case_get(user: Reader, pk: int) -> Any:
    """A case whose timeline the user may read: auditors any case, rehab roles
    their rehab cases, general roles the cases they see. Otherwise NotFound."""

    case = get_or_not_found(case_model().objects.select_related("commune"), pk)
    if is_auditor(user) or can_view_case(user, case):
        return case
    raise NotFound()


def case_reference_exists(ref: str) -> bool:
    """Whether the explorer's case filter names a case (its reference, any
    case, or its id): an unknown reference is a mistake, not "no events"."""

    q = Q(reference__iexact=ref.strip())
    if ref.strip().isdigit() and int(ref) < 2**63:
        q |= Q(pk=int(ref))
    return case_model().objects.filter(q).exists()


def audit_user_get(user: Reader, username: str) -> Any:
    """The account whose activity is shown (to auditors and administrators:
    the page asks first); the events listed are only those the viewer may see."""
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise NotFound() from None


def audit_communes_for_user(user: Reader) -> QuerySet:
    """Communes offered by the commune filter: those whose events the user sees."""

    scope = scope_for(user)
    units = unit_model()
    qs = units.objects.filter(level=units.Level.COMMUNE)
    if Role.AUDITOR in scope.district_roles or scope.sees_all_communes or scope.rehab_all:
        return qs.order_by("name")
    return qs.filter(id__in=sorted(scope.commune_ids | scope.rehab_commune_ids)).order_by("name")


def audit_processes_for_user(user: Reader) -> list[tuple[str, Any]]:

    scope = scope_for(user)
    everything = Role.AUDITOR in scope.district_roles
    return [
        (value, label)
        for value, label in case_processes()
        if everything
        or (value in SENSITIVE_PROCESSES and scope.sees_rehab)
        or (value not in SENSITIVE_PROCESSES and scope.sees_general)
    ]
