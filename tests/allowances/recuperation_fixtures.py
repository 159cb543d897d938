"""What the recuperation tests share: quotas, trips of earlier years, a
commune's list opened by its officer, and people holding meritorious-service
allowances of a yearly and an every-two-years category."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from cases.allowances import recuperation as recup
from cases.allowances.models import (
    Entitlement,
    Recuperation,
    RecuperationList,
    RecuperationQuota,
)
from cases.models import AdministrativeUnit

D = dt.date
HOME, CENTRE = "home", "centre"


def quota(area: AdministrativeUnit, year: int, people: int) -> RecuperationQuota:
    return RecuperationQuota.objects.create(area=area, year=year, quota=people)


def past_trip(entitlement: Entitlement, year: int, user: Any) -> Recuperation:
    """A trip of an earlier year, as an earlier list left it."""
    rl, _created = RecuperationList.objects.get_or_create(
        commune_id=entitlement.commune_id, year=year, defaults={"created_by": user}
    )
    return Recuperation.objects.create(
        recuperation_list=rl,
        commune_id=entitlement.commune_id,
        person=entitlement.person,
        entitlement=entitlement,
        category=entitlement.category,
        year=year,
        mode=HOME,
        amount=1_849_500,
        sent_on=D(year, 5, 10),
    )


def eligible_people(commune: AdministrativeUnit, year: int) -> set[int]:
    return set(
        recup.eligible_entitlements(commune_id=commune.pk, year=year).values_list(
            "person_id", flat=True
        )
    )


@pytest.fixture
def open_list(staff: SimpleNamespace) -> Callable[..., RecuperationList]:
    def make(commune: AdministrativeUnit, year: int = 2024) -> RecuperationList:
        return recup.recuperation_list_open(
            actor=staff.officer_for_commune(commune), commune=commune, year=year
        )

    return make


@pytest.fixture
def merit(entitle: Any, people: SimpleNamespace) -> SimpleNamespace:
    """Commune a: a Heroic Mother (every year), two relatives of a martyr
    (every two years); commune b: two relatives of a martyr."""
    start = D(2020, 1, 1)
    return SimpleNamespace(
        mother=entitle(people.a[0], "ba_me_vnah", start),
        relative=entitle(people.a[1], "than_nhan_1_liet_si", start),
        relative2=entitle(people.a[2], "than_nhan_1_liet_si", start),
        b=[entitle(p, "than_nhan_1_liet_si", start) for p in people.b],
    )
