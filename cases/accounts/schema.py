"""The OpenAPI schema's description of the token authentication (drf-spectacular
has one for knox's class; ours is a subclass)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class ExpiringTokenScheme(KnoxTokenScheme):
    target_class = "cases.accounts.authentication.ExpiringTokenAuthentication"

    def get_security_definition(self, auto_schema: Any) -> Any:
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "`Authorization: Token <token>` with a token from POST /api/v1/auth/token/. "
            "Tokens expire (see `expiry`) and are revoked by /api/v1/auth/logout/, "
            "/api/v1/auth/logout-all/, a web logout, a password change or the administrator."
        )
        return definition
