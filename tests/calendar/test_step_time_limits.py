"""Time limits per process step: data, chosen by the date the step opened."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from cases.reference_data import ensure_reference_data
from workflows.calendar import WorkingCalendar, due_date_for, time_limit_in_force
from workflows.models import StepTimeLimit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference_data(db: Any) -> None:
    """The data migrations' time limits: a transactional test that ran earlier
    on this database (in another order, with several workers) flushed them."""
    ensure_reference_data()


def test_housing_steps_are_seeded_with_demo_limits() -> None:
    seeded = dict(
        StepTimeLimit.objects.filter(process="housing").values_list("step", "working_days")
    )
    assert seeded == {
        "verify": 7,
        "review": 7,
        "approve": 3,
        "disburse_advance": 5,
        "accept_completion": 30,
        "disburse_final": 5,
    }
    assert all(
        "demo" in n
        for n in StepTimeLimit.objects.filter(process__in=["housing", "gift_list"]).values_list(
            "note", flat=True
        )
    )


def test_the_limit_in_force_on_the_start_date_is_used() -> None:
    StepTimeLimit.objects.create(
        process="housing", step="verify", working_days=10, effective_from=D(2025, 1, 1)
    )
    # 7 days from Tue 31/12/2024: 01/01/2025 is a holiday, so Thu 02/01 is day 1
    # and Fri 10/01 day 7.
    assert due_date_for("housing", "verify", D(2024, 12, 31)) == D(2025, 1, 10)
    # From 01/01/2025 the new 10-day limit: Thu 02/01 (1) ... Wed 15/01 (10).
    assert due_date_for("housing", "verify", D(2025, 1, 1)) == D(2025, 1, 15)
    limit = time_limit_in_force("housing", "verify", D(2025, 6, 1))
    assert limit is not None and limit.working_days == 10


def test_a_step_without_a_limit_has_no_due_date() -> None:
    assert due_date_for("housing", "prepare", D(2024, 3, 1)) is None
    assert due_date_for("housing", "verify", D(2020, 1, 1)) is None  # before any limit


def test_a_shared_calendar_leaves_one_query_per_due_date(django_assert_num_queries: Any) -> None:
    calendar = WorkingCalendar.load(D(2024, 1, 1), D(2024, 12, 31))
    with django_assert_num_queries(1):
        assert due_date_for("housing", "approve", D(2024, 2, 7), calendar=calendar) == D(
            2024, 2, 19
        )


# --- the administrator edits a limit by the step's name -------------------------------------


def _admin_client(users: Any) -> Any:
    from django.test import Client

    from tests.conftest import sign_in

    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="vi"), users.admin)


def test_the_admin_offers_steps_by_their_vietnamese_names_not_their_codes(users: Any) -> None:
    from django.urls import reverse

    client = _admin_client(users)
    page = client.get(reverse("admin:workflows_steptimelimit_add")).content.decode()
    labels = re.findall(r'<option value="verify">([^<]*)<', page)
    assert labels and all(label != "verify" and label.strip() for label in labels)
    assert "ví dụ verify" not in page and "e.g. verify" not in page
    listing = client.get(reverse("admin:workflows_steptimelimit_changelist")).content.decode()
    assert ">disburse_advance<" not in listing and ">accept_completion<" not in listing


def test_the_admin_refuses_a_step_of_another_process(users: Any) -> None:
    from django.urls import reverse

    client = _admin_client(users)
    data = {
        "process": "gift_list",
        "step": "disburse_advance",  # a housing step
        "working_days": "5",
        "effective_from": "01/01/2027",
        "note": "",
    }
    response = client.post(reverse("admin:workflows_steptimelimit_add"), data)
    assert response.status_code == 200
    assert "Bước này không thuộc quy trình đã chọn." in response.content.decode()
    assert not StepTimeLimit.objects.filter(process="gift_list", step="disburse_advance").exists()
    data["process"] = "housing"
    response = client.post(reverse("admin:workflows_steptimelimit_add"), data)
    assert response.status_code == 302
    assert StepTimeLimit.objects.filter(
        process="housing", step="disburse_advance", effective_from=D(2027, 1, 1)
    ).exists()
