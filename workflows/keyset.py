"""Keyset pages: a list ordered by a unique key tuple, read from a position
(the key of the row a page starts after or ends before) with no OFFSET, so
page 1 and page 40,000 cost the same.

The position travels as an opaque cursor signed with the site's secret key
(`django.core.signing`, one salt per list): a cursor cannot be made up or
edited, and a tampered one is refused (`InvalidCursor`). It is only a
position: the caller scopes and filters the rows again on every request, so
even a valid cursor never shows a row its holder may not see.

The key's columns must be non-null and together unique (e.g. created_at, id),
and their order an index's order, so that "after this position" is an index
range."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from workflows.exceptions import InvalidData

# A list counts its rows this far from its start, at most: "more than 1,000"
# beyond (the count costs the same on every page and at any size).
COUNT_LIMIT = 1000


# How the planner prices a page read (SET LOCAL, for its statements only):
# random reads as for SSDs and a database held in memory (the server's default
# of 4 is priced for spinning disks), and no parallel workers (a page is 26
# rows; starting workers costs more than it saves, and more on a busy server).
# At the default, a commune officer's name search at 1,000,000 cases walked the
# (created_at) index throwing away 25 rows of 26 (94 ms) rather than walk the
# (commune, created_at, id) index (3 ms).
PAGE_READ_SETTINGS = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}


@contextmanager
def page_read(using: str = "default", **settings: str) -> Iterator[None]:
    """The statements inside run in one transaction with `PAGE_READ_SETTINGS`
    (SET LOCAL: they end with the transaction; other statements keep the
    server's settings; `settings` adds to them). One query more. Inside a transaction already (a
    test, a view that writes), no savepoint: the settings last until it ends,
    and an exception leaving the block spoils it, so decode cursors first."""
    chosen = {**PAGE_READ_SETTINGS, **settings}
    sql = "; ".join(f"SET LOCAL {name} = {value}" for name, value in chosen.items())
    atomic = transaction.atomic(using=using, savepoint=False)
    with atomic, connections[using].cursor() as cursor:
        cursor.execute(sql)
        yield


class InvalidCursor(InvalidData):
    code = "invalid_cursor"
    default_message = _("This page link is not valid or is too old.")


@dataclass(frozen=True)
class Key:
    """One column of the order: `field` (a model field's name), and its direction."""

    field: str
    descending: bool

    @classmethod
    def parse(cls, ordering: Sequence[str]) -> tuple[Key, ...]:
        """("-created_at", "-id") -> the keys; the ordering must not be empty."""
        if not ordering:
            raise ValueError("a keyset order needs at least one column")
        return tuple(cls(name.lstrip("-"), name.startswith("-")) for name in ordering)


@dataclass(frozen=True)
class Position:
    """Just after (`forward`: the next page) or just before (not `forward`:
    the previous page) the row whose key is `values`, in the list's order."""

    values: tuple[Any, ...]
    forward: bool = True


def _plain(value: Any) -> Any:
    """A key value as JSON holds it exactly (datetimes to the microsecond)."""
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def encode_cursor(position: Position, *, salt: str) -> str:
    payload = {"k": [_plain(v) for v in position.values], "d": "n" if position.forward else "p"}
    return signing.dumps(payload, salt=f"caseflow.keyset.{salt}", compress=True)


def decode_cursor(token: str, *, model: type[Model], keys: Sequence[Key], salt: str) -> Position:
    """The position a cursor of this list holds; `InvalidCursor` for anything
    else (forged, cut, edited, another list's, or a key that no longer parses)."""
    try:
        data = signing.loads(token, salt=f"caseflow.keyset.{salt}")
        raw = data["k"]
        if not isinstance(raw, list) or len(raw) != len(keys) or data["d"] not in ("n", "p"):
            raise ValueError
        fields = [model._meta.get_field(key.field) for key in keys]
        values = tuple(
            field.to_python(value)  # type: ignore[union-attr]  # a column, not a relation
            for field, value in zip(fields, raw, strict=True)
        )
        if any(v is None for v in values):
            raise ValueError
        return Position(values, data["d"] == "n")
    except (signing.BadSignature, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise InvalidCursor(fields={"cursor": [str(InvalidCursor.default_message)]}) from exc


def _past(keys: Sequence[Key], values: Sequence[Any], *, later: bool) -> Q:
    """Rows strictly later (or earlier) than `values` in the order of `keys`.

    Written as k1 <= v1 AND (k1 < v1 OR (k2 <= v2 AND (k2 < v2 OR ...))), for
    descending columns >= and >: the outer bound on the first column is an
    index range, the rest only sorts out rows with the same first value."""
    key, value = keys[0], values[0]
    downward = key.descending == later  # later in a descending column: smaller
    strict = Q(**{f"{key.field}__{'lt' if downward else 'gt'}": value})
    bound = Q(**{f"{key.field}__{'lte' if downward else 'gte'}": value})
    if len(keys) == 1:
        return strict
    return bound & (strict | _past(keys[1:], values[1:], later=later))


def after(qs: QuerySet, keys: Sequence[Key], values: Sequence[Any]) -> QuerySet:
    return qs.filter(_past(keys, values, later=True))


def before(qs: QuerySet, keys: Sequence[Key], values: Sequence[Any]) -> QuerySet:
    return qs.filter(_past(keys, values, later=False))


def _reverse(keys: Sequence[Key]) -> list[str]:
    return [f"{'' if k.descending else '-'}{k.field}" for k in keys]


def _forward(keys: Sequence[Key]) -> list[str]:
    return [f"{'-' if k.descending else ''}{k.field}" for k in keys]


@dataclass
class KeysetPage:
    """One page: its rows, the cursors of the pages beside it (None: there is
    none) and whether it is the list's first page (`bounded_count` counts)."""

    rows: list[Any]
    next: str | None
    previous: str | None
    first: bool


class Keyset:
    """Keyset pages of one list: its order (`ordering`, the key columns) and
    the salt its cursors are signed with (the list's name).

    `ids_first`: read the page's primary keys with the narrowest query, then
    those rows with the queryset's joins and annotations (two queries; for a
    list whose joins would otherwise be planned over every row it filters)."""

    def __init__(self, ordering: Sequence[str], *, salt: str, ids_first: bool = False) -> None:
        self.keys = Key.parse(ordering)
        self.salt = salt
        self.ids_first = ids_first

    def cursor(self, row: Any, *, forward: bool = True) -> str:
        values = tuple(getattr(row, key.field) for key in self.keys)
        return encode_cursor(Position(values, forward), salt=self.salt)

    def decode(self, qs: QuerySet, token: str) -> Position:
        return decode_cursor(token, model=qs.model, keys=self.keys, salt=self.salt)

    def _read(self, qs: QuerySet, order: list[str], limit: int) -> list[Any]:
        qs = qs.order_by(*order)
        if not self.ids_first:
            return list(qs[:limit])
        ids = list(qs.values_list("pk", flat=True)[:limit])
        return list(qs.filter(pk__in=ids)) if ids else []

    def page(self, qs: QuerySet, token: str = "", *, size: int) -> KeysetPage:
        """The page a cursor points to (none: the first page). One read (two
        with `ids_first`); a previous page that reaches the start of the list
        is read again as the first page, so that it is full."""
        position = self.decode(qs, token) if token else None
        if position is None or position.forward:
            scoped = qs if position is None else after(qs, self.keys, position.values)
            rows = self._read(scoped, _forward(self.keys), size + 1)
            more, rows = len(rows) > size, rows[:size]
            return KeysetPage(
                rows,
                next=self.cursor(rows[-1]) if more else None,
                previous=self.cursor(rows[0], forward=False) if position and rows else None,
                first=position is None,
            )
        rows = self._read(before(qs, self.keys, position.values), _reverse(self.keys), size + 1)
        if len(rows) <= size:
            return self.page(qs, size=size)
        rows = rows[:size]
        rows.reverse()
        return KeysetPage(
            rows,
            next=self.cursor(rows[-1]),
            previous=self.cursor(rows[0], forward=False),
            first=False,
        )

    def position_of_page(self, qs: QuerySet, number: int, *, size: int) -> str | None:
        """The cursor of page `number` counted from the start (an old `?page=N`
        link): one OFFSET read of the key columns of the row before it. None:
        the first page, or no such page."""
        if number <= 1:
            return None
        fields = [key.field for key in self.keys]
        offset = (number - 1) * size - 1
        found = list(qs.order_by(*_forward(self.keys)).values_list(*fields)[offset : offset + 1])
        if not found:
            return None
        return encode_cursor(Position(tuple(found[0])), salt=self.salt)


def bounded_count(qs: QuerySet, limit: int | None = None) -> tuple[int, bool]:
    """The number of rows of `qs`, counted up to `limit` (`COUNT_LIMIT`) + 1:
    (count, exact). Counted from the list's start, not from a page, so every
    page of a list says the same; it costs at most `limit` rows whatever the
    list's size."""
    limit = COUNT_LIMIT if limit is None else limit
    found = qs.order_by().values("pk")[: limit + 1].count()
    return (found, True) if found <= limit else (limit, False)
