"""API token authentication (django-rest-knox): `Authorization: Token <token>`,
the token compared by its SHA-512 digest, refused once expired."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication reading one row per request: knox also reads all
    of the user's other tokens to delete the expired ones; here the token
    endpoint deletes those when it issues a new token (services.token_issue)."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
