"""A real SMTP server (aiosmtpd) on a free local port, and Django pointed at it."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings


@dataclass
class Mailbox:
    """What the SMTP server accepted; `refuse` makes it answer 451 to DATA."""

    messages: list[ParsedMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    refuse: bool = False
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if self.refuse:
                self.refused += 1
                return "451 4.3.0 Try again later"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(msg)  # type: ignore[arg-type]
            self.raw.append(envelope.content)
        return "250 OK"

    def raw_header(self, index: int, name: str) -> str:
        """A header as it travelled (RFC 2047 encoded words, unfolded)."""
        value = email.message_from_bytes(self.raw[index], policy=email.policy.compat32)[name]
        return "".join(str(value).splitlines()).strip()

    def by_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for msg in self.messages:
            counts[msg["X-Envelope-To"]] = counts.get(msg["X-Envelope-To"], 0) + 1
        return counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, Controller]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
            SITE_URL="https://motcua.example.vn",
        ):
            yield box, controller
    finally:
        try:
            controller.stop()
        except AssertionError:  # already stopped by the test
            pass


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, Controller]) -> Mailbox:
    return smtp[0]
