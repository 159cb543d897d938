"""The allowance lists that grow with the data stay cheap at any size
(bench/bench_allowance_pages.py measures them at 1,000,000 entitlements and
24,000,000 payroll lines): the entitlement list pages by cursor with a
bounded count, and the payroll page counts its lines from its totals and
finds the previous month inside the differences' query."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.allowances import services
from cases.allowances.selectors import payroll_differences
from tests.conftest import sign_in
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
D = dt.date
JUNE = D(2024, 6, 1)
ROW = re.compile(r'href="/allowances/entitlements/(\d+)/"')


def client_of(user: Any) -> Client:
    return sign_in(Client(), user)


@pytest.fixture
def thirty(communes: SimpleNamespace, entitle: Any) -> list[int]:
    """Thirty allowances in commune a; their ids, newest first."""
    ents = [
        entitle(PersonFactory(commune=communes.a), "than_nhan_1_liet_si", D(2024, 1, 1))
        for _ in range(30)
    ]
    return sorted((e.pk for e in ents), reverse=True)


def shown(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


def next_link(html: str) -> str:
    found = re.search(r'href="\?([^"]*)" rel="next"', html)
    assert found, "the page has no next link"
    return found.group(1).replace("&amp;", "&")


def test_the_entitlement_list_pages_by_cursor_newest_first_with_its_count(
    staff: SimpleNamespace, thirty: list[int]
) -> None:
    client = client_of(staff.specialist)
    url = reverse("entitlement_list")
    first = client.get(url).content.decode()
    assert shown(first) == thirty[:25]
    assert 'data-testid="count"' in first and "30" in first
    second = client.get(f"{url}?{next_link(first)}").content.decode()
    assert shown(second) == thirty[25:]
    assert 'rel="next"' not in second and 'data-testid="previous"' in second


def test_an_old_page_number_link_of_the_entitlement_list_goes_on_to_that_page(
    staff: SimpleNamespace, thirty: list[int]
) -> None:
    client = client_of(staff.officer)
    url = reverse("entitlement_list")
    moved = client.get(url, {"page": "2"})
    assert moved.status_code == 302 and "cursor=" in moved["Location"]
    assert shown(client.get(moved["Location"]).content.decode()) == thirty[25:]


def test_a_forged_cursor_shows_the_first_page_with_a_notice(
    staff: SimpleNamespace, thirty: list[int]
) -> None:
    response = client_of(staff.specialist).get(reverse("entitlement_list"), {"cursor": "forged"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="notice"' in html
    assert shown(html) == thirty[:25]


def test_the_payroll_page_counts_its_lines_from_its_totals_unless_they_are_filtered(
    staff: SimpleNamespace, communes: SimpleNamespace, entitle: Any
) -> None:
    for _ in range(3):
        entitle(PersonFactory(commune=communes.a), "than_nhan_1_liet_si", D(2024, 1, 1))
    payroll = services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    client = client_of(staff.officer)
    url = reverse("payroll_detail", args=[payroll.pk])

    def counts(query: dict[str, str]) -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url, query).content.decode()
        found = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
        return [sql for sql in found if "allowances_payrollline" in sql], html

    plain, html = counts({})
    assert plain == [] and "3 dòng" in html
    filtered, html = counts({"kind": "regular"})
    assert len(filtered) == 1 and "3 dòng" in html


def test_the_differences_name_the_previous_month_only_when_its_payroll_exists(
    staff: SimpleNamespace, communes: SimpleNamespace, entitle: Any
) -> None:
    entitle(PersonFactory(commune=communes.a), "than_nhan_1_liet_si", D(2024, 1, 1))
    june = services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    assert payroll_differences(june).previous_month is None
    entitle(PersonFactory(commune=communes.a), "than_nhan_1_liet_si", D(2024, 7, 1))
    july = services.payroll_generate(actor=staff.officer, commune=communes.a, month=D(2024, 7, 1))
    with CaptureQueriesContext(connection) as ctx:
        diff = payroll_differences(july)
    assert len(ctx.captured_queries) == 1
    # July 2024 raised the rates (NĐ 77/2024): June's allowance changed, July's is new.
    assert diff.previous_month == JUNE and diff.counts == {"new": 1, "changed": 1}
