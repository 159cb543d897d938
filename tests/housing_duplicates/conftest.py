"""Duplicate protection of housing support: households, a case as older data
left it (a second open case of one person), and cases moved through the real
engine."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation

from cases.housing.models import HousingCase
from cases.models import Case, Household, Person
from tests.api.conftest import api  # noqa: F401 - the API tests' client fixture
from tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _vietnamese() -> Any:
    """Services speak the office's language whatever an earlier request left active."""
    with translation.override("vi"):
        yield


@pytest.fixture
def household(communes: SimpleNamespace) -> Household:
    return Household.objects.create(
        number="HK-0001", address="Số 12, thôn Đông, xã Phù Lỗ", commune=communes.a
    )


@pytest.fixture
def member(communes: SimpleNamespace, household: Household) -> Callable[..., Any]:
    """member(name) -> a person of `household` (all categories), in commune a."""

    def make(name: str = "Nguyễn Văn Hộ") -> Any:
        return PersonFactory(commune=communes.a, household=household, full_name=name)

    return make


def as_older_data_left_it(case: HousingCase, applicant: Person) -> HousingCase:
    """Give `case` to `applicant` as data entered before the rule may have: a
    second open case of one person, holding no place of its own."""
    Case.objects.filter(pk=case.pk).update(applicant=applicant)
    HousingCase.objects.filter(pk=case.pk).update(
        open_applicant=None, open_household=None, household=applicant.household
    )
    return HousingCase.objects.get(pk=case.pk)
