"""The second factor before anything else: a signed-in office head,
accountant or administrator whose session has not been verified by a code
gets nothing but the pages that verify it (or enrol a device first), the
logout and the language switch. Every other URL, the Django admin and the API
with a session included, sends them there (the API answers a JSON 403 with
the stable code `second_factor_required`).

After django_otp's OTPMiddleware, which tells whether the session is
verified (`request.user.is_verified()`)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from cases.accounts.second_factor import confirmed_device, is_verified, requires_second_factor

# What an unverified session may still open.
OPEN_URL_NAMES = frozenset({"otp_verify", "otp_enrol", "logout", "login", "set_language"})


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)
            and not self._token_request(request)
            and requires_second_factor(user)
            and not self._open(request)
        ):
            return self._challenge(request)
        return self.get_response(request)

    @staticmethod
    def _token_request(request: HttpRequest) -> bool:
        # An API token decides who calls, not the session: tokens are issued
        # only after the second factor (the token endpoint's `otp` field).
        header = request.headers.get("Authorization", "")
        return request.path.startswith("/api/") and header.lower().startswith("token ")

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        try:
            return resolve(request.path_info).url_name in OPEN_URL_NAMES
        except Resolver404:
            return False

    @staticmethod
    def _challenge(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            message = _("Enter the code of your authenticator app on the web page first.")
            return JsonResponse(
                {"code": "second_factor_required", "message": message, "fields": {}},
                status=403,
            )
        has_device = confirmed_device(request.user) is not None  # type: ignore[arg-type]
        target = reverse("otp_verify" if has_device else "otp_enrol")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
