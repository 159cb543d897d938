from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases and registry")

    def ready(self) -> None:
        # The audit trail's export runs in the background past a size (cases.exports).
        from cases.audit_export import EXPORT_KIND
        from cases.exports.kinds import register

        register(EXPORT_KIND)
