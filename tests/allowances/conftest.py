"""Allowances tests: the shipped rates (with Hà Nội's own standard), people
of commune a and b, and entitlements as a decision would create them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps

from cases.allowances import reference
from cases.allowances.models import AllowanceCategory, Entitlement
from cases.models import Person
from tests.factories import PersonFactory

D = dt.date


@pytest.fixture
def rates(communes: SimpleNamespace) -> SimpleNamespace:
    """The rates shipped by migration 0002, plus Hà Nội's standard (the
    province exists once the communes do)."""
    reference.seed(apps, None)
    return SimpleNamespace(
        cat={c.code: c for c in AllowanceCategory.objects.all()},
    )


@pytest.fixture
def entitle(rates: SimpleNamespace) -> Any:
    def make(
        person: Person,
        code: str,
        start: dt.date,
        *,
        degree: int | None = None,
        commune: Any = None,
        arrears_from: dt.date | None = None,
    ) -> Entitlement:
        cat = rates.cat[code]
        return Entitlement.objects.create(
            person=person,
            regime=cat.regime,
            category=cat,
            degree=degree,
            commune=commune or person.commune,
            start_month=start,
            decision_number=f"QĐ {person.pk}/2024",
            decision_date=start,
            arrears_from=arrears_from,
        )

    return make


@pytest.fixture
def people(communes: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(
        a=[PersonFactory(commune=communes.a) for _ in range(3)],
        b=[PersonFactory(commune=communes.b) for _ in range(2)],
    )


@pytest.fixture
def staff(users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    """The users, with a way to find a commune's officer."""
    by_commune = {communes.a.pk: users.officer, communes.b.pk: users.officer_b}
    users.officer_for = lambda payroll: by_commune[payroll.commune_id]
    users.officer_for_commune = lambda commune: by_commune[commune.pk]
    return users
