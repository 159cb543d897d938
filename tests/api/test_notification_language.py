"""Notifications are written in the office's language, whatever language the
actor's own page or API call used: the next actor reads Vietnamese."""

from __future__ import annotations

import pytest

from cases.housing.models import HousingState
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_an_english_api_call_notifies_in_vietnamese(api, make_case, users):
    case = make_case(HousingState.SUBMITTED)
    response = api(users.leader, language="en").post(
        f"/api/v1/cases/{case.pk}/transitions/verify/", {"reason": ""}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state_label"] == "Verified by commune"  # the caller's language
    note = Notification.objects.get(recipient=users.specialist, event="task_waiting")
    assert note.title == f"Hồ sơ {case.reference} đang chờ bạn xử lý: Xã đã xác nhận"
