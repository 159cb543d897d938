"""The demo mailbox (`run_mailbox`): a real SMTP server the worker delivers to,
filing messages in a Maildir that `run_mailbox --list` (or a mail client) reads."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from notifications.models import Notification
from notifications.services import notifications_enqueue

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the mailbox did not start")


def test_the_worker_delivers_into_the_local_mailbox(users, tmp_path: Path):
    port, maildir = _free_port(), tmp_path / "mail"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run_mailbox", "--port", str(port), "--maildir", maildir],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    try:
        _wait_for(port)
        users.leader.email = "leader@ldtbxh.local"
        users.leader.save()
        notifications_enqueue(
            recipients=[users.leader], event="task_waiting", title="HT-2024-000001 đang chờ bạn"
        )
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        ):
            call_command("deliver_notifications", "--once", stdout=StringIO())
        assert Notification.objects.get().email_status == Notification.EmailStatus.SENT
        out = StringIO()
        call_command(
            "run_mailbox", "--list", "--maildir", str(maildir), "--to", "leader@", stdout=out
        )
        text = out.getvalue()
        assert "To: leader@ldtbxh.local" in text
        assert "HT-2024-000001 đang chờ bạn" in text
        assert "1 message(s)" in text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    assert server.returncode == 0
