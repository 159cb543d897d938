"""The drug-rehab viewflow processes, built from their specs: the referral's
tasks follow the route of the procedure version the case bound to at filing."""

from cases.rehab.models import RehabCase
from cases.rehab.spec import REFERRAL_2022, REFERRAL_2025, VOLUNTARY
from workflows.flows import flow_from_spec

RehabReferralFlow = flow_from_spec(
    REFERRAL_2022,
    REFERRAL_2025,
    name="RehabReferralFlow",
    module=__name__,
    artifact_model=RehabCase,
    doc="""Compulsory drug rehab referral

    From the dossier to the court's decision, placement, post-rehab management and
    completion. The route (who compiles, whether the district office reviews) is the
    procedure version's the case bound to at filing.
    """,
)

VoluntaryRehabFlow = flow_from_spec(
    VOLUNTARY,
    name="VoluntaryRehabFlow",
    module=__name__,
    artifact_model=RehabCase,
    doc="""Voluntary drug rehab

    Registration at the commune, the chairman's decision within 3 working days,
    treatment at home, in the community or at a facility, post-rehab management.
    """,
)
