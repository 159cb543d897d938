"""Data for the gift UI and API tests: a small campaign whose city package
goes to poor households, and helpers that move a commune's list through its
steps with the real services and engine."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from cases.gifts import services as gifts
from cases.gifts.models import Campaign, CampaignBudget, GiftList, GiftPackage
from cases.models import Category
from tests.factories import PersonFactory
from workflows import engine


def make_campaign(code: str = "tet-ui") -> SimpleNamespace:
    c = Campaign.objects.create(
        code=code, name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    poor = GiftPackage.objects.create(
        campaign=c,
        code=f"{code}-ngheo",
        name="Quà Thành phố hộ nghèo",
        source="city",
        amount=500_000,
        categories=[Category.POOR],
    )
    CampaignBudget.objects.create(campaign=c, source="city", allocated=10**10)
    return SimpleNamespace(campaign=c, poor=poor)


def make_poor_people(commune: Any, n: int) -> list[Any]:
    return [PersonFactory(commune=commune, categories=[Category.POOR]) for _ in range(n)]


def built_list(users: SimpleNamespace, campaign: Campaign, commune: Any) -> GiftList:
    gift_list = gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=commune)
    gifts.gift_list_build(actor=users.officer, gift_list=gift_list)
    return GiftList.objects.get(pk=gift_list.pk)


STEPS = [
    ("submit", "officer"),
    ("confirm", "leader"),
    ("review", "specialist"),
    ("approve", "head"),
]


def advance(gift_list: GiftList, users: SimpleNamespace, until: str) -> GiftList:
    """Move the list through its steps (officer, leader, specialist, head)
    until it reaches state `until`."""
    for name, who in STEPS:
        if gift_list.state == until:
            break
        engine.transition(gift_list, name, actor=getattr(users, who))
        gift_list = GiftList.objects.get(pk=gift_list.pk)
    assert gift_list.state == until
    return gift_list
