"""What an open task is about, for set-based sweeps over tasks of every process:
per flow registered with the engine, a subquery giving each object's viewflow
process, id, commune and name in a sentence, and its page. The engine names
no process's table or URL: it reads them from the registry (the spec and its
flow's `artifact_model`).

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
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, Func, TextField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from workflows import registry
from workflows.registry_models import case_model
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
    sql: str  # SELECT r_process, r_object, r_commune, r_name FROM ...
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


def _rows(model: type[Any], name: Any, codes: list[str] | None) -> Any:
    rows = model._base_manager.order_by()
    if codes is not None:
        rows = rows.filter(process__in=codes)
    return rows.values(
        r_process=F("flow_process_id"),
        r_object=F("pk"),
        r_commune=F("commune_id"),
        r_name=name,
    ).query


def artifact_sources(prefix: str = "a") -> list[ArtifactSource]:
    """One source per registered process that has a flow (processes on the
    same objects with the same page and name share one), in registration
    order. Call it in the language of the messages being written (a
    process's `reference` may translate its words)."""
    groups: dict[tuple[Any, ...], tuple[type[Any], Any, list[str]]] = {}
    for spec in registry.all_specs().values():
        if not registry.has_flow(spec.code):
            continue
        model = registry.flow_for(spec.code).artifact_model
        name = _name(spec, model)
        url = reverse(spec.detail_url, kwargs={"pk": ID_SENTINEL})
        sql, params = _rows(model, name, None).sql_with_params()
        key = (model, sql, repr(params), url)
        groups.setdefault(key, (model, name, []))[2].append(spec.code)
    sources: list[ArtifactSource] = []
    for (model, _sql, _params, url), (_model, name, codes) in groups.items():
        is_case = issubclass(model, case_model())
        alias = f"{prefix}{len(sources)}"
        compiled, positional = _rows(model, name, codes if is_case else None).sql_with_params()
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
