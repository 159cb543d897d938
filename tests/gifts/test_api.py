"""The gift API: campaigns and lists scoped to the caller, transitions with
stable error codes, rows paginated, deliveries and returns in bulk."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.gifts.models import GiftList, GiftListState, GiftRecipient, GiftRecipientState
from tests.conftest import api_token

from .ui_helpers import advance, built_list, make_campaign, make_poor_people

pytestmark = pytest.mark.django_db
L, R = GiftListState, GiftRecipientState


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def api_world(users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    data = make_campaign("tet-api")
    make_poor_people(communes.a, 3)
    make_poor_people(communes.b, 2)
    data.list_a = built_list(users, data.campaign, communes.a)
    return data


def test_campaigns_show_only_the_callers_rows(api_world, users):
    [mine] = api(users.officer).get("/api/v1/campaigns/").json()
    assert mine["lists"] == 1 and mine["totals"]["planned"] == 3
    assert mine["totals"]["planned_amount"] == 1_500_000
    [theirs] = api(users.officer_b).get("/api/v1/campaigns/").json()
    assert theirs["lists"] == 0 and theirs["totals"]["planned"] == 0
    detail = api(users.specialist).get(f"/api/v1/campaigns/{api_world.campaign.pk}/").json()
    assert [p["code"] for p in detail["packages"]] == ["tet-api-ngheo"]
    assert detail["budgets"] == [{"source": "city", "donor": "", "allocated": 10**10}]
    assert api(users.officer).get("/api/v1/campaigns/999999/").json()["code"] == "not_found"


def test_gift_lists_are_scoped_and_filtered(api_world, users, communes):
    lists = (
        api(users.specialist)
        .get("/api/v1/gift-lists/", {"campaign": api_world.campaign.pk, "commune": communes.a.code})
        .json()["results"]
    )
    assert [g["id"] for g in lists] == [api_world.list_a.pk]
    assert lists[0]["rows"] == 3 and lists[0]["waiting_for"] == "commune_officer"
    assert api(users.officer_b).get("/api/v1/gift-lists/").json()["results"] == []
    none = api(users.specialist).get("/api/v1/gift-lists/", {"state": L.CLOSED}).json()
    assert none["results"] == []
    missing = api(users.officer_b).get(f"/api/v1/gift-lists/{api_world.list_a.pk}/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    rows = api(users.officer_b).get(f"/api/v1/gift-lists/{api_world.list_a.pk}/rows/")
    assert rows.status_code == 404


def test_list_detail_says_what_the_caller_may_do(api_world, users):
    url = f"/api/v1/gift-lists/{api_world.list_a.pk}/"
    names = [t["name"] for t in api(users.officer).get(url).json()["available_transitions"]]
    assert names == ["submit"]
    assert api(users.leader).get(url).json()["available_transitions"] == []


def test_rows_are_paginated_with_national_ids(api_world, users):
    body = api(users.officer).get(f"/api/v1/gift-lists/{api_world.list_a.pk}/rows/").json()
    assert body["count"] == 3
    assert all(len(r["person"]["national_id"]) == 12 for r in body["results"])
    assert {r["state"] for r in body["results"]} == {R.LISTED}


def test_transitions_answer_with_stable_codes(api_world, users, communes):
    url = f"/api/v1/gift-lists/{api_world.list_a.pk}/transitions/"
    refused = post(api(users.leader), url + "submit/", {})
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    stale = post(api(users.officer), url + "submit/", {"expected_state": L.SUBMITTED})
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_change"
    ok = post(api(users.officer), url + "submit/", {"expected_state": L.PREPARING})
    assert ok.status_code == 200 and ok.json()["state"] == L.SUBMITTED
    again = post(api(users.officer), url + "submit/", {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    no_reason = post(api(users.leader), url + "return_for_correction/", {})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]

    empty = GiftList.objects.create(
        campaign=make_campaign("other").campaign, commune=communes.a, created_by=users.officer
    )
    answer = post(api(users.officer), f"/api/v1/gift-lists/{empty.pk}/transitions/submit/", {})
    assert answer.status_code == 400 and answer.json()["code"] == "gift_list_empty"


def test_deliveries_and_returns_in_bulk(api_world, users):
    gift_list = advance(api_world.list_a, users, L.APPROVED)
    rows = list(GiftRecipient.objects.filter(gift_list=gift_list).order_by("id"))
    base = f"/api/v1/gift-lists/{gift_list.pk}/"
    today = timezone.localdate().isoformat()
    officer = api(users.officer)

    no_name = post(
        officer,
        base + "deliveries/",
        {"row_ids": [rows[0].pk], "delivered_on": today, "signed_by": "proxy"},
    )
    assert no_name.status_code == 400
    assert set(no_name.json()["fields"]) == {"proxy_name", "proxy_relationship"}
    proxy = post(
        officer,
        base + "deliveries/",
        {
            "row_ids": [rows[0].pk],
            "delivered_on": today,
            "signed_by": "proxy",
            "proxy_name": "Trần Thị Lan",
            "proxy_relationship": "vợ",
        },
    )
    assert proxy.status_code == 200 and proxy.json() == {"moved": [rows[0].pk], "refused": {}}
    returned = post(officer, base + "returns/", {"row_ids": [rows[1].pk], "reason": "deceased"})
    assert returned.json()["moved"] == [rows[1].pk]
    rest = post(officer, base + "deliveries/", {"delivered_on": today})
    assert rest.json()["moved"] == [rows[2].pk]
    states = dict(GiftRecipient.objects.filter(gift_list=gift_list).values_list("pk", "state"))
    assert states == {rows[0].pk: R.DELIVERED, rows[1].pk: R.RETURNED, rows[2].pk: R.DELIVERED}
    # Not the leader's to record; and nothing is left to record.
    assert post(api(users.leader), base + "deliveries/", {"delivered_on": today}).status_code == 403
    bad = post(officer, base + "returns/", {"row_ids": [], "reason": "lost"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"row_ids", "reason"}
    done = post(officer, base + "transitions/record_distribution/", {})
    assert done.json()["state"] == L.DISTRIBUTED
    late = post(officer, base + "deliveries/", {"delivered_on": today})
    assert late.status_code == 409 and late.json()["code"] == "gift_list_state"
