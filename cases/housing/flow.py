"""The housing case's viewflow process, built from its spec."""

from cases.housing.spec import COMMUNE_SPEC, SPEC
from cases.models import Case
from workflows.flows import flow_from_spec

HousingFlow = flow_from_spec(
    SPEC,
    COMMUNE_SPEC,
    name="HousingFlow",
    module=__name__,
    artifact_model=Case,
    doc="""Housing support

    Build new or repair a house for people with meritorious service and poor households.
    """,
)
