"""Display helpers for the gift-campaign pages: list and row state badges,
funding-source labels. (The case badges of `caseflow` name housing states.)"""

from __future__ import annotations

from typing import Any

from django import template

from cases.gifts.models import GiftListState, GiftRecipientState, GiftSource, ReturnReason, SignedBy
from cases.templatetags.caseflow import badge

register = template.Library()

LIST_STATES = dict(GiftListState.choices)
ROW_STATES = dict(GiftRecipientState.choices)
SOURCES = dict(GiftSource.choices)
REASONS = dict(ReturnReason.choices)
SIGNERS = dict(SignedBy.choices)


@register.simple_tag
def gift_list_badge(state: str) -> str:
    return badge("gift-list", LIST_STATES, state)


@register.simple_tag
def gift_row_badge(state: str) -> str:
    return badge("gift-row", ROW_STATES, state)


@register.filter
def gift_source(code: str) -> str:
    return str(SOURCES.get(code, code))


@register.filter
def return_reason(code: str) -> str:
    return str(REASONS.get(code, code)) if code else ""


@register.filter
def signed_by(code: str) -> str:
    return str(SIGNERS.get(code, code)) if code else ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag
def url_if(name: str, *args: Any) -> str:
    """The URL named `name`, or "" when it is not (yet) part of the project:
    the document downloads are built by another module."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
