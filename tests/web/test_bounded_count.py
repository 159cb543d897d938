"""Lists count their rows only some pages past the one shown (a bounded
count): the cost of the count no longer grows with the whole list, the page
says "hơn N", and the next pages can still be reached."""

from __future__ import annotations

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Person
from cases.views import base
from tests.factories import PersonFactory
from workflows import keyset


def _page(number: str | None, per_page: int) -> object:
    request = RequestFactory().get("/", {"page": number} if number else {})
    return base.paginate(request, Person.objects.order_by("id"), per_page=per_page)


def test_a_short_list_is_counted_exactly(db, communes, monkeypatch):
    monkeypatch.setattr(base, "COUNT_AHEAD_PAGES", 2)
    PersonFactory.create_batch(6, commune=communes.a)
    page = _page(None, per_page=2)
    assert (page.paginator.count, page.paginator.exact, page.paginator.num_pages) == (6, True, 3)


def test_a_long_list_is_counted_only_so_far_and_its_next_pages_stay_reachable(
    db, communes, monkeypatch
):
    monkeypatch.setattr(base, "COUNT_AHEAD_PAGES", 2)
    people = PersonFactory.create_batch(12, commune=communes.a)
    with CaptureQueriesContext(connection) as ctx:
        first = _page(None, per_page=2)
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 7" in counts[0]  # (1 + 2) pages of 2, and one more
    assert (first.paginator.count, first.paginator.exact) == (7, False)
    assert first.has_next() and [p.pk for p in first] == [p.pk for p in people[:2]]
    # Page 5 lies past what page 1 counted: asked for, it is there.
    fifth = _page("5", per_page=2)
    assert [p.pk for p in fifth] == [p.pk for p in people[8:10]]
    assert fifth.paginator.exact and fifth.paginator.count == 12
    assert not fifth.has_next() or [p.pk for p in _page("6", per_page=2)] == [
        p.pk for p in people[10:12]
    ]


def test_the_case_list_says_more_than_and_offers_the_next_page(
    users, communes, client_for, make_case, monkeypatch
):
    """The case list pages by cursor (tests/web/test_keyset_pages.py); its
    count stops at `workflows.keyset.COUNT_LIMIT` rows from the start."""
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 2)
    monkeypatch.setattr(base, "PAGE_SIZE", 2)
    for _ in range(5):
        make_case()
    html = client_for(users.officer).get(reverse("case_list")).content.decode()
    assert "hơn 2 hồ sơ" in html
    assert 'rel="next"' in html and "cursor=" in html


def test_a_commune_gift_list_shows_its_exact_number_of_rows(db, communes, monkeypatch):
    """A list bounded by nature (one commune's gift list) keeps its exact total."""
    monkeypatch.setattr(base, "COUNT_AHEAD_PAGES", 0)
    PersonFactory.create_batch(5, commune=communes.a)
    request = RequestFactory().get("/")
    page = base.paginate(request, Person.objects.order_by("id"), per_page=2, exact=True)
    assert (page.paginator.count, page.paginator.exact, page.paginator.num_pages) == (5, True, 3)
