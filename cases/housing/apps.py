from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    """Housing support (hỗ trợ nhà ở): registers its spec and flow with the engine."""

    name = "cases.housing"
    label = "housing"
    verbose_name = _("Housing support")

    def ready(self) -> None:
        # Django requires the app registry to be ready before models (and so the
        # spec and flow that use them) are imported.
        from cases.housing.flow import HousingFlow
        from cases.housing.spec import COMMUNE_SPEC, SPEC
        from workflows import registry
        from workflows.specs import InFlight

        registry.register(SPEC, flow=HousingFlow, devolved=COMMUNE_SPEC, in_flight=InFlight.SWITCH)
