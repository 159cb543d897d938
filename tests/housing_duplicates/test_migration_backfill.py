"""Migration 0014 fills what older cases lack: the household and address of
each case from its applicant, and the open places given to the oldest open
case of each person and household (the younger ones stay open, flagged)."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from cases.housing.models import HousingCase, HousingState
from workflows import engine

from .conftest import as_older_data_left_it

S = HousingState
pytestmark = pytest.mark.django_db
MIGRATION = import_module("cases.migrations.0014_housing_duplicates")


def as_before_the_migration() -> None:
    HousingCase.objects.update(
        household=None, address_key="", open_applicant=None, open_household=None
    )


def test_the_backfill_gives_each_place_to_the_oldest_open_case(make_case, users, member, household):
    older = make_case(S.SUBMITTED, person=member("Đỗ Văn Già"))
    younger = as_older_data_left_it(make_case(S.DRAFT), older.applicant)
    # Another member of the household, filed later.
    neighbour = as_older_data_left_it(make_case(S.DRAFT), member("Đỗ Thị Trẻ"))
    ended = make_case(S.SUBMITTED)
    engine.transition(ended, "withdraw", actor=users.officer, reason="Nhập nhầm.")
    as_before_the_migration()

    MIGRATION.backfill(apps, SimpleNamespace(connection=connection))

    rows = {c.pk: c for c in HousingCase.objects.all()}
    assert (rows[older.pk].open_applicant_id, rows[older.pk].open_household_id) == (
        older.applicant_id,
        household.pk,
    )
    assert (rows[younger.pk].open_applicant_id, rows[younger.pk].open_household_id) == (None, None)
    assert rows[neighbour.pk].open_applicant_id == neighbour.applicant_id
    assert rows[neighbour.pk].open_household_id is None  # the older case holds the household's
    assert rows[ended.pk].open_applicant_id is None
    assert {rows[pk].household_id for pk in (older.pk, younger.pk, neighbour.pk)} == {household.pk}
    assert rows[older.pk].address_key == "so 12 thon dong xa phu lo"
    assert rows[ended.pk].address_key == ""  # "Thôn 1" names no house


def test_the_seed_is_idempotent(communes):
    from cases.housing.models import HousingSupportRule

    before = HousingSupportRule.objects.count()
    MIGRATION.seed(apps, None)
    assert HousingSupportRule.objects.count() == before == 4
