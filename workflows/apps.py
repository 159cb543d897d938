from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows and audit")

    def ready(self) -> None:
        # Which communes belong to the two-level government is read once;
        # a unit saved or deleted in this process makes it read again.
        from workflows.registry_models import forget_devolved_units

        for signal in (post_save, post_delete):
            signal.connect(
                forget_devolved_units,
                sender=settings.CASEFLOW_UNIT_MODEL,
                dispatch_uid=f"devolved_units_{signal is post_save}",
            )
