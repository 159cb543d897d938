"""The administrator's menu entries for login security."""

from __future__ import annotations

from typing import Any

from django import template

from cases.accounts.services import may_manage_security

register = template.Library()


@register.simple_tag(takes_context=True)
def manages_security(context: Any) -> bool:
    user = getattr(context.get("request"), "user", None)
    # Staff first: the group query only for the few who may be administrators.
    return bool(user is not None and getattr(user, "is_staff", False) and may_manage_security(user))
