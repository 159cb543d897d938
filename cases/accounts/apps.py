from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cases.accounts"
    label = "accounts"
    verbose_name = _("Login security")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signal receivers (audit, token revocation) and the schema extension.
        from cases.accounts import receivers, schema  # noqa: F401
