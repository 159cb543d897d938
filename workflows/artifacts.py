"""What an open task is about, for set-based reads over tasks of every process
(the reminder sweep, the task tables: `task_objects`): per flow registered
with the engine, a subquery giving each object's viewflow process, id,
commune, name in a sentence, state and process (and route), and its page.
The engine names no process's table or URL: it reads them from the registry
(the spec and its flow's `artifact_model`).

A sweep LEFT JOINs one subquery per flow on the task's process id (the
object's `flow_process_id`); PostgreSQL pulls these simple subqueries up into
the join, so the cost stays that of joining the tables, whatever the number of
tasks. Cases of several processes share one table: each flow's subquery keeps
the cases of its process (`case.process` is the spec's code, as
`registry.spec_for` reads it); any other object has one process (one spec per
model, as `spec_for` finds it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, F, Func, TextField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from viewflow.workflow.models import Task

from workflows import registry
from workflows.registry_models import case_model, unit_model
from workflows.specs import ProcessSpec

# Stands in for the object's id in a page's URL, replaced in SQL.
ID_SENTINEL = 987654321
_PLACEHOLDER = re.compile(r"%(%|s)")


def phrase(template: str, **parts: Any) -> Any:
    """A query expression reading like `template % parts`: the (translated)
    template's text around its %(name)s placeholders, each replaced by its
    expression as text. E.g. phrase(_("Payroll %(month)s · %(commune)s"),
    month=month_text("month"), commune=F("commune__name"))."""
    pieces: list[Any] = []
    for i, chunk in enumerate(re.split(r"%\((\w+)\)s", template)):
        if i % 2:
            pieces.append(Cast(parts[chunk], output_field=TextField()))
        elif chunk:
            pieces.append(Value(chunk.replace("%%", "%")))
    if not pieces:
        return Value("", output_field=TextField())
    if len(pieces) == 1:
        return Cast(pieces[0], output_field=TextField())
    return Concat(*pieces, output_field=TextField())


def month_text(field: str) -> Any:
    """A month (its first day) as mm/yyyy, as `formatting.month_label` writes it."""
    return Func(F(field), Value("MM/YYYY"), function="to_char", output_field=CharField())


def _name(spec: ProcessSpec, model: type[Any]) -> Any:
    if spec.reference is not None:
        return spec.reference()
    if any(f.name == "reference" for f in model._meta.concrete_fields):
        return F("reference")
    label = str(spec.label).replace("%", "%%")
    return phrase(f"{label} #%(id)s", id=F("pk"))


@dataclass(frozen=True)
class ArtifactSource:
    """One registered flow's objects, as a subquery with named parameters."""

    alias: str
    sql: str  # SELECT r_process, r_object, r_commune, r_name, r_state, r_code, r_route FROM ...
    params: dict[str, Any]
    url: str  # the object's page, with ID_SENTINEL for its id
    is_case: bool

    def join(self, task: str = "t") -> str:
        """The LEFT JOIN of this flow's objects onto a task (on its process)."""
        return f"LEFT JOIN ({self.sql}) {self.alias} ON {self.alias}.r_process = {task}.process_id"

    def all_params(self) -> dict[str, Any]:
        return {**self.params, f"{self.alias}_url": self.url}


def _named(sql: str, params: Any, prefix: str) -> tuple[str, dict[str, Any]]:
    """Django's compiled SQL (positional %s) with named parameters instead, so
    that it can sit in a statement written with %(name)s."""
    values = list(params)
    named: dict[str, Any] = {}

    def swap(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%%"
        key = f"{prefix}_{len(named)}"
        named[key] = values[len(named)]
        return f"%({key})s"

    out = _PLACEHOLDER.sub(swap, sql)
    if len(named) != len(values):
        raise ValueError("placeholders and parameters differ")
    return out, named


def _has_field(model: type[Any], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _rows(
    model: type[Any], name: Any, code: Any, codes: list[str] | None, extra: Mapping[str, Any]
) -> Any:
    rows = model._base_manager.order_by()
    if codes is not None:
        rows = rows.filter(process__in=codes)
    # The object's process code and route: which spec names its states (a
    # versioned process's route, as `registry.spec_for` reads it).
    route = F("route") if _has_field(model, "route") else Value("", output_field=CharField())
    return rows.values(
        r_process=F("flow_process_id"),
        r_object=F("pk"),
        r_commune=F("commune_id"),
        r_name=name,
        r_state=F("state"),
        r_code=code,
        r_route=route,
        **extra,
    ).query


def _extra(is_case: bool, case_columns: Mapping[str, Any]) -> dict[str, Any]:
    """The caller's columns over a case (r_<name>), NULL for any other object."""
    return {
        f"r_{key}": expr if is_case else Value(None, output_field=TextField())
        for key, expr in case_columns.items()
    }


def artifact_sources(
    prefix: str = "a", case_columns: Mapping[str, Any] | None = None
) -> list[ArtifactSource]:
    """One source per registered process that has a flow (processes on the
    same objects with the same page and name share one), in registration
    order. Call it in the language of the messages being written (a
    process's `reference` may translate its words). `case_columns`: more
    columns (r_<name>) of the caller's, expressions over the case model, NULL
    for objects that are not cases."""
    case_columns = case_columns or {}
    groups: dict[tuple[Any, ...], tuple[type[Any], Any, list[str]]] = {}
    for spec in registry.all_specs().values():
        if not registry.has_flow(spec.code):
            continue
        model = registry.flow_for(spec.code).artifact_model
        name = _name(spec, model)
        is_case = issubclass(model, case_model())
        # Cases of several processes share a table; any other object has one process.
        code = F("process") if is_case else Value(spec.code, output_field=CharField())
        url = reverse(spec.detail_url, kwargs={"pk": ID_SENTINEL})
        extra = _extra(is_case, case_columns)
        sql, params = _rows(model, name, code, None, extra).sql_with_params()
        key = (model, sql, repr(params), url)
        groups.setdefault(key, (model, (name, code), []))[2].append(spec.code)
    sources: list[ArtifactSource] = []
    for (model, _sql, _params, url), (_model, (name, code), codes) in groups.items():
        is_case = issubclass(model, case_model())
        alias = f"{prefix}{len(sources)}"
        extra = _extra(is_case, case_columns)
        rows = _rows(model, name, code, codes if is_case else None, extra)
        compiled, positional = rows.sql_with_params()
        sql, params = _named(compiled, positional, prefix=alias)
        sources.append(ArtifactSource(alias, sql, params, url, is_case))
    return sources


def first_of(sources: list[ArtifactSource], column: str, *, cases_only: bool = False) -> str:
    """SQL: the column of whichever source found the task's object (NULL if none)."""
    picked = [f"{s.alias}.{column}" for s in sources if s.is_case or not cases_only]
    if not picked:
        return "NULL"
    return picked[0] if len(picked) == 1 else f"COALESCE({', '.join(picked)})"


def url_of(sources: list[ArtifactSource], sentinel_param: str = "%(sentinel)s") -> str:
    """SQL: the page of the task's object (NULL if no source found it)."""
    urls = [
        f"replace(%({s.alias}_url)s, {sentinel_param}, {s.alias}.r_object::text)" for s in sources
    ]
    if not urls:
        return "NULL"
    return urls[0] if len(urls) == 1 else f"COALESCE({', '.join(urls)})"


@dataclass(frozen=True)
class TaskObject:
    """What one task is about, whatever its process: the object's id, its
    process's spec (the object's kind and the names of its states), its
    commune, its name, its state, its page and, for a case, the caller's
    `case_columns`."""

    task_id: int
    object_id: int
    is_case: bool
    spec: ProcessSpec
    commune: Any  # the unit row (None for an object without one)
    name: str
    state: str
    url: str
    case_values: dict[str, Any]


TASK_OBJECTS_SQL = """
SELECT t.id, {found}, {case_id}, {name}, {url}, {state}, {code}, {route}{extra}, {units}
  FROM {tasks} t
  {artifacts}
  LEFT JOIN {unit_table} u ON u.{unit_pk} = {commune_id}
 WHERE t.id = ANY(%(ids)s)
"""


def task_objects(
    task_ids: Iterable[int], *, case_columns: Mapping[str, Any] | None = None
) -> dict[int, TaskObject]:
    """{task id: what it is about} for the tasks whose object a registered
    flow finds, its commune row with it: one statement, whatever the number
    and processes of the tasks (none for no task). `case_columns`: more
    values to read of a case ({name: expression over the case model}, e.g.
    its applicant's name). Call it in the language of the page (a process's
    name of an object may translate its words)."""
    ids = sorted(set(task_ids))
    case_columns = dict(case_columns or {})
    sources = artifact_sources(case_columns=case_columns) if ids else []
    if not sources:
        return {}
    unit = unit_model()
    unit_fields = list(unit._meta.concrete_fields)
    sql = TASK_OBJECTS_SQL.format(
        tasks=Task._meta.db_table,
        unit_table=unit._meta.db_table,
        unit_pk=connection.ops.quote_name(unit._meta.pk.column),
        artifacts="\n  ".join(s.join() for s in sources),
        found=first_of(sources, "r_object"),
        case_id=first_of(sources, "r_object", cases_only=True),
        commune_id=first_of(sources, "r_commune"),
        name=first_of(sources, "r_name"),
        url=url_of(sources),
        state=first_of(sources, "r_state"),
        code=first_of(sources, "r_code"),
        route=first_of(sources, "r_route"),
        extra="".join(
            f", {first_of(sources, f'r_{key}', cases_only=True)}" for key in case_columns
        ),
        units=", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in unit_fields),
    )
    params: dict[str, Any] = {"ids": ids, "sentinel": str(ID_SENTINEL)}
    for source in sources:
        params.update(source.all_params())
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    found: dict[int, TaskObject] = {}
    n = 8 + len(case_columns)
    attnames = [f.attname for f in unit_fields]
    unit_pk = unit_fields.index(unit._meta.pk)
    for row in rows:
        task_id, object_id, case_id, name, url, state, code, route = row[:8]
        if object_id is None:
            continue
        unit_values = row[n:]
        commune = None
        if unit_values[unit_pk] is not None:
            commune = unit.from_db(connection.alias, attnames, unit_values)
        found[task_id] = TaskObject(
            task_id=task_id,
            object_id=object_id,
            is_case=case_id is not None,
            spec=registry.spec_at(code, route or "", commune.pk if commune else None),
            commune=commune,
            name=name or "",
            state=state or "",
            url=url or "",
            case_values=dict(zip(case_columns, row[8:n], strict=True)) if case_id else {},
        )
    return found
