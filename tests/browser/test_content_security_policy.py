"""Every page the users reach obeys the Content-Security-Policy in Chromium: a
commune officer, a district specialist and an auditor each follow the links of
their pages (same site, GET, no downloads) and the browser reports no refused
script, style or frame; the API documentation (Swagger UI, from this site) renders.

Chromium reports each refusal on the console ("... violates the following
Content Security Policy directive ..."): that is what is collected."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError

from cases.housing.models import HousingState
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES_PER_ROLE = 30
# Not pages: files, the session's end, the admin site (a Django page, checked below).
SKIP = re.compile(
    r"/(logout|admin|i18n)/|/documents/\d+/$|\.(xlsx|csv|docx|pdf)(\?|$)|/download|/export|format="
)


def violations_while(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")


def crawl(page: Any, base: str, start: str) -> list[str]:
    """Breadth first over the same-site links, at most PAGES_PER_ROLE pages."""
    seen: set[str] = set()
    queue = deque([f"{base}{start}"])
    visited: list[str] = []
    host = urlparse(base).netloc
    while queue and len(visited) < PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a link to a file: the browser downloads it
            assert "Download is starting" in str(error), url
            continue
        assert response is not None and response.status < 500, url
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        visited.append(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            link = urldefrag(href)[0]
            if urlparse(link).netloc == host and not SKIP.search(link) and link not in seen:
                queue.append(link)
    return visited


@pytest.mark.parametrize("username", ["officer_a", "specialist", "auditor"])
def test_pages_reached_by_each_role_run_with_no_policy_violation(
    live_server: Any, browser: Any, users: Any, make_case: Any, username: str
) -> None:
    make_case(HousingState.SUBMITTED)
    make_case(HousingState.APPROVED)
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = violations_while(page)
    login(page, live_server.url, username)
    visited = crawl(page, live_server.url, "/")
    assert len(visited) >= 5, visited
    assert found == [], found
    context.close()


def test_api_documentation_renders_from_this_site_under_the_policy(
    live_server: Any, browser: Any, users: Any
) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    found = violations_while(page)
    login(page, live_server.url, "officer_a")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Case-management workflow engine API" in page.inner_text(".swagger-ui .info .title")
    assert found == [], found
    context.close()
