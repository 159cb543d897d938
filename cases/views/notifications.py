"""The bell: unread count in the top bar, a list page and mark-read.

Kept minimal on purpose (another issue expands notifications).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from notifications.selectors import notification_unread_count, notifications_for_user
from notifications.services import notifications_mark_read

from .base import CaseflowView, paginate


def unread_count(request: HttpRequest) -> int:
    cached = getattr(request, "_caseflow_unread", None)
    if cached is None:
        cached = notification_unread_count(request.user)
        request._caseflow_unread = cached  # type: ignore[attr-defined]
    return cached


class NotificationListView(CaseflowView):
    template_name = "notifications/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = paginate(self.request, notifications_for_user(self.request.user))
        return context


class NotificationReadView(CaseflowView):
    """Mark one (or, without pk, every) notification of the user read."""

    http_method_names = ["post"]
    rerender_on_error = False

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        note = notifications_mark_read(user=request.user, pk=pk)
        if pk is None:
            return redirect("notification_list")
        if note is None:
            raise Http404()  # someone else's notification is not found
        # Only our own relative URLs: never an open redirect.
        if request.POST.get("open") and note.url.startswith("/") and not note.url.startswith("//"):
            return redirect(note.url)
        return redirect("notification_list")
