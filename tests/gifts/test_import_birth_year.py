"""A person registered with the birth year alone (as the import stores an
elderly beneficiary's "1951"): shown as the year wherever the date of birth is
shown — the case pages, the signature list — and flagged in the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.gifts import services as gifts
from cases.housing.services import housing_case_create
from cases.models import AdministrativeUnit, Category, Person, birth_date_display
from tests.conftest import api_token, sign_in
from tests.factories import PersonFactory, national_id_for

pytestmark = pytest.mark.django_db
BORN = dt.date(1951, 1, 1)


def elder(commune: AdministrativeUnit, **kw: Any) -> Any:
    return PersonFactory(
        commune=commune,
        date_of_birth=BORN,
        birth_year_only=True,
        national_id=national_id_for(BORN, "M"),
        sex="M",
        categories=[Category.POOR],
        **kw,
    )


def test_one_helper_writes_the_year_alone_or_the_whole_date():
    assert birth_date_display(BORN, True) == "1951"
    assert birth_date_display(dt.date(1951, 3, 5), False) == "05/03/1951"
    assert birth_date_display(None, False) == ""
    assert Person(date_of_birth=BORN, birth_year_only=True).birth_date_display == "1951"


def test_a_case_page_shows_the_year_alone(users, communes, config):
    person = elder(communes.a)
    case = housing_case_create(
        actor=users.officer,
        commune=communes.a,
        applicant=person,
        program="ho_ngheo",
        kind="repair",
        requested_amount=20_000_000,
    )
    client = Client()
    sign_in(client, users.officer)
    html = client.get(reverse("case_detail", kwargs={"pk": case.pk})).content.decode()
    assert "<dd>1951 · " in html
    assert "01/01/1951" not in html


def test_the_api_flags_a_birth_year_alone(users, communes, campaign):
    person = elder(communes.a)
    client = Client(HTTP_AUTHORIZATION=f"Token {api_token(users.officer)}")
    body = client.get(f"/api/v1/people/{person.pk}/").json()
    assert (body["date_of_birth"], body["birth_year_only"]) == ("1951-01-01", True)

    gift_list = gifts.gift_list_open(
        actor=users.officer, campaign=campaign.campaign, commune=communes.a
    )
    gifts.gift_rows_add(
        actor=users.officer, gift_list=gift_list, pairs=[(person.pk, campaign.poor)], how="test"
    )
    rows = client.get(f"/api/v1/gift-lists/{gift_list.pk}/rows/").json()["results"]
    assert rows[0]["person"]["birth_year_only"] is True
