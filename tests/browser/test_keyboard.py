"""The forms work with the keyboard alone, and the keyboard's place is always seen.

A commune officer with no mouse signs in, opens a new housing case from the
menu, fills it in, adds the four documents and submits the case: Tab and
Shift+Tab to move, typing, arrow keys in the lists, Enter and Space to press.
Nothing is clicked. At every stop of Tab the focused element shows a ring
(its computed outline or box-shadow), and the skip link leads past the menu.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from cases.demo.base import PDF
from cases.housing.models import HousingCase, HousingState
from tests.browser.session import BrowserSession
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element shows: a ring (its outline, else its box-shadow) at
# least 2px wide whose colour stands out 3:1 from the background around it
# (WCAG 2.4.7 and 1.4.11); for a ring drawn inside the element, its own background.
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const rgb = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r, g, b, a};
  };
  const luminance = (c) => {
    const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const style = getComputedStyle(el);
  let ring = null;
  let width = 0;
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
    ring = rgb(style.outlineColor);
    width = parseFloat(style.outlineWidth);
  } else if (style.boxShadow !== "none") {
    ring = rgb(style.boxShadow);
    width = Math.max(...(style.boxShadow.match(/-?[\\d.]+px/g) || ["0"]).map(parseFloat));
  }
  let background = {r: 255, g: 255, b: 255, a: 1};
  const inset = parseFloat(style.outlineOffset) < 0;
  for (let n = inset ? el : el.parentElement; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c && c.a > 0) { background = c; break; }
  }
  let contrast = 0;
  if (ring && ring.a > 0) {
    const [hi, lo] = [luminance(ring), luminance(background)].sort((x, y) => y - x);
    contrast = (hi + 0.05) / (lo + 0.05);
  }
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.name || el.id || "").trim().slice(0, 40),
    contrast: Math.round(contrast * 100) / 100,
    ring: width >= 2 && contrast >= 3,
  };
}"""
# Where `selector` lies from the focused element: 1 after it, -1 before it, 0 it.
DIRECTION = """(selector) => {
  const target = document.querySelector(selector);
  const here = document.activeElement;
  if (target === here) return 0;
  if (!here || here === document.body) return 1;
  return here.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING ? 1 : -1;
}"""
MAX_TABS = 120


class Keyboard(BrowserSession):
    """A person who moves with Tab and Shift+Tab and presses Enter or Space."""

    shot_prefix = "keyboard"

    def __init__(self, browser: Any, base_url: str) -> None:
        super().__init__(browser, base_url)
        self.stops: list[dict[str, Any]] = []

    def focused(self, selector: str) -> bool:
        return bool(
            self.page.evaluate("s => document.activeElement?.matches(s) ?? false", selector)
        )

    def tab_to(self, selector: str) -> None:
        """Tab forward (or Shift+Tab back) until `selector` has the focus,
        noting at every stop whether the focus can be seen."""
        assert self.page.locator(selector).count() == 1, selector
        for _ in range(MAX_TABS):
            direction = self.page.evaluate(DIRECTION, selector)
            if direction == 0:
                return
            self.page.keyboard.press("Tab" if direction > 0 else "Shift+Tab")
            stop = self.page.evaluate(FOCUS_RING)
            if stop is not None:
                self.stops.append({**stop, "url": self.page.url})
        pytest.fail(f"{selector} cannot be reached with Tab on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def choose(self, selector: str, label: str) -> None:
        """A drop-down list: focus it, then arrow down to the option `label`."""
        self.tab_to(selector)
        options = self.page.eval_on_selector(
            selector, "el => [...el.options].map(o => o.text.trim())"
        )
        assert label in options, (label, options)
        self.page.keyboard.press("Home")
        for _ in range(len(options)):
            chosen = self.page.eval_on_selector(
                selector, "el => el.options[el.selectedIndex].text.trim()"
            )
            if chosen == label:
                return
            self.page.keyboard.press("ArrowDown")
        pytest.fail(f"{label!r} could not be chosen with the arrow keys in {selector}")

    def press(self, selector: str, key: str = "Enter") -> None:
        """Tab to the button or link `selector` and press it; a page loads."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def skip_to_content(self) -> None:
        """The first Tab stop of a page is the skip link; Enter leads to the main content."""
        self.page.keyboard.press("Tab")
        assert self.focused("a.skip-link"), self.page.evaluate(FOCUS_RING)
        assert self.page.evaluate(FOCUS_RING)["ring"]
        self.page.keyboard.press("Enter")
        assert self.focused("main"), self.page.evaluate(FOCUS_RING)

    def tab_through(self) -> None:
        """Every Tab stop of the page, from the top until the focus leaves it."""
        first = None
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            stop = self.page.evaluate(FOCUS_RING)
            if stop is None or stop == first:
                return
            first = first or stop
            self.stops.append({**stop, "url": self.page.url})
        pytest.fail(f"more than {MAX_TABS} Tab stops on {self.page.url}")

    def logout(self) -> None:
        """Tab to "Log out" and press Enter (no page refused anything under the policy)."""
        assert self.csp_violations == []
        self.press("form[action$='/logout/'] button")
        self.page.wait_for_url(re.compile(r"/login/"))

    def unseen_stops(self) -> list[str]:
        return [
            f"{s['url']}: <{s['tag']}> {s['text']!r} (ring contrast {s['contrast']}:1)"
            for s in self.stops
            if not s["ring"]
        ]


def test_officer_creates_and_submits_a_housing_case_with_the_keyboard_alone(
    live_server: Any,
    browser: Any,
    users: Any,
    config: Any,
    applicant: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    scan = tmp_path / "giay_to.pdf"
    scan.write_bytes(PDF)
    k = Keyboard(browser, live_server.url)
    page = k.page

    # Sign in: the user name field has the focus; type, Tab, type, Enter.
    page.goto(f"{live_server.url}/login/")
    assert k.focused("#id_username")
    page.keyboard.type("officer_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tasks/$"))

    # The menu's "New case".
    k.press("nav a[href$='/cases/new/']")
    assert urlparse(page.url).path == "/cases/new/"

    # The form, field by field; the commune is already chosen (the officer has one).
    k.skip_to_content()
    k.type_into("#id_national_id", applicant.national_id)
    k.choose("#id_program", "Người có công với cách mạng")
    k.choose("#id_kind", "Xây mới")
    k.type_into("#id_requested_amount", "80.000.000")
    k.type_into("#id_description", "Nhà tạm, tường nứt, mái dột.")
    # Back up with Shift+Tab to correct the amount, then on to the button.
    k.tab_to("#id_requested_amount")
    page.keyboard.press("Control+A")
    page.keyboard.type("75.000.000")
    k.press("form[data-testid=case-form] button[type=submit]", "Space")
    case = HousingCase.objects.get()
    assert urlparse(page.url).path == f"/cases/{case.pk}/"
    assert case.requested_amount == 75_000_000

    # The four documents: Space on each row's file field opens the file
    # dialog (where the scan is picked), then one press of the upload button.
    files = page.locator("form[data-testid=upload-form] input[type=file]")
    fields = files.evaluate_all("els => els.map(e => '#' + e.id)")
    assert len(fields) == 4
    # A listener from the start has Playwright take over the file dialogs
    # before the first Space (taken over only on the first `expect_file_chooser`,
    # a dialog opened in that instant goes unseen).
    page.on("filechooser", lambda _chooser: None)
    for field in fields:
        k.tab_to(field)
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(str(scan))
        # The dialog is done only once the field holds the file: Chromium opens
        # no second file dialog while one is still open.
        page.wait_for_function("s => document.querySelector(s).files.length === 1", arg=field)
    k.press("form[data-testid=upload-form] button[type=submit]")
    assert page.locator(".alert-error").count() == 0, page.inner_text("main")
    assert case.documents.count() == 4

    # Submit the case to the commune leader.
    k.press("form[data-action=submit] button[type=submit]")
    assert page.locator(".alert-error").count() == 0, page.inner_text("main")
    case.refresh_from_db()
    assert case.state == HousingState.SUBMITTED

    assert len(k.stops) > 20
    assert k.unseen_stops() == []
    k.logout()


def test_every_tab_stop_shows_where_the_focus_is(
    live_server: Any, browser: Any, make_case: Any
) -> None:
    case = make_case(HousingState.SUBMITTED)
    k = Keyboard(browser, live_server.url)
    k.page.goto(f"{live_server.url}/login/")
    k.tab_through()
    k.login("leader_a")
    for path in ["/tasks/queue/", "/cases/", f"/cases/{case.pk}/", "/notifications/preferences/"]:
        k.page.goto(f"{live_server.url}{path}")
        k.tab_through()
    # The menu, the language buttons, the filters, the case's forms, the links.
    assert len(k.stops) > 60
    assert k.unseen_stops() == []
    k.logout()
