"""`{% idempotency_field %}`: the hidden key a form that changes something
carries, new at each rendering, so the same form sent twice (a double click,
a retry after a dropped connection) is done once (workflows.idempotency)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from workflows.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
