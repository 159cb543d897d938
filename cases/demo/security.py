"""Demo second factors: the demo users whose role needs one (the office head,
the accountant, the administrator) get a TOTP device with a fixed secret, so
`manage.py demo_logins` can print its otpauth:// URI and a tester adds it to
an authenticator app once and keeps it across `make run`s. Demo only: real
accounts enrol their own device at their first login."""

from __future__ import annotations

import hashlib
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.accounts.second_factor import requires_second_factor, totp_provision


def demo_key(username: str) -> str:
    """The fixed demo secret of `username` (hex, 20 bytes)."""
    return hashlib.sha1(f"caseflow-demo-totp:{username}".encode()).hexdigest()  # noqa: S324


def seed_second_factors(users: dict[str, Any]) -> None:
    """A device with the fixed demo secret for each demo user who needs one;
    left alone when it is already there (seeding again changes nothing)."""
    for user in users.values():
        if not requires_second_factor(user):
            continue
        key = demo_key(user.username)
        if not TOTPDevice.objects.filter(user=user, confirmed=True, key=key).exists():
            totp_provision(user=user, key=key)


def demo_otpauth_uris(usernames: list[str]) -> dict[str, str]:
    """username -> otpauth:// URI of the demo devices present."""
    devices = TOTPDevice.objects.filter(
        user__username__in=usernames, confirmed=True
    ).select_related("user")
    return {d.user.username: d.config_url for d in devices if d.key == demo_key(d.user.username)}
