"""§2.2 of the six-month report and the dashboard's allowance figures, from
payrolls taken through the real services (generate, approve, send, record
results) and a recuperation list sent against the district's quota: what
was paid in the period counts (by the day paid), what was not paid, paid
after the period or paid in another district does not."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import docx
import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from cases.allowances import reference, services
from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    AllowanceCategory,
    Entitlement,
    Payroll,
    RecuperationQuota,
)
from cases.allowances.recuperation import recuperation_list_open, recuperation_rows_add
from cases.reporting.dashboard import dashboard_for
from cases.reporting.dashboard_output import dashboard_tables
from cases.reporting.report import six_month_report
from cases.reporting.report_allowances import money_vi
from cases.reporting.report_documents import ReportOptions, report_export
from cases.reporting.report_text import body, default_texts
from tests.conftest import _grant, api_token
from tests.factories import PersonFactory
from workflows.engine import transition
from workflows.permissions import Role

from .conftest import END, START

D = dt.date
pytestmark = pytest.mark.django_db
MERIT_H1, SOCIAL_H1, MERIT_JULY = 2_055_000, 660_000, 2_789_000


def _month(users: SimpleNamespace, officer: Any, commune: Any, month: dt.date,
           *, paid_on: dt.date, unpaid: set[int] = frozenset()) -> Payroll:  # type: ignore[assignment]  # fmt: skip
    """Generate, submit, review, approve, send and record results: every line
    paid on `paid_on` but the lines of the people in `unpaid`."""
    payroll = services.payroll_generate(actor=officer, commune=commune, month=month)
    transition(payroll, "submit", actor=officer)
    transition(payroll, "review", actor=users.specialist)
    transition(payroll, "approve", actor=users.head)
    transition(payroll, "send", actor=users.accountant)
    lines = dict(payroll_lines(payroll).values_list("pk", "person_id"))
    services.payroll_results_record(
        actor=users.accountant,
        payroll=payroll,
        paid={pk: paid_on for pk, person in lines.items() if person not in unpaid},
        unpaid={pk: "absent" for pk, person in lines.items() if person in unpaid},
    )
    payroll.refresh_from_db()
    return payroll


@pytest.fixture
def paid_world(users: SimpleNamespace, communes: SimpleNamespace, other_commune: Any) -> Any:
    """Commune a: one NCC and one BTXH person paid in May and June (and July);
    commune b: one NCC person paid in May, not paid in June; another
    district's commune: one NCC person paid in June. A recuperation list of
    commune a sent in May: two people of a district quota of four."""
    reference.seed(apps, None)
    cat = {c.code: c for c in AllowanceCategory.objects.all()}
    a, b, x = communes.a, communes.b, other_commune
    officer_x = _grant("officer_x", Role.COMMUNE_OFFICER, [x.code])

    def entitle(commune: Any, code: str) -> Entitlement:
        person: Any = PersonFactory(commune=commune)
        return Entitlement.objects.create(
            person=person, regime=cat[code].regime, category=cat[code], commune=commune,
            start_month=D(2024, 1, 1), decision_number="QĐ 1/2024", decision_date=D(2024, 1, 1),
        )  # fmt: skip

    merit_a, social_a = entitle(a, "than_nhan_1_liet_si"), entitle(a, "nkt_nang")
    merit_b = entitle(b, "than_nhan_1_liet_si")
    entitle(x, "than_nhan_1_liet_si")
    for month in (D(2024, 5, 1), D(2024, 6, 1), D(2024, 7, 1)):
        _month(users, users.officer, a, month, paid_on=month.replace(day=10))
    _month(users, users.officer_b, b, D(2024, 5, 1), paid_on=D(2024, 5, 12))
    _month(users, users.officer_b, b, D(2024, 6, 1), paid_on=D(2024, 6, 12),
           unpaid={merit_b.person_id})  # fmt: skip
    _month(users, officer_x, x, D(2024, 6, 1), paid_on=D(2024, 6, 10))

    RecuperationQuota.objects.create(year=2024, area=a.parent, quota=4)
    rl = recuperation_list_open(actor=users.officer, commune=a, year=2024)
    second: Any = entitle(a, "than_nhan_1_liet_si")
    recuperation_rows_add(
        actor=users.officer, recuperation_list=rl,
        choices={merit_a.person_id: "home", second.person_id: "centre"}, on=D(2024, 5, 2),
    )  # fmt: skip
    transition(rl, "submit", actor=users.officer)
    transition(rl, "approve", actor=users.head)
    transition(rl, "record_paid", actor=users.accountant, data={"sent_on": D(2024, 5, 15)})
    return SimpleNamespace(district=a.parent, merit_a=merit_a, social_a=social_a)


def test_allowances_paid_in_the_period_count_by_regime_with_distinct_people(users, paid_world):
    data = six_month_report(users.head, district=paid_world.district, start=START, end=END)
    paid = data.allowances.paid
    assert (paid.regime("nguoi_co_cong").people, paid.regime("nguoi_co_cong").amount) == (
        2, 3 * MERIT_H1  # a in May and June, b in May; b's June not paid; x elsewhere
    )  # fmt: skip
    assert (paid.regime("bao_tro_xa_hoi").people, paid.regime("bao_tro_xa_hoi").amount) == (
        1, 2 * SOCIAL_H1
    )  # fmt: skip
    assert paid.total_amount == 3 * MERIT_H1 + 2 * SOCIAL_H1
    second_half = six_month_report(
        users.head, district=paid_world.district, start=D(2024, 7, 1), end=D(2024, 12, 31)
    )
    assert second_half.allowances.paid.regime("nguoi_co_cong").amount == MERIT_JULY


def test_recuperation_counts_trips_sent_in_the_period_against_the_years_quota(users, paid_world):
    data = six_month_report(users.head, district=paid_world.district, start=START, end=END)
    assert (data.allowances.recuperation_sent, data.allowances.recuperation_quota) == (2, 4)
    assert data.allowances.recuperation_rate == 0.5


def test_the_json_report_gains_allowances_and_recuperation(users, paid_world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(users.specialist)}")
    r = client.get(
        "/api/v1/reports/six-month/",
        {"format": "json", "start": "2024-01-01", "end": "2024-06-30",
         "district": paid_world.district.pk},
    )  # fmt: skip
    assert r.status_code == 200, r.json()
    body_ = r.json()
    assert body_["allowances"] == {
        "nguoi_co_cong": {"people": 2, "amount": 3 * MERIT_H1},
        "bao_tro_xa_hoi": {"people": 1, "amount": 2 * SOCIAL_H1},
        "total": {"amount": 3 * MERIT_H1 + 2 * SOCIAL_H1},
    }
    assert body_["recuperation"] == {"sent": 2, "quota": 4}
    figures = [b["text"] for b in body_["body"] if b["kind"] == "figure"]
    assert any("đạt 50% chỉ tiêu" in f for f in figures)


def test_the_body_says_the_amounts_in_billions_and_the_recuperation_rate(users, paid_world):
    data = six_month_report(users.head, district=paid_world.district, start=START, end=END)
    figures = [b.text for b in body(data, default_texts(START, END)) if b.kind == "figure"]
    total = 3 * MERIT_H1 + 2 * SOCIAL_H1
    assert (
        f"- Kinh phí thực hiện chi trả là {money_vi(total)}, trong đó chi cho Người có công là "
        f"{money_vi(3 * MERIT_H1)} (02 người); chi cho đối tượng Bảo trợ xã hội là "
        f"{money_vi(2 * SOCIAL_H1)} (01 người)." in figures
    )
    assert (
        "- Phối hợp với Trung tâm điều dưỡng Người có công đưa 02 người có công với cách mạng "
        "đi điều dưỡng năm 2024, đạt 50% chỉ tiêu (04 người)." in figures
    )


def test_amounts_are_written_in_billions_or_millions_of_dong() -> None:
    assert money_vi(104_000_000_000) == "104 tỷ đồng"
    assert money_vi(52_500_000_000) == "52,5 tỷ đồng"
    assert money_vi(1_234_567_890) == "1,235 tỷ đồng"
    assert money_vi(4_110_000) == "4,11 triệu đồng"


def test_a_period_with_no_payment_and_no_trip_says_so_in_words(users, communes):
    data = six_month_report(users.head, district=communes.a.parent, start=START, end=END)
    figures = [b.text for b in body(data, default_texts(START, END)) if b.kind == "figure"]
    assert "- Trong kỳ chưa có khoản trợ cấp hằng tháng nào được ghi nhận đã chi trả." in figures
    assert "- Trong kỳ chưa đưa người có công nào đi điều dưỡng năm 2024." in figures
    assert data.as_json()["allowances"]["total"] == {"amount": 0}


def test_the_docx_and_the_annex_print_the_same_figures(users, paid_world):
    options = ReportOptions(signer_name="Thử")
    exported = report_export(actor=users.head, district=paid_world.district, start=START,
                             end=END, fmt="docx", options=options)  # fmt: skip
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(exported.content)).paragraphs)
    assert f"Kinh phí thực hiện chi trả là {money_vi(3 * MERIT_H1 + 2 * SOCIAL_H1)}" in text
    assert "đạt 50% chỉ tiêu" in text
    from openpyxl import load_workbook

    annex = report_export(actor=users.head, district=paid_world.district, start=START, end=END,
                          fmt="xlsx")  # fmt: skip
    rows = [tuple(r) for r in load_workbook(io.BytesIO(annex.content))["Tổng hợp"].values]
    assert any(r[1:4] == ("Chi trả trợ cấp người có công (người, đồng)", 2, 3 * MERIT_H1)
               for r in rows)  # fmt: skip
    assert any(r[1:3] == ("Người có công đi điều dưỡng", 2) for r in rows)


def test_the_dashboard_shows_allowances_paid_by_month_and_commune_in_scope(
    users, communes, paid_world
):
    head = {t.key: t for t in dashboard_tables(dashboard_for(users.head, year=2024))}
    months = {r[0]: r[1:] for r in head["allowances_months"].rows}
    assert months[D(2024, 5, 1)] == [2, 2 * MERIT_H1, 1, SOCIAL_H1, 2 * MERIT_H1 + SOCIAL_H1]
    assert months[D(2024, 7, 1)] == [1, MERIT_JULY, 1, 750_000, MERIT_JULY + 750_000]
    assert months[D(2024, 3, 1)] == [0, 0, 0, 0, 0]
    by_commune = {r[0]: r[1:] for r in head["allowances_communes"].rows}
    assert by_commune[communes.b.name] == [1, MERIT_H1, 0, 0, MERIT_H1]
    officer_b = {t.key: t for t in dashboard_tables(dashboard_for(users.officer_b, year=2024))}
    assert [r[0] for r in officer_b["allowances_communes"].rows] == [communes.b.name]
    assert officer_b["allowances_months"].total[2] == MERIT_H1  # type: ignore[index]


def test_the_dashboard_page_shows_the_allowance_sections(users, paid_world, client):
    from tests.conftest import sign_in

    page = sign_in(client, users.head).get(reverse("dashboard"), {"year": 2024})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="table-allowances_months"' in html
    assert 'data-testid="table-allowances_communes"' in html


def test_the_allowance_figures_cost_the_same_queries_for_more_payments(users, communes, paid_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            six_month_report(users.head, district=paid_world.district, start=START, end=END)
            dashboard_for(users.head, year=2024)
        return len(ctx.captured_queries)

    before = run()
    # April: three more lines paid (two NCC, one BTXH).
    _month(users, users.officer, communes.a, D(2024, 4, 1), paid_on=D(2024, 4, 10))
    assert run() == before
    paid = six_month_report(users.head, district=paid_world.district, start=START, end=END)
    assert paid.allowances.paid.regime("nguoi_co_cong").amount == 5 * MERIT_H1
