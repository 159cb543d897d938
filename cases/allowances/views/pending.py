"""TEMPORARY (replaced in this session by the real pages): URL names the engine reverses."""

from django.http import Http404, HttpRequest, HttpResponse


def pending(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
