"""The same wrong value gets the same Vietnamese message wherever it is typed:
the person form, the housing form, the rehab form, the API and the import."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from cases.models import Person
from cases.rehab.forms import ReferralCreateForm
from tests.conftest import api_token
from tests.factories import national_id_for

ID_MESSAGE_VI = "Số định danh cá nhân phải gồm đúng 12 chữ số."
DATE_MESSAGE_VI = "Nhập ngày hợp lệ theo dạng dd/mm/yyyy, ví dụ 25/12/1960."
AMOUNT_MESSAGE_VI = "Nhập số tiền bằng đồng, chỉ gồm chữ số (ví dụ 20.000.000)."
ELEVEN_DIGITS = "00105800123"


def person_post(commune: Any, **overrides: str) -> dict[str, str]:
    born = dt.date(1958, 4, 2)
    data = {
        "full_name": "Đặng Thị Hằng",
        "date_of_birth": "02/04/1958",
        "sex": "F",
        "national_id": national_id_for(born, "F"),
        "commune": str(commune.pk),
        "address": "Thôn Đoài",
    }
    data.update(overrides)
    return data


def api_person_body(**overrides: str) -> dict[str, Any]:
    born = dt.date(1958, 4, 2)
    body: dict[str, Any] = {
        "full_name": "Đặng Thị Hằng",
        "date_of_birth": born.isoformat(),
        "sex": "F",
        "national_id": national_id_for(born, "F"),
        "commune": "00448",
    }
    body.update(overrides)
    return body


def api_client(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def person_form_errors(client: Any, data: dict[str, str], field: str) -> list[str]:
    response = client.post(reverse("person_create"), data)
    assert response.status_code == 400
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_an_eleven_digit_id_gets_the_same_message_in_the_person_form_the_housing_form_the_rehab_form_and_the_api(  # noqa: E501
    client_for: Any, users: Any, communes: Any
) -> None:
    officer = client_for(users.officer)
    person_form = person_form_errors(
        officer, person_post(communes.a, national_id=ELEVEN_DIGITS), "national_id"
    )
    housing = officer.post(
        reverse("case_create"),
        {
            "commune": str(communes.a.pk),
            "national_id": ELEVEN_DIGITS,
            "program": "nguoi_co_cong",
            "kind": "new_build",
            "requested_amount": "28.000.000",
        },
    )
    housing_form = [str(e) for e in housing.context["form"].errors["national_id"]]
    rehab = ReferralCreateForm({"national_id": ELEVEN_DIGITS}, communes=[communes.a])
    rehab_form = [str(e) for e in rehab.errors["national_id"]]
    api = api_client(users.officer).post(
        "/api/v1/people/", api_person_body(national_id=ELEVEN_DIGITS), format="json"
    )
    assert api.status_code == 400
    api_fields = api.json()["fields"]["national_id"]

    assert person_form == housing_form == rehab_form == api_fields == [ID_MESSAGE_VI]
    assert "ít nhất" not in housing.content.decode()
    assert not Person.objects.exists()


def test_the_person_form_accepts_an_id_typed_with_spaces(
    client_for: Any, users: Any, communes: Any
) -> None:
    officer = client_for(users.officer)
    nid = national_id_for(dt.date(1958, 4, 2), "F")
    spaced = f"{nid[:3]} {nid[3:6]} {nid[6:9]} {nid[9:]}"
    response = officer.post(reverse("person_create"), person_post(communes.a, national_id=spaced))
    assert response.status_code == 302, response.context["form"].errors
    assert Person.objects.get().national_id == nid


def test_the_api_accepts_an_id_typed_with_dots(users: Any, communes: Any) -> None:
    nid = national_id_for(dt.date(1958, 4, 2), "F")
    dotted = f"{nid[:3]}.{nid[3:6]}.{nid[6:9]}.{nid[9:]}"
    response = api_client(users.officer).post(
        "/api/v1/people/", api_person_body(national_id=dotted), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["national_id"] == nid


def test_a_bad_date_gets_the_same_message_in_the_person_form_and_the_api(
    client_for: Any, users: Any, communes: Any
) -> None:
    form = person_form_errors(
        client_for(users.officer),
        person_post(communes.a, date_of_birth="31/02/1958"),
        "date_of_birth",
    )
    api = api_client(users.officer).post(
        "/api/v1/people/", api_person_body(date_of_birth="1958-02-31"), format="json"
    )
    assert form == api.json()["fields"]["date_of_birth"] == [DATE_MESSAGE_VI]


def test_the_person_form_takes_a_date_written_with_dashes_or_dots(
    client_for: Any, users: Any, communes: Any
) -> None:
    response = client_for(users.officer).post(
        reverse("person_create"), person_post(communes.a, date_of_birth="2.4.1958")
    )
    assert response.status_code == 302
    assert Person.objects.get().date_of_birth == dt.date(1958, 4, 2)


def test_the_api_answers_dates_in_iso_and_also_takes_dd_mm_yyyy(users: Any, communes: Any) -> None:
    response = api_client(users.officer).post(
        "/api/v1/people/", api_person_body(date_of_birth="02/04/1958"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["date_of_birth"] == "1958-04-02"


@pytest.mark.parametrize("typed", ["18.000.000", "18,000,000", "18 000 000"])
def test_the_housing_form_and_the_api_take_amounts_with_thousands_separators(
    typed: str, client_for: Any, users: Any, communes: Any, config: None, applicant: Any
) -> None:
    from cases.housing.models import HousingCase
    from tests.factories import PersonFactory

    response = client_for(users.officer).post(
        reverse("case_create"),
        {
            "commune": str(communes.a.pk),
            "national_id": applicant.national_id,
            "program": "nguoi_co_cong",
            "kind": "repair",
            "requested_amount": typed,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    other: Any = PersonFactory(commune=communes.a)
    api = api_client(users.officer).post(
        "/api/v1/housing/",
        {
            "commune": other.commune.code,
            "applicant": other.pk,
            "program": "nguoi_co_cong",
            "kind": "repair",
            "requested_amount": typed,
        },
        format="json",
    )
    assert api.status_code == 201, api.json()
    amounts = list(HousingCase.objects.values_list("requested_amount", flat=True))
    assert amounts == [18_000_000, 18_000_000]


@pytest.mark.parametrize("typed", ["28,5", "2.80.000", "nhiều"])
def test_a_bad_amount_gets_the_same_message_in_the_housing_form_and_the_api(
    typed: str, client_for: Any, users: Any, communes: Any, config: None, applicant: Any
) -> None:
    form = client_for(users.officer).post(
        reverse("case_create"),
        {
            "commune": str(communes.a.pk),
            "national_id": applicant.national_id,
            "program": "nguoi_co_cong",
            "kind": "new_build",
            "requested_amount": typed,
        },
    )
    api = api_client(users.officer).post(
        "/api/v1/housing/",
        {
            "commune": applicant.commune.code,
            "applicant": applicant.pk,
            "program": "nguoi_co_cong",
            "kind": "repair",
            "requested_amount": typed,
        },
        format="json",
    )
    form_errors = [str(e) for e in form.context["form"].errors["requested_amount"]]
    assert form_errors == api.json()["fields"]["requested_amount"] == [AMOUNT_MESSAGE_VI]
