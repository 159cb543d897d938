"""The worker as it runs in production: a separate process, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from notifications.models import Notification

from .conftest import Mailbox
from .helpers import enqueue, people

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """DATABASE_URL of this run, pointing at the test database."""
    url = urlsplit(settings.DATABASE_URL)
    return urlunsplit(url._replace(path="/" + settings.DATABASES["default"]["NAME"]))


@pytest.mark.django_db(transaction=True)
def test_worker_process_delivers_then_exits_cleanly_on_sigterm(
    smtp: tuple[Mailbox, Controller],
) -> None:
    mailbox, controller = smtp
    ids = enqueue(people(3))
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "deliver_notifications", "--poll", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(mailbox.messages) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.splitlines()[-1] == "sent 3, skipped 0, failed 0 (parked 0), emails 3"
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}
