"""Where the district assesses more than was requested, the review asks why;
the reason is stored and audited, and the approver sees requested, assessed
and the reason side by side."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.housing.models import HousingCase, HousingState
from tests.conftest import sign_in
from workflows import engine
from workflows.exceptions import InvalidData
from workflows.models import AuditEvent

S = HousingState
pytestmark = pytest.mark.django_db


def verified_asking(make_case, amount=60_000_000):
    return make_case(S.COMMUNE_VERIFIED, requested_amount=amount)


def test_assessing_more_than_requested_without_a_reason_is_refused(make_case, users):
    case = verified_asking(make_case)
    with pytest.raises(InvalidData) as exc:
        engine.transition(
            case, "review", actor=users.specialist, data={"assessed_amount": "70.000.000"}
        )
    [message] = exc.value.fields["over_request_reason"]
    assert "70.000.000 đ" in message and "60.000.000 đ" in message
    assert HousingCase.objects.get(pk=case.pk).state == S.COMMUNE_VERIFIED


def test_the_reason_is_stored_and_audited(make_case, users):
    case = verified_asking(make_case)
    reason = "Giá vật liệu tăng sau bão, khảo sát thực tế ngày 02/12."
    event = engine.transition(
        case,
        "review",
        actor=users.specialist,
        data={"assessed_amount": "70.000.000", "over_request_reason": reason},
    )
    case = HousingCase.objects.get(pk=case.pk)
    assert (case.assessed_amount, case.over_request_reason) == (70_000_000, reason)
    assert event.data == {"assessed_amount": 70_000_000, "over_request_reason": reason}
    assert AuditEvent.objects.get(pk=event.pk).data["over_request_reason"] == reason


def test_no_reason_is_asked_nor_kept_at_or_below_the_requested_amount(make_case, users):
    case = verified_asking(make_case)
    engine.transition(
        case,
        "review",
        actor=users.specialist,
        data={"assessed_amount": "60.000.000", "over_request_reason": "Không cần."},
    )
    assert HousingCase.objects.get(pk=case.pk).over_request_reason == ""


def test_the_approver_sees_requested_assessed_and_the_reason_side_by_side(make_case, users, client):
    case = verified_asking(make_case)
    engine.transition(
        case,
        "review",
        actor=users.specialist,
        data={"assessed_amount": "70.000.000", "over_request_reason": "Giá vật liệu tăng."},
    )
    sign_in(client, users.head)
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    start = html.index('data-testid="approval-compare"')
    compare = html[start : html.index("</table>", start)]
    assert compare.index("60.000.000 đ") < compare.index("70.000.000 đ")
    assert "Giá vật liệu tăng." in compare and "Lý do của cấp huyện" in compare
    assert 'data-testid="over-request-reason">Giá vật liệu tăng.' in html
    assert "10.000.000 đ" in html  # assessed above the request by


def test_the_review_form_on_the_page_asks_for_the_reason_and_shows_the_refusal(
    make_case, users, client
):
    case = verified_asking(make_case)
    sign_in(client, users.specialist)
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'name="over_request_reason"' in html
    response = client.post(
        reverse("case_transition", args=[case.pk, "review"]),
        {"assessed_amount": "70.000.000", "expected_state": S.COMMUNE_VERIFIED},
    )
    assert response.status_code == 400
    assert "hãy nêu lý do" in response.content.decode()


def test_the_api_shows_the_reason_with_the_case(api, make_case, users):
    case = verified_asking(make_case)
    r = api(users.specialist).post(
        f"/api/v1/cases/{case.pk}/transitions/review/",
        {"assessed_amount": 70_000_000, "over_request_reason": "Giá vật liệu tăng."},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["over_request_reason"] == "Giá vật liệu tăng."
    assert r.json()["amounts"]["assessed"] == 70_000_000
