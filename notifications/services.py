"""Writing notifications to the outbox (inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from notifications.models import Notification, NotificationPreference
from notifications.selectors import notifications_for_user
from workflows.actors import User
from workflows.permissions import role_holders_sql


def notifications_enqueue(
    *,
    recipients: Iterable[Any],
    event: str,
    title: str,
    body: str = "",
    url: str = "",
    case_id: int | None = None,
    commune_id: int | None = None,
    exclude_user_id: int | None = None,
) -> int:
    """One outbox row per recipient (users or ids; the actor is never notified
    of their own act). Returns the number of rows written."""
    rows = [
        Notification(
            recipient_id=user_id,
            case_id=case_id,
            commune_id=commune_id,
            event=event,
            title=title[:200],
            body=body,
            url=url,
        )
        for user_id in sorted({getattr(u, "pk", u) for u in recipients})
        if user_id != exclude_user_id
    ]
    return len(Notification.objects.bulk_create(rows))


def notifications_enqueue_for_role(
    *,
    role: str,
    commune_id: int | None,
    event: str,
    title: str,
    body: str = "",
    url: str = "",
    case_id: int | None = None,
    exclude_user_id: int | None = None,
) -> int:
    """One outbox row per active holder of `role` (in that commune), written
    by a single INSERT ... SELECT without reading the users first."""
    holders, params = role_holders_sql(role, commune_id)
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Notification._meta.db_table}
                (recipient_id, case_id, commune_id, event, title, body, url, created_at,
                 read_at, email_status, attempts)
                SELECT u.id, %s, %s, %s, %s, %s, %s, now(), NULL, %s, 0
                  FROM auth_user u
                 WHERE u.is_active AND u.id IS DISTINCT FROM %s AND u.id IN ({holders})""",
            [
                case_id,
                commune_id,
                event,
                title[:200],
                body,
                url,
                Notification.EmailStatus.PENDING,
                exclude_user_id,
                *params,
            ],
        )
        return cur.rowcount


def notifications_mark_read(*, user: User, pk: int | None = None) -> Notification | None:
    """Mark one notification of `user` read (or all, without `pk`).

    Returns the notification, or None when `pk` is not one of the user's.
    """
    from django.utils import timezone

    mine = notifications_for_user(user)
    if pk is None:
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return None
    note = mine.filter(pk=pk).first()
    if note is not None and note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notifications_mark_read_for_case(*, user: User, case_id: int) -> int:
    """The user opened the case: its unread notifications are read."""
    from django.utils import timezone

    return Notification.objects.filter(
        recipient=user, case_id=case_id, read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_email_retry(*, actor: User, queryset: QuerySet[Notification]) -> int:
    """Put parked (failed) or skipped emails back in the queue with a fresh set
    of attempts; rows already sent or still pending are left alone (resending a
    sent email would be a duplicate). Returns the number of rows requeued."""
    return queryset.filter(
        email_status__in=[Notification.EmailStatus.FAILED, Notification.EmailStatus.SKIPPED]
    ).update(
        email_status=Notification.EmailStatus.PENDING,
        attempts=0,
        next_attempt_at=None,
        claimed_until=None,
        claimed_by="",
        last_error="",
    )


def notification_preference_set(
    *,
    actor: User,
    user: User,
    email_enabled: bool | None = None,
    digest: str | None = None,
    muted_events: Iterable[str] | None = None,
) -> NotificationPreference:
    """Create or change `user`'s email preferences (only the arguments given).

    In-app notifications are unaffected; they are always written."""
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    if email_enabled is not None:
        pref.email_enabled = email_enabled
    if digest is not None:
        pref.digest = NotificationPreference.Digest(digest)
    if muted_events is not None:
        pref.muted_events = sorted(set(muted_events))
    pref.save()
    return pref
