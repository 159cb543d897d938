"""Per-user email preferences: off, muted events, daily digest. In-app
notifications are always kept."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from notifications.delivery import deliver_digests, deliver_due
from notifications.models import Notification
from notifications.selectors import notification_unread_count
from notifications.services import notification_preference_set

from .conftest import Mailbox
from .helpers import enqueue, people


def test_user_who_turned_email_off_gets_no_email_but_keeps_the_in_app_notification(
    db: Any, mailbox: Mailbox
) -> None:
    quiet, loud = people(2)
    notification_preference_set(actor=quiet, user=quiet, email_enabled=False)
    enqueue([quiet, loud])

    report = deliver_due()

    assert [m["X-Envelope-To"] for m in mailbox.messages] == [loud.email]
    assert (report.sent, report.skipped) == (1, 1)
    note = Notification.objects.get(recipient=quiet)
    assert (note.email_status, note.last_error) == ("skipped", "email turned off by the user")
    assert notification_unread_count(quiet) == 1


def test_muted_event_is_not_emailed_other_events_are(db: Any, mailbox: Mailbox) -> None:
    (user,) = people(1)
    notification_preference_set(actor=user, user=user, muted_events=["case_finished"])
    enqueue([user], event="case_finished")
    enqueue([user], event="task_waiting")

    deliver_due()

    statuses = dict(Notification.objects.values_list("event", "email_status"))
    assert statuses == {"case_finished": "skipped", "task_waiting": "sent"}
    assert len(mailbox.messages) == 1
    assert notification_unread_count(user) == 2


def test_daily_digest_user_gets_one_email_with_all_pending_notifications(
    db: Any, mailbox: Mailbox
) -> None:
    digest_user, immediate_user = people(2)
    notification_preference_set(actor=digest_user, user=digest_user, digest="daily")
    enqueue([digest_user, immediate_user], per_user=3)

    deliver_due()  # the immediate worker leaves digest rows for the digest run
    assert [m["X-Envelope-To"] for m in mailbox.messages] == [immediate_user.email] * 3
    assert set(
        Notification.objects.filter(recipient=digest_user).values_list("email_status", flat=True)
    ) == {"pending"}

    report = deliver_digests()

    assert (report.emails, report.sent) == (1, 3)
    digest = mailbox.messages[-1]
    assert digest["X-Envelope-To"] == digest_user.email
    assert digest["Subject"].strip().startswith("[LĐTBXH] 3 thông báo, ngày ")
    body = digest.get_content()
    for n in (1, 2, 3):
        assert f"https://motcua.example.vn/cases/{n}/" in body
    assert set(
        Notification.objects.filter(recipient=digest_user).values_list("email_status", flat=True)
    ) == {"sent"}
    assert deliver_digests().emails == 0  # nothing left for a second run


def test_digest_skips_muted_events_and_sends_nothing_when_all_are_muted(
    db: Any, mailbox: Mailbox
) -> None:
    (user,) = people(1)
    notification_preference_set(
        actor=user, user=user, digest="daily", muted_events=["case_finished"]
    )
    enqueue([user], per_user=2, event="case_finished")

    report = deliver_digests()

    assert (report.emails, report.skipped) == (0, 2)
    assert mailbox.messages == []


def test_command_once_and_digest_report_what_they_did(
    db: Any, mailbox: Mailbox, capsys: Any
) -> None:
    immediate, daily = people(2)
    notification_preference_set(actor=daily, user=daily, digest="daily")
    enqueue([immediate, daily], per_user=2)

    call_command("deliver_notifications", "--once")
    call_command("deliver_notifications", "--digest")

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "sent 2, skipped 0, failed 0 (parked 0), emails 2",
        "sent 2, skipped 0, failed 0 (parked 0), emails 1",
    ]
    assert len(mailbox.messages) == 3
