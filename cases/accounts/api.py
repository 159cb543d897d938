"""API tokens: obtain (/api/v1/auth/token/, the path clients use), and revoke
one's own (logout, logout-all). Tokens expire and are stored hashed
(django-rest-knox); issuing one is rate-limited per address and guarded by the
same lockout as the login page (django-axes)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from cases.accounts import second_factor, services
from cases.accounts.authentication import ExpiringTokenAuthentication
from cases.accounts.forms import WRONG_CODE
from cases.accounts.lockouts import locked_message
from cases.accounts.serializers import TokenRequestSerializer, TokenSerializer
from cases.serializers import ErrorSerializer as E
from workflows.exceptions import DomainError, InvalidData, NotPermitted


class LoginLocked(DomainError):
    status = 429
    code = "login_locked"


class TokenRateThrottle(SimpleRateThrottle):
    """DEFAULT_THROTTLE_RATES["auth_token"] requests per client address, read
    when the request comes (so a changed setting applies at once)."""

    scope = "auth_token"

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenView(APIView):
    """Exchange a username and password (and, for office heads, accountants
    and administrators, the `otp` code) for a new API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="auth_token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                E, description="invalid (wrong credentials), otp_required, otp_invalid"
            ),
            403: OpenApiResponse(E, description="second_factor_not_enrolled"),
            429: OpenApiResponse(
                E, description="login_locked (too many failures) or throttled (too many requests)"
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        s = TokenRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        # Django's request: axes reads the client and flags a lockout on it.
        http = request._request
        user = authenticate(
            http, username=s.validated_data["username"], password=s.validated_data["password"]
        )
        if user is None:
            if getattr(http, "axes_locked_out", False):
                raise LoginLocked(locked_message())
            message = _("Unable to log in with provided credentials.")
            raise InvalidData(message, fields={"non_field_errors": [message]})
        if second_factor.requires_second_factor(user):
            self._second_factor(user, s.validated_data.get("otp", ""))
        instance, token = services.token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=http, user=user)
        return Response({"token": token, "expiry": instance.expiry})

    @staticmethod
    def _second_factor(user: Any, code: str) -> None:
        if second_factor.confirmed_device(user) is None:
            raise NotPermitted(
                _("Enrol an authenticator app on the web page first (log in there once)."),
                code="second_factor_not_enrolled",
            )
        if not code.strip():
            message = _("Send the code of your authenticator app in the otp field.")
            raise InvalidData(message, fields={"otp": [message]}, code="otp_required")
        if second_factor.code_verify(user=user, code=code, via="api") is None:
            message = str(WRONG_CODE)
            raise InvalidData(message, fields={"otp": [message]}, code="otp_invalid")


class LogoutView(APIView):
    """Revoke the token this request is sent with."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]
    how = "logout"

    @extend_schema(request=None, responses={204: None, 401: E})
    def post(self, request: Request) -> Response:
        token: Any = request.auth  # a knox AuthToken (ExpiringTokenAuthentication)
        digest = token.digest if self.how == "logout" else None
        services.token_revoke(actor=request.user, user=request.user, how=self.how, digest=digest)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(LogoutView):
    """Revoke every token of the caller (a lost laptop, a leaked script)."""

    how = "logout_all"

    @extend_schema(request=None, responses={204: None, 401: E})
    def post(self, request: Request) -> Response:
        return super().post(request)
