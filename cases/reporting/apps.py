from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Dashboard and six-month report: read the processes through their selectors."""

    name = "cases.reporting"
    label = "reporting"
    verbose_name = _("Reports")
