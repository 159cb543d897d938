"""The gift list's viewflow process (one per commune list), built from its spec."""

from cases.gifts.models import GiftList
from cases.gifts.spec import COMMUNE_SPEC, SPEC
from workflows.flows import flow_from_spec

GiftListFlow = flow_from_spec(
    SPEC,
    COMMUNE_SPEC,
    name="GiftListFlow",
    module=__name__,
    artifact_model=GiftList,
    doc="""Commune gift list

    A commune's recipient list for a gift campaign, from preparation to closing.
    """,
)
