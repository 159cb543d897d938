"""API representations of gift campaigns, lists and rows."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.commune_serializers import UnitHistoryField
from cases.gifts.models import GiftListState
from cases.serializers import AvailableTransitionSerializer, transition_fields
from workflows.permissions import available_transitions
from workflows.registry import spec_for
from workflows.text import NormalizedSerializerField
from workflows.values import ApiDateField

# --- gift campaigns -------------------------------------------------------------


class GiftTallySerializer(serializers.Serializer):
    """Counts and amounts (đồng) of recipient rows the caller may see."""

    planned = serializers.IntegerField()
    planned_amount = serializers.IntegerField()
    delivered = serializers.IntegerField()
    delivered_amount = serializers.IntegerField()
    returned = serializers.IntegerField()
    returned_amount = serializers.IntegerField()


class GiftPackageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    donor = serializers.CharField()
    commune = serializers.CharField(
        source="commune.code", allow_null=True, default=None, help_text="Only for this commune."
    )
    amount = serializers.IntegerField(help_text="Đồng per recipient.")
    categories = serializers.ListField(child=serializers.CharField())
    merit_subtypes = serializers.ListField(child=serializers.CharField())
    exclusive_group = serializers.CharField()


class CampaignBudgetSerializer(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]
    donor = serializers.CharField()
    allocated = serializers.IntegerField()


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    occasion_date = serializers.DateField()
    decision = serializers.CharField()
    reconciled_at = serializers.DateTimeField(allow_null=True)
    lists = serializers.SerializerMethodField(help_text="Commune lists the caller may see.")
    totals = serializers.SerializerMethodField()

    def get_lists(self, campaign: Any) -> int:
        return int(self.context.get("lists", {}).get(campaign.pk, 0))

    @extend_schema_field(GiftTallySerializer)
    def get_totals(self, campaign: Any) -> dict[str, int]:
        tally = self.context.get("tallies", {}).get(campaign.pk, {})
        names = ("planned", "planned_amount", "delivered", "delivered_amount", "returned")
        return {k: int(tally.get(k) or 0) for k in (*names, "returned_amount")}


class CampaignDetailSerializer(CampaignSerializer):
    packages = GiftPackageSerializer(many=True, source="packages.all")
    budgets = CampaignBudgetSerializer(many=True, source="budgets.all")


class GiftListFilterSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(required=False)
    commune = serializers.CharField(required=False, help_text="Official commune code.")
    state = serializers.ChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:

        super().__init__(*args, **kwargs)
        cast(serializers.ChoiceField, self.fields["state"]).choices = GiftListState.choices


class GiftListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id")
    campaign_name = serializers.CharField(source="campaign.name")
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    waiting_for = serializers.SerializerMethodField(
        help_text="The role whose step it is; empty when the list is closed."
    )
    rows = serializers.IntegerField(source="n_rows")
    amount = serializers.IntegerField()
    delivered = serializers.IntegerField()
    returned = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_state_label(self, gift_list: Any) -> str:
        return spec_for(gift_list).state_label(gift_list.state)

    def get_waiting_for(self, gift_list: Any) -> str:
        return str(spec_for(gift_list).acting_role.get(gift_list.state, ""))


class GiftListDetailSerializer(GiftListSerializer):
    unit_history = UnitHistoryField()
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, gift_list: Any) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {
                "name": t.name,
                "label": str(t.label),
                "danger": t.danger,
                "fields": transition_fields(t),
            }
            for t in available_transitions(user, gift_list)
        ]


class GiftRowPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    national_id = serializers.CharField()
    date_of_birth = serializers.DateField()
    birth_year_only = serializers.BooleanField(
        help_text="Registered with the birth year alone: date_of_birth is 1 January of it."
    )


class GiftRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = GiftRowPersonSerializer()
    package = serializers.CharField(source="package.code")
    amount = serializers.IntegerField()
    state = serializers.CharField()
    delivered_on = serializers.DateField(allow_null=True)
    signed_by = serializers.CharField()
    proxy_name = serializers.CharField()
    proxy_relationship = serializers.CharField()
    return_reason = serializers.CharField()
    note = serializers.CharField()


class GiftRowFilterSerializer(serializers.Serializer):
    package = serializers.CharField(required=False, help_text="Package code.")
    state = serializers.ChoiceField(
        choices=["listed", "approved", "delivered", "returned"], required=False
    )
    q = serializers.CharField(required=False, help_text="Part of the name or of the national ID.")


class GiftDeliveryRequestSerializer(serializers.Serializer):
    row_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Rows to record; omitted or null: every row still waiting for delivery.",
    )
    delivered_on = ApiDateField(required=False, allow_null=True, default=None)
    signed_by = serializers.ChoiceField(
        choices=["recipient", "proxy"], required=False, default="recipient"
    )
    proxy_name = NormalizedSerializerField(required=False, allow_blank=True, default="")
    proxy_relationship = NormalizedSerializerField(required=False, allow_blank=True, default="")


class GiftReturnRequestSerializer(serializers.Serializer):
    row_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    reason = serializers.ChoiceField(choices=["unclaimed", "deceased", "moved"])
    note = NormalizedSerializerField(required=False, allow_blank=True, default="", max_length=300)


class GiftBulkResultSerializer(serializers.Serializer):
    moved = serializers.ListField(child=serializers.IntegerField(), help_text="Rows recorded.")
    refused = serializers.DictField(
        child=serializers.CharField(),
        help_text="Row id -> reason not moved (wrong_state, not_permitted, ...).",
    )
