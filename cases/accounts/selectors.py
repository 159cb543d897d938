"""What the administrator's security pages read."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.accounts.models import LoginLockout
from cases.accounts.second_factor import SECOND_FACTOR_ROLES
from cases.accounts.services import cool_off
from workflows.permissions import users_with_role

RECENT = 50


def lockouts_current() -> QuerySet[LoginLockout]:
    return LoginLockout.objects.filter(lifted_at__isnull=True, until__gt=timezone.now())


def lockouts_ended() -> QuerySet[LoginLockout]:
    return LoginLockout.objects.filter(lifted_at__isnull=False).select_related("lifted_by")[:20]


def failures_recent() -> QuerySet[AccessAttempt]:
    """Failed logins within the cool-off window (those that still count)."""
    since = timezone.now() - cool_off()
    return AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")[:RECENT]


def accounts_for_admin(q: str = "") -> QuerySet[Any]:
    """Active accounts with their live API tokens and whether a device is enrolled."""
    now = timezone.now()
    rows = get_user_model().objects.filter(is_active=True)
    if q:
        rows = rows.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return rows.annotate(
        live_tokens=Count(
            "auth_token_set",
            filter=Q(auth_token_set__expiry__gt=now) | Q(auth_token_set__expiry__isnull=True),
        ),
        enrolled=Exists(devices),
    ).order_by("username")


def second_factor_user_ids() -> set[int]:
    """Ids of the accounts whose role needs a second factor (staff aside)."""
    ids: set[int] = set()
    for role in SECOND_FACTOR_ROLES:
        ids.update(users_with_role(role, None).values_list("id", flat=True))
    return ids
