"""The dashboard's by-commune tables across the reorganisation of 01/07/2025:
by the units in force at the period's end (a former commune's cases and
payments under the commune that took it over, a person paid in both counted
once; a commune split by villages on its own line, marked) or by the unit
each figure was recorded in, with the same totals; the page and the .xlsx
follow the choice; the queries stay fixed."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cases.allowances import reference
from cases.allowances.models import AllowanceCategory, Entitlement, Payroll, PayrollLine
from cases.demo.base import seed_units
from cases.housing.models import HousingCase
from cases.models import AdministrativeUnit, Case
from cases.reorganization.run import reorganize
from cases.reporting.dashboard import by_commune, dashboard_for
from cases.reporting.dashboard_output import dashboard_tables
from cases.reporting.units import Grouping
from tests.factories import PersonFactory
from tests.reorganization.mappings import EFFECTIVE, MERGE, SPLIT, load
from tests.report.conftest import _housing
from workflows.permissions import forget_scope

pytestmark = pytest.mark.django_db
M = 1_000_000
MERIT = 2_789_000
CURRENT, HISTORICAL = Grouping.CURRENT, Grouping.HISTORICAL


def _case(commune: Any, user: Any, created: dt.date, *, state: str = "closed") -> HousingCase:
    """A housing case approved for 50 million and paid 20, created on `created`."""
    case = _housing(commune, user, "ho_ngheo", "new_build", 50 * M, on=created, state=state)
    HousingCase.objects.filter(pk=case.pk).update(disbursed_amount=20 * M)
    Case.objects.filter(pk=case.pk).update(
        created_at=dt.datetime(created.year, created.month, created.day, 9, tzinfo=dt.UTC)
    )
    return case


def _paid(commune: Any, entitlement: Entitlement, month: dt.date, user: Any) -> None:
    """The month's allowance of `entitlement`, paid on the 10th in `commune`'s payroll."""
    payroll = Payroll.objects.create(commune=commune, month=month, state="closed", created_by=user)
    PayrollLine.objects.create(
        month=month, payroll=payroll, commune=commune, entitlement=entitlement,
        person=entitlement.person, regime=entitlement.regime, category=entitlement.category,
        for_month=month, kind="regular", amount=MERIT, state="paid", paid_on=month.replace(day=10),
    )  # fmt: skip


@pytest.fixture
def world(users: SimpleNamespace) -> SimpleNamespace:
    """2025: cases created in March in Phù Lỗ (2), Thanh Xuân and Minh Trí; a
    person of Phù Lỗ paid in May and June; the reorganisation (the person and
    their allowance go to Nội Bài, Phù Linh is split by villages); a case
    created in September in Nội Bài and one in Kim Anh; the person paid in
    August in Nội Bài."""
    units = seed_units()
    reference.seed(apps, None)
    phu_lo, thanh_xuan, minh_tri = (units[c] for c in ("00448", "00433", "00382"))
    u = users.officer
    march = dt.date(2025, 3, 3)
    for commune in (phu_lo, phu_lo, thanh_xuan, minh_tri):
        _case(commune, u, march)
    category = AllowanceCategory.objects.get(code="than_nhan_1_liet_si")
    person: Any = PersonFactory(commune=phu_lo)
    entitlement = Entitlement.objects.create(
        person=person, regime=category.regime, category=category,
        commune=phu_lo, start_month=dt.date(2025, 1, 1), decision_number="QĐ 1/2025",
        decision_date=dt.date(2025, 1, 1),
    )  # fmt: skip
    for month in (dt.date(2025, 5, 1), dt.date(2025, 6, 1)):
        _paid(phu_lo, entitlement, month, u)

    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    load(SPLIT)
    new = {c.name: c for c in AdministrativeUnit.objects.filter(valid_from=EFFECTIVE)}
    noi_bai, kim_anh = new["Nội Bài"], new["Kim Anh"]
    entitlement.refresh_from_db()
    assert entitlement.commune_id == noi_bai.pk  # open work went with the merge

    september = dt.date(2025, 9, 1)
    _case(noi_bai, u, september, state="approved")
    _case(kim_anh, u, september, state="approved")
    _paid(noi_bai, entitlement, dt.date(2025, 8, 1), u)
    return SimpleNamespace(phu_lo=phu_lo, noi_bai=noi_bai, kim_anh=kim_anh)


def rows(user: Any, grouping: str) -> dict[str, Any]:
    dash = dashboard_for(user, year=2025, grouping=grouping)
    out = {c.name: c for c in dash.communes}
    assert len(out) == len(dash.communes), "two lines with the same name"
    return out


def paid_by_commune(user: Any, grouping: str) -> dict[str, list[int]]:
    """Label -> people (merit), paid (merit), …, total paid."""
    tables = {t.key: t for t in dashboard_tables(dashboard_for(user, year=2025, grouping=grouping))}
    return {r[0]: r[1:] for r in tables["allowances_communes"].rows}


def test_by_the_current_units_former_communes_count_under_their_successor(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    by_name = rows(users.head, CURRENT)
    noi_bai, kim_anh = by_name["Nội Bài"], by_name["Kim Anh"]
    assert (noi_bai.cases, noi_bai.approved, noi_bai.disbursed) == (4, 200 * M, 80 * M)
    assert (kim_anh.cases, kim_anh.approved) == (2, 100 * M)
    assert not {"Phù Lỗ", "Thanh Xuân", "Minh Trí"} & set(by_name)
    assert noi_bai.line is not None
    assert [m.name for m in noi_bai.line.former] == ["Phù Lỗ", "Thanh Xuân"]  # name order
    # The person paid in Phù Lỗ and then in Nội Bài is one person on Nội Bài's line.
    assert paid_by_commune(users.head, CURRENT)["Nội Bài"][:2] == [1, 3 * MERIT]


def test_a_commune_split_by_villages_keeps_its_own_line_marked_split(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    phu_linh = rows(users.head, CURRENT)["Phù Linh"]
    assert phu_linh.line is not None and phu_linh.line.split and phu_linh.cases == 0
    assert phu_linh.label == "Phù Linh (chia tách theo thôn từ 01/07/2025)"


def test_by_the_historical_units_each_figure_stays_where_it_was_recorded(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    by_name = rows(users.head, HISTORICAL)
    assert {n: by_name[n].cases for n in ("Phù Lỗ", "Thanh Xuân", "Minh Trí")} == {
        "Phù Lỗ": 2, "Thanh Xuân": 1, "Minh Trí": 1,
    }  # fmt: skip
    assert (by_name["Nội Bài"].cases, by_name["Kim Anh"].cases) == (1, 1)
    assert by_name["Phù Lỗ"].label == "Phù Lỗ (đến 30/06/2025)"
    paid = paid_by_commune(users.head, HISTORICAL)
    assert paid["Phù Lỗ (đến 30/06/2025)"][:2] == [1, 2 * MERIT]
    assert paid["Nội Bài (từ 01/07/2025)"][:2] == [1, MERIT]


def test_both_groupings_have_the_same_totals(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    current, historical = (dashboard_for(users.head, year=2025, grouping=g) for g in Grouping)
    for dash in (current, historical):
        assert sum(c.cases for c in dash.communes) == 6
        assert sum(c.approved for c in dash.communes) == 300 * M
        assert sum(c.disbursed for c in dash.communes) == 120 * M
    assert len(historical.communes) == len(current.communes) + 3  # the three merged away
    paid = [paid_by_commune(users.head, g) for g in Grouping]
    assert sum(r[-1] for r in paid[0].values()) == sum(r[-1] for r in paid[1].values())
    assert sum(r[-1] for r in paid[0].values()) == 3 * MERIT


def test_a_commune_officer_sees_the_former_commune_under_the_new_one(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    """The officer of Phù Lỗ holds the role on Nội Bài too (carried by the run)."""
    forget_scope(users.officer)
    year = (dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    current = {c.name: c.cases for c in by_commune(users.officer, *year, grouping=CURRENT)}
    historical = {c.name: c.cases for c in by_commune(users.officer, *year, grouping=HISTORICAL)}
    assert (historical["Phù Lỗ"], historical["Nội Bài"]) == (2, 1)
    assert "Phù Lỗ" not in current and "Kim Anh" not in current
    # Whatever else of Nội Bài's predecessors the officer reads, it is on Nội Bài's line.
    merged = ("Phù Lỗ", "Thanh Xuân", "Nội Bài")
    assert current["Nội Bài"] == sum(historical.get(n, 0) for n in merged)
    assert sum(current.values()) == sum(historical.values())


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section [^>]*data-testid="section-{key}".*?</section>', html, re.S)
    assert match, key
    return match.group(0)


def test_the_page_and_the_workbook_follow_the_choice(
    users: SimpleNamespace, world: SimpleNamespace, client_for: Any
) -> None:
    client = client_for(users.head)
    page = client.get(reverse("dashboard"), {"year": 2025}).content.decode()
    assert 'name="grouping"' in page
    communes = _section(page, "communes")
    assert "Phù Lỗ (đến" not in communes
    assert "Số liệu của các xã cũ được tính vào xã tiếp nhận: Kim Anh: Xã Minh Trí; " in communes
    assert "Nội Bài: Xã Phù Lỗ, Xã Thanh Xuân." in communes
    assert "Phù Linh (chia tách theo thôn từ 01/07/2025)" in communes
    page = client.get(reverse("dashboard"), {"year": 2025, "grouping": "historical"})
    communes = _section(page.content.decode(), "communes")
    assert "Phù Lỗ (đến 30/06/2025)" in communes
    assert "Phù Lỗ (đến 30/06/2025)" in _section(page.content.decode(), "allowances_communes")
    export = client.get(reverse("dashboard_xlsx"), {"year": 2025, "grouping": "historical"})
    cells = {
        c.value
        for ws in load_workbook(io.BytesIO(export.getvalue()))
        for row in ws.iter_rows()
        for c in row
    }
    assert "Phù Lỗ (đến 30/06/2025)" in cells
    # An unknown grouping is the default one, as an unknown year is the last 12 months.
    assert client.get(reverse("dashboard"), {"grouping": "x"}).status_code == 200


def test_the_dashboard_across_the_date_takes_a_fixed_number_of_queries(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    def run(grouping: str) -> int:
        forget_scope(users.head)
        with CaptureQueriesContext(connection) as ctx:
            dashboard_for(users.head, year=2025, grouping=grouping)
        return len(ctx.captured_queries)

    before = {g: run(g) for g in Grouping}
    for commune in (world.phu_lo, world.noi_bai, world.kim_anh):
        _case(commune, users.officer, dt.date(2025, 10, 1), state="approved")
    assert {g: run(g) for g in Grouping} == before == {CURRENT: 10, HISTORICAL: 10}
