"""The bell: unread count in the top bar, a list page, mark-read, and each
user's own email preferences.

Kept minimal on purpose (another issue expands notifications).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cases.forms import NotificationPreferenceForm
from cases.views.base import CaseflowView, paginate
from notifications.selectors import (
    notification_preference_for_user,
    notifications_for_user,
)
from notifications.services import notification_preference_set, notifications_mark_read
from workflows.actors import signed_in
from workflows.exceptions import InvalidData


class NotificationListView(CaseflowView):
    template_name = "notifications/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = paginate(self.request, notifications_for_user(signed_in(self.request)))
        return context


class NotificationReadView(CaseflowView):
    """Mark one (or, without pk, every) notification of the user read."""

    http_method_names = ["post"]
    rerender_on_error = False

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        note = notifications_mark_read(user=signed_in(request), pk=pk)
        if pk is None:
            return redirect("notification_list")
        if note is None:
            raise Http404()  # someone else's notification is not found
        # Only our own relative URLs: never an open redirect.
        if request.POST.get("open") and note.url.startswith("/") and not note.url.startswith("//"):
            return redirect(note.url)
        return redirect("notification_list")


class NotificationPreferencesView(CaseflowView):
    """The signed-in user's email preferences; there is no way to name another
    user: the page reads and writes only `request.user`'s."""

    template_name = "notifications/preferences.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pref = notification_preference_for_user(signed_in(self.request))
        context["form"] = self.bound_form or NotificationPreferenceForm.for_preference(pref)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        pref = notification_preference_for_user(signed_in(request))
        form = self.bound_form = NotificationPreferenceForm.for_preference(pref, request.POST)
        if not form.is_valid():
            raise InvalidData()
        notification_preference_set(
            actor=signed_in(request),
            user=signed_in(request),
            email_enabled=form.cleaned_data["email_enabled"],
            digest=form.cleaned_data["digest"],
            muted_events=form.muted_events(),
        )
        messages.success(request, _("Notification settings saved."))
        return redirect("notification_preferences")
