"""Scoped reads of housing cases."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cases.housing.models import HousingCase
from cases.models import Case, Person
from cases.selectors import cases_for_user
from workflows.actors import Reader
from workflows.keyset import page_read
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
        qs = _by_applicant_name(qs, q)
    return qs


# A name search names at most this many people before it walks the cases instead.
NAME_PROBE = 2000


def _by_applicant_name(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """Cases whose applicant's name contains `q` (with or without diacritics).

    The plan is chosen on the number of people the name matches, counted (one
    query, up to `NAME_PROBE` + 1, on the trigram index), not on PostgreSQL's
    estimate of it, which two ANALYZE runs of the same 1,000,000 people put at
    99 and at 9,889 for "nguyen thi hung" (595): walked in page order on the
    second estimate, that page read 43,511 cases (315 ms). Few people: their
    cases by the applicant index (people first). Many: the cases in page order,
    keeping those whose applicant matches (at least 1 in 500 of them does)."""
    named = Person.objects.filter(fold_search_q("full_name_folded", q))
    # Through the trigram index even for a common name: on its estimate the
    # planner would read the table in order until it had 2,001 (47,000 rows).
    with page_read(named.db, enable_seqscan="off"):
        people = list(named.values_list("id", flat=True)[: NAME_PROBE + 1])
    if len(people) <= NAME_PROBE:
        return qs.filter(applicant_id__in=people)
    return qs.filter(fold_search_q("applicant__full_name_folded", q))
