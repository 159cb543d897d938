"""Communes and people: scoped lists, creation through person_create, duplicates."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import Person
from tests.factories import PersonFactory, national_id_for

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def person_body(commune_code: str = "00448", **overrides):
    dob = dt.date(1958, 4, 2)
    body = {
        "full_name": "Đặng Thị Hằng",
        "date_of_birth": dob.isoformat(),
        "sex": "F",
        "national_id": national_id_for(dob, "F"),
        "commune": commune_code,
        "address": "Thôn Đoài",
        "categories": ["ho_ngheo", "nguoi_co_cong"],
        "merit_subtype": "than_nhan_liet_si",
    }
    body.update(overrides)
    return body


# --- communes ---


def test_commune_officer_sees_only_own_commune(api, users):
    r = api(users.officer).get("/api/v1/communes/")
    assert r.status_code == 200
    assert r.json()["results"] == [
        {
            "code": "00448",
            "name": "Phù Lỗ",
            "kind": "xa",
            "level": "commune",
            "valid_from": None,
            "valid_to": None,
            "predecessors": [],
            "successors": [],
        }
    ]


def test_district_roles_see_every_commune(api, users):
    for user in (users.specialist, users.head, users.accountant, users.auditor):
        codes = {c["code"] for c in api(user).get("/api/v1/communes/").json()["results"]}
        assert codes == {"00448", "00382"}


# --- people ---


def test_officer_registers_a_person(api, users, communes):
    body = person_body()
    r = api(users.officer).post("/api/v1/people/", body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    person = Person.objects.get(pk=data["id"])
    assert person.national_id == body["national_id"]
    assert person.commune == communes.a
    assert person.categories == ["nguoi_co_cong", "ho_ngheo"]  # catalogue order
    assert data["commune"] == "00448"
    assert data["date_of_birth"] == "1958-04-02"
    assert data["merit_subtype"] == "than_nhan_liet_si"


def test_officer_cannot_register_in_another_commune(api, users):
    r = api(users.officer).post("/api/v1/people/", person_body("00382"), format="json")
    assert_error(r, 403, "not_permitted")
    assert not Person.objects.exists()


def test_district_specialist_may_register_anywhere(api, users):
    r = api(users.specialist).post("/api/v1/people/", person_body("00382"), format="json")
    assert r.status_code == 201


@pytest.mark.parametrize("user", ["leader", "head", "accountant", "auditor"])
def test_other_roles_cannot_register_people(user, api, users):
    r = api(getattr(users, user)).post("/api/v1/people/", person_body(), format="json")
    assert_error(r, 403, "not_permitted")


def test_unknown_commune_code_is_a_field_error(api, users):
    r = api(users.officer).post("/api/v1/people/", person_body("99999"), format="json")
    assert_error(r, 400, "invalid", "commune")


@pytest.mark.parametrize(
    "national_id",
    [
        "12345",  # too short
        "00104800123X",  # not all digits
        "000048001234",  # province 000
        "097048001234",  # province above 096
        "001148001234",  # 4th digit says female, person is male
        "001050001234",  # encodes 1950, born 1948
        "0010480012345",  # 13 digits
    ],
)
def test_malformed_national_id_is_a_field_error(national_id, api, users):
    body = person_body(
        national_id=national_id, date_of_birth="1948-03-12", sex="M", full_name="Ngô Văn A"
    )
    r = api(users.officer).post("/api/v1/people/", body, format="json")
    assert_error(r, 400, "invalid", "national_id")
    assert not Person.objects.exists()


def test_field_errors_in_vietnamese_keep_codes_and_field_names(api, users):
    body = person_body(national_id="12", sex="X", date_of_birth="1948-02-30")
    del body["full_name"]
    r = api(users.officer, language="vi").post("/api/v1/people/", body, format="json")
    err = assert_error(r, 400, "invalid", "full_name", "sex", "date_of_birth")
    en = api(users.officer, language="en").post("/api/v1/people/", body, format="json").json()
    assert set(err["fields"]) == set(en["fields"])
    assert r.headers["Content-Language"] == "vi"


def test_unknown_category_is_a_flat_field_error(api, users):
    r = api(users.officer).post(
        "/api/v1/people/", person_body(categories=["ho_ngheo", "alien"]), format="json"
    )
    body = assert_error(r, 400, "invalid", "categories")
    assert all(isinstance(m, str) for m in body["fields"]["categories"])


def test_duplicate_national_id_points_to_the_visible_record(api, users, applicant):
    body = person_body(
        national_id=applicant.national_id,
        date_of_birth=applicant.date_of_birth.isoformat(),
        sex=applicant.sex,
    )
    r = api(users.officer).post("/api/v1/people/", body, format="json")
    err = assert_error(r, 400, "duplicate_national_id", "national_id")
    assert err["existing_id"] == applicant.pk
    assert Person.objects.count() == 1


def test_duplicate_national_id_in_another_commune_does_not_reveal_the_person(api, users, applicant):
    body = person_body(
        "00382",
        national_id=applicant.national_id,
        date_of_birth=applicant.date_of_birth.isoformat(),
        sex=applicant.sex,
    )
    r = api(users.officer_b).post("/api/v1/people/", body, format="json")
    err = assert_error(r, 400, "duplicate_national_id", "national_id")
    assert err["existing_id"] is None
    assert applicant.full_name not in r.content.decode()
    assert str(applicant.pk) not in err["message"]


def test_people_list_is_scoped_to_own_commune(api, users, communes):
    mine = PersonFactory(commune=communes.a)
    PersonFactory(commune=communes.b)
    r = api(users.officer).get("/api/v1/people/")
    assert [p["id"] for p in r.json()["results"]] == [mine.pk]
    r = api(users.auditor).get("/api/v1/people/")
    assert r.json()["count"] == 2


def test_people_filter_by_national_id(api, users, communes):
    a1 = PersonFactory(commune=communes.a)
    PersonFactory(commune=communes.a)
    other = PersonFactory(commune=communes.b)
    client = api(users.officer)
    r = client.get("/api/v1/people/", {"national_id": a1.national_id})
    assert [p["id"] for p in r.json()["results"]] == [a1.pk]
    # Another commune's person is simply not found by the filter.
    r = client.get("/api/v1/people/", {"national_id": other.national_id})
    assert r.json()["results"] == []


def test_person_detail_and_other_commune_person_is_404(api, users, communes):
    mine = PersonFactory(commune=communes.a)
    other = PersonFactory(commune=communes.b)
    r = api(users.officer).get(f"/api/v1/people/{mine.pk}/")
    assert r.status_code == 200
    assert r.json()["national_id"] == mine.national_id
    assert_error(api(users.officer).get(f"/api/v1/people/{other.pk}/"), 404, "not_found")
    assert_error(api(users.officer).get("/api/v1/people/999999/"), 404, "not_found")
