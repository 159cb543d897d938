"""Small builders shared by the notification tests."""

from __future__ import annotations

from typing import Any

from django.db import connection

from notifications.models import Notification
from notifications.services import notifications_enqueue
from tests.factories import UserFactory


def people(count: int, prefix: str = "nv") -> list[Any]:
    return [UserFactory(username=f"{prefix}{i}") for i in range(count)]


def enqueue(users: list[Any], per_user: int = 1, event: str = "task_waiting") -> list[int]:
    """`per_user` outbox rows for each user; returns their ids in order."""
    for n in range(per_user):
        notifications_enqueue(
            recipients=users,
            event=event,
            title=f"Hồ sơ HT-{n:04d} đang chờ bạn xử lý",
            body="Cán bộ xã: Nộp hồ sơ.",
            url=f"/cases/{n + 1}/",
        )
    return list(Notification.objects.order_by("id").values_list("id", flat=True))


def expire_leases() -> None:
    """What the clock does to a dead worker's claims after the lease time."""
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Notification._meta.db_table} SET claimed_until = now() - interval '1 second'"
            " WHERE claimed_until IS NOT NULL"
        )


def make_due() -> None:
    """What the clock does to a scheduled retry once its backoff has passed."""
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Notification._meta.db_table}"
            " SET next_attempt_at = now() - interval '1 second' WHERE next_attempt_at IS NOT NULL"
        )


def notification_id(message: Any) -> int:
    """The outbox id a delivered email carries in its Message-ID."""
    return int(str(message["Message-ID"]).strip("<>").split("@")[0].removeprefix("notification-"))
