"""Safe retries: a POST sent again with the same `Idempotency-Key` gets the
first answer back instead of a second effect (or a 409).

The key comes in the `Idempotency-Key` header (API) or in the hidden
`idempotency_key` field the web forms carry (rendered with the form). It is
claimed for its user inside the transaction that does the work, and the answer
(the API's JSON as sent, or the web redirect and its messages) is written on
the key's row before that transaction commits: a commit holds the effect and
its answer together, a rollback neither. So:

- the same key again, same user, endpoint and data: the stored answer, nothing re-run;
- the same key with other data or on another endpoint: 422 idempotency_key_reused;
- the same key while the first request still runs: the second waits for it
  (at most IDEMPOTENCY_WAIT_SECONDS), then answers as above, or 409
  idempotency_in_progress;
- a refused request (a domain error) is rolled back with its key: the retry runs again.

Without a key the work and the building of its answer still run in one
transaction, so nothing that can fail runs after the commit. Keys are kept
for 24 hours; every claim deletes a few expired ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from workflows.exceptions import DomainError, InvalidData
from workflows.models import IdempotencyKey

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = dt.timedelta(hours=24)
# Printable ASCII without spaces, as UUIDs and the usual client keys are.
KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")
# Form fields that are not the request's data.
NOT_DATA = frozenset({FIELD, "csrfmiddlewaretoken"})
EXPIRED_PER_CLAIM = 100
LOCK_NOT_AVAILABLE = "55P03"


class IdempotencyKeyInvalid(InvalidData):
    code = "idempotency_key_invalid"
    default_message = _("The Idempotency-Key must be 1 to 255 visible ASCII characters.")


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _(
        "This idempotency key was already used for a different request. "
        "Reload the page, or send a new key."
    )


class IdempotencyInProgress(DomainError):
    status = 409
    code = "idempotency_in_progress"
    default_message = _(
        "The same request is still being processed. Wait a moment and send it again."
    )


# --- the key's row -------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """The request's data as plain JSON values; files by name, size and content hash."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, MultiValueDict):
        return {
            str(k): [_canonical(v) for v in value.getlist(k)]
            for k in sorted(value)
            if k not in NOT_DATA
        }
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items() if k not in NOT_DATA}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def fingerprint(*parts: Any) -> str:
    text = json.dumps([_canonical(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _checked(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not KEY_RE.fullmatch(raw):
        raise IdempotencyKeyInvalid(fields={HEADER: [str(IdempotencyKeyInvalid.default_message)]})
    return raw


def _claim(user: Any, key: str, endpoint: str, digest: str) -> int | IdempotencyKey:
    """Our new row's id, or the committed row of an earlier request to replay.

    A row of a request still running is its transaction's: the INSERT waits
    for it to finish (at most IDEMPOTENCY_WAIT_SECONDS), then sees it."""
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    now = timezone.now()
    wait_ms = int(float(getattr(settings, "IDEMPOTENCY_WAIT_SECONDS", 10)) * 1000)
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{wait_ms}ms"])
            cur.execute(
                f"""
                WITH expired AS (
                    DELETE FROM {table} WHERE id IN (
                        SELECT id FROM {table}
                        WHERE created_at < %s AND NOT (user_id = %s AND key = %s)
                        ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED
                    )
                )
                INSERT INTO {table} (user_id, key, endpoint, fingerprint, status, body, created_at)
                VALUES (%s, %s, %s, %s, 0, '', %s)
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING id
                """,
                [now - TTL, user.pk, key, EXPIRED_PER_CLAIM, user.pk, key, endpoint, digest, now],
            )
            row = cur.fetchone()
            earlier = None
            if row is None:
                earlier = (
                    IdempotencyKey.objects.select_for_update().filter(user_id=user.pk, key=key)
                ).first()
            cur.execute("SET LOCAL lock_timeout TO DEFAULT")
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise IdempotencyInProgress() from None
        raise
    if row is not None:
        return int(row[0])
    if earlier is None:
        # Another claim's clean-up removed the expired row in between: claim afresh.
        return _claim(user, key, endpoint, digest)
    if earlier.created_at < now - TTL:
        # Expired: the key is free again; this request takes it over.
        IdempotencyKey.objects.filter(pk=earlier.pk).update(
            endpoint=endpoint, fingerprint=digest, status=0, body="", created_at=now
        )
        return earlier.pk
    if earlier.endpoint != endpoint or earlier.fingerprint != digest:
        raise IdempotencyKeyReused()
    if not earlier.status:
        raise IdempotencyInProgress()
    return earlier


def _store(row_id: int, status: int, body: str) -> None:
    IdempotencyKey.objects.filter(pk=row_id).update(status=status, body=body)


# --- the API ---------------------------------------------------------------------


def api_once(request: Any, run: Callable[[], Response]) -> Response:
    """Run an API write with its request's `Idempotency-Key` (see the module)."""
    key = _checked(request.headers.get(HEADER))
    user = request.user
    if key is None or not user.is_authenticated:
        with transaction.atomic():
            return run()
    endpoint = f"{request.method} {request.path}"
    digest = fingerprint(request.data)
    with transaction.atomic():
        claimed = _claim(user, key, endpoint, digest)
        if isinstance(claimed, IdempotencyKey):
            replay = Response(json.loads(claimed.body), status=claimed.status)
            replay[REPLAYED_HEADER] = "true"
            return replay
        response = run()
        # The JSON as the renderer writes it, so the replay is the same answer.
        _store(claimed, response.status_code, JSONRenderer().render(response.data).decode())
    return response


SCHEMA_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Any new value (e.g. a UUID) per action; send the same value again to retry "
    "safely: the first answer comes back (header Idempotent-Replayed: true) and nothing is "
    "done twice. 422 idempotency_key_reused: the key was used for other data or another "
    "endpoint; 409 idempotency_in_progress: the first request is still running. Kept 24 hours.",
    pattern=r"^[!-~]{1,255}$",
)


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """For an APIView's `post`: honour `Idempotency-Key` (documented in the
    schema), the work and the building of its answer in one transaction."""

    @functools.wraps(method)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        return api_once(request, lambda: method(view, request, *args, **kwargs))

    decorated: Callable[..., Response] = extend_schema(parameters=[SCHEMA_PARAMETER])(wrapper)
    return decorated


# --- web forms -------------------------------------------------------------------


@dataclass
class Outcome:
    """What a form post did: where the browser goes next and what it is told there."""

    url: str
    messages: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps({"url": self.url, "messages": self.messages}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        data = json.loads(text)
        return cls(data["url"], [(int(level), str(msg)) for level, msg in data["messages"]])


def new_key() -> str:
    """A key for a form being rendered (the web forms' hidden field)."""
    import uuid

    return uuid.uuid4().hex


def form_once(request: HttpRequest, run: Callable[[], Outcome]) -> HttpResponse:
    """Run a web form post with its key (the header or the hidden field): the
    work and its outcome in one transaction, then the redirect and messages."""
    raw = request.headers.get(HEADER) or request.POST.get(FIELD) or None
    key = _checked(raw)
    user = request.user
    with transaction.atomic():
        claimed: int | IdempotencyKey | None = None
        if key is not None and user.is_authenticated:
            endpoint = f"{request.method} {request.path}"
            claimed = _claim(user, key, endpoint, fingerprint(request.POST, request.FILES))
        replayed = isinstance(claimed, IdempotencyKey)
        if isinstance(claimed, IdempotencyKey):
            outcome = Outcome.from_json(claimed.body)
        else:
            outcome = run()
            if claimed is not None:
                _store(claimed, 302, outcome.as_json())
    for level, text in outcome.messages:
        messages.add_message(request, level, text)
    response = HttpResponseRedirect(outcome.url)
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response
