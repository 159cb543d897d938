"""Template helpers of the six-month report page and its menu entry."""

from __future__ import annotations

from typing import Any

from django import template

from cases.reporting.report import may_read_report
from cases.reporting.report_documents import summary_rows as _summary_rows

register = template.Library()


@register.filter
def summary_rows(data: Any) -> list[list[Any]]:
    return _summary_rows(data)


@register.simple_tag(takes_context=True)
def may_see_report(context: Any) -> bool:
    """Whether the menu shows the report (the views still decide)."""
    request = context.get("request")
    return may_read_report(getattr(request, "user", None))
