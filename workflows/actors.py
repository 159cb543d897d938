"""Who acts and who reads: the account type every service, selector and the
engine take (`actor: User`, `user: Reader`). Pages and endpoints pass the
signed-in account; reads also accept an anonymous one (they see nothing)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as _User

from workflows.exceptions import NotPermitted

# The accounts of this project are Django's own (no AUTH_USER_MODEL swap).
User = _User
# A reader may be signed out (or absent): scoped reads give them nothing.
Reader = _User | AnonymousUser | None


def signed_in(request: Any) -> User:
    """The account behind a page or endpoint request. Those let only signed-in
    users with a role through (`CaseflowMixin`, the API's `HasRole`), so an
    anonymous one here is refused like any other missing permission."""
    user = request.user
    if not isinstance(user, _User):
        raise NotPermitted()
    return user
