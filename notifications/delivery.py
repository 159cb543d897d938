"""Email delivery of the notification outbox: claim, send, mark.

Claiming. A worker claims a batch of due rows in one short autocommit
statement: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks rows that are pending,
due (``next_attempt_at``) and not under someone else's live lease, and the
same statement stamps them with ``claimed_by`` (this worker) and
``claimed_until`` (now + lease) and counts the attempt. The row lock lasts only
for that statement; from then on the lease is what keeps other workers away,
so no transaction stays open across the SMTP conversation.

Marking. Each row is marked ``sent`` in its own autocommit UPDATE right after
the SMTP server accepted it, guarded by ``claimed_by = me`` (a worker whose
lease ran out cannot overwrite a newer claim). Failures schedule a retry with
exponential backoff; after ``NOTIFICATIONS_EMAIL_MAX_ATTEMPTS`` the row is
parked as ``failed`` for an admin to look at and retry (see admin.py).

Exactly once, and where it stops. A worker killed after the claim and before
the send leaves a leased row nobody sends; when the lease expires another
worker claims it and sends it: delivered once. A worker killed between
batches loses nothing: each row was marked as it was sent. The one window
left is between the SMTP server's "250 OK" and our UPDATE: no protocol can
make an SMTP send and a database write atomic, so a kill exactly there means
the row is sent again after the lease (at-least-once). The window is one
message wide (rows are marked one by one), and every email of a notification
carries the same Message-ID (``<notification-<id>@host>``) so mail clients and
servers that de-duplicate on it show it once. We chose this over "mark, then
send", which would turn the same crash into a lost email: a duplicate is
better than a silently dropped notification.

The lease must outlast one batch (batch size x EMAIL_TIMEOUT); a worker also
stops sending from a batch whose lease is nearly spent and hands the rest back.
A row whose last allowed attempt died with its worker is parked, so a message
that crashes workers cannot crash them forever.

Settings (all optional, read with getattr): NOTIFICATIONS_EMAIL_MAX_ATTEMPTS
(5), NOTIFICATIONS_RETRY_BASE_SECONDS (60, doubled per failure),
NOTIFICATIONS_RETRY_MAX_SECONDS (6 h), NOTIFICATIONS_LEASE_SECONDS (300),
NOTIFICATIONS_BATCH_SIZE (20), NOTIFICATIONS_EMAIL_LANGUAGE ("vi"),
EMAIL_TIMEOUT (30 s here when unset).

Daily digests: users with ``digest=daily`` are left alone by the worker and
emailed by ``manage.py deliver_notifications --digest``, to be run once a day
(a systemd timer or cron at, say, 07:00): one email per user with everything
pending for them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from notifications.emails import build_digest, build_message, skip_reason
from notifications.models import Notification, NotificationPreference
from workflows.actors import User

log = logging.getLogger(__name__)

TABLE = Notification._meta.db_table
PREF_TABLE = NotificationPreference._meta.db_table
PENDING = Notification.EmailStatus.PENDING
SENT = Notification.EmailStatus.SENT
FAILED = Notification.EmailStatus.FAILED
SKIPPED = Notification.EmailStatus.SKIPPED


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", 5))


def lease_seconds() -> float:
    return float(_setting("NOTIFICATIONS_LEASE_SECONDS", 300))


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the `attempts`-th failure: base, 2x base, 4x base ... capped."""
    base = float(_setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60))
    cap = float(_setting("NOTIFICATIONS_RETRY_MAX_SECONDS", 6 * 3600))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Report:
    sent: int = 0
    skipped: int = 0
    failed: int = 0  # failed this time (retry scheduled or parked)
    parked: int = 0
    emails: int = 0  # messages accepted by the SMTP server (a digest is one)

    def add(self, other: Report) -> None:
        for name in ("sent", "skipped", "failed", "parked", "emails"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.failed


# --- claiming and marking (each a single autocommit statement) ---------------

_DAILY = f"""EXISTS (SELECT 1 FROM {PREF_TABLE} p
                     WHERE p.user_id = n.recipient_id AND p.email_enabled
                       AND p.digest = '{NotificationPreference.Digest.DAILY}')"""


def _claim(*, worker: str, limit: int, digest: bool) -> list[int]:
    """Lease up to `limit` due rows to `worker`; returns their ids.

    Immediate delivery leaves the rows of daily-digest users alone; the digest
    run takes only those."""
    who = _DAILY if digest else f"NOT {_DAILY}"
    with connection.cursor() as cur:
        cur.execute(
            f"""WITH due AS (
                    SELECT n.id FROM {TABLE} n
                     WHERE n.email_status = %s
                       AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= now())
                       AND (n.claimed_until IS NULL OR n.claimed_until < now())
                       AND {who}
                     ORDER BY n.id
                     LIMIT %s
                       FOR UPDATE OF n SKIP LOCKED)
                UPDATE {TABLE} n
                   SET claimed_by = %s,
                       claimed_until = now() + make_interval(secs => %s),
                       attempts = n.attempts + 1
                  FROM due WHERE n.id = due.id
             RETURNING n.id""",
            [PENDING, limit, worker, lease_seconds()],
        )
        return sorted(row[0] for row in cur.fetchall())


def _park_abandoned() -> int:
    """Park rows whose last allowed attempt died with its worker (lease expired
    without a mark): a message that crashes every worker must not keep doing
    so. The admin sees it among the failed rows and may retry it."""
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE}
                   SET email_status = %s, claimed_until = NULL,
                       last_error = 'the worker stopped during the last attempt'
                 WHERE email_status = %s AND attempts >= %s AND claimed_until < now()""",
            [FAILED, PENDING, max_attempts()],
        )
        if cur.rowcount:
            log.error("parked %d notifications abandoned by dead workers", cur.rowcount)
        return cur.rowcount


def _mark(ids: Iterable[int], *, worker: str, status: str, error: str = "") -> int:
    """Final state for rows this worker still holds: sent or skipped."""
    ids = list(ids)
    if not ids:
        return 0
    sent_at = "now()" if status == SENT else "sent_at"
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE}
                   SET email_status = %s, claimed_until = NULL, last_error = %s,
                       sent_at = {sent_at}
                 WHERE id = ANY(%s) AND claimed_by = %s AND email_status = %s""",
            [status, error, ids, worker, PENDING],
        )
        if cur.rowcount != len(ids):
            log.warning("worker %s lost the lease of some of %s before marking", worker, ids)
        return cur.rowcount


def _mark_sent(ids: list[int], *, worker: str) -> int:
    return _mark(ids, worker=worker, status=SENT)


def _mark_failed(ids: list[int], *, worker: str, error: str) -> tuple[int, int]:
    """Schedule a retry with backoff, or park after the last attempt.
    Returns (retried, parked)."""
    limit = max_attempts()
    retried = parked = 0
    rows = Notification.objects.filter(pk__in=ids, claimed_by=worker, email_status=PENDING)
    for pk, attempts in rows.values_list("pk", "attempts"):
        if attempts >= limit:
            changes: dict[str, Any] = {"email_status": FAILED}
            parked += 1
        else:
            changes = {"next_attempt_at": timezone.now() + retry_delay(attempts)}
            retried += 1
        Notification.objects.filter(pk=pk, claimed_by=worker).update(
            claimed_until=None, last_error=error[:2000], **changes
        )
    return retried, parked


def _release(ids: list[int], *, worker: str) -> None:
    """Hand back rows we claimed but will not send now; the attempt is not counted."""
    Notification.objects.filter(pk__in=ids, claimed_by=worker, email_status=PENDING).update(
        claimed_until=None, attempts=F("attempts") - 1
    )


# --- sending -----------------------------------------------------------------


def _connection() -> Any:
    """The configured email backend, with a timeout: a hung SMTP server must
    not hold a batch past its lease (Django's default is to wait forever)."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
    return get_connection(fail_silently=False, timeout=timeout)


def _send(conn: Any, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises when it is not accepted.

    The connection is opened here and stays open for the rest of the batch
    (`send_messages` closes only a connection it opened itself): one SMTP
    session per batch, not per message (measured: 2x the throughput)."""
    conn.open()
    if conn.send_messages([message]) != 1:
        raise RuntimeError("the email backend did not send the message")


def _load(ids: list[int]) -> list[Notification]:
    notes = list(
        Notification.objects.filter(pk__in=ids)
        .select_related("recipient", "recipient__notification_preference")
        .order_by("id")
    )
    return notes


def _pref(user: User) -> NotificationPreference | None:
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return None


def _reset(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # a broken connection may fail to QUIT; it is dropped anyway
        conn.connection = None


def deliver_batch(
    *, worker: str, batch_size: int | None = None, stop: threading.Event | None = None
) -> Report:
    """Claim one batch of due immediate notifications and email them. When
    `stop` is set (SIGTERM) the message in hand is finished and marked, and
    the rest of the batch is handed back."""
    batch_size = batch_size or int(_setting("NOTIFICATIONS_BATCH_SIZE", 20))
    report = Report(parked=_park_abandoned())
    ids = _claim(worker=worker, limit=batch_size, digest=False)
    if not ids:
        return report
    started = time.monotonic()
    deadline = started + lease_seconds() * 0.8
    notes = _load(ids)
    conn = _connection()
    try:
        for index, note in enumerate(notes):
            if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                _release([n.pk for n in notes[index:]], worker=worker)
                break
            reason = skip_reason(note, _pref(note.recipient))
            if reason:
                report.skipped += _mark([note.pk], worker=worker, status=SKIPPED, error=reason)
                continue
            try:
                _send(conn, build_message(note))
            except Exception as exc:  # SMTP refusals, connection errors, timeouts
                log.warning("email of notification %s failed: %r", note.pk, exc)
                retried, parked = _mark_failed([note.pk], worker=worker, error=repr(exc))
                report.failed += retried + parked
                report.parked += parked
                _reset(conn)
                continue
            report.emails += 1
            report.sent += _mark_sent([note.pk], worker=worker)
    finally:
        _reset(conn)
    return report


def deliver_due(
    *,
    worker: str | None = None,
    batch_size: int | None = None,
    stop: threading.Event | None = None,
) -> Report:
    """Drain what is due now (batch after batch) and return the totals."""
    worker = worker or new_worker_id()
    total = Report()
    while stop is None or not stop.is_set():
        report = deliver_batch(worker=worker, batch_size=batch_size, stop=stop)
        total.add(report)
        if report.handled == 0:
            break
    return total


def deliver_digests(*, worker: str | None = None, limit: int = 10_000) -> Report:
    """One email per daily-digest user with everything pending for them.

    Meant to run once a day (``deliver_notifications --digest`` from a timer);
    each run sends what accumulated since the previous one."""
    worker = worker or new_worker_id()
    report = Report(parked=_park_abandoned())
    ids = _claim(worker=worker, limit=limit, digest=True)
    if not ids:
        return report
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in _load(ids):
        by_user[note.recipient_id].append(note)
    conn = _connection()
    try:
        for notes in by_user.values():
            user = notes[0].recipient
            wanted: list[Notification] = []
            for note in notes:
                reason = skip_reason(note, _pref(user))
                if reason:
                    report.skipped += _mark([note.pk], worker=worker, status=SKIPPED, error=reason)
                else:
                    wanted.append(note)
            if not wanted:
                continue
            pks = [n.pk for n in wanted]
            try:
                _send(conn, build_digest(user, wanted))
            except Exception as exc:
                log.warning("digest for user %s failed: %r", user.pk, exc)
                retried, parked = _mark_failed(pks, worker=worker, error=repr(exc))
                report.failed += retried + parked
                report.parked += parked
                _reset(conn)
                continue
            report.emails += 1
            report.sent += _mark_sent(pks, worker=worker)
    finally:
        _reset(conn)
    return report


@dataclass
class Worker:
    """The long-running loop: drain, sleep `poll` seconds, until `stop` is set."""

    poll: float = 5.0
    batch_size: int | None = None
    worker_id: str = field(default_factory=new_worker_id)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> Report:
        total = Report()
        while not self.stop.is_set():
            close_old_connections()  # a worker outlives database restarts
            try:
                report = deliver_due(
                    worker=self.worker_id, batch_size=self.batch_size, stop=self.stop
                )
            except Exception:
                # A database hiccup must not kill the worker; leased rows come back
                # when their lease expires.
                log.exception("notification delivery loop failed; retrying")
                connection.close()
                report = Report()
            total.add(report)
            if report.handled == 0:
                self.stop.wait(self.poll)
        return total
