"""Where each row of a former unit goes: a whole unit to its one successor; a
unit split by villages (thôn) to the successor that took the village of the
row's person (a case's applicant, an entitlement's holder, a registered
person). What has no person (a gift list, a payroll, a recuperation list of
a split unit), or a person whose village is not on record or not in the
mapping, cannot be mapped: the run is refused while any is left (the office
closes the list, or records the village, first)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When

from cases.models import AdministrativeUnit, Person, UnitChange

Unit = AdministrativeUnit


@dataclass(frozen=True)
class Portion:
    """What of a former unit goes to one successor: all of it (no villages),
    or the people of these villages and their work."""

    successor: Unit
    villages: tuple[str, ...] = ()


def portions_of(changes: list[UnitChange]) -> tuple[dict[int, Unit], dict[int, list[Portion]]]:
    """(former units by id, the portions of each one)."""
    formers: dict[int, Unit] = {}
    portions: dict[int, list[Portion]] = {}
    for change in changes:
        formers[change.predecessor_id] = change.predecessor
        if change.successor is None:
            continue  # a level abolished: nothing goes anywhere
        villages = tuple(change.villages) if change.kind == UnitChange.Kind.SPLIT else ()
        parts = portions.setdefault(change.predecessor_id, [])
        if villages or not parts:
            parts.append(Portion(change.successor, villages))
    return formers, portions


def is_split(parts: list[Portion]) -> bool:
    return any(p.villages for p in parts)


def person_field(model: type[Any]) -> str | None:
    """The field naming the person whose village decides where a row of a
    split unit goes (`COMMUNE_BY_PERSON` on the model), if it has one."""
    return getattr(model, "COMMUNE_BY_PERSON", None)


def target_expression(model: type[Any], portions: dict[int, list[Portion]]) -> Any:
    """A query expression: the id of the successor each row of `model` goes
    to (NULL where it cannot be mapped)."""
    via = person_field(model) if model is not Person else ""
    whens = []
    for former_id, parts in portions.items():
        for part in parts:
            if not part.villages:
                whens.append(When(commune_id=former_id, then=Value(part.successor.pk)))
            elif via is not None:
                village = f"{via}__village__in" if via else "village__in"
                condition = Q(commune_id=former_id, **{village: list(part.villages)})
                whens.append(When(condition, then=Value(part.successor.pk)))
    return Case(*whens, default=None, output_field=IntegerField())


def unmapped(
    pending: dict[int, Unit], portions: dict[int, list[Portion]], work: list[tuple[Any, Any, Any]]
) -> dict[int, tuple[int, int]]:
    """Former unit id -> (people, open items) of a split unit that cannot be
    mapped; `work` is `plan.open_work_models()`. One query per model."""
    split = {pk: parts for pk, parts in portions.items() if pk in pending and is_split(parts)}
    if not split:
        return {}
    people = _unmapped_counts(Person.objects.all(), Person, split)
    items: Counter[int] = Counter()
    for _spec, model, terminal in work:
        open_rows = model._default_manager.exclude(state__in=terminal)
        items.update(_unmapped_counts(open_rows, model, split))
    return {pk: (people[pk], items[pk]) for pk in split if people[pk] or items[pk]}


def _unmapped_counts(rows: Any, model: type[Any], split: dict[int, list[Portion]]) -> Counter:
    found = (
        rows.filter(commune_id__in=list(split))
        .annotate(target=target_expression(model, split))
        .filter(target__isnull=True)
        .values_list("commune_id", flat=True)
    )
    return Counter(found)
