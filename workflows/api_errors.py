"""One mapping from errors to API answers: {code, message, fields}.

Domain errors carry their own status and stable code; DRF's and Django's own
errors are folded into the same shape (401/403/404/405/415/parse/validation).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from workflows.exceptions import DomainError, InvalidData, NotPermitted

# DRF's default codes renamed to ours, so a client sees one vocabulary.
CODE_ALIASES = {"permission_denied": NotPermitted.code}


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"items": [{"amount": ["bad"]}]} -> {"items.0.amount": ["bad"]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            return {prefix or "non_field_errors": [str(v) for v in detail]}
        out = {}
        for i, value in enumerate(detail):
            out.update(flatten(value, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields: dict[str, list[str]] = {}
    if isinstance(exc, drf.ValidationError):
        code = InvalidData.code
        fields = flatten(detail)
        only_general = list(fields) == ["non_field_errors"]
        message = (
            fields["non_field_errors"][0] if only_general else str(InvalidData.default_message)
        )
    else:
        default_code = str(getattr(exc, "default_code", "error"))
        code = CODE_ALIASES.get(default_code, default_code)
        if isinstance(detail, dict) and "detail" in detail:
            message = str(detail["detail"])
        else:
            message = str(detail)
    response.data = {"code": code, "message": message, "fields": fields}
    return response
