"""django-axes, fitted to the offices: the backend that refuses locked-out
logins (first in AUTHENTICATION_BACKENDS), the failure count with a separate
limit per address, and the lockout answer (a Vietnamese page, or JSON with the
stable code `login_locked` and 429 for the API).

Axes counts failures per account (from any address) and per address (for any
account): AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]. A commune
office reaches the server through one address, so the address may fail
LOGIN_ADDRESS_FAILURE_LIMIT times (default 20) where one account may fail
AXES_FAILURE_LIMIT times (default 5). Axes compares a single number with
AXES_FAILURE_LIMIT; `get_failures` scales the address's count to it.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases.accounts import services

LOCKED_STATUS = 429


class LockoutBackend(AxesStandaloneBackend):
    """Axes's check before any password is looked at. It also closes the
    lockouts whose cool-off is over (their end goes into the audit trail) and
    marks a request it refused, so the failure's audit event says so."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            services.lockouts_expire()
        try:
            super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.login_refused = True  # type: ignore[attr-defined]
            raise


class LoginAttemptsHandler(AxesDatabaseHandler):
    """Axes's database handler with the address's own limit."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # The querysets follow AXES_LOCKOUT_PARAMETERS: the account's, then the address's.
        by_account, by_address = self.get_user_attempts(request, credentials)
        account = by_account.aggregate(n=Sum("failures_since_start"))["n"] or 0
        address = by_address.aggregate(n=Sum("failures_since_start"))["n"] or 0
        # floor(address * A / B) >= A exactly when address >= B.
        scaled = math.floor(
            address * settings.AXES_FAILURE_LIMIT / settings.LOGIN_ADDRESS_FAILURE_LIMIT
        )
        return int(max(account, scaled))


def locked_message() -> str:
    minutes = int(services.cool_off().total_seconds() // 60)
    return _(
        "Logging in is temporarily locked after too many wrong passwords. "
        "Try again in %(minutes)s minutes, or ask the administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what a locked-out login attempt gets."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "login_locked", "message": locked_message(), "fields": {}},
            status=LOCKED_STATUS,
        )
    return render(
        request, "accounts/locked.html", {"message": locked_message()}, status=LOCKED_STATUS
    )
