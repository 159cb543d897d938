"""The one-stop register on the case page and in the API; the KPI page and endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.housing.models import HousingState
from tests.conftest import api_token
from workflows.models import ApologyLetter, OneStopRecord

from .conftest import APPOINTMENT

pytestmark = pytest.mark.django_db
S = HousingState


def api(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_case_page_shows_the_register_line(make_case, users, client_for):
    case = make_case(S.SUBMITTED)
    page = client_for(users.officer).get(reverse("case_detail", args=[case.pk]))
    html = page.content.decode()
    assert "Một cửa" in html or "một cửa" in html
    assert 'data-testid="received-on">07/02/2024' in html
    assert 'data-testid="appointment-on">08/03/2024' in html
    assert "Đang giải quyết, trong hạn hẹn trả" in html
    assert 'data-testid="apology-form"' not in html  # not yet near the appointment


def test_near_the_appointment_the_responsible_user_is_prompted(make_case, users, client_for, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    url = reverse("case_detail", args=[case.pk])
    html = client_for(users.leader).get(url).content.decode()
    assert 'data-testid="apology-form"' in html
    assert "Lập phiếu xin lỗi và hẹn lại (Mẫu 04)" in html
    # The accountant sees the line and its warning, but is not the one to issue the letter.
    html = client_for(users.accountant).get(url).content.decode()
    assert 'data-testid="one-stop"' in html and 'data-testid="apology-form"' not in html


def test_issuing_mau_04_from_the_case_page(make_case, users, client_for, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    client = client_for(users.officer)
    response = client.post(
        reverse("case_apology", args=[case.pk]),
        {"new_due_on": "15/03/2024", "reason": "Chờ xác minh thực địa"},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("case_detail", args=[case.pk])
    assert "15/03/2024" in html and "Chờ xác minh thực địa" in html
    assert 'data-testid="due-on">15/03/2024' in html
    assert "Đã lập phiếu xin lỗi và hẹn lại (Mẫu 04)" in html  # timeline entry
    assert OneStopRecord.objects.get(case_id=case.pk).due_on == dt.date(2024, 3, 15)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new_due_on": "09/03/2024", "reason": "Chậm"}, "ngày làm việc"),
        ({"new_due_on": "31/02/2024", "reason": "Chậm"}, "Nhập ngày hợp lệ theo dạng dd/mm/yyyy"),
        ({"new_due_on": "15/03/2024", "reason": ""}, "lý do"),
    ],
)
def test_bad_mau_04_input_is_explained_in_vietnamese(
    make_case, users, client_for, on, data, message
):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    response = client_for(users.officer).post(reverse("case_apology", args=[case.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApologyLetter.objects.exists()


def test_another_commune_cannot_reach_the_letter_form(make_case, users, client_for, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    response = client_for(users.officer_b).post(
        reverse("case_apology", args=[case.pk]), {"new_due_on": "15/03/2024", "reason": "x"}
    )
    assert response.status_code == 404
    assert not ApologyLetter.objects.exists()


def test_api_case_carries_the_register_line_and_takes_mau_04(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    client = api(users.leader)
    body = client.get(f"/api/v1/cases/{case.pk}/").json()["one_stop"]
    assert body["received_on"] == "2024-02-07"
    assert body["appointment_on"] == APPOINTMENT.isoformat()
    assert body["status"] == "due-soon" and body["needs_apology"] is True
    response = client.post(
        f"/api/v1/cases/{case.pk}/apology-letters/",
        {"new_due_on": "2024-03-15", "reason": "Chờ xác minh"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["new_due_on"] == "2024-03-15"
    body = client.get(f"/api/v1/cases/{case.pk}/").json()["one_stop"]
    assert body["due_on"] == "2024-03-15" and len(body["apology_letters"]) == 1


def test_api_mau_04_errors_have_stable_codes(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    client = api(users.leader)
    url = f"/api/v1/cases/{case.pk}/apology-letters/"
    bad = client.post(url, {"new_due_on": "2024-03-09", "reason": "x"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "new_due_on" in bad.json()["fields"]
    refused = api(users.accountant).post(
        url, {"new_due_on": "2024-03-15", "reason": "x"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    hidden = api(users.officer_b).post(
        url, {"new_due_on": "2024-03-15", "reason": "x"}, format="json"
    )
    assert hidden.status_code == 404


def test_api_mau_04_after_the_result_is_a_conflict(make_case, users):
    case = make_case(S.APPROVED)
    response = api(users.officer).post(
        f"/api/v1/cases/{case.pk}/apology-letters/",
        {"new_due_on": "2024-03-15", "reason": "x"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "one_stop_result_returned"


@pytest.fixture
def results(make_case, case_in_b, line):
    a1, a2 = make_case(S.DRAFT), make_case(S.DRAFT)
    line(a1, dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 4))
    line(a2, dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 8))
    line(case_in_b, dt.date(2024, 2, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 5))


def test_kpi_page_shows_the_rate_for_my_communes_only(results, users, client_for):
    html = client_for(users.officer).get(reverse("onestop_kpi")).content.decode()
    assert "Tỷ lệ đúng hạn" in html or "tỷ lệ đúng hạn" in html
    assert 'data-testid="kpi-rate">50,0 %' in html
    assert "03/2024" in html and "Phù Lỗ" in html
    assert "Minh Trí" not in html  # neither in the table nor among the commune choices
    html = client_for(users.head).get(reverse("onestop_kpi")).content.decode()
    assert 'data-testid="kpi-rate">66,7 %' in html and "Minh Trí" in html


def test_kpi_page_rejects_another_communes_filter(results, users, communes, client_for):
    response = client_for(users.officer).get(
        reverse("onestop_kpi"), {"year": 2024, "commune": communes.b.pk}
    )
    html = response.content.decode()
    assert "Minh Trí" not in html and 'data-testid="kpi-table"' not in html
    assert "Hãy chọn một lựa chọn hợp lệ" in html


def test_api_kpi(results, users, communes):
    body = api(users.head).get("/api/v1/one-stop/kpi/", {"year": 2024, "by": "commune"}).json()
    assert body["by"] == ["commune"]
    assert [(r["commune"], r["resolved"], r["on_time_rate"]) for r in body["rows"]] == [
        ("Minh Trí", 1, 1.0),
        ("Phù Lỗ", 2, 0.5),
    ]
    assert body["total"]["resolved"] == 3 and body["total"]["late"] == 1
    monthly = api(users.officer).get("/api/v1/one-stop/kpi/", {"year": 2024}).json()
    assert [(r["process"], r["commune"], r["month"]) for r in monthly["rows"]] == [
        ("housing", "Phù Lỗ", "2024-03")
    ]
    refused = api(users.officer).get("/api/v1/one-stop/kpi/", {"commune": communes.b.pk})
    assert refused.status_code == 400 and "commune" in refused.json()["fields"]
    unknown = api(users.officer).get("/api/v1/one-stop/kpi/", {"by": "colour"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid"
