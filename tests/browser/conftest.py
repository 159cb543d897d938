"""Debian's chromium driven by Playwright, shared by the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# by the tests between browser steps are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        # Never skipped: `make test` installs it (apt, as root) before the suite runs.
        pytest.fail("Debian's chromium is missing at /usr/bin/chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        # The test's ORM calls ran while Playwright's loop was active, on a
        # connection Django will not find again afterwards: close it here, or it
        # stays open and the test database cannot be dropped.
        connections.close_all()
        browser.close()
