"""Writes of login security, each with its audit event.

The events have no case and no commune, so they go to the "system" chain, as
role grants do (`workflows.services.role_grant`): the account is the object
(`auth.user`, its id), the username tried is in the data (also for failed
logins of unknown names), the request's id and client address come from the
request context like every other event."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from knox.models import AuthToken

from cases.accounts.models import LoginLockout
from workflows import audit
from workflows.actors import User
from workflows.exceptions import NotFound, NotPermitted
from workflows.permissions import is_admin

USERNAME_MAX = 150


def may_manage_security(user: Any) -> bool:
    """Administrators (the admin role) and superusers see lockouts, lift them,
    revoke tokens and reset second factors."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or (user.is_staff and is_admin(user)))


def via_of(request: Any) -> str:
    """Where a login happened: the API, the Django admin or the web pages."""
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


def _clean(username: Any) -> str:
    return unicodedata.normalize("NFC", str(username or ""))[:USERNAME_MAX]


def _record(*, actor: Any, event: str, user: Any = None, data: dict[str, Any]) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor,
            event=event,
            object_type="auth.user" if user is not None or "username" in data else "",
            object_id=str(user.pk) if user is not None else "",
            data=data,
        )


# --- logins and logouts -----------------------------------------------------------


def login_record(*, user: User, via: str) -> None:
    _record(actor=user, event="login", user=user, data={"username": user.username, "via": via})


def login_failure_record(*, username: Any, via: str, refused: bool) -> None:
    """A failed login: wrong credentials, or (`refused`) any attempt while the
    account or the address is locked out, the password not even checked."""
    _record(
        actor=None,
        event="login_failed",
        data={"username": _clean(username), "via": via, "refused": refused},
    )


def logout_record(*, user: User, via: str) -> None:
    """A logout ends the user's API tokens too (a shared office computer)."""
    with transaction.atomic():
        tokens = _tokens_delete(user)
        _record(
            actor=user,
            event="logout",
            user=user,
            data={"username": user.username, "via": via, "tokens": tokens},
        )


def password_change_record(*, actor: Any, user: User) -> None:
    """A new password ends every API token issued under the old one."""
    with transaction.atomic():
        tokens = _tokens_delete(user)
        _record(
            actor=actor,
            event="password_change",
            user=user,
            data={"username": user.username, "tokens": tokens},
        )


# --- lockouts ---------------------------------------------------------------------


def cool_off() -> dt.timedelta:
    value = get_cool_off()
    assert value is not None, "AXES_COOLOFF_TIME must be set: lockouts are temporary"
    return value


def _failures_since(since: dt.datetime, **key: str) -> int:
    rows = AccessAttempt.objects.filter(attempt_time__gte=since, **key)
    return int(rows.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def _lockout_data(row: LoginLockout) -> dict[str, Any]:
    key = "username" if row.kind == LoginLockout.Kind.ACCOUNT else "address"
    return {key: row.value}


def lockout_open(*, username: str | None, address: str | None) -> list[LoginLockout]:
    """After a failure that reached a limit: open a lockout of the account
    (AXES_FAILURE_LIMIT failures) and/or of the address
    (LOGIN_ADDRESS_FAILURE_LIMIT), each once, until the cool-off ends."""
    now = timezone.now()
    since = now - cool_off()
    opened = []
    checks = [
        (LoginLockout.Kind.ACCOUNT, username, "username", settings.AXES_FAILURE_LIMIT),
        (LoginLockout.Kind.ADDRESS, address, "ip_address", settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    ]
    for kind, value, field, limit in checks:
        if not value:
            continue
        failures = _failures_since(since, **{field: value})
        if failures < limit:
            continue
        try:
            with transaction.atomic():
                row, created = LoginLockout.objects.get_or_create(
                    kind=kind,
                    value=_clean(value),
                    lifted_at=None,
                    defaults={"started_at": now, "until": now + cool_off(), "failures": failures},
                )
                if created:
                    minutes = int(cool_off().total_seconds() // 60)
                    data = {**_lockout_data(row), "failures": failures, "minutes": minutes}
                    _record(actor=None, event="login_lockout", data=data)
                    opened.append(row)
        except IntegrityError:
            continue  # a concurrent failure opened it
    return opened


def lockouts_expire() -> int:
    """Close the lockouts whose cool-off is over (an audit event each); called
    on every login attempt and by the lockout page, so the trail says when a
    lockout ended even though nothing happens at that moment."""
    now = timezone.now()
    closed = 0
    for row in LoginLockout.objects.filter(lifted_at__isnull=True, until__lte=now).order_by("id"):
        with transaction.atomic():
            ended = LoginLockout.objects.filter(pk=row.pk, lifted_at__isnull=True).update(
                lifted_at=row.until, how=LoginLockout.How.COOL_OFF
            )
            if ended:
                data = {**_lockout_data(row), "how": LoginLockout.How.COOL_OFF.value}
                _record(actor=None, event="login_unlock", data=data)
                closed += 1
    return closed


def lockout_lift(*, actor: User, lockout_id: Any) -> LoginLockout:
    """The administrator ends a lockout now: its failures are forgotten."""
    if not may_manage_security(actor):
        raise NotPermitted()
    if not str(lockout_id).isdigit():
        raise NotFound()
    with transaction.atomic():
        row = (
            LoginLockout.objects.select_for_update()
            .filter(pk=int(lockout_id), lifted_at__isnull=True)
            .first()
        )
        if row is None:
            raise NotFound()
        if row.kind == LoginLockout.Kind.ACCOUNT:
            AxesProxyHandler.reset_attempts(username=row.value)
        else:
            AxesProxyHandler.reset_attempts(ip_address=row.value)
        row.lifted_at = timezone.now()
        row.lifted_by = actor
        row.how = LoginLockout.How.ADMINISTRATOR
        row.save(update_fields=["lifted_at", "lifted_by", "how"])
        data = {**_lockout_data(row), "how": LoginLockout.How.ADMINISTRATOR.value}
        _record(actor=actor, event="login_unlock", data=data)
    return row


# --- the second factor's audit events (second_factor.py does the work) -------------


def otp_enrol_record(*, actor: Any, user: User, how: str) -> None:
    data = {"username": user.username, **({"how": how} if how else {})}
    _record(actor=actor, event="otp_enrol", user=user, data=data)


def otp_verify_record(*, user: User, via: str, method: str) -> None:
    data = {"username": user.username, "via": via, "method": method}
    _record(actor=user, event="otp_verify", user=user, data=data)


def otp_failure_record(*, user: User, via: str) -> None:
    data = {"username": user.username, "via": via}
    _record(actor=user, event="otp_verify_failed", user=user, data=data)


def otp_reset_record(*, actor: User, user: User, devices: int) -> None:
    if not may_manage_security(actor):
        raise NotPermitted()
    data = {"username": user.username, "devices": devices}
    _record(actor=actor, event="otp_reset", user=user, data=data)


# --- API tokens (django-rest-knox: expiring, stored as SHA-512 digests) ------------


def _tokens_delete(user: User, digest: str | None = None) -> int:
    rows = AuthToken.objects.filter(user=user)
    if digest is not None:
        rows = rows.filter(digest=digest)
    deleted, _by_model = rows.delete()
    return int(deleted)


def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token (the caller sees it once; only its digest is stored),
    expiring after REST_KNOX TOKEN_TTL. The user's expired tokens go."""
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user)
        expiry = instance.expiry.isoformat() if instance.expiry else ""
        _record(
            actor=user,
            event="token_issue",
            user=user,
            data={"username": user.username, "expiry": expiry},
        )
    return instance, str(token)


def token_revoke(*, actor: User, user: User, how: str, digest: str | None = None) -> int:
    """Revoke `user`'s token `digest` (or all of them): the holder logging out
    (`how` logout, logout_all) or the administrator (administrator)."""
    if actor.pk != user.pk and not may_manage_security(actor):
        raise NotPermitted()
    with transaction.atomic():
        count = _tokens_delete(user, digest)
        _record(
            actor=actor,
            event="token_revoke",
            user=user,
            data={"username": user.username, "how": how, "tokens": count},
        )
    return count
