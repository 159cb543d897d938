"""Keyset pages for API lists that grow with the data (`workflows.keyset`).

The answer keeps the shape of DRF's page-number pages ({count, next,
previous, results}), so clients that follow `next` go on working; what
changed, and is in the OpenAPI schema:

- `next` and `previous` carry a signed `cursor` (no OFFSET: every page costs
  the same); a tampered cursor answers 400 `invalid_cursor`;
- `count` is exact up to 1,000 rows and null beyond ("more than 1,000");
- `page=N` is still read for the first 40 pages (one bounded OFFSET read of
  the key, then the cursor's page); deeper numbers answer 404 `not_found`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from workflows.api_errors import INVALID_PAGE_MESSAGE
from workflows.exceptions import NotFound
from workflows.keyset import COUNT_LIMIT, Keyset, KeysetPage, bounded_count, page_read

# Page numbers still read (old clients): as far as a list counts ahead.
MAX_PAGE_NUMBER = 40


class KeysetPagination(BasePagination):
    """The view names its order and cursor salt as `keyset` (a `Keyset`)."""

    cursor_query_param = "cursor"
    page_query_param = "page"

    def __init__(self) -> None:
        self.page_size: int = api_settings.PAGE_SIZE or 50
        self.page: KeysetPage | None = None
        self.count: int | None = None
        self.request: Request | None = None

    def _cursor(self, request: Request, keyset: Keyset, queryset: QuerySet) -> str:
        raw = request.query_params.get(self.page_query_param)
        if raw is None or self.cursor_query_param in request.query_params:
            return str(request.query_params.get(self.cursor_query_param, ""))
        try:
            number = int(raw)
        except ValueError:
            raise NotFound(INVALID_PAGE_MESSAGE) from None
        if number < 1 or number > MAX_PAGE_NUMBER:
            raise NotFound(INVALID_PAGE_MESSAGE)
        cursor = keyset.position_of_page(queryset, number, size=self.page_size)
        if number > 1 and cursor is None:
            raise NotFound(INVALID_PAGE_MESSAGE)
        return cursor or ""

    def paginate_queryset(  # type: ignore[override]  # a queryset only: keyset reads need SQL
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        keyset: Keyset = view.keyset  # type: ignore[union-attr]
        self.request = request
        cursor = self._cursor(request, keyset, queryset)
        if cursor:  # a tampered cursor: InvalidCursor, 400 invalid_cursor (field "cursor")
            keyset.decode(queryset, cursor)
        with page_read(queryset.db):
            self.page = keyset.page(queryset, cursor, size=self.page_size)
            count, exact = bounded_count(queryset)
        self.count = count if exact else None
        return self.page.rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None or self.request is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        return Response(
            {
                "count": self.count,
                "next": self._link(self.page.next),
                "previous": self._link(self.page.previous),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": f"Rows matching, exact up to {COUNT_LIMIT:,}; null: more "
                    "than that (follow `next`).",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page's position, from `next` or `previous` "
                "(400 invalid_cursor when it is not one).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"Deprecated: a page number, read up to {MAX_PAGE_NUMBER} "
                "(404 beyond); follow `next` instead.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER},
            },
        ]
