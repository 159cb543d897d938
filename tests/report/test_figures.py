"""Each figure of the six-month report against hand-built data (conftest):
what counts (delivered in the period, decided in the period, filed with the
court, approved, returned by the one-stop shop) and what does not (other
states, other dates, another district); a fixed number of queries."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.reporting.report import million_vi, six_month_report
from cases.reporting.report_text import body, default_texts, period_vi, summary_vi
from workflows.exceptions import NotFound, NotPermitted

from .conftest import END, EXPECTED, START, _gifts

pytestmark = pytest.mark.django_db


def report(user: Any, world: SimpleNamespace) -> Any:
    return six_month_report(user, district=world.district, start=START, end=END)


def test_gifts_by_funding_source_count_delivered_rows_of_the_period_in_the_district(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    data = report(users.head, report_world)
    [tet] = data.campaigns
    assert (tet.total.gifts, tet.total.amount) == (EXPECTED.tet_gifts, EXPECTED.tet_amount)
    assert {s: (t.gifts, t.amount) for s, t in tet.sources()} == EXPECTED.by_source
    assert [s for s, _t in tet.sources()] == ["president", "city", "district", "commune", "private"]


def test_commune_level_gifts_are_commune_budget_private_and_commune_reserved_packages(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    [tet] = report(users.head, report_world).campaigns
    assert (tet.commune_level.gifts, tet.commune_level.amount) == EXPECTED.commune_level
    assert (tet.commune_private.gifts, tet.commune_private.amount) == EXPECTED.private


def test_childrens_gifts_of_an_occasion_stay_in_it_and_a_children_campaign_is_apart(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    data = report(users.head, report_world)
    [tet] = data.campaigns
    assert (tet.children.gifts, tet.children.amount) == EXPECTED.children
    [fund] = data.children_campaigns
    assert fund.name == "Quỹ BTTE Thử"
    assert (fund.total.gifts, fund.total.amount) == EXPECTED.fund
    assert {d: (t.gifts, t.amount) for d, t in fund.by_donor.items()} == {
        "Quỹ BTTE Hà Nội": EXPECTED.fund
    }
    assert data.gifts_total.gifts == EXPECTED.tet_gifts + EXPECTED.fund[0]


def test_housing_support_approved_in_the_period_by_program_and_kind(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    data = report(users.head, report_world)
    merit = data.program("nguoi_co_cong")
    new, repair = merit.kind("new_build"), merit.kind("repair")
    assert (
        merit.households,
        merit.amount,
        (new.gifts, new.amount),
        (repair.gifts, repair.amount),
    ) == EXPECTED.merit  # noqa: E501
    poor = data.poor_housing
    new, repair = poor.kind("new_build"), poor.kind("repair")
    assert (
        poor.households,
        poor.amount,
        (new.gifts, new.amount),
        (repair.gifts, repair.amount),
    ) == EXPECTED.poor  # noqa: E501
    assert data.program("ho_ngheo").households == 2
    assert data.program("ho_can_ngheo").households == 1


def test_rehab_counts_filed_with_the_court_and_voluntary_approved_in_the_period(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    data = report(users.head, report_world)
    assert (data.rehab_compulsory, data.rehab_voluntary) == EXPECTED.rehab
    # Aggregates only: no commune line carries anything about rehab.
    assert all(
        set(vars(c)) == {"code", "name", "gifts", "housing", "onestop"} for c in data.communes
    )


def test_one_stop_on_time_rate_counts_results_of_the_period(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    o = report(users.head, report_world).onestop
    assert (o.resolved, o.on_time, o.late) == EXPECTED.onestop
    assert o.on_time_rate == pytest.approx(2 / 3)


def test_the_report_takes_a_fixed_number_of_queries(
    users: SimpleNamespace, communes: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    report(users.head, report_world)  # the user's scope is read once, then cached
    with CaptureQueriesContext(connection) as before:
        report(users.head, report_world)
    tet = report_world.tet
    _gifts(tet, communes.b, users.officer, tet.packages.get(code="xa"), 20)
    with CaptureQueriesContext(connection) as after:
        data = report(users.head, report_world)
    assert data.campaigns[0].total.gifts == EXPECTED.tet_gifts + 20
    assert len(before) == len(after) == 10  # 7, and §2.2: payments, trips, quotas


def test_only_the_office_head_specialists_and_auditors_read_the_report(
    users: SimpleNamespace, rehab_users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    for user in (users.head, users.specialist, users.auditor):
        assert report(user, report_world).rehab_compulsory == 3
    for user in (users.officer, users.leader_b, users.accountant):
        with pytest.raises(NotPermitted):
            report(user, report_world)
    for user in (rehab_users.rehab, rehab_users.district_rehab):
        with pytest.raises(NotFound):
            report(user, report_world)


def test_body_writes_the_figures_in_the_seed_reports_words(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    data = report(users.head, report_world)
    blocks = body(data, default_texts(START, END))
    figures = [b.text for b in blocks if b.kind == "figure"]
    assert any(
        "27 lượt đối tượng" in f and f"{million_vi(EXPECTED.tet_amount)} triệu" in f
        for f in figures
    )
    assert any("cai nghiện 03 trường hợp" in f and "là 02 trường hợp" in f for f in figures)
    assert any("03 gia đình Người có công" in f and "180 triệu đồng" in f for f in figures)
    assert any("có 01 hồ sơ trả kết quả sau ngày hẹn" in f for f in figures)
    headings = [b.text for b in blocks if b.kind in ("h1", "h2", "h3")]
    assert headings[0] == "I. KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM 2024"
    assert headings[-1] == "II. NHIỆM VỤ TRỌNG TÂM 6 THÁNG CUỐI NĂM 2024"
    assert [h.split(" ")[0] for h in headings] == [
        "I.", "1.", "2.", "2.1.", "2.2.", "2.3.", "2.4.", "2.5.", "3.", "4.", "II.",
    ]  # fmt: skip


def test_figures_are_written_as_the_office_writes_them() -> None:
    from cases.reporting.report import count_vi, percent_vi

    assert million_vi(17_120_000_000) == "17.120"
    assert million_vi(65_500_000) == "65,5"
    assert count_vi(3) == "03" and count_vi(26_553) == "26.553"
    assert percent_vi(1.0) == "100%" and percent_vi(2 / 3) == "66,7%" and percent_vi(None) == "—"
    import datetime as dt

    assert period_vi(dt.date(2024, 7, 1), dt.date(2024, 12, 31)) == "6 tháng cuối năm 2024"
    assert summary_vi(START, END).endswith("những nhiệm vụ trọng tâm 6 tháng cuối năm 2024")
