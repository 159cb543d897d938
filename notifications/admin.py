"""Admin for the outbox: find parked (failed) emails and send them again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification, NotificationPreference
from notifications.services import notifications_email_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "recipient",
        "event",
        "title",
        "email_status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("email_status", "event")
    search_fields = ("title", "recipient__username", "recipient__email")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["retry_email"]
    # The outbox is written by the engine; the admin only reads it and retries.
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send the email again"), permissions=["change"])
    def retry_email(self, request: Any, queryset: QuerySet[Notification]) -> None:
        count = notifications_email_retry(actor=request.user, queryset=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be emailed again.",
                "%(count)d notifications will be emailed again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "digest", "muted_events")
    list_filter = ("email_enabled", "digest")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
