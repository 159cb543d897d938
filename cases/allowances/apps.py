from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllowancesConfig(AppConfig):
    """Monthly allowances: registers the entitlement decision, the entitlement
    and the commune payroll with the engine."""

    name = "cases.allowances"
    label = "allowances"
    verbose_name = _("Monthly allowances")

    def ready(self) -> None:
        # Models (and so the specs and flows) may be imported only once the app registry is ready.
        from cases.allowances.flow import AllowanceCaseFlow, PayrollFlow, RecuperationListFlow
        from cases.allowances.spec import (
            CASE_SPEC,
            COMMUNE_CASE_SPEC,
            COMMUNE_ENTITLEMENT_SPEC,
            COMMUNE_PAYROLL_SPEC,
            COMMUNE_RECUPERATION_SPEC,
            ENTITLEMENT_SPEC,
            LINE_LABELS,
            PAYROLL_SPEC,
            RECUPERATION_SPEC,
        )
        from workflows import registry
        from workflows.specs import InFlight

        registry.register(
            CASE_SPEC, flow=AllowanceCaseFlow, devolved=COMMUNE_CASE_SPEC, in_flight=InFlight.SWITCH
        )
        registry.register(
            PAYROLL_SPEC, flow=PayrollFlow, devolved=COMMUNE_PAYROLL_SPEC, in_flight=InFlight.SWITCH
        )
        registry.register(
            RECUPERATION_SPEC,
            flow=RecuperationListFlow,
            devolved=COMMUNE_RECUPERATION_SPEC,
            in_flight=InFlight.SWITCH,
        )
        registry.register(
            ENTITLEMENT_SPEC,
            flow=None,
            devolved=COMMUNE_ENTITLEMENT_SPEC,
            in_flight=InFlight.SWITCH,
        )
        registry.register_rows("allowances.payrollline", LINE_LABELS)

        # Long payroll lists are built in the background (cases.exports).
        from cases.allowances.documents_exports import DOCUMENT_LABELS, EXPORT_KIND
        from cases.exports.kinds import register
        from workflows.audit_labels import register_document_labels, register_object_labels

        register(EXPORT_KIND)
        register_document_labels(DOCUMENT_LABELS)
        register_object_labels(
            {
                "allowances.payroll": _("Allowance payroll #%(id)s"),
                "allowances.entitlement": _("Allowance #%(id)s"),
                "allowances.recuperationlist": _("Recuperation list #%(id)s"),
                "allowances.payrollline": _("Payroll line #%(id)s"),
            }
        )
