"""Housing's part of the shared task pages: which rows of a page of tasks are
possible duplicate housing cases (two queries for the page — the frequency
rules, then the flags — none without a housing case)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from cases.housing.duplicates import flagged_case_ids
from cases.models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def housing_duplicate_flags(context: Any, rows: list[Any]) -> dict[int, list[str]]:
    """{case id: why} for the housing cases among the rows (`row.case`) that may
    duplicate another open or recently supported case the user can see."""
    ids = [
        row.case.pk
        for row in rows
        if getattr(row, "case", None) is not None and row.case.process == Case.Process.HOUSING
    ]
    return flagged_case_ids(context["request"].user, ids, timezone.localdate())


@register.filter
def flags_of(flags: dict[int, list[str]], case: Any) -> list[str]:
    """The reasons `case` is flagged for (empty: not flagged)."""
    return flags.get(case.pk, []) if case is not None else []
