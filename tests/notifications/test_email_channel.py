"""The email channel against a real SMTP server: who gets what, in Vietnamese,
with the absolute link to the case."""

from __future__ import annotations

from email.header import decode_header, make_header
from types import SimpleNamespace
from typing import Any

from notifications.delivery import deliver_due
from notifications.models import Notification

from .conftest import Mailbox
from .helpers import enqueue, people


def _give_emails(users: SimpleNamespace) -> None:
    for user in vars(users).values():
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])


def test_commune_leader_gets_a_vietnamese_email_with_the_case_link_when_a_case_is_submitted(
    mailbox: Mailbox, users: SimpleNamespace, make_case: Any
) -> None:
    _give_emails(users)
    case = make_case("submitted")

    report = deliver_due()

    assert [m["X-Envelope-To"] for m in mailbox.messages] == ["leader_a@example.test"]
    assert report.sent == 1 and report.emails == 1
    message = mailbox.messages[0]
    raw_subject = mailbox.raw_header(0, "Subject")
    assert raw_subject.lower().startswith("=?utf-8?")  # RFC 2047 on the wire
    assert str(make_header(decode_header(raw_subject))) == (
        f"[LĐTBXH] Hồ sơ {case.reference} đang chờ bạn xử lý: Đã nộp"
    )
    body = message.get_content()
    assert f"https://motcua.example.vn/cases/{case.pk}/" in body
    assert body.startswith("Kính gửi Thử leader_a,")
    note = Notification.objects.get(recipient=users.leader)
    assert (note.email_status, note.attempts, note.claimed_until) == ("sent", 1, None)
    assert note.sent_at is not None
    assert note.read_at is None  # emailing does not read it for the user


def test_other_commune_users_are_not_emailed_about_a_case(
    mailbox: Mailbox, users: SimpleNamespace, make_case: Any
) -> None:
    _give_emails(users)
    make_case("commune_verified")

    deliver_due()

    recipients = {m["X-Envelope-To"] for m in mailbox.messages}
    assert "leader_b@example.test" not in recipients
    assert "officer_b@example.test" not in recipients
    assert "specialist@example.test" in recipients


def test_recipient_without_email_address_is_skipped_not_retried(db: Any, mailbox: Mailbox) -> None:
    (user,) = people(1)
    user.email = ""
    user.save()
    enqueue([user])

    report = deliver_due()

    assert mailbox.messages == []
    assert report.skipped == 1
    note = Notification.objects.get()
    assert (note.email_status, note.last_error) == ("skipped", "no email address")


def test_sent_notifications_are_not_sent_again(db: Any, mailbox: Mailbox) -> None:
    enqueue(people(2), per_user=2)

    assert deliver_due().sent == 4
    assert deliver_due().handled == 0
    assert len(mailbox.messages) == 4
