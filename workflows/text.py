"""Text in, NFC out: the one cleaning of free text, the fields that apply it at
every boundary, and search that ignores case and diacritics.

`clean_text` is the rule: zero-width characters removed, NFC, every kind of
space (non-breaking, thin, ideographic …) read as one space, runs collapsed,
ends trimmed (multi-line text keeps its line breaks). It is applied

- by the model fields `NormalizedCharField` / `NormalizedTextField`
  (`to_python`, `pre_save`): model forms, the admin,
  `full_clean`, `save()`, `bulk_create`, `update()` and commands all store
  clean text without knowing it;
- by `NormalizedFormField` and `NormalizedSerializerField` where a plain form
  or serializer takes text (search boxes, reasons), so lengths are checked
  and values compared on what will be stored;
- to search terms by the selectors, through `fold_search_q` and
  `national_id_terms`.

Search folds both sides with the SQL function `caseflow_fold` (created by
`fold_function_sql` in migration workflows 0017): NFC, đ/Đ -> d/D, the
`unaccent` extension, lower case. It is IMMUTABLE, so a stored generated
column (`folded_column`) can hold a searched column's fold, with a trigram
GIN index on it serving `LIKE '%term%'` (see `folded_column` for why stored
rather than an expression index). The term is folded by the same function
in the same statement, so Python never has to agree with `unaccent`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db import models
from django.db.models import Q, Value
from rest_framework import serializers

# Removed wherever they are: zero-width space, non-joiner, joiner, word joiner, BOM.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Exactly the characters Python's str.isspace() accepts (a test holds them
# equal), listed so that the SQL below and the Python rule use one set.
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# Line breaks kept by multi-line text (a description, a reason); "\r\n" is one.
LINE_BREAKS = "\n\r\x85\u2028\u2029"
INLINE_SPACES = "".join(c for c in SPACES if c not in LINE_BREAKS)

# Vietnamese alphabetical order (Đ after D, "Tạ" before "Trịnh"): the ICU
# collation PostgreSQL imports at initdb. Name columns carry it.
VI_COLLATION = "vi-x-icu"


def _class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


_ZERO_WIDTH = {ord(c): None for c in ZERO_WIDTH}
_SPACE_RUN = re.compile(_class(SPACES) + "+")
_INLINE_RUN = re.compile(_class(INLINE_SPACES) + "+")
_BREAK = re.compile("\r\n|" + _class(LINE_BREAKS))
_BLANK_LINES = re.compile("\n{3,}")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` as it is stored: zero-width characters removed, NFC, spaces of
    every kind collapsed to one, trimmed. Multi-line text keeps its line
    breaks ("\\n"), each line trimmed, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", str(value).translate(_ZERO_WIDTH))
    if not multiline:
        return _SPACE_RUN.sub(" ", text).strip(" ")
    text = _INLINE_RUN.sub(" ", _BREAK.sub("\n", text))
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


def _cleaned(value: Any, multiline: bool) -> Any:
    return clean_text(value, multiline=multiline) if isinstance(value, str) else value


# --- the same rule in SQL (data migrations) ---------------------------------------


def _sql_class(chars: str) -> str:
    """A PostgreSQL regular-expression bracket of `chars`, as \\uXXXX escapes."""
    return "[" + "".join(f"\\u{ord(c):04X}" for c in chars) + "]"


def clean_text_sql(column: str, *, multiline: bool = False) -> str:
    """SQL computing `clean_text` of `column` (a quoted identifier or expression)."""
    text = f"normalize(regexp_replace({column}, '{_sql_class(ZERO_WIDTH)}', '', 'g'), NFC)"
    if not multiline:
        return f"btrim(regexp_replace({text}, '{_sql_class(SPACES)}+', ' ', 'g'), ' ')"
    text = f"regexp_replace({text}, '\\r\\n|{_sql_class(LINE_BREAKS)}', E'\\n', 'g')"
    text = f"regexp_replace({text}, '{_sql_class(INLINE_SPACES)}+', ' ', 'g')"
    text = f"regexp_replace({text}, ' ?\\n ?', E'\\n', 'g')"
    text = f"regexp_replace({text}, '\\n{{3,}}', E'\\n\\n', 'g')"
    return f"btrim(btrim({text}, ' '), E'\\n')"


def clean_column_sql(
    table: str,
    column: str,
    *,
    multiline: bool = False,
    unique_with: Iterable[Iterable[str]] = (),
) -> str:
    """UPDATE cleaning `column` of every row where that changes it.

    A value that would become empty is left as it was (a check constraint may
    require it non-empty; whitespace-only text is rare and harmless), and so
    is one that would equal another row's under a unique constraint: for each
    of `unique_with`, the other columns of one (an empty list: the column
    alone is unique).
    """
    cleaned = clean_text_sql(f't."{column}"', multiline=multiline)
    sql = (
        f'UPDATE "{table}" AS t SET "{column}" = {cleaned} '
        f"WHERE t.\"{column}\" <> {cleaned} AND {cleaned} <> ''"
    )
    for keys in unique_with:
        same = "".join(f' AND o."{k}" IS NOT DISTINCT FROM t."{k}"' for k in keys)
        sql += (
            f' AND NOT EXISTS (SELECT 1 FROM "{table}" AS o WHERE o."{column}" = {cleaned}{same})'
        )
    return sql


def is_normalized(field: Any) -> bool:
    """Whether `field` stores clean text (a NormalizedCharField or TextField)."""
    return isinstance(field, NormalizedField)


def clean_stored_text(apps: Any, schema_editor: Any, app_label: str) -> None:
    """Data migrations: every normalised column of `app_label`'s tables (as the
    migration state has them) cleaned in place, one set-based UPDATE each."""
    for model in apps.get_app_config(app_label).get_models():
        for field in model._meta.local_fields:
            if not is_normalized(field):
                continue
            unique = [
                [model._meta.get_field(n).column for n in c.fields if n != field.name]
                for c in model._meta.constraints
                if isinstance(c, models.UniqueConstraint) and field.name in c.fields
            ]
            if field.unique:
                unique.append([])
            schema_editor.execute(
                clean_column_sql(
                    model._meta.db_table,
                    field.column,
                    multiline=field.multiline,
                    unique_with=unique,
                )
            )


# --- fields ---------------------------------------------------------------------


class NormalizedFormField(forms.CharField):
    """A form's free text, cleaned before its length and emptiness are checked."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        return _cleaned(super().to_python(value), self.multiline)


class NormalizedSerializerField(serializers.CharField):
    """The API's free text, cleaned before DRF checks blank and length."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        return super().run_validation(_cleaned(data, self.multiline))


class NormalizedField:
    """What both model fields share. `to_python` cleans: `full_clean`, fixtures
    and, through Django's CharField/TextField `get_prep_value` (which calls
    it), `update()`, `bulk_update` and exact lookups (which then find what was
    stored). `pre_save` cleans the instance too on `save()` and `bulk_create`.
    Model forms and the admin get a `NormalizedFormField`."""

    multiline = False
    attname: str

    def to_python(self, value: Any) -> Any:
        return _cleaned(super().to_python(value), self.multiline)  # type: ignore[misc]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = _cleaned(getattr(model_instance, self.attname), self.multiline)
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs: Any) -> Any:
        form_class = kwargs.get("form_class") or NormalizedFormField
        if not getattr(self, "choices", None) and issubclass(form_class, NormalizedFormField):
            kwargs["form_class"] = form_class
            kwargs.setdefault("multiline", self.multiline)
        return super().formfield(**kwargs)  # type: ignore[misc]


class NormalizedCharField(NormalizedField, models.CharField):
    """A one-line text column (a name, an address, a number) stored clean."""


class NormalizedTextField(NormalizedField, models.TextField):
    """A multi-line text column (a description, a note) stored clean."""

    multiline = True


# --- search -----------------------------------------------------------------------

FOLD_FUNCTION = "caseflow_fold"


def fold_function_sql(schema: str) -> str:
    """The IMMUTABLE fold, its `unaccent` schema-qualified (so that it does not
    depend on the search_path, e.g. while pg_restore rebuilds the indexes)."""
    return (
        f"CREATE OR REPLACE FUNCTION {FOLD_FUNCTION}(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        f"SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, "
        "replace(replace(normalize(value, NFC), 'đ', 'd'), 'Đ', 'D'))) $$"
    )


class Fold(models.Func):
    """`caseflow_fold(expression)`: lower case, no diacritics, đ -> d."""

    function = FOLD_FUNCTION
    output_field = models.TextField()


def folded_column(source: str) -> models.GeneratedField:
    """A stored generated column holding `caseflow_fold(source)`, for search.

    Stored, not an index on the expression: a trigram match is always
    rechecked against the row, and `caseflow_fold` (a SQL function around
    `unaccent`, which PostgreSQL cannot inline) costs ~15 µs a call against
    ~0.5 µs to read a stored value, so a name search over 100,000 people
    rechecking a few thousand candidates would spend tens of milliseconds
    there. Caveat: PostgreSQL refuses to change the type of a column a
    generated column reads: remove this field first, then add it back."""
    return models.GeneratedField(
        expression=Fold(source), output_field=models.TextField(), db_persist=True
    )


def fold_search_q(folded: str, term: str) -> Q:
    """`folded` (the path to a `folded_column`) contains `term` folded the same
    way, in the same statement (a constant the planner computes once), so
    the trigram index on the column serves it and Python never has to agree
    with `unaccent`'s rules."""
    return Q(**{f"{folded}__contains": Fold(Value(clean_text(term)))})


def fold_text(value: str) -> str:
    """Python's reading of `caseflow_fold`, for comparisons outside the database
    (a test holds the two equal on Vietnamese text)."""
    text = clean_text(value).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_ID_SEPARATORS = re.compile(r"[\s.\-]")


def search_digits(term: str) -> str | None:
    """The digits of `term` if it is a number typed with spaces, dots or dashes
    between them ("001 085 583 744", "001.085.583.744"); None otherwise."""
    compact = _ID_SEPARATORS.sub("", clean_text(term))
    return compact if compact.isascii() and compact.isdigit() else None


def national_id_terms(term: str) -> list[str] | None:
    """The national IDs a search term stands for: 12 digits as typed; 11
    digits also with the leading zero a spreadsheet dropped. None when `term`
    is not an ID (search by name)."""
    digits = search_digits(term)
    if digits is None:
        return None
    if len(digits) == 12:
        return [digits]
    if len(digits) == 11:
        return [digits, "0" + digits]
    return None
