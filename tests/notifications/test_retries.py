"""SMTP failures: retried with exponential backoff, parked after the last
attempt, listed for admins and sent again on their request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from notifications.delivery import deliver_due, retry_delay
from notifications.models import Notification

from .conftest import Mailbox
from .helpers import enqueue, make_due, people


@pytest.fixture
def retry_settings(settings: Any) -> None:
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60


def _assert_backoff(note: Notification, seconds: int) -> None:
    assert note.next_attempt_at is not None
    wait = note.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=seconds - 5) < wait <= dt.timedelta(seconds=seconds)


def test_refused_email_is_retried_with_growing_backoff_then_parked(
    db: Any, mailbox: Mailbox, retry_settings: None
) -> None:
    enqueue(people(1))
    mailbox.refuse = True

    first = deliver_due()
    note = Notification.objects.get()
    assert (first.failed, first.parked) == (1, 0)
    assert (note.email_status, note.attempts, note.claimed_until) == ("pending", 1, None)
    assert "451" in note.last_error
    _assert_backoff(note, 60)
    assert deliver_due().handled == 0  # not due before its backoff ends

    make_due()
    deliver_due()
    note.refresh_from_db()
    assert (note.email_status, note.attempts) == ("pending", 2)
    _assert_backoff(note, 120)

    make_due()
    last = deliver_due()
    note.refresh_from_db()
    assert (last.failed, last.parked) == (1, 1)
    assert (note.email_status, note.attempts) == ("failed", 3)
    assert mailbox.refused == 3 and mailbox.messages == []

    make_due()
    assert deliver_due().handled == 0  # parked: never picked up again by itself


def test_stopped_smtp_server_means_retry_later_not_loss(
    db: Any, smtp: tuple[Mailbox, Controller], retry_settings: None
) -> None:
    mailbox, controller = smtp
    enqueue(people(2))
    controller.stop()

    report = deliver_due()

    assert report.failed == 2
    assert set(Notification.objects.values_list("email_status", "attempts")) == {("pending", 1)}
    errors = Notification.objects.values_list("last_error", flat=True)
    assert all("Connection refused" in e for e in errors)

    restarted = Controller(mailbox, hostname="127.0.0.1", port=controller.port)
    restarted.start()
    try:
        make_due()
        assert deliver_due().sent == 2
    finally:
        restarted.stop()
    assert len(mailbox.messages) == 2


def test_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 3600
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8)] == [60, 120, 240, 480, 3600]


def test_admin_lists_parked_emails_and_sends_them_again(
    db: Any, admin_client: Any, mailbox: Mailbox, retry_settings: None
) -> None:
    ok, stuck = people(2)
    enqueue([ok, stuck])
    Notification.objects.filter(recipient=stuck).update(
        email_status="failed", attempts=3, last_error="SMTPDataError(451)"
    )
    Notification.objects.filter(recipient=ok).update(email_status="sent")
    parked = Notification.objects.get(recipient=stuck)

    page = admin_client.get("/admin/notifications/notification/?email_status__exact=failed")
    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [parked]

    everything = Notification.objects.values_list("pk", flat=True)
    admin_client.post(
        "/admin/notifications/notification/",
        {"action": "retry_email", "_selected_action": list(everything)},
    )
    parked.refresh_from_db()
    assert (parked.email_status, parked.attempts, parked.last_error) == ("pending", 0, "")
    assert Notification.objects.get(recipient=ok).email_status == "sent"  # not resent

    assert deliver_due().sent == 1
    assert [m["X-Envelope-To"] for m in mailbox.messages] == [stuck.email]
