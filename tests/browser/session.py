"""One person at the keyboard of a headless Chromium: logs in, acts, logs out.

The browser tests subclass it with the actions of their pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD, totp_code, totp_device

SHOTS = Path("/tmp/shots")


class BrowserSession:
    shot_prefix = "e2e"

    def __init__(self, browser: Any, base_url: str) -> None:
        # A Vietnamese browser; the UI would be Vietnamese anyway (the default).
        self.context = browser.new_context(
            locale="vi-VN", viewport={"width": 1366, "height": 900}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        # Chromium reports each refusal of the Content-Security-Policy on the console.
        self.csp_violations: list[str] = []
        self.page.on("console", self._note_csp_violation)
        self.base = base_url
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def shot(self, name: str) -> None:
        self.step += 1
        path = SHOTS / f"{self.shot_prefix}-{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def login(self, username: str) -> None:
        """The password, then (office heads, accountants, administrators) the
        code their authenticator app shows, computed from their device."""
        from django.contrib.auth import get_user_model

        from cases.accounts.second_factor import requires_second_factor

        user = get_user_model().objects.get(username=username)
        device = totp_device(user) if requires_second_factor(user) else None
        page = self.page
        page.goto(f"{self.base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click(".login-card button[type=submit]")
        if device is not None:
            page.wait_for_url(re.compile(r"/account/second-factor/"))
            page.fill("#id_code", totp_code(device))
            with page.expect_navigation():
                page.click("[data-testid=otp-form] button[type=submit]")
        page.wait_for_url(re.compile(r"/tasks/$"))

    def _note_csp_violation(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def logout(self) -> None:
        # Every page this person saw ran under the policy with nothing refused.
        assert self.csp_violations == []
        with self.page.expect_navigation():
            self.page.click("form[action$='/logout/'] button")
        self.page.wait_for_url(re.compile(r"/login/"))
