"""The import tests' campaign (five packages: the President's two, the
city's for poor households, each commune's own) and commune A's list."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from cases.gifts import services as gifts
from cases.gifts.models import Campaign, GiftList, GiftPackage
from cases.models import Category, MeritSubtype

M = MeritSubtype


@pytest.fixture
def campaign(communes: SimpleNamespace) -> SimpleNamespace:
    c = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )

    def package(code: str, source: str, amount: int, **kw: Any) -> GiftPackage:
        return GiftPackage.objects.create(
            campaign=c, code=code, name=f"Quà {code}", source=source, amount=amount, **kw
        )

    return SimpleNamespace(
        campaign=c,
        p600=package(
            "ctn-600",
            "president",
            600_000,
            categories=[Category.MERIT],
            merit_subtypes=[M.HERO, M.HEROIC_MOTHER],
            exclusive_group="president",
        ),
        p300=package(
            "ctn-300",
            "president",
            300_000,
            categories=[Category.MERIT],
            merit_subtypes=[M.WAR_INVALID, M.HERO],
            exclusive_group="president",
        ),
        poor=package("tp-ngheo", "city", 1_000_000, categories=[Category.POOR]),
        own_a=package("xa-a", "commune", 300_000, commune=communes.a),
        own_b=package("xa-b", "commune", 200_000, commune=communes.b),
    )


@pytest.fixture
def gift_list(campaign: SimpleNamespace, users: SimpleNamespace, communes: Any) -> GiftList:
    return gifts.gift_list_open(actor=users.officer, campaign=campaign.campaign, commune=communes.a)
