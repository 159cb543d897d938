"""One mapping from errors to API answers: {code, message, fields}, in the
request's language (Accept-Language under /api/; Vietnamese by default).

Domain errors carry their own status and stable code; DRF's and Django's own
errors are folded into the same shape (401/403/404/405/415/parse/validation).
Django's error views (`handler400/403/404/500` and `CSRF_FAILURE_VIEW`) answer
the same JSON for any path under /api/, and Vietnamese pages elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy, gettext_noop
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from workflows.exceptions import DomainError, InvalidData, NotFound, NotPermitted

# DRF's default codes renamed to ours, so a client sees one vocabulary.
CODE_ALIASES = {"permission_denied": NotPermitted.code}
API_PREFIX = "/api/"
CSRF_FAILED = "csrf_failed"
# DRF words a CSRF refusal of a session-authenticated API call this way
# (rest_framework.authentication.SessionAuthentication.enforce_csrf).
DRF_CSRF_PREFIX = "CSRF Failed"

SERVER_ERROR_MESSAGE = gettext_lazy(
    "Something went wrong on the server. Please try again; if it keeps happening, "
    "tell the administrator."
)
CSRF_MESSAGE = gettext_lazy(
    "The security token (CSRF) of this request is missing or wrong. Reload the page and try again."
)
PARSE_MESSAGE = gettext_lazy(
    "The request body could not be read: it is not valid JSON or form data."
)
BAD_REQUEST_MESSAGE = gettext_lazy("The request could not be understood.")
INVALID_PAGE_MESSAGE = gettext_lazy("This page of results does not exist.")

# DRF's own messages that reach our API's answers, kept here so that
# `makemessages` keeps their Vietnamese translations in our catalogue
# (DRF's own Vietnamese catalogue has only a few of them).
DRF_MESSAGES = [
    gettext_noop("This field is required."),
    gettext_noop("This field may not be null."),
    gettext_noop("This field may not be blank."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop("A valid integer is required."),
    gettext_noop("A valid number is required."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Expected a date but got a datetime."),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("This list may not be empty."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop("Object with {slug_name}={value} does not exist."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted data was not a file. Check the encoding type on the form."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Incorrect authentication credentials."),
    gettext_noop("Invalid token."),
    gettext_noop('Method "{method}" not allowed.'),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop("Invalid value."),
    gettext_noop("Null characters are not allowed."),
]


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


def _ours(exc: Exception) -> tuple[str, str] | None:
    """Our code and message for the DRF errors whose own message is English
    only, technical, or both."""
    if isinstance(exc, drf.ParseError):
        return "parse_error", str(PARSE_MESSAGE)
    if isinstance(exc, drf.PermissionDenied) and str(exc.detail).startswith(DRF_CSRF_PREFIX):
        return CSRF_FAILED, str(CSRF_MESSAGE)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None  # Django's handler500 answers (JSON under /api/)
    detail = response.data
    fields: dict[str, list[str]] = {}
    ours = _ours(exc)
    if ours is not None:
        code, message = ours
    elif isinstance(exc, drf.ValidationError):
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


class Pagination(PageNumberPagination):
    """DRF's page numbers, with an out-of-range page answered in our words (a
    404 not_found in the caller's language) and `page` documented as >= 1."""

    invalid_page_message = INVALID_PAGE_MESSAGE  # type: ignore[assignment]  # lazy, translated

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


# --- Django's error views: JSON under /api/, Vietnamese pages elsewhere ------------


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(code: str, message: Any, status: int) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": str(message), "fields": {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _page(template_name: str, status: int) -> HttpResponse:
    # No request context: the page must render with the database down.
    return HttpResponse(loader.get_template(template_name).render({}), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error("bad_request", BAD_REQUEST_MESSAGE, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(NotPermitted.code, NotPermitted.default_message, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(NotFound.code, NotFound.default_message, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return json_error("server_error", SERVER_ERROR_MESSAGE, 500)
    return _page("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the refusal in the caller's language; the reason
    (Django's English words for developers) is not shown."""
    if is_api(request):
        return json_error(CSRF_FAILED, CSRF_MESSAGE, 403)
    return _page("403_csrf.html", 403)
