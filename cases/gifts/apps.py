from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftsConfig(AppConfig):
    """Gift campaigns (Tết, 27/7): registers the commune list's spec and flow."""

    name = "cases.gifts"
    label = "gifts"
    verbose_name = _("Gift campaigns")

    def ready(self) -> None:
        # Models (and so the spec and flow) may be imported only once the app registry is ready.
        from cases.gifts.flow import GiftListFlow
        from cases.gifts.spec import COMMUNE_SPEC, ROW_LABELS, SPEC
        from workflows import registry
        from workflows.specs import InFlight

        registry.register(SPEC, flow=GiftListFlow, devolved=COMMUNE_SPEC, in_flight=InFlight.SWITCH)
        registry.register_rows("cases.giftrecipient", ROW_LABELS)

        # Long signature lists are built in the background (cases.exports).
        from cases.exports.kinds import register
        from cases.gifts.documents import EXPORT_KIND
        from cases.gifts.import_attempts import EXPORT_KIND as ERRORS_KIND

        register(EXPORT_KIND)
        # A long import's file with its refused rows marked, too.
        register(ERRORS_KIND)
