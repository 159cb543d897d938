"""Scoped reads of housing cases."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cases.housing.models import HousingCase
from cases.models import Case
from cases.selectors import cases_for_user
from workflows.actors import Reader
from workflows.permissions import get_scoped_or_404, scoped
from workflows.text import clean_text, fold_search_q, national_id_terms


def housing_cases_for_user(user: Reader) -> QuerySet[HousingCase]:
    return scoped(HousingCase, user)


def housing_case_get(user: Reader, pk: Any) -> HousingCase:
    """Fetch and authorize in one call: another commune's case is 'not found'."""
    return get_scoped_or_404(
        HousingCase.objects.select_related("commune", "applicant", "budget"), user, pk
    )


def case_search(
    user: Reader,
    *,
    commune: int | None = None,
    program: str = "",
    state: str = "",
    created_from: Any = None,
    created_before: Any = None,
    q: str = "",
) -> QuerySet[Case]:
    """The user's cases, filtered. `q` is the applicant's national ID (spaces,
    dots, a dropped leading zero tolerated) or part of their name, with or
    without diacritics. Joins only what a filter needs, so the COUNT of a
    list page stays on the Case table."""
    qs = cases_for_user(user)
    if commune:
        qs = qs.filter(commune_id=commune)
    if program:
        qs = qs.filter(housingcase__program=program)
    if state:
        qs = qs.filter(state=state)
    if created_from:
        qs = qs.filter(created_at__gte=created_from)
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    q = clean_text(q or "")
    ids = national_id_terms(q)
    if ids:
        qs = qs.filter(applicant__national_id__in=ids)
    elif q:
        qs = qs.filter(fold_search_q("applicant__full_name_folded", q))
    return qs
