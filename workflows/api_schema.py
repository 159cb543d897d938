"""The OpenAPI schema says what the API answers: a drf-spectacular
post-processing hook that documents, on every operation, the errors it can
give in the error shape (workflows.api_errors), beside what each view
declares itself:

- 400 where an operation reads query parameters or a body (bad values, an
  empty `?state=`, unreadable JSON) and 415 where it reads a body;
- 401 and 403 where it needs a signed-in account with a role (and a CSRF
  token with a session);
- 404 where a record is named in the path (unknown, or of another
  commune), where pages are numbered (past the last one), and on every
  drug-rehab endpoint (for the roles that may not see rehab);
- 409 and 422 (and 400 for a malformed key) where it takes an
  `Idempotency-Key` (workflows.idempotency).
"""

from __future__ import annotations

from typing import Any

from workflows.idempotency import HEADER as IDEMPOTENCY_HEADER

ERROR = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "Invalid input: `invalid` with field errors, `parse_error`, `idempotency_key_invalid`.",
    "401": "Not signed in: `not_authenticated` or `authentication_failed`.",
    "403": "`not_permitted` (role or commune), `separation_of_duties`, `csrf_failed`.",
    "404": "`not_found`: unknown, of another commune, or a page past the last one.",
    "409": "`invalid_transition`, `concurrent_change`, `idempotency_in_progress`.",
    "415": "`unsupported_media_type`.",
    "422": "`idempotency_key_reused`: the key was sent before with other data.",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _needs_account(operation: dict[str, Any]) -> bool:
    # No security requirement (the token endpoint), or an optional one ({}): open.
    security = operation.get("security") or []
    return bool(security) and {} not in security


def _may_be_missing(path: str, operation: dict[str, Any]) -> bool:
    """A record named in the path, a page number past the end, or drug rehab
    (every rehab endpoint is "not found" for the other roles)."""
    paged = any(p.get("name") == "page" for p in operation.get("parameters", []))
    return "{" in path or paged or path.startswith("/api/v1/rehab/")


def _statuses(path: str, operation: dict[str, Any]) -> set[str]:
    parameters = operation.get("parameters", [])
    wanted = set()
    if operation.get("requestBody") or any(p.get("in") == "query" for p in parameters):
        wanted.add("400")
    if operation.get("requestBody"):
        wanted.add("415")
    if _needs_account(operation):
        wanted |= {"401", "403"}
    if _may_be_missing(path, operation):
        wanted.add("404")
    if any(p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER for p in parameters):
        wanted |= {"400", "409", "422"}  # 400: a malformed key
    return wanted


def document_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: add the missing error answers to every operation."""
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if not operation:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(path, operation) - set(responses)):
                responses[status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR}},
                }
    return result
