"""Reads of a user's own notifications (never anyone else's)."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification, NotificationPreference
from workflows.actors import User


def notifications_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(user: User) -> int:
    return notifications_for_user(user).filter(read_at__isnull=True).count()


def notification_preference_for_user(user: User) -> NotificationPreference:
    """The user's email preferences; without a saved row, the defaults (an
    unsaved instance: every event, at once)."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref if pref is not None else NotificationPreference(user=user)
