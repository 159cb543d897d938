"""Several workers, and workers that die: every notification is emailed once
(and, in the one window SMTP leaves open, at least once: see delivery.py)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from notifications import delivery
from notifications.delivery import Report, Worker, deliver_due
from notifications.models import Notification

from .conftest import Mailbox
from .helpers import enqueue, expire_leases, notification_id, people


class Killed(BaseException):
    """A worker dying (SIGKILL, OOM): not an Exception, so nothing catches it."""


def _delivered(mailbox: Mailbox) -> Counter[int]:
    return Counter(notification_id(m) for m in mailbox.messages)


@pytest.mark.django_db(transaction=True)
def test_two_workers_in_parallel_email_each_notification_exactly_once(mailbox: Mailbox) -> None:
    ids = enqueue(people(10), per_user=20)
    start = threading.Barrier(2)
    reports: dict[str, Report] = {}

    def work(name: str) -> None:
        try:
            start.wait()
            reports[name] = deliver_due(worker=name, batch_size=7)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=work, args=(n,)) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert _delivered(mailbox) == Counter({pk: 1 for pk in ids})
    assert sum(r.sent for r in reports.values()) == len(ids) == 200
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}
    # Both took part, proving the claims really interleaved rather than queued.
    assert set(Notification.objects.values_list("claimed_by", flat=True)) == {"w1", "w2"}


@pytest.mark.django_db(transaction=True)
def test_worker_loop_delivers_new_notifications_and_stops_when_asked(mailbox: Mailbox) -> None:
    worker = Worker(poll=0.05)

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        ids = enqueue(people(3))
        deadline = time.monotonic() + 10
        while len(mailbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert _delivered(mailbox) == Counter({pk: 1 for pk in ids})


def test_worker_killed_after_claim_before_send_then_restarted_delivers_each_once(
    db: Any, mailbox: Mailbox, monkeypatch: Any
) -> None:
    ids = enqueue(people(4), per_user=2)
    real_send = delivery._send
    calls = {"n": 0}

    def dying_send(conn: Any, message: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed
        real_send(conn, message)

    monkeypatch.setattr(delivery, "_send", dying_send)
    with pytest.raises(Killed):
        deliver_due(worker="dead", batch_size=5)
    assert len(mailbox.messages) == 2
    monkeypatch.setattr(delivery, "_send", real_send)

    # The dead worker's lease still holds the rest of its batch...
    report = deliver_due(worker="second")
    assert report.sent == 3  # ...so only the next batch goes now
    expire_leases()
    report = deliver_due(worker="third")
    assert report.sent == 3  # the 3 the dead worker held and never sent

    assert _delivered(mailbox) == Counter({pk: 1 for pk in ids})
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}


def test_worker_killed_between_batches_then_restarted_delivers_each_once(
    db: Any, mailbox: Mailbox, monkeypatch: Any
) -> None:
    ids = enqueue(people(12))
    real_claim = delivery._claim
    calls = {"n": 0}

    def dying_claim(**kwargs: Any) -> list[int]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        return real_claim(**kwargs)

    monkeypatch.setattr(delivery, "_claim", dying_claim)
    with pytest.raises(Killed):
        deliver_due(worker="dead", batch_size=5)
    monkeypatch.setattr(delivery, "_claim", real_claim)
    assert len(mailbox.messages) == 5

    assert deliver_due(worker="second", batch_size=5).sent == 7  # no lease to wait for
    assert _delivered(mailbox) == Counter({pk: 1 for pk in ids})


def test_worker_killed_after_send_before_marking_resends_that_one_email_after_the_lease(
    db: Any, mailbox: Mailbox, monkeypatch: Any
) -> None:
    """The documented at-least-once window: the SMTP server accepted the email
    and the worker died before recording it. After the lease the row is sent
    again, with the same Message-ID so mail clients can fold the two; every
    other notification is still emailed exactly once."""
    ids = enqueue(people(3))
    real_mark = delivery._mark_sent

    def dying_mark(ids: list[int], *, worker: str) -> int:
        raise Killed

    monkeypatch.setattr(delivery, "_mark_sent", dying_mark)
    with pytest.raises(Killed):
        deliver_due(worker="dead")
    monkeypatch.setattr(delivery, "_mark_sent", real_mark)
    assert _delivered(mailbox) == Counter({ids[0]: 1})
    assert deliver_due(worker="second").handled == 0  # all still leased to "dead"

    expire_leases()
    assert deliver_due(worker="third").sent == 3

    assert _delivered(mailbox) == Counter({ids[0]: 2, ids[1]: 1, ids[2]: 1})
    first, again = (m for m in mailbox.messages if notification_id(m) == ids[0])
    assert first["Message-ID"] == again["Message-ID"]
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}
    assert Notification.objects.get(pk=ids[0]).attempts == 2


def test_notification_that_kills_every_worker_is_parked_after_the_last_attempt(
    db: Any, mailbox: Mailbox, monkeypatch: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 2
    (pk,) = enqueue(people(1))

    def dying_send(conn: Any, message: Any) -> None:
        raise Killed

    monkeypatch.setattr(delivery, "_send", dying_send)
    for _attempt in range(2):
        with pytest.raises(Killed):
            deliver_due()
        expire_leases()

    report = deliver_due()

    note = Notification.objects.get(pk=pk)
    assert (report.parked, note.email_status, note.attempts) == (1, "failed", 2)
    assert note.last_error == "the worker stopped during the last attempt"
    assert mailbox.messages == []


def test_worker_hands_back_what_it_cannot_send_within_its_lease(
    db: Any, mailbox: Mailbox, settings: Any
) -> None:
    settings.NOTIFICATIONS_LEASE_SECONDS = 0  # already spent when the batch starts
    enqueue(people(3))

    report = delivery.deliver_batch(worker="slow")

    assert report.handled == 0 and mailbox.messages == []
    rows = set(Notification.objects.values_list("email_status", "attempts", "claimed_until"))
    assert rows == {("pending", 0, None)}  # claimable at once, the attempt not counted


def test_stopping_worker_finishes_the_message_in_hand_and_hands_back_the_rest(
    db: Any, mailbox: Mailbox, monkeypatch: Any
) -> None:
    ids = enqueue(people(5))
    stop = threading.Event()
    real_send = delivery._send

    def send_then_sigterm(conn: Any, message: Any) -> None:
        real_send(conn, message)
        stop.set()  # SIGTERM arrives while the first email is on the wire

    monkeypatch.setattr(delivery, "_send", send_then_sigterm)
    report = deliver_due(worker="stopping", stop=stop)

    assert report.sent == 1
    assert Notification.objects.get(pk=ids[0]).email_status == "sent"
    rest = set(Notification.objects.exclude(pk=ids[0]).values_list("email_status", "claimed_until"))
    assert rest == {("pending", None)}  # the next worker takes them at once
