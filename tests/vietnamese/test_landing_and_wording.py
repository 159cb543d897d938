"""Where people land and what the empty pages say: the administrator's own
landing page and role, menus whose every item opens a page, an empty "Việc
của tôi" that shows what waits in the queue, the rehab read log's empty
states, the process page's step names and notes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html as lxml_html

from cases.housing.models import HousingState
from tests.authz.test_authorization_matrix import PRINCIPALS, client_for, rehab_referral
from tests.conftest import sign_in
from workflows.models import AuditEvent


def _page(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return lxml_html.fromstring(response.content.decode())


def _text(node: Any) -> str:
    return " ".join(node.text_content().split())


def test_the_administrator_lands_on_their_own_page_and_is_named_by_role(users: Any) -> None:
    client = sign_in(Client(), users.admin)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin_home")
    page = lxml_html.fromstring(response.content.decode())
    assert _text(page.find_class("who-role")[0]) == "Quản trị hệ thống"
    landing = page.xpath('//*[@data-testid="admin-home"]')[0]
    links = {a.get("href") for a in landing.iter("a")}
    assert links == {
        reverse("admin:index"),
        reverse("security_lockouts"),
        reverse("security_accounts"),
        reverse("audit_verify"),
        reverse("reorganization"),
    }
    assert "Không có tài khoản hay địa chỉ nào bị khóa." in _text(landing)


def test_the_administrator_sees_how_many_logins_are_locked(users: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from cases.accounts.models import LoginLockout

    for value in ("officer_a", "10.0.0.7"):
        LoginLockout.objects.create(
            kind="account" if "_" in value else "address",
            value=value,
            started_at=timezone.now(),
            until=timezone.now() + dt.timedelta(minutes=15),
            failures=5,
        )
    text = _text(_page(sign_in(Client(), users.admin), reverse("admin_home")))
    assert "Hiện có 2 tài khoản hoặc địa chỉ đang bị khóa." in text


def test_a_staff_account_without_the_administrators_role_is_not_shown_their_page(
    users: Any,
) -> None:
    response = sign_in(Client(), users.officer).get(reverse("admin_home"))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [p for p in PRINCIPALS if p != "anon"])
def test_every_menu_item_opens_a_page_for_the_role(
    role: str, users: SimpleNamespace, rehab_users: SimpleNamespace
) -> None:
    people = SimpleNamespace(**vars(users), **vars(rehab_users))
    client = client_for(role, people, api_call=False)
    start = client.get(reverse("home"), follow=True)
    nav = lxml_html.fromstring(start.content.decode()).find_class("mainnav")[0]
    links = [a.get("href") for a in nav.iter("a")]
    assert links, role
    for href in links:
        response = client.get(href)
        # Not a redirect to somewhere else, not a refusal: the page itself.
        assert response.status_code == 200, (role, href, response.status_code)


def test_an_empty_inbox_shows_what_waits_in_the_queue(make_case: Any, users: Any) -> None:
    cases = [make_case(HousingState.SUBMITTED)]
    leader = sign_in(Client(), users.leader)
    page = _page(leader, reverse("inbox"))
    preview = page.xpath('//*[@data-testid="queue-preview"]')[0]
    assert _text(preview.find("h2")).startswith(
        "Bạn chưa nhận việc nào. Hàng chờ có 1 việc dành cho vai trò của bạn"
    )
    assert cases[0].reference in _text(preview)
    assert preview.xpath('.//a[@data-testid="open-queue"]')[0].get("href") == reverse("queue")
    claim = preview.xpath(".//form")[0].get("action")
    assert leader.post(claim).status_code == 302
    # Once a task is theirs, the inbox lists it and shows no preview.
    page = _page(leader, reverse("inbox"))
    assert not page.xpath('//*[@data-testid="queue-preview"]')
    assert cases[0].reference in _text(page.xpath('//*[@data-testid="tasks"]')[0])


def test_an_inbox_with_nothing_anywhere_says_so(users: Any) -> None:
    text = _text(_page(sign_in(Client(), users.officer_b), reverse("inbox")))
    assert "Bạn chưa nhận việc nào, và hàng chờ không có việc nào dành cho vai trò của bạn." in text


def test_the_read_log_says_what_its_empty_list_is_about(
    users: Any, rehab_users: Any, communes: Any
) -> None:
    auditor = sign_in(Client(), users.auditor)
    unfiltered = _text(_page(auditor, reverse("rehab_read_log")))
    assert "Chưa có ai mở hoặc xuất hồ sơ cai nghiện nào." in unfiltered
    assert "Chưa có ai xem hồ sơ này." not in unfiltered
    filtered = _text(_page(auditor, reverse("rehab_read_log") + "?reader=nobody"))
    assert "Không có lượt xem hay xuất dữ liệu nào khớp với bộ lọc." in filtered
    referral, _doc = rehab_referral(communes, rehab_users)
    one = _text(_page(auditor, reverse("rehab_case_reads", args=[referral.pk])))
    assert "Chưa có ai xem hồ sơ này." in one
    assert not AuditEvent.objects.filter(event="read").exists()


def test_the_process_page_names_steps_and_notes_in_vietnamese(users: Any, communes: Any) -> None:
    officer = sign_in(Client(), users.officer)
    page = _page(officer, reverse("process_diagram", args=["housing"]))
    limits = page.xpath('//*[@data-testid="time-limits"]')[0]
    steps = [_text(row.xpath("./td")[0]) for row in limits.xpath(".//tbody/tr")]
    assert steps == [
        "Xác nhận (cấp xã)",
        "Thẩm định (cấp huyện)",
        "Phê duyệt",
        "Chi trả đợt đầu",
        "Nghiệm thu hoàn thành",
        "Chi trả đợt cuối",
    ]
    text = _text(page)
    assert "accept_completion" not in text and "Configurable" not in text
    assert "Giá trị mẫu, sửa được: chưa tìm thấy thời hạn luật định cho hỗ trợ nhà ở." in text


def test_a_routes_picture_draws_only_its_own_steps(rehab_users: Any) -> None:
    police = sign_in(Client(), rehab_users.police)
    page = _page(police, reverse("process_diagram", args=["rehab_compulsory"]) + "?route=2025")
    labels = {_text(t) for t in page.find_class("edge-label")}
    text = _text(page)
    assert labels and "send_for_review" not in labels and "send_for_review" not in text
    assert "domain.md" not in text


def test_empty_lists_say_whether_a_filter_or_nothing_at_all_is_the_reason(
    users: Any, rehab_users: Any
) -> None:
    rehab = sign_in(Client(), rehab_users.rehab_b)
    assert "Chưa có hồ sơ cai nghiện nào được lập." in _text(_page(rehab, reverse("rehab_list")))
    filtered = _text(_page(rehab, reverse("rehab_list") + "?q=Nguy%E1%BB%85n"))
    assert "Không có hồ sơ nào phù hợp với bộ lọc." in filtered
    auditor = sign_in(Client(), users.auditor)
    nothing = _text(_page(auditor, reverse("audit_explorer") + "?q=khong-co-dau"))
    assert "Không có sự kiện nào khớp với bộ lọc." in nothing
