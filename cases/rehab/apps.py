from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RehabConfig(AppConfig):
    """Drug rehab (sensitive): registers both procedures and every route."""

    name = "cases.rehab"
    label = "rehab"
    verbose_name = _("Drug rehab")

    def ready(self) -> None:
        # Models (and so the specs and flows) may be imported only once the app registry is ready.
        from cases.rehab.flow import RehabReferralFlow, VoluntaryRehabFlow
        from cases.rehab.spec import REFERRAL_2022, REFERRAL_2025, VOLUNTARY
        from workflows import registry
        from workflows.specs import InFlight

        registry.register(
            REFERRAL_2025,
            flow=RehabReferralFlow,
            routes=[REFERRAL_2022, REFERRAL_2025],
            in_flight=InFlight.CONTINUE,
        )
        registry.register(
            VOLUNTARY, flow=VoluntaryRehabFlow, routes=[VOLUNTARY], in_flight=InFlight.CONTINUE
        )

        # Long exports are built in the background (cases.exports).
        from cases.exports.kinds import register
        from cases.rehab.exports import EXPORT_KIND

        register(EXPORT_KIND)
