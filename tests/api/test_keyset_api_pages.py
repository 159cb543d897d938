"""The housing case list of the API pages by keyset: `next` / `previous` carry
a signed cursor, `count` is exact up to its limit and null beyond, old page
numbers still work for the first pages, a tampered cursor is a 400."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.settings import api_settings

from cases import api_pages
from cases.housing.api import HousingListView
from cases.housing.services import housing_case_create
from tests.api.conftest import assert_error
from tests.factories import PersonFactory
from workflows import keyset

URL = "/api/v1/housing/"


def _draft(users: Any, commune: Any, actor: Any = None) -> Any:
    return housing_case_create(
        actor=actor or users.officer,
        commune=commune,
        applicant=PersonFactory.create(commune=commune),
        program="ho_ngheo",
        kind="repair",
        requested_amount=20_000_000,
    )


@pytest.fixture
def pages_of_two(monkeypatch: Any) -> None:
    monkeypatch.setattr(api_settings, "PAGE_SIZE", 2)


def _ids(body: dict[str, Any]) -> list[int]:
    return [row["id"] for row in body["results"]]


def test_next_and_previous_links_walk_the_list_by_cursor(api, users, communes, pages_of_two):
    newest_first = [c.pk for c in [_draft(users, communes.a) for _ in range(5)][::-1]]
    client = api(users.officer)
    first = client.get(URL).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert (first["count"], first["previous"], _ids(first)) == (5, None, newest_first[:2])
    assert "cursor=" in first["next"] and "page=" not in first["next"]
    second = client.get(first["next"]).json()
    assert _ids(second) == newest_first[2:4] and second["count"] == 5
    third = client.get(second["next"]).json()
    assert _ids(third) == newest_first[4:] and third["next"] is None
    assert _ids(client.get(third["previous"]).json()) == newest_first[2:4]


def test_the_count_is_null_past_its_limit(api, users, communes, pages_of_two, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 3)
    for _ in range(4):
        _draft(users, communes.a)
    assert api(users.officer).get(URL).json()["count"] is None


def test_an_old_page_number_still_answers_its_page_and_a_deep_one_is_404(
    api, users, communes, pages_of_two, monkeypatch
):
    newest_first = [c.pk for c in [_draft(users, communes.a) for _ in range(5)][::-1]]
    client = api(users.officer)
    body = client.get(URL, {"page": 2}).json()
    assert _ids(body) == newest_first[2:4] and "cursor=" in body["next"]
    assert_error(client.get(URL, {"page": 4}), 404, "not_found")  # past the end
    monkeypatch.setattr(api_pages, "MAX_PAGE_NUMBER", 2)
    assert_error(client.get(URL, {"page": 3}), 404, "not_found")  # past what is read by number


def test_a_tampered_cursor_is_refused_with_a_stable_code(api, users, communes, pages_of_two):
    for _ in range(3):
        _draft(users, communes.a)
    response = api(users.officer, language="vi").get(URL, {"cursor": "not-a-cursor"})
    body = assert_error(response, 400, "invalid_cursor", "cursor")
    assert body["message"] == "Liên kết trang không hợp lệ hoặc đã cũ."


def test_a_cursor_is_only_a_position_and_scoping_still_applies(api, users, communes, pages_of_two):
    mine = [_draft(users, communes.a).pk for _ in range(3)]
    theirs = [_draft(users, communes.b, actor=users.officer_b) for _ in range(3)]
    cursor = HousingListView.keyset.cursor(theirs[-1])
    body = api(users.officer).get(URL, {"cursor": cursor}).json()
    assert _ids(body) == mine[::-1][:2]
    assert not {t.pk for t in theirs} & set(_ids(body))
