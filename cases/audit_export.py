"""The audit explorer's filtered view as .csv or .xlsx, for the web page and the
API alike. Both stop at `EXPORT_CAP` rows (newest first) and say so in a last
line; the export itself is logged in the audit trail when it is asked for.

Up to EXPORT_INLINE_MAX_ROWS events the file is the answer; more are built in
the background (`cases.exports`, kind "audit_events"): the page is sent to the
job's progress page, the API answers 202 with the job's status URL.

Cells come from the explorer's presenter (`EventPresenter`): labels, not
codes, the same as the page shows; headers are translated. Every cell goes
through the formula-safe writer (`cases.exports.tabular`). For speed the
events are read as plain values (no model instances) and the presenter reads
each spec's labels once (`_ExportPresenter`): 100,000 events in seconds
(bench/bench_exports.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO, Any, cast

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.exports import tabular
from cases.exports.http import job_accepted
from cases.exports.kinds import Built, ExportKind, Progress, inline_max_rows
from cases.exports.models import ExportJob
from cases.exports.services import export_job_create
from workflows import audit, formatting
from workflows.actors import Reader
from workflows.audit_explorer import (
    EXPORT_CAP,
    REDACTED,
    AuditFilters,
    audit_search,
    may_read_audit,
    redacted,
)
from workflows.audit_presenter import (
    EVENT_LABELS,
    EXPORT_COLUMNS,
    EventPresenter,
    EventRow,
    export_cells,
    export_headers,
)
from workflows.permissions import scope_for

KIND = "audit_events"
FORMATS = ("csv", "xlsx")
FIELDS = (
    "id", "occurred_at", "chain", "seq", "actor_username", "actor_role", "commune_id",
    "case_id", "event", "transition", "from_state", "to_state", "object_type", "object_id",
    "reason", "data", "ip", "request_id", "hash",
)  # fmt: skip


def _truncated_note(cap: int) -> str:
    return _("Cut at %(cap)s rows (the newest first): narrow the filters to export the rest.") % {
        "cap": formatting.number(cap)
    }


def _log(user: Reader, filters: AuditFilters, fmt: str, via: str) -> None:
    scope = scope_for(user)
    roles = sorted(scope.all_roles())
    audit.record(
        actor=user,
        actor_role=roles[0] if len(roles) == 1 else ",".join(roles)[:40],
        event="audit_export",
        object_type="workflows.auditevent",
        data={"format": fmt, "filters": filters.as_params(), "via": via},
    )


# --- rows --------------------------------------------------------------------------------


class _Related:
    """The case or commune of an event, as far as the presenter reads them."""

    __slots__ = ("id", "name", "process", "reference")

    def __init__(self, pk: Any, **values: Any) -> None:
        self.id = pk
        for key, value in values.items():
            setattr(self, key, value)


class _Event:
    """An audit event as plain values: what the presenter and `export_cells`
    read, without building three model instances per row."""

    case_id: int | None
    commune_id: int | None
    case: _Related | None
    commune: _Related | None

    @classmethod
    def of(cls, values: tuple[Any, ...], related: dict[tuple[str, Any], _Related]) -> _Event:
        """`related` keeps one object per case and commune across the rows."""
        ev = cls.__new__(cls)
        attrs = ev.__dict__
        attrs.update(zip(FIELDS, values, strict=False))
        ref, process, commune = values[len(FIELDS) :]
        case_id, commune_id = attrs["case_id"], attrs["commune_id"]
        case = related.get(("case", case_id)) if case_id else None
        if case is None and case_id:
            case = related[("case", case_id)] = _Related(case_id, reference=ref, process=process)
        place = related.get(("commune", commune_id)) if commune_id else None
        if place is None and commune_id:
            place = related[("commune", commune_id)] = _Related(commune_id, name=commune)
        attrs["case"], attrs["commune"] = case, place
        return ev


def _events(user: Reader, filters: AuditFilters, cap: int) -> Iterator[_Event]:
    """Up to `cap` + 1 events, newest first, from a server-side cursor."""
    qs = (
        audit_search(user, filters)
        .order_by("-occurred_at", "-id")
        .values_list(*FIELDS, "case__reference", "case__process", "commune__name")
    )
    related: dict[tuple[str, Any], _Related] = {}
    for values in qs[: cap + 1].iterator(chunk_size=2000):
        yield _Event.of(values, related)


class _Transition:
    """A transition spec whose label is text already (read once, not per row)."""

    def __init__(self, tspec: Any) -> None:
        self._tspec = tspec
        self.label = str(tspec.label)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tspec, name)


def _transitions(specs: dict[str, Any]) -> dict[str, Any]:
    return {name: _Transition(t) for name, t in specs.items()}


class _SpecLabels:
    """A spec's labels as text, read once for all the rows (the spec itself
    rebuilds its state choices and translates its labels on every call).
    Without a spec (`spec` None: an event of no process) it answers as the
    presenter does then: its own state labels, no transitions of its own, the
    general event labels, no event details."""

    def __init__(self, spec: Any, states: dict[str, str]) -> None:
        self.event_labels = {k: str(v) for k, v in EVENT_LABELS.items()}
        if spec is None:
            self.transitions: dict[str, Any] = {}
            self.event_details = None
            self.states = states
            return
        self.transitions = _transitions(spec.transitions)
        self.event_details = spec.event_details
        self.states = {str(value): str(label) for value, label in spec.states.choices}
        self.event_labels.update({k: str(v) for k, v in spec.event_labels.items()})

    def state_label(self, value: str) -> str:
        return self.states.get(value, value)


class _ExportPresenter(EventPresenter):
    """The explorer's presenter, reading each spec's labels once (`_SpecLabels`)."""

    def __init__(self, user: Reader) -> None:
        super().__init__(user)
        self.role_labels = {k: str(v) for k, v in self.role_labels.items()}
        self.transitions = _transitions(self.transitions)
        self._labels: dict[int, _SpecLabels] = {}
        self._rows: dict[tuple[Any, ...], tuple[Any, dict[str, str]]] = {}

    def spec_of(self, ev: Any) -> Any:
        spec = super().spec_of(ev)
        labels = self._labels.get(id(spec))
        if labels is None:
            labels = self._labels[id(spec)] = _SpecLabels(spec, self.states)
        return labels

    def row(self, ev: Any, spec: Any = None) -> EventRow:
        """The presenter's row, its labels worked out once per kind of event
        (spec, event, step, states, roles) and reused: per row only what
        differs (reason, details, commune, case, object)."""
        spec = spec or self.spec_of(ev)
        key = (id(spec), ev.event, ev.transition, ev.from_state, ev.to_state, ev.actor_role)
        known = self._rows.get(key)
        if known is None:
            first = super().row(ev, spec)
            tspec = None
            if ev.transition:
                tspec = spec.transitions.get(ev.transition) or self.transitions.get(ev.transition)
            labels = {
                "event_label": first.event_label,
                "transition_label": first.transition_label,
                "from_label": first.from_label,
                "to_label": first.to_label,
                "role_label": first.role_label,
            }
            self._rows[key] = (tspec, labels)
            return first
        tspec, labels = known
        hidden = self.user is not None and redacted(self.user, ev)
        case = ev.case if ev.case_id is not None else None
        return EventRow(
            ev,
            hidden,
            REDACTED if hidden else ev.reason,
            [] if hidden else self._details(ev, tspec, spec),
            commune=ev.commune.name if ev.commune_id is not None and ev.commune else "",
            case_ref=case.reference if case is not None else "",
            process_label=self.processes.get(case.process, case.process) if case else "",
            object_label="" if case is not None else self._object(ev),
            **labels,
        )


def _cells(row: EventRow, tz: Any) -> list[Any]:
    """`workflows.audit_presenter.export_cells` with the time zone looked up
    once, not per row (that lookup was a sixth of the export's time); the
    time as a local datetime without zone, as a spreadsheet keeps it. A test
    holds the two to the same cells."""
    return export_cells(row, when=lambda at: at.astimezone(tz).replace(tzinfo=None))


def _rows(user: Reader, filters: AuditFilters, cap: int) -> Iterator[list[Any]]:
    """The export's rows (cells in EXPORT_COLUMNS order), then the note if cut."""
    presenter = _ExportPresenter(user)
    tz = timezone.get_current_timezone()
    for n, ev in enumerate(_events(user, filters, cap)):
        if n == cap:
            yield [_truncated_note(cap)]
            return
        yield _cells(presenter.row(cast(Any, ev)), tz)


def _columns() -> list[tabular.Column]:
    return [
        tabular.Column(header, width)
        for header, (_key, _label, width) in zip(export_headers(), EXPORT_COLUMNS, strict=True)
    ]


def write_xlsx(
    out: IO[bytes], user: Reader, filters: AuditFilters, cap: int, progress: Progress | None = None
) -> int:
    """The .xlsx into `out`; returns the number of rows written."""
    with tabular.XlsxStream(out, _("Audit trail"), _columns()) as sheet:
        for row in _rows(user, filters, cap):
            sheet.row(row)
            if progress is not None:
                progress.advance()
        return sheet.rows


def csv_lines(
    user: Reader, filters: AuditFilters, cap: int, progress: Progress | None = None
) -> Iterator[str]:
    def rows() -> Iterator[list[Any]]:
        for row in _rows(user, filters, cap):
            yield row
            if progress is not None:
                progress.advance()

    return tabular.csv_lines(export_headers(), rows())


def _filename(fmt: str) -> str:
    return f"nhat-ky-he-thong-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


# --- answers -------------------------------------------------------------------------------


def audit_export_response(
    user: Reader, filters: AuditFilters, fmt: str, *, via: str = "web", cap: int = EXPORT_CAP
) -> HttpResponseBase:
    """The export as a download, or, past EXPORT_INLINE_MAX_ROWS events, a job
    for the worker (the page goes to its progress page; the API gets 202 and
    the job's URLs). Logs the request first (who exported which filters)."""
    _log(user, filters, fmt, via)
    limit = inline_max_rows()
    if cap > limit and audit_search(user, filters)[: limit + 1].count() > limit:
        job = export_job_create(
            actor=user,
            kind=KIND,
            fmt=fmt,
            params={"filters": filters.as_params(), "cap": cap, "via": via},
        )
        if via == "api":
            return job_accepted(job)
        return redirect("export_job", job.pk)
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            csv_lines(user, filters, cap), content_type=tabular.CSV
        )
    else:
        import io

        out = io.BytesIO()
        write_xlsx(out, user, filters, cap)
        response = HttpResponse(out.getvalue(), content_type=tabular.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
    return response


# --- the background job ------------------------------------------------------------------


def _filters_from(params: dict[str, Any]) -> AuditFilters:
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key not in AuditFilters.__dataclass_fields__:
            continue
        if key in ("date_from", "date_to"):
            values[key] = dt.date.fromisoformat(value)
        elif key in ("commune", "case_id", "actor_id"):
            values[key] = int(value)
        else:
            values[key] = value
    return AuditFilters(**values)


def _build(job: ExportJob, out: IO[bytes], progress: Progress) -> Built:
    user = job.requester
    filters = _filters_from(job.params.get("filters", {}))
    cap = int(job.params.get("cap", EXPORT_CAP))
    progress.total(min(audit_search(user, filters)[: cap + 1].count(), cap + 1))
    if job.fmt == "csv":
        for line in csv_lines(user, filters, cap, progress):
            out.write(line.encode())
        return Built(_filename("csv"), tabular.CSV)
    write_xlsx(out, user, filters, cap, progress)
    return Built(_filename("xlsx"), tabular.XLSX)


def _may_access(user: Any, job: ExportJob) -> bool:
    return may_read_audit(user)


EXPORT_KIND = ExportKind(KIND, build=_build, may_access=_may_access)
