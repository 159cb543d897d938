"""The API's serializers of administrative units: a commune given by its
code, a commune as listed, and with its dates and the units it came from and
went to (a reorganisation); and the units a case or list was carried between
(`UnitHistoryField`, on the detail of every case and list)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import AdministrativeUnit, UnitChange
from cases.selectors import unit_history


class CommuneCodeField(serializers.SlugRelatedField):
    """A commune given by its official code; the unit valid today wins.

    Codes are public reference data (the administrative map), so any commune
    resolves here; whether the caller may act in it is the service's question
    (403), not a 'does not exist' (400).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault(
                "queryset",
                AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE),
            )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> AdministrativeUnit:
        if not isinstance(data, str) or not data or "\x00" in data:
            self.fail("invalid")
        today = timezone.localdate()
        queryset = self.get_queryset()
        assert queryset is not None
        unit = (
            queryset.filter(code=data)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
            .order_by("-valid_from")
            .first()
        )
        if unit is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return unit


class CommuneSerializer(serializers.ModelSerializer):
    # Plain string, not an enum: "kind" is also the housing kind, and one
    # enum name must not stand for two choice sets in the schema.
    kind = serializers.CharField(
        read_only=True, help_text="xa (commune), thi_tran (township) or phuong (ward)."
    )

    class Meta:
        model = AdministrativeUnit
        fields = ["code", "name", "kind"]


class UnitChangeSerializer(serializers.Serializer):
    """A unit before or after a reorganisation, and how it changed."""

    code = serializers.CharField()
    name = serializers.CharField()
    # Plain string, not an enum: "kind" names other choice sets in the schema.
    kind = serializers.CharField(
        help_text="merge, split (the villages listed go), rename or abolish (its level)."
    )
    villages = serializers.ListField(child=serializers.CharField())
    effective = serializers.DateField()
    decision = serializers.CharField()
    unverified = serializers.BooleanField(help_text="A mapping still to be confirmed.")


def _change_row(change: UnitChange, unit: AdministrativeUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": change.kind,
        "villages": change.villages,
        "effective": change.effective,
        "decision": change.decision,
        "unverified": change.unverified,
    }


class CommuneDetailSerializer(CommuneSerializer):
    """A commune with its dates and the units it came from and went to
    (`predecessors`, `successors`: read from prefetched changes)."""

    predecessors = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()

    class Meta(CommuneSerializer.Meta):
        fields = [
            *CommuneSerializer.Meta.fields,
            "level",
            "valid_from",
            "valid_to",
            "predecessors",
            "successors",
        ]

    @extend_schema_field(UnitChangeSerializer(many=True))
    def get_predecessors(self, unit: AdministrativeUnit) -> list[dict[str, Any]]:
        changes = sorted(unit.changes_in.all(), key=lambda c: (c.effective, c.predecessor.code))
        return [_change_row(c, c.predecessor) for c in changes]

    @extend_schema_field(UnitChangeSerializer(many=True))
    def get_successors(self, unit: AdministrativeUnit) -> list[dict[str, Any]]:
        changes = sorted(
            (c for c in unit.changes_out.all() if c.successor is not None),
            key=lambda c: (c.effective, c.successor.code),  # type: ignore[union-attr]
        )
        return [_change_row(c, c.successor) for c in changes]  # type: ignore[arg-type]


class CommuneFilterSerializer(serializers.Serializer):
    active_on = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="YYYY-MM-DD: only the units in force that day.",
    )


# --- the moves of a case or list to a successor unit (issue 15) --------------------


class UnitRefSerializer(serializers.Serializer):
    """A unit as it was named when the record moved."""

    code = serializers.CharField(help_text="Official code.")
    name = serializers.CharField()


class UnitMoveSerializer(serializers.Serializer):
    """One move of a record to a successor unit by a reorganisation of units."""

    to = UnitRefSerializer(help_text="The successor unit.")
    decision = serializers.CharField(help_text="The decision (resolution) of the reorganisation.")
    effective = serializers.DateField(help_text="The day the reorganisation took effect.")
    occurred_at = serializers.DateTimeField(help_text="When the reorganisation run moved it.")
    villages = serializers.ListField(
        child=serializers.CharField(),
        help_text="A unit split by villages: the villages that went to the successor; else [].",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword: it cannot be declared as an attribute.
        fields: dict[str, serializers.Field] = super().get_fields()
        return {"from": UnitRefSerializer(help_text="The former unit."), **fields}


@extend_schema_field(UnitMoveSerializer(many=True))
class UnitHistoryField(serializers.Field):
    """The record's moves to successor units, oldest first ([] when it never
    moved): one query (`cases.selectors.unit_history`), so it belongs on
    detail representations; on a list it would be one query per row."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault(
            "help_text",
            "Moves to a successor unit by reorganisations of units (the two-level "
            "government of 01/07/2025), oldest first; [] when the record never moved.",
        )
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return UnitMoveSerializer(unit_history(value), many=True).data
