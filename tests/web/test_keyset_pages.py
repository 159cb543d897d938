"""Keyset pages: the case list is read from a signed cursor ("Trang sau",
"Trang trước", "Trang đầu"), never with OFFSET; a tampered cursor shows the
first page with a Vietnamese notice; scoping applies on every page; old
`?page=N` links are sent on; a page costs the same queries at any depth."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.housing.services import housing_case_create
from cases.housing.views.list import CASE_PAGES
from cases.models import Person
from cases.views import base
from tests.factories import PersonFactory
from workflows import keyset
from workflows.keyset import Keyset, Position, encode_cursor

LINK = re.compile(r'href="\?([^"]*)"[^>]*data-testid="(first|previous|next)"')


def _draft(users: Any, commune: Any, actor: Any = None) -> Any:
    return housing_case_create(
        actor=actor or users.officer,
        commune=commune,
        applicant=PersonFactory.create(commune=commune),
        program="ho_ngheo",
        kind="repair",
        requested_amount=20_000_000,
    )


def _links(page: str) -> dict[str, str]:
    return {name: htmllib.unescape(query) for query, name in LINK.findall(page)}


def _get(client: Any, query: str = "") -> str:
    response = client.get(f"{reverse('case_list')}?{query}")
    assert response.status_code == 200
    return str(response.content.decode())


def _shown(page: str, cases: list[Any]) -> list[str]:
    return [c.reference for c in cases if c.reference in page]


@pytest.fixture
def small_pages(monkeypatch: Any) -> None:
    monkeypatch.setattr(base, "PAGE_SIZE", 2)


def test_next_and_previous_cursors_walk_the_list_newest_first_and_back(
    users, config, communes, client_for, small_pages
):
    newest_first = [_draft(users, communes.a) for _ in range(5)][::-1]
    client = client_for(users.officer)
    first = _get(client)
    assert _shown(first, newest_first) == [c.reference for c in newest_first[:2]]
    assert set(_links(first)) == {"next"}  # the first page has no previous or first link
    second = _get(client, _links(first)["next"])
    assert _shown(second, newest_first) == [c.reference for c in newest_first[2:4]]
    assert set(_links(second)) == {"first", "previous", "next"}
    last = _get(client, _links(second)["next"])
    assert _shown(last, newest_first) == [newest_first[4].reference]
    assert "next" not in _links(last)
    back = _get(client, _links(last)["previous"])
    assert _shown(back, newest_first) == [c.reference for c in newest_first[2:4]]
    start = _get(client, _links(back)["previous"])
    assert _shown(start, newest_first) == [c.reference for c in newest_first[:2]]
    assert set(_links(start)) == {"next"}
    assert "Trang sau" in first and "Trang trước" in second and "Trang đầu" in second


def test_the_links_keep_the_filters(users, config, communes, client_for, small_pages):
    for _ in range(3):
        _draft(users, communes.a)
    page = _get(client_for(users.officer), "state=draft")
    assert "state=draft" in _links(page)["next"] and "cursor=" in _links(page)["next"]


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        encode_cursor(Position((1,)), salt="case_list"),  # the wrong shape of key
        encode_cursor(Position(("2025-01-01T00:00:00+00:00", 1)), salt="audit"),  # another list's
    ],
    # Fixed ids: a signed cursor carries a timestamp, and xdist's workers must
    # collect the same test names.
    ids=["nonsense", "wrong_shape", "other_list"],
)
def test_a_tampered_or_foreign_cursor_shows_the_first_page_with_a_notice(
    users, config, communes, client_for, small_pages, cursor
):
    newest_first = [_draft(users, communes.a) for _ in range(3)][::-1]
    page = _get(client_for(users.officer), f"cursor={cursor}")
    assert "Liên kết trang không hợp lệ hoặc đã cũ" in page
    assert _shown(page, newest_first) == [c.reference for c in newest_first[:2]]


def test_an_edited_cursor_is_refused_even_when_its_json_is_valid(
    users, config, communes, client_for, small_pages
):
    cases = [_draft(users, communes.a) for _ in range(3)]
    token = CASE_PAGES.cursor(cases[-1])
    payload, signature = token.rsplit(":", 1)
    edited = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + signature
    assert "Liên kết trang không hợp lệ" in _get(client_for(users.officer), f"cursor={edited}")


def test_an_officers_cursor_never_shows_another_communes_case(
    users, config, communes, client_for, small_pages
):
    mine = [_draft(users, communes.a) for _ in range(3)]
    theirs = [_draft(users, communes.b, actor=users.officer_b) for _ in range(3)]
    client = client_for(users.officer)
    # A valid cursor positioned on the other commune's newest case: a position, not a key.
    page = _get(client, f"cursor={CASE_PAGES.cursor(theirs[-1])}")
    assert not _shown(page, theirs)
    assert _shown(page, mine[::-1]) == [c.reference for c in mine[::-1][:2]]
    # Walking the whole list by its links shows every own case once and no other.
    seen: list[str] = []
    query = ""
    while True:
        page = _get(client, query)
        seen += _shown(page, mine[::-1]) + _shown(page, theirs)
        query = _links(page).get("next", "")
        if not query:
            break
    assert seen == [c.reference for c in mine[::-1]]


def _queries(client: Any, query: str = "") -> int:
    with CaptureQueriesContext(connection) as ctx:
        _get(client, query)
    return len(ctx.captured_queries)


def test_a_deep_page_reads_the_same_pinned_number_of_queries_as_the_first(
    users, config, communes, client_for, small_pages
):
    for _ in range(9):
        _draft(users, communes.a)
    client = client_for(users.officer)
    first = _queries(client)
    query = _links(_get(client))["next"]
    query = _links(_get(client, query))["next"]
    # session, user, scope, communes, support rules, the page read's planner
    # settings, the ids, their rows, the count, unread notifications
    assert first == _queries(client, query) == 10
    # a name search: the people it names (the plan's choice, with its planner
    # settings), no count
    assert _queries(client, "q=Nguyễn&state=draft") == 11


def test_the_count_says_more_than_past_its_limit_on_every_page(
    users, config, communes, client_for, small_pages, monkeypatch
):
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 3)
    for _ in range(5):
        _draft(users, communes.a)
    client = client_for(users.officer)
    first = _get(client)
    assert "hơn 3 hồ sơ" in first
    assert "hơn 3 hồ sơ" in _get(client, _links(first)["next"])
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 5)
    assert "5 hồ sơ" in _get(client) and "hơn 5" not in _get(client)


def test_an_old_page_link_is_sent_on_to_the_same_page(
    users, config, communes, client_for, small_pages
):
    newest_first = [_draft(users, communes.a) for _ in range(5)][::-1]
    client = client_for(users.officer)
    response = client.get(reverse("case_list"), {"page": 2, "state": "draft"})
    assert response.status_code == 302 and "cursor=" in response["Location"]
    assert "state=draft" in response["Location"] and "page=" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert _shown(page, newest_first) == [c.reference for c in newest_first[2:4]]
    for beyond in ("999", "abc", "1"):
        response = client.get(reverse("case_list"), {"page": beyond})
        assert response.status_code == 302 and response["Location"] == reverse("case_list")


def test_keyset_pages_of_an_ascending_order_with_ties_cover_every_row_once(db, communes):
    """The generic pages: (full_name, id) ascending, with many equal names."""
    for i in range(7):
        PersonFactory(commune=communes.a, full_name=f"Nguyễn Văn {'AB'[i % 2]}")
    pages = Keyset(("full_name", "id"), salt="test_people")
    qs = Person.objects.all()
    expected = list(qs.order_by("full_name", "id"))
    walked, token, tokens = [], "", []
    while True:
        page = pages.page(qs, token, size=3)
        walked += page.rows
        tokens.append(page.previous)
        if page.next is None:
            break
        token = page.next
    assert walked == expected
    back = pages.page(qs, tokens[-1] or "", size=3)
    assert back.rows == expected[3:6]
    assert (
        pages.page(qs, pages.position_of_page(qs, 2, size=3) or "", size=3).rows == (expected[3:6])
    )


def test_a_name_search_finds_the_same_cases_people_first_or_walking_the_list(
    users, config, communes, client_for, small_pages, monkeypatch
):
    from cases.housing import selectors

    named = [
        housing_case_create(
            actor=users.officer,
            commune=communes.a,
            applicant=PersonFactory.create(commune=communes.a, full_name=f"Nguyễn Văn Hùng {i}"),
            program="ho_ngheo",
            kind="repair",
            requested_amount=20_000_000,
        )
        for i in range(3)
    ][::-1]
    _draft(users, communes.a)  # another name
    client = client_for(users.officer)
    people_first = _get(client, "q=van hung")
    monkeypatch.setattr(selectors, "NAME_PROBE", 1)  # more people than the probe: walk
    walked = _get(client, "q=van hung")
    expected = [c.reference for c in named[:2]]
    assert _shown(people_first, named) == _shown(walked, named) == expected
