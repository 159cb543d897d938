"""The bell in Chromium: the next actor sees a new notification after someone
else acts, and opening it takes them to the case and marks it read.

The bell does not poll: the count is rendered with each page, so the test
reloads the page the leader already had open. Screenshots go to
/tmp/shots/bell-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cases.housing.models import HousingState
from notifications.models import Notification
from tests.conftest import PASSWORD
from tests.factories import PersonFactory
from workflows import engine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def bell_count(page: Any) -> int:
    """The number on the bell (no badge at all means none unread)."""
    badge = page.locator(".bell [data-testid=unread-count]")
    return int(badge.inner_text()) if badge.count() else 0


def test_leader_sees_the_bell_count_rise_after_a_submit_and_opens_the_case_from_it(
    transactional_db, live_server, browser, users, communes, make_case
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    earlier = make_case(HousingState.SUBMITTED)  # one notification already waits
    case = make_case(HousingState.DRAFT, person=PersonFactory(commune=communes.a))

    # The commune leader is signed in with the task list open before anything happens.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "leader_a")
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/tasks/$"))
    assert bell_count(page) == 1

    # The commune officer submits the second case (through the engine, as the UI does).
    engine.transition(case, "submit", actor=users.officer, data={})

    page.reload()
    assert bell_count(page) == 2
    page.screenshot(path=str(SHOTS / "bell-1-two-unread.png"), full_page=True)

    page.click(".bell")
    page.wait_for_url(re.compile(r"/notifications/$"))
    item = page.locator("[data-testid=notifications] li.unread", has_text=case.reference)
    assert "chờ" in item.inner_text()  # "… is waiting for you", in Vietnamese
    with page.expect_navigation():
        item.locator("button[name=open]").click()

    assert page.url == f"{live_server.url}/cases/{case.pk}/"
    assert page.inner_text("h1 .ref") == case.reference
    assert bell_count(page) == 1
    page.screenshot(path=str(SHOTS / "bell-2-case-opened.png"), full_page=True)
    note = Notification.objects.get(recipient=users.leader, case_id=case.pk)
    assert note.read_at is not None
    # The other case's notification is untouched.
    assert Notification.objects.get(recipient=users.leader, case_id=earlier.pk).read_at is None
    context.close()
