from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data (`seed_demo`, `demo_logins`), built through the real services."""

    name = "cases.demo"
    label = "demo"
    verbose_name = _("Demo data")
