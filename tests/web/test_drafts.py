"""Create and edit a draft; register a person."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from cases.housing.models import HousingCase, HousingState
from cases.models import Person
from tests.factories import PersonFactory, national_id_for


def test_officer_creates_a_draft_with_amount_typed_with_dots(users, config, applicant, client_for):
    client = client_for(users.officer)
    page = client.get(reverse("case_create"))
    assert page.status_code == 200
    assert "Phù Lỗ" in page.content.decode() and "Minh Trí" not in page.content.decode()
    response = client.post(
        reverse("case_create"),
        {
            "commune": applicant.commune_id,
            "national_id": applicant.national_id,
            "program": "nguoi_co_cong",
            "kind": "repair",
            "requested_amount": "20.000.000",
            "description": "Mái dột",
        },
    )
    case = HousingCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert case.state == HousingState.DRAFT
    assert case.requested_amount == 20_000_000 and case.applicant == applicant
    assert case.created_by == users.officer


def test_applicant_from_another_commune_is_not_found(users, config, communes, client_for):
    stranger = PersonFactory(commune=communes.b)
    response = client_for(users.officer).post(
        reverse("case_create"),
        {
            "commune": communes.a.pk,
            "national_id": stranger.national_id,
            "program": "ho_ngheo",
            "kind": "repair",
            "requested_amount": "10.000.000",
        },
    )
    assert response.status_code == 400
    assert "Không tìm thấy người có số định danh này" in response.content.decode()
    assert not HousingCase.objects.exists()


def test_service_errors_show_on_the_form(users, config, communes, client_for):
    # Registered, in the commune, but not in the category the program needs.
    person = PersonFactory(commune=communes.a, categories=[])
    response = client_for(users.officer).post(
        reverse("case_create"),
        {
            "commune": communes.a.pk,
            "national_id": person.national_id,
            "program": "ho_ngheo",
            "kind": "repair",
            "requested_amount": "abc",
        },
    )
    assert response.status_code == 400
    assert "Nhập số tiền bằng đồng" in response.content.decode()
    response = client_for(users.officer).post(
        reverse("case_create"),
        {
            "commune": communes.a.pk,
            "national_id": person.national_id,
            "program": "ho_ngheo",
            "kind": "repair",
            "requested_amount": "10.000.000",
        },
    )
    assert response.status_code == 400
    assert "không thuộc diện đối tượng" in response.content.decode()


def test_leader_and_district_roles_cannot_open_a_case(users, client_for):
    for user in (users.leader, users.specialist, users.auditor):
        assert client_for(user).get(reverse("case_create")).status_code == 403


def test_officer_edits_a_draft(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    client = client_for(users.officer)
    page = client.get(reverse("case_edit", args=[case.pk])).content.decode()
    assert 'value="80.000.000"' in page
    response = client.post(
        reverse("case_edit", args=[case.pk]),
        {"program": "nguoi_co_cong", "kind": "repair", "requested_amount": "15.000.000"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.kind == "repair" and case.requested_amount == 15_000_000


def test_submitted_case_cannot_be_edited(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    response = client_for(users.officer).get(reverse("case_edit", args=[case.pk]))
    assert response.status_code == 409
    response = client_for(users.officer).post(
        reverse("case_edit", args=[case.pk]),
        {"program": "nguoi_co_cong", "kind": "repair", "requested_amount": "1.000.000"},
    )
    assert response.status_code == 409
    assert HousingCase.objects.get(pk=case.pk).requested_amount == 80_000_000


def test_other_commune_cannot_edit(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    assert client_for(users.officer_b).get(reverse("case_edit", args=[case.pk])).status_code == 404


def _person_data(communes, **kw):
    dob = dt.date(1958, 4, 2)
    return {
        "full_name": "Đặng Văn Hải",
        "date_of_birth": "02/04/1958",
        "sex": "M",
        "national_id": national_id_for(dob, "M"),
        "commune": communes.a.pk,
        "address": "Thôn Đoài",
        "categories": ["ho_ngheo"],
        **kw,
    }


def test_officer_registers_a_person_and_goes_on_to_open_a_case(users, communes, client_for):
    data = _person_data(communes)
    response = client_for(users.officer).post(reverse("person_create"), data)
    person = Person.objects.get(national_id=data["national_id"])
    assert person.commune == communes.a and person.categories == ["ho_ngheo"]
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('case_create')}?national_id={person.national_id}"


def test_bad_national_id_gets_vietnamese_errors(users, communes, client_for):
    client = client_for(users.officer)
    response = client.post(reverse("person_create"), _person_data(communes, national_id="12345"))
    assert response.status_code == 400
    assert "phải gồm đúng 12 chữ số" in response.content.decode()
    # Birth year coded in the ID does not match the date of birth.
    response = client.post(
        reverse("person_create"),
        _person_data(communes, national_id=national_id_for(dt.date(1970, 1, 1), "M")),
    )
    assert response.status_code == 400
    assert "năm sinh 1970" in response.content.decode()
    assert not Person.objects.filter(full_name="Đặng Văn Hải").exists()


def test_duplicate_national_id_points_to_the_existing_record(users, communes, client_for):
    existing = PersonFactory(commune=communes.a, full_name="Lý Thị Mơ")
    response = client_for(users.officer).post(
        reverse("person_create"),
        _person_data(
            communes,
            national_id=existing.national_id,
            date_of_birth=existing.date_of_birth.strftime("%d/%m/%Y"),
        ),
    )
    assert response.status_code == 400
    assert "Lý Thị Mơ" in response.content.decode()


def test_leader_cannot_register_people(users, client_for):
    assert client_for(users.leader).get(reverse("person_create")).status_code == 403
