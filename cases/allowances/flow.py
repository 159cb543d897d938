"""The viewflow flows of the allowance processes, built from their specs."""

from cases.allowances.models import AllowanceCase, Payroll, RecuperationList
from cases.allowances.spec import (
    CASE_SPEC,
    COMMUNE_CASE_SPEC,
    COMMUNE_PAYROLL_SPEC,
    COMMUNE_RECUPERATION_SPEC,
    PAYROLL_SPEC,
    RECUPERATION_SPEC,
)
from workflows.flows import flow_from_spec

AllowanceCaseFlow = flow_from_spec(
    CASE_SPEC,
    COMMUNE_CASE_SPEC,
    name="AllowanceCaseFlow",
    module=__name__,
    artifact_model=AllowanceCase,
    doc="""Monthly allowance decision

    A dossier asking for a monthly allowance, from the commune to the decision.
    """,
)

PayrollFlow = flow_from_spec(
    PAYROLL_SPEC,
    COMMUNE_PAYROLL_SPEC,
    name="PayrollFlow",
    module=__name__,
    artifact_model=Payroll,
    doc="""Monthly allowance payroll

    A commune's payroll for one month, from generation to closing.
    """,
)

RecuperationListFlow = flow_from_spec(
    RECUPERATION_SPEC,
    COMMUNE_RECUPERATION_SPEC,
    name="RecuperationListFlow",
    module=__name__,
    artifact_model=RecuperationList,
    doc="""Recuperation list

    A commune's list of people sent for recuperation in a year.
    """,
)
