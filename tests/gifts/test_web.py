"""The gift-campaign pages: Vietnamese, commune-scoped, every step of a list
through the UI, errors shown in Vietnamese, and a list page whose number of
queries does not grow with its rows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from viewflow.workflow.models import Task

from cases.gifts import services as gifts
from cases.gifts.models import GiftList, GiftListState, GiftRecipient, GiftRecipientState
from tests.conftest import sign_in
from workflows.models import AuditEvent

from .ui_helpers import advance, built_list, make_campaign, make_poor_people

pytestmark = pytest.mark.django_db
L, R = GiftListState, GiftRecipientState


def vi(message: str) -> str:
    """The message as a Vietnamese page shows it (translated, HTML-escaped)."""
    with translation.override("vi"):
        return escape(translation.gettext(message))


def as_user(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


@pytest.fixture
def ui_campaign(communes: SimpleNamespace) -> SimpleNamespace:
    data = make_campaign()
    data.people_a = make_poor_people(communes.a, 3)
    data.people_b = make_poor_people(communes.b, 2)
    return data


@pytest.fixture
def list_a(
    ui_campaign: SimpleNamespace, users: SimpleNamespace, communes: SimpleNamespace
) -> GiftList:
    return built_list(users, ui_campaign.campaign, communes.a)


def test_campaign_pages_render_in_vietnamese(ui_campaign, list_a, users):
    page = as_user(users.specialist).get(reverse("campaign_list"))
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="vi"' in html
    assert ui_campaign.campaign.name in html
    detail = as_user(users.specialist).get(
        reverse("campaign_detail", args=[ui_campaign.campaign.pk])
    )
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Quà Thành phố hộ nghèo" in html and "1.500.000 đ" in html
    assert reverse("gift_list_detail", args=[list_a.pk]) in html
    assert 'data-testid="flagged"' in html  # the district sees the flags


def test_list_page_shows_rows_with_national_ids_and_actions_in_vietnamese(
    list_a, users, ui_campaign
):
    page = as_user(users.officer).get(reverse("gift_list_detail", args=[list_a.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Actions", "Full name", "National ID", "Timeline"):
        assert vi(text) in html and vi(text) != text
    for person in ui_campaign.people_a:
        assert person.full_name in html and person.national_id in html
    assert 'data-testid="build"' in html
    assert 'data-action="submit"' in html
    assert reverse("gift_list_transition", args=[list_a.pk, "submit"]) in html


def test_rows_can_be_filtered_by_name_id_package_and_state(list_a, users, ui_campaign):
    target = ui_campaign.people_a[1]
    client = as_user(users.officer)
    url = reverse("gift_list_detail", args=[list_a.pk])
    html = client.get(url, {"q": target.national_id}).content.decode()
    assert target.full_name in html and ui_campaign.people_a[0].national_id not in html
    html = client.get(url, {"q": target.full_name}).content.decode()
    assert ui_campaign.people_a[2].national_id not in html
    html = client.get(url, {"state": R.DELIVERED}).content.decode()
    assert all(p.national_id not in html for p in ui_campaign.people_a)
    html = client.get(url, {"package": ui_campaign.poor.pk}).content.decode()
    assert all(p.national_id in html for p in ui_campaign.people_a)


def test_commune_b_cannot_see_commune_a_list_or_its_rows(list_a, users, ui_campaign):
    client = as_user(users.officer_b)
    assert client.get(reverse("gift_list_detail", args=[list_a.pk])).status_code == 404
    detail = client.get(reverse("campaign_detail", args=[ui_campaign.campaign.pk])).content.decode()
    assert reverse("gift_list_detail", args=[list_a.pk]) not in detail
    # B's officer is offered B's list only; its totals hold none of A's rows.
    assert 'data-testid="open-list"' in detail and "1.500.000 đ" not in detail
    row = GiftRecipient.objects.filter(gift_list=list_a).first()
    response = client.post(reverse("gift_list_remove_rows", args=[list_a.pk]), {"rows": [row.pk]})
    assert response.status_code == 404
    assert GiftRecipient.objects.filter(pk=row.pk).exists()


def test_officer_opens_the_list_of_their_commune_from_the_campaign_page(
    ui_campaign, users, communes
):
    client = as_user(users.officer)
    url = reverse("campaign_detail", args=[ui_campaign.campaign.pk])
    assert 'data-testid="open-list"' in client.get(url).content.decode()
    response = client.post(reverse("campaign_list_open", args=[ui_campaign.campaign.pk]))
    gift_list = GiftList.objects.get(campaign=ui_campaign.campaign, commune=communes.a)
    assert response.status_code == 302
    assert response["Location"] == reverse("gift_list_detail", args=[gift_list.pk])
    assert gift_list.flow_process_id is not None
    assert 'data-testid="open-list"' not in client.get(url).content.decode()
    # A leader may not open one.
    refused = as_user(users.leader).post(
        reverse("campaign_list_open", args=[ui_campaign.campaign.pk])
    )
    assert refused.status_code == 403


def test_the_whole_process_through_the_ui(ui_campaign, users, communes):
    campaign = ui_campaign.campaign
    officer, leader = as_user(users.officer), as_user(users.leader)
    officer.post(reverse("campaign_list_open", args=[campaign.pk]))
    gift_list = GiftList.objects.get(campaign=campaign, commune=communes.a)
    list_url = reverse("gift_list_detail", args=[gift_list.pk])

    def fire(client: Client, name: str, **data: str) -> Any:
        state = GiftList.objects.get(pk=gift_list.pk).state
        return client.post(
            reverse("gift_list_transition", args=[gift_list.pk, name]),
            {"expected_state": state, **data},
        )

    assert officer.post(reverse("gift_list_build", args=[gift_list.pk])).status_code == 302
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 3
    one = GiftRecipient.objects.filter(gift_list=gift_list).order_by("id").first()
    officer.post(reverse("gift_list_remove_rows", args=[gift_list.pk]), {"rows": [one.pk]})
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 2
    officer.post(reverse("gift_list_build", args=[gift_list.pk]))  # puts them back
    assert fire(officer, "submit").status_code == 302
    # The leader returns it once, with a reason, then confirms it.
    refused = fire(leader, "return_for_correction")
    assert refused.status_code == 400
    fire(leader, "return_for_correction", reason="Thiếu hộ ông Nam")
    assert GiftList.objects.get(pk=gift_list.pk).state == L.PREPARING
    fire(officer, "submit")
    assert fire(leader, "confirm").status_code == 302

    campaign_url = reverse("campaign_detail", args=[campaign.pk])
    assert (
        'data-testid="review-all"' in as_user(users.specialist).get(campaign_url).content.decode()
    )
    as_user(users.specialist).post(reverse("campaign_review_lists", args=[campaign.pk]))
    assert GiftList.objects.get(pk=gift_list.pk).state == L.REVIEWED
    assert 'data-testid="approve-all"' in as_user(users.head).get(campaign_url).content.decode()
    response = as_user(users.head).post(reverse("campaign_approve_lists", args=[campaign.pk]))
    assert response.status_code == 302
    assert GiftList.objects.get(pk=gift_list.pk).state == L.APPROVED
    rows = list(GiftRecipient.objects.filter(gift_list=gift_list).order_by("id"))
    assert {r.state for r in rows} == {R.APPROVED}

    today = timezone.localdate().isoformat()
    page = officer.get(list_url).content.decode()
    assert 'data-testid="deliver-all"' in page and 'data-testid="deliver-rows"' in page
    officer.post(
        reverse("gift_list_deliver", args=[gift_list.pk]),
        {
            "rows": [rows[0].pk],
            "delivered_on": today,
            "signed_by": "proxy",
            "proxy_name": "Nguyễn Văn Con",
            "proxy_relationship": "con trai",
        },
    )
    officer.post(
        reverse("gift_list_return", args=[gift_list.pk]),
        {"rows": [rows[1].pk], "reason": "moved", "note": "Chuyển đi Hà Nam"},
    )
    officer.post(
        reverse("gift_list_deliver", args=[gift_list.pk]), {"all": "1", "delivered_on": today}
    )
    states = dict(GiftRecipient.objects.filter(gift_list=gift_list).values_list("pk", "state"))
    assert states == {rows[0].pk: R.DELIVERED, rows[1].pk: R.RETURNED, rows[2].pk: R.DELIVERED}
    proxy = GiftRecipient.objects.get(pk=rows[0].pk)
    assert (proxy.signed_by, proxy.proxy_name) == ("proxy", "Nguyễn Văn Con")
    page = officer.get(list_url).content.decode()
    assert "Nguyễn Văn Con" in page and "con trai" in page

    assert fire(officer, "record_distribution").status_code == 302
    assert fire(leader, "close").status_code == 302
    assert GiftList.objects.get(pk=gift_list.pk).state == L.CLOSED
    specialist = as_user(users.specialist)
    assert 'data-testid="reconcile"' in specialist.get(campaign_url).content.decode()
    assert specialist.post(reverse("campaign_reconcile", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.reconciled_at is not None
    html = specialist.get(campaign_url).content.decode()
    assert "1.000.000 đ" in html  # delivered: two gifts of 500.000 đ

    timeline = officer.get(list_url).content.decode()
    events = AuditEvent.objects.filter(object_type="cases.giftlist", object_id=str(gift_list.pk))
    assert list(events.filter(event="transition").values_list("transition", flat=True)) == [
        "submit",
        "return_for_correction",
        "submit",
        "confirm",
        "review",
        "approve",
        "record_distribution",
        "close",
    ]
    assert "Thiếu hộ ông Nam" in timeline


def test_list_tasks_appear_in_the_queue_and_inbox_with_a_link_to_the_list(list_a, users):
    client = as_user(users.officer)
    html = client.get(reverse("queue")).content.decode()
    assert reverse("gift_list_detail", args=[list_a.pk]) in html
    task = Task.objects.get(process_id=list_a.flow_process_id, status="NEW", flow_task_type="HUMAN")
    client.post(reverse("task_claim", args=[task.pk]))
    html = client.get(reverse("inbox")).content.decode()
    assert 'data-testid="task-object"' in html
    assert reverse("gift_list_detail", args=[list_a.pk]) in html


def test_submitting_an_empty_list_shows_the_vietnamese_reason(ui_campaign, users, communes):
    gift_list = gifts.gift_list_open(
        actor=users.officer, campaign=ui_campaign.campaign, commune=communes.a
    )
    response = as_user(users.officer).post(
        reverse("gift_list_transition", args=[gift_list.pk, "submit"]),
        {"expected_state": L.PREPARING},
    )
    assert response.status_code == 400
    assert vi("The list is empty: add recipients first.") in response.content.decode()
    assert GiftList.objects.get(pk=gift_list.pk).state == L.PREPARING


def test_a_proxy_without_a_name_is_refused_in_vietnamese(list_a, users):
    gift_list = advance(list_a, users, L.APPROVED)
    row = GiftRecipient.objects.filter(gift_list=gift_list).first()
    response = as_user(users.officer).post(
        reverse("gift_list_deliver", args=[gift_list.pk]),
        {
            "rows": [row.pk],
            "delivered_on": timezone.localdate().isoformat(),
            "signed_by": "proxy",
            "proxy_relationship": "con gái",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert vi("Please give the proxy's name.") in html
    assert vi("Some fields are not valid.") in html
    assert GiftRecipient.objects.get(pk=row.pk).state == R.APPROVED


def test_a_stale_page_is_a_conflict(list_a, users):
    response = as_user(users.officer).post(
        reverse("gift_list_transition", args=[list_a.pk, "submit"]),
        {"expected_state": L.SUBMITTED},
    )
    assert response.status_code == 409
    assert GiftList.objects.get(pk=list_a.pk).state == L.PREPARING


def _queries_for_list_page(users: Any, gift_list: GiftList) -> int:
    client = as_user(users.officer)
    url = reverse("gift_list_detail", args=[gift_list.pk])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_page_queries_do_not_grow_with_rows(users, communes):
    small = make_campaign("small")
    make_poor_people(communes.a, 10)
    few = _queries_for_list_page(users, built_list(users, small.campaign, communes.a))
    big = make_campaign("big")
    make_poor_people(communes.a, 190)
    many_list = built_list(users, big.campaign, communes.a)
    assert GiftRecipient.objects.filter(gift_list=many_list).count() == 200
    many = _queries_for_list_page(users, many_list)
    assert few == many, f"{few} queries with 10 rows, {many} with 200"
