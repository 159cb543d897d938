"""Recuperation in the web pages (Vietnamese, scoped) and in the report's
figures: trips sent in a period against the year's quota."""

# The fixtures imported from recuperation_fixtures are requested by name (F811).
# ruff: noqa: F811

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from cases.allowances import recuperation as recup
from cases.allowances.figures import recuperation_figures
from cases.allowances.models import Recuperation, RecuperationList
from cases.models import Person
from tests.allowances.recuperation_fixtures import (
    CENTRE,
    HOME,
    D,
    merit,  # noqa: F401 - a fixture
    open_list,  # noqa: F401 - a fixture
    past_trip,
    quota,
)
from tests.conftest import sign_in
from workflows.engine import transition

pytestmark = pytest.mark.django_db


# --- the report's figures -----------------------------------------------------------------


def test_figures_count_trips_sent_in_the_period_against_the_years_quota(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    district = communes.a.parent
    quota(district, 2024, 900)
    quota(communes.a, 2024, 5)  # the district's quota covers it: not counted twice
    quota(communes.b, 2024, 7)
    past_trip(merit.mother, 2024, staff.officer)  # sent 10/05/2024
    july = past_trip(merit.relative, 2024, staff.officer)
    Recuperation.objects.filter(pk=july.pk).update(sent_on=D(2024, 7, 2))
    past_trip(merit.b[0], 2024, staff.officer_b)
    h1 = (D(2024, 1, 1), D(2024, 6, 30))
    assert recuperation_figures(staff.head, *h1) == {"sent": 2, "quota": 900}
    assert recuperation_figures(staff.head, *h1, district=district) == {"sent": 2, "quota": 900}
    assert recuperation_figures(staff.officer_b, *h1) == {"sent": 1, "quota": 7}
    assert recuperation_figures(staff.head, D(2024, 1, 1), D(2024, 12, 31))["sent"] == 3


# --- pages ---------------------------------------------------------------------------------


def test_an_officer_opens_fills_and_submits_the_list_in_vietnamese(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    quota(communes.a, 2024, 10)
    client = sign_in(Client(), staff.officer)
    page = client.get("/allowances/recuperation/")
    assert page.status_code == 200
    assert "Danh sách điều dưỡng" in page.content.decode()
    opened = client.post("/allowances/recuperation/open/", {"commune": communes.a.pk, "year": 2024})
    rl = RecuperationList.objects.get(commune=communes.a, year=2024)
    assert opened.status_code == 302 and opened.url == f"/allowances/recuperation/{rl.pk}/"
    detail = client.get(opened.url).content.decode()
    assert "Người đến lượt điều dưỡng" in detail
    assert Person.objects.get(pk=merit.mother.person_id).full_name in detail
    added = client.post(
        f"/allowances/recuperation/{rl.pk}/add/",
        {"people": [merit.mother.person_id], f"mode_{merit.mother.person_id}": CENTRE},
    )
    assert added.status_code == 302
    assert rl.rows.get().mode == CENTRE
    refused = client.post(
        f"/allowances/recuperation/{rl.pk}/add/",
        {"people": [merit.mother.person_id], f"mode_{merit.mother.person_id}": HOME},
    )
    assert refused.status_code == 400
    assert "Không đủ điều kiện" in refused.content.decode()
    submitted = client.post(
        f"/allowances/recuperation/{rl.pk}/transitions/submit/", {"expected_state": "draft"}
    )
    assert submitted.status_code == 302
    rl.refresh_from_db()
    assert rl.state == "submitted"


def test_another_communes_officer_gets_not_found_for_the_list_page(
    communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    rl = open_list(communes.a)
    client = sign_in(Client(), staff.officer_b)
    assert client.get(f"/allowances/recuperation/{rl.pk}/").status_code == 404
    assert client.post(f"/allowances/recuperation/{rl.pk}/remove/", {"rows": []}).status_code == (
        404
    )


def test_the_accountant_records_the_day_sent_on_the_list_page(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace, open_list: Any
) -> None:
    quota(communes.a, 2024, 10)
    rl = open_list(communes.a)
    recup.recuperation_rows_add(
        actor=staff.officer,
        recuperation_list=rl,
        choices={merit.mother.person_id: HOME},
        on=D(2024, 3, 1),
    )
    transition(rl, "submit", actor=staff.officer)
    transition(rl, "approve", actor=staff.head)
    client = sign_in(Client(), staff.accountant)
    page = client.get(f"/allowances/recuperation/{rl.pk}/").content.decode()
    assert "Ngày đi điều dưỡng" in page and 'value="31/12/2024"' in page
    assert "Tại nhà (chi trực tiếp cho người điều dưỡng)" in page
    paid = client.post(
        f"/allowances/recuperation/{rl.pk}/transitions/record_paid/",
        {"sent_on": "15/07/2024", "expected_state": "approved"},
    )
    assert paid.status_code == 302
    assert rl.rows.get().amount == 2_510_100
    timeline = client.get(paid.url).content.decode().split("Quá trình xử lý")[-1]
    assert "Ngày đi điều dưỡng" in timeline and "15/07/2024" in timeline
