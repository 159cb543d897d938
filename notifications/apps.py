from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The outbox writers use the models: importable only once the registry is ready.
        from notifications.models import Notification
        from notifications.services import notifications_enqueue, notifications_enqueue_for_role
        from workflows import outbox

        outbox.register(
            outbox.Outbox(
                enqueue=notifications_enqueue,
                enqueue_for_role=notifications_enqueue_for_role,
                table=Notification._meta.db_table,
                pending=Notification.EmailStatus.PENDING,
            )
        )
