"""Display helpers for the web UI: money, dates, state badges, roles, the top bar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cases.models import Category
from cases.selectors import rehab_communes_for_user, request_communes, unread_count
from workflows import formatting
from workflows.permissions import ROLE_LABELS as _ROLE_LABELS
from workflows.permissions import Role, is_admin, scope_for
from workflows.registry import spec_for
from workflows.specs import ProcessSpec

register = template.Library()

ROLE_LABELS: dict[str, Any] = {str(k): v for k, v in _ROLE_LABELS.items()}


@register.filter
def total_rows(paginator: Any) -> str:
    """A list's count as shown: "1.263", or "more than 1.025" when the list
    counted only so far (`IdsFirstPaginator`: a bounded count)."""
    if getattr(paginator, "exact", True):
        return formatting.number(paginator.count)
    return _("more than %(n)s") % {"n": formatting.number(paginator.count - 1)}


@register.filter
def total_pages(paginator: Any) -> str:
    """The number of pages as shown: "41", or "more than 41" (a bounded count)."""
    if getattr(paginator, "exact", True):
        return formatting.number(paginator.num_pages)
    return _("more than %(n)s") % {
        "n": formatting.number((paginator.count - 1) // paginator.per_page)
    }


@register.filter
def money(value: Any) -> str:
    """17120000 -> '17.120.000 đ' (the dash for no amount)."""
    if value in (None, ""):
        return "—"
    return formatting.money(int(value))


@register.filter
def count(value: Any) -> str:
    """37430 -> '37.430': a count with the dots of Vietnamese numbers."""
    if value in (None, ""):
        return ""
    try:
        return formatting.number(int(value))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def vn_date(value: Any) -> str:
    """dd/mm/yyyy, in local time for datetimes; ISO strings (audit data) too."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return formatting.vn_date(value)


@register.filter
def vn_datetime(value: Any) -> str:
    """dd/mm/yyyy HH:MM in local time."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y %H:%M")


register.filter("display_name", formatting.display_name)


def badge(css_prefix: str, labels: dict[str, Any], state: str) -> str:
    """<span class="badge PREFIX-STATE">label</span>, or "" for no state."""
    if not state:
        return ""
    return format_html(
        '<span class="badge {}-{}">{}</span>', css_prefix, state, labels.get(state, state)
    )


def spec_badge(spec: ProcessSpec, state: str) -> str:
    """The badge of a state as the process names it."""
    return badge("state", dict(spec.states.choices), state)


@register.simple_tag
def state_badge(case: Any) -> str:
    """The badge of a case's (or list's) state, named by its own process."""
    return spec_badge(spec_for(case), case.state)


@register.filter
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role)) if role else ""


@register.simple_tag(takes_context=True)
def current_roles(context: Any) -> str:
    """'Commune officer (Phù Lỗ)' or 'District specialist': who the user acts as."""
    request = context.get("request")
    user = getattr(request, "user", None)
    scope = scope_for(user)
    parts = [str(ROLE_LABELS[r]) for r in sorted(scope.district_roles)]
    if scope.commune_roles:
        names = {c.pk: c.name for c in request_communes(request)}
        names.update((c.pk, c.name) for c in rehab_communes_for_user(user))
        for role, ids in sorted(scope.commune_roles.items()):
            # Where they act; a reorganised commune's predecessors are only read.
            where = ", ".join(sorted(names[i] for i in scope.acting(role) or ids if i in names))
            parts.append(f"{ROLE_LABELS[role]} ({where})" if where else str(ROLE_LABELS[role]))
    if not parts and (getattr(user, "is_superuser", False) or is_admin(user)):
        return str(ROLE_LABELS[Role.ADMIN])
    return "; ".join(parts) or _("No role")


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return unread_count(request)


@register.simple_tag(takes_context=True)
def nav_active(context: Any, *names: str) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    return "active" if match is not None and match.url_name in names else ""


@register.filter
def category_labels(codes: Any) -> str:

    labels = dict(Category.choices)
    return ", ".join(str(labels.get(c, c)) for c in codes or [])


@register.simple_tag(takes_context=True)
def ui_permissions(context: Any) -> dict[str, bool]:
    """Which menu entries to show. Only navigation: the views still decide."""
    request = context.get("request")
    scope = scope_for(getattr(request, "user", None))
    officer = bool(scope.commune_roles.get(Role.COMMUNE_OFFICER))
    return {
        "open_case": officer,
        "register_person": officer or Role.DISTRICT_SPECIALIST in scope.district_roles,
        # Auditors read; no step of any process is theirs.
        "take_tasks": bool(scope.all_roles() - {Role.AUDITOR}),
        # Drug rehab: its own menu, for rehab roles only; the read log for auditors.
        "rehab": scope.sees_rehab,
        "rehab_read_log": bool(scope.district_roles & {Role.AUDITOR, Role.DISTRICT_REHAB}),
        "general": scope.sees_general,
    }


@register.filter
def percent(value: Any) -> str:
    """0.9523 -> '95,2 %' (Vietnamese decimal comma); the dash for no value."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f} %".replace(".", ",")


@register.filter
def month_label(value: Any) -> str:
    """A month (its first day) as mm/yyyy."""
    return value.strftime("%m/%Y") if value else ""
