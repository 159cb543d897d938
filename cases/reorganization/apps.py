from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReorganizationConfig(AppConfig):
    """The reorganisation of administrative units: the official mapping of
    former units to new ones, and (to come) the run that carries open work across."""

    name = "cases.reorganization"
    label = "reorganization"
    verbose_name = _("Reorganisation of administrative units")
    default_auto_field = "django.db.models.BigAutoField"
