"""Dashboard figures against hand-built data, scoping per role, the page's
charts and tables, the .xlsx export and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.housing.models import Budget, HousingProgram, HousingState
from cases.housing.services import housing_case_create
from cases.rehab.models import ReferralState, VoluntaryState
from cases.reporting.dashboard import (
    budget_by_program_source,
    by_commune,
    cases_by_process_state,
    dashboard_for,
    disbursements_by_month,
    gifts_by_source,
    overdue_tasks,
    period,
    rehab_cases_by_process_state,
)
from tests.factories import PersonFactory
from tests.rehab.helpers import ON_2022, make_referral, make_voluntary, travel

from .conftest import make_overdue

pytestmark = pytest.mark.django_db
S = HousingState


def _case_in_b(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    applicant: Any = PersonFactory(commune=communes.b)
    return housing_case_create(
        actor=users.officer_b,
        commune=communes.b,
        applicant=applicant,
        program=HousingProgram.POOR,
        kind="repair",
        requested_amount=10_000_000,
        description="Dột",
    )


@pytest.fixture
def world(communes, users, make_case) -> SimpleNamespace:
    """Commune a: a draft, a submitted case (its leader's task 3 days overdue),
    an approved 80m merit case, one paid 40m of 80m; commune b: a draft."""
    draft = make_case()
    submitted = make_case(S.SUBMITTED)
    make_overdue(submitted, days=3)
    approved = make_case(S.APPROVED)
    paid = make_case(S.PARTIALLY_DISBURSED)
    in_b = _case_in_b(users, communes)
    return SimpleNamespace(draft=draft, submitted=submitted, approved=approved, paid=paid, b=in_b)


@pytest.fixture
def rehab_world(communes, rehab_users) -> SimpleNamespace:
    """Commune a: a 2022 referral in legality review (its task 5 days overdue)
    and a voluntary registration; commune b: a referral being compiled."""
    ru = rehab_users
    in_b = SimpleNamespace(rehab=ru.rehab_b, police=ru.police_b, district_rehab=ru.district_rehab)
    with travel(ON_2022) as clock:
        review = make_referral(clock, ru, communes.a, state=ReferralState.LEGALITY_REVIEW)
        voluntary = make_voluntary(clock, ru, communes.a, state=VoluntaryState.REGISTERED)
        other = make_referral(clock, in_b, communes.b)
    make_overdue(review, days=5)
    # Filed in 2024, the others' tasks are long overdue by their real due
    # dates: give them one in the future, so only the review is overdue.
    make_overdue(voluntary, days=-10)
    make_overdue(other, days=-10)
    return SimpleNamespace(review=review, voluntary=voluntary, other=other)


def _counts(rows: list[Any]) -> dict[tuple[str, str], int]:
    return {(r.process, r.state): r.count for r in rows}


# --- figures ------------------------------------------------------------------------


def test_cases_by_process_and_state_for_the_district_and_for_each_commune(world, users):
    assert _counts(cases_by_process_state(users.head)) == {
        ("housing", "draft"): 2,
        ("housing", "submitted"): 1,
        ("housing", "approved"): 1,
        ("housing", "partially_disbursed"): 1,
    }
    assert _counts(cases_by_process_state(users.officer)) == {
        ("housing", "draft"): 1,
        ("housing", "submitted"): 1,
        ("housing", "approved"): 1,
        ("housing", "partially_disbursed"): 1,
    }
    assert _counts(cases_by_process_state(users.officer_b)) == {("housing", "draft"): 1}
    # In the processes' own order of states, not alphabetical.
    assert [r.state for r in cases_by_process_state(users.head)] == [
        "draft",
        "submitted",
        "approved",
        "partially_disbursed",
    ]


def test_overdue_tasks_are_counted_and_listed_in_the_communes_of_the_user(world, users, today):
    for user in (users.head, users.specialist, users.officer, users.leader):
        overdue = overdue_tasks(user)
        assert overdue.total == 1
        assert [t.reference for t in overdue.oldest] == [world.submitted.reference]
        assert overdue.oldest[0].days_late == 3
        assert overdue.oldest[0].url_name == "case_detail"
    assert overdue_tasks(users.officer_b).total == 0
    assert overdue_tasks(users.officer_b).oldest == []


def test_a_task_due_today_is_not_overdue(world, users):
    make_overdue(world.submitted, days=0)
    assert overdue_tasks(users.head).total == 0


def test_district_budget_figures_are_the_budgets_of_the_year(world, users, today):
    rows, district = budget_by_program_source(users.head, today.year)
    assert district is True
    budgets = Budget.objects.filter(year=today.year)
    assert {(r.program, r.funding_source) for r in rows} == {
        (b.program, b.funding_source) for b in budgets
    }
    by_program = {r.program: r for r in rows}
    merit = by_program[HousingProgram.MERIT]
    # Two approved merit cases reserved 80m each; one was paid 40m.
    assert merit.committed == 160_000_000
    assert merit.disbursed == 40_000_000
    assert merit.allocated == sum(b.allocated for b in budgets if b.program == HousingProgram.MERIT)
    assert budget_by_program_source(users.head, today.year - 3) == ([], True)


def test_commune_roles_see_their_cases_share_of_the_budget_not_the_allocation(world, users, today):
    rows, district = budget_by_program_source(users.officer, today.year)
    assert district is False
    assert [(r.program, r.allocated, r.committed, r.disbursed) for r in rows] == [
        (HousingProgram.MERIT, None, 160_000_000, 40_000_000)
    ]
    assert budget_by_program_source(users.officer_b, today.year) == ([], False)


def test_a_cancelled_case_keeps_only_what_it_was_paid_reserved(world, users, today):
    from workflows import engine

    engine.transition(world.paid, "cancel", actor=users.head, reason="Hộ chuyển đi")
    rows, _district = budget_by_program_source(users.officer, today.year)
    assert [(r.committed, r.disbursed) for r in rows] == [(120_000_000, 40_000_000)]
    # The district's figure is the budget row the engine gave back to: the same.
    rows, _district = budget_by_program_source(users.head, today.year)
    merit = next(r for r in rows if r.program == HousingProgram.MERIT)
    assert (merit.committed, merit.disbursed) == (120_000_000, 40_000_000)


def test_disbursements_by_month_list_every_month_of_the_period(world, users, today):
    start, end = period(None, today)
    months = disbursements_by_month(users.head, start, end)
    assert len(months) == 12
    assert months[-1].month == today.replace(day=1)
    assert [(m.payments, m.amount) for m in months if m.amount] == [(1, 40_000_000)]
    assert sum(m.amount for m in disbursements_by_month(users.officer_b, start, end)) == 0
    start, end = period(today.year - 1, today)
    assert (start, end) == (dt.date(today.year - 1, 1, 1), dt.date(today.year, 1, 1))
    last_year = disbursements_by_month(users.head, start, end)
    assert len(last_year) == 12 and sum(m.amount for m in last_year) == 0


def test_by_commune_lists_every_commune_the_user_sees_with_cases_and_amounts(
    world, users, communes
):
    rows = {r.name: r for r in by_commune(users.head)}
    assert (rows["Phù Lỗ"].cases, rows["Phù Lỗ"].approved, rows["Phù Lỗ"].disbursed) == (
        4,
        160_000_000,
        40_000_000,
    )
    assert (rows["Minh Trí"].cases, rows["Minh Trí"].approved) == (1, 0)
    assert [r.name for r in by_commune(users.officer_b)] == ["Minh Trí"]


# --- rehab ---------------------------------------------------------------------------


def test_general_users_never_see_rehab_numbers(world, rehab_world, users):
    for user in (users.head, users.specialist, users.auditor, users.officer, users.leader):
        dash = dashboard_for(user)
        assert dash.general and not dash.rehab
        assert dash.rehab_by_state == [] and dash.rehab_overdue is None
        assert {r.process for r in dash.by_state} == {"housing"}
        assert dash.overdue is not None and dash.overdue.total == 1  # the housing task only
        assert sum(c.cases for c in dash.communes) == sum(r.count for r in dash.by_state)
        assert rehab_cases_by_process_state(user) == []
        assert overdue_tasks(user, rehab=True).total == 0


def test_rehab_roles_see_only_rehab_counts_of_their_communes(world, rehab_world, rehab_users):
    ru = rehab_users
    for user in (ru.rehab, ru.police):
        dash = dashboard_for(user)
        assert dash.rehab and not dash.general
        assert dash.by_state == [] and dash.overdue is None and dash.budget == []
        assert dash.months == [] and dash.communes == []
        assert _counts(dash.rehab_by_state) == {
            ("rehab_compulsory", "legality_review"): 1,
            ("rehab_voluntary", "registered"): 1,
        }
        assert dash.rehab_overdue is not None and dash.rehab_overdue.total == 1
        task = dash.rehab_overdue.oldest[0]
        assert (task.reference, task.url_name, task.days_late) == (
            rehab_world.review.reference,
            "rehab_detail",
            5,
        )
    assert _counts(dashboard_for(ru.rehab_b).rehab_by_state) == {("rehab_compulsory", "draft"): 1}
    assert dashboard_for(ru.rehab_b).rehab_overdue.total == 0  # type: ignore[union-attr]
    district = dashboard_for(ru.district_rehab)
    assert sum(r.count for r in district.rehab_by_state) == 3
    assert district.rehab_overdue.total == 1  # type: ignore[union-attr]


# --- the page and the export ----------------------------------------------------------


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section [^>]*data-testid="section-{key}".*?</section>', html, re.S)
    assert match, key
    return match.group(0)


def test_the_page_shows_each_chart_with_its_table_and_the_right_number_of_bars(
    world, users, client_for
):
    response = client_for(users.head).get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    states = _section(html, "by_state")
    assert states.count('class="bar"') == 4
    assert states.count("<tbody>") == 1 and states.count("<tr>") == 1 + 4 + 1  # head, rows, total
    budget = _section(html, "budget")
    n_budgets = Budget.objects.filter(year=timezone.localdate().year).count()
    assert budget.count('class="bar"') == 3 * n_budgets  # allocated, reserved, disbursed
    assert _section(html, "months").count('class="point"') == 12
    assert _section(html, "communes").count('class="bar"') == 2
    overdue = _section(html, "overdue")
    assert world.submitted.reference in overdue
    assert reverse("case_detail", args=[world.submitted.pk]) in overdue
    assert 'data-testid="kpi-overdue">1<' in html
    assert "section-rehab" not in html
    assert "<script" not in html.split("<main", 1)[1]


def test_a_rehab_role_page_has_rehab_sections_only(world, rehab_world, rehab_users, client_for):
    html = client_for(rehab_users.police).get(reverse("dashboard")).content.decode()
    assert 'data-testid="section-rehab_by_state"' in html
    assert _section(html, "rehab_by_state").count('class="bar"') == 2
    assert 'data-testid="section-by_state"' not in html
    assert 'data-testid="section-budget"' not in html
    assert world.submitted.reference not in html
    assert rehab_world.review.reference in _section(html, "rehab_overdue")


def test_general_page_never_shows_a_rehab_case(world, rehab_world, users, client_for):
    html = client_for(users.head).get(reverse("dashboard")).content.decode()
    for case in (rehab_world.review, rehab_world.voluntary, rehab_world.other):
        assert case.reference not in html
    assert "rehab" not in re.sub(r'href="[^"]*"', "", _section(html, "by_state")).lower()


def _sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: [r for r in ws.iter_rows(values_only=True) if any(r)] for ws in wb}


def test_xlsx_export_has_one_sheet_per_table_with_the_pages_figures(
    world, users, client_for, today
):
    from django.utils import translation

    client = client_for(users.head)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        response = client.get(reverse("dashboard_xlsx"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheets = _sheets(response.content)
    assert len(sheets) == 9  # and the allowances paid by month and by commune
    assert all(len(title) <= 31 for title in sheets)
    assert f"Gifts {today.year}" in sheets
    states = sheets["Cases by state"]
    data = {(r[1]): r[2] for r in states[2:] if r[0] != "Total"}
    assert sum(data.values()) == 5
    assert states[-1][0] == "Total" and states[-1][2] == 5
    budget = sheets[f"Budget {today.year}"]
    merit = next(r for r in budget if r[0] == "People with meritorious service")
    assert merit[3:] == (160_000_000, 40_000_000)  # numbers, not text
    months = sheets["Disbursements by month"]
    assert months[-1][1:] == (1, 40_000_000)


def test_xlsx_of_a_rehab_role_holds_rehab_tables_only(rehab_world, rehab_users, client_for):
    response = client_for(rehab_users.district_rehab).get(reverse("dashboard_xlsx"))
    sheets = _sheets(response.content)
    assert len(sheets) == 3
    text = repr(sheets)
    assert rehab_world.review.reference in text
    assert "Hỗ trợ nhà ở" not in text and "Housing support" not in text


def test_the_year_filter_picks_budgets_and_payments_of_that_year(world, users, client_for, today):
    html = (
        client_for(users.head).get(reverse("dashboard"), {"year": today.year - 1}).content.decode()
    )
    assert f"01/{today.year - 1} – 12/{today.year - 1}" in html
    assert _section(html, "budget").count('class="bar"') == 0
    # Cases by state and by commune follow the year too (cases created in it).
    states = _section(html, "by_state")
    assert states.count('class="bar"') == 0 and f"01/{today.year - 1}" in states
    assert sum(c.cases for c in dashboard_for(users.head, year=today.year - 1).communes) == 0
    this_year = client_for(users.head).get(reverse("dashboard"), {"year": today.year})
    assert _section(this_year.content.decode(), "by_state").count('class="bar"') == 4


def test_cases_by_state_and_by_commune_count_the_cases_created_in_the_period(world, users, today):
    from cases.models import Case

    Case.objects.filter(pk=world.b.pk).update(
        created_at=timezone.now().replace(year=today.year - 2)
    )
    this_year = dashboard_for(users.head, year=today.year)
    assert sum(r.count for r in this_year.by_state) == 4
    assert {c.name: c.cases for c in this_year.communes}["Minh Trí"] == 0
    two_years_ago = dashboard_for(users.head, year=today.year - 2)
    assert _counts(two_years_ago.by_state) == {("housing", "draft"): 1}
    assert {c.name: c.cases for c in two_years_ago.communes} == {"Minh Trí": 1, "Phù Lỗ": 0}
    assert sum(c.approved for c in two_years_ago.communes) == 0


# --- gifts -----------------------------------------------------------------------------


@pytest.fixture
def gift_world(users, communes) -> None:
    """2024: 3 President gifts (600k) and 2 private (250k) delivered in commune
    a, 4 City gifts (1m) in commune b; not counted: a 2023 delivery, a
    returned row."""
    import datetime as dt

    from cases.gifts.models import Campaign, GiftPackage
    from tests.report.conftest import _gifts

    tet = Campaign.objects.create(
        code="tet-dash", name="Tết 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    pkg = {
        source: GiftPackage.objects.create(
            campaign=tet,
            code=source,
            name=source,
            source=source,
            amount=amount,
            categories=[],
            donor="Nhà hảo tâm" if source == "private" else "",
        )  # fmt: skip
        for source, amount in [("president", 600_000), ("city", 1_000_000), ("private", 250_000)]
    }
    on = dt.date(2024, 2, 5)
    _gifts(tet, communes.a, users.officer, pkg["president"], 3, on=on)
    _gifts(tet, communes.a, users.officer, pkg["private"], 2, on=on)
    _gifts(tet, communes.b, users.officer, pkg["city"], 4, on=on)
    _gifts(tet, communes.b, users.officer, pkg["city"], 5, on=dt.date(2023, 12, 30))
    _gifts(tet, communes.a, users.officer, pkg["president"], 1, state="returned")


def test_gifts_by_funding_source_of_the_year_scoped_to_the_communes(gift_world, users):
    def figures(user: Any, year: int = 2024) -> dict[str, tuple[int, int]]:
        return {r.source: (r.gifts, r.amount) for r in gifts_by_source(user, year)}

    assert figures(users.head) == {
        "president": (3, 1_800_000),
        "city": (4, 4_000_000),
        "district": (0, 0),
        "commune": (0, 0),
        "private": (2, 500_000),
    }
    assert figures(users.officer)["city"] == (0, 0)
    assert figures(users.officer)["president"] == (3, 1_800_000)
    assert figures(users.officer_b) == {
        "president": (0, 0),
        "city": (4, 4_000_000),
        "district": (0, 0),
        "commune": (0, 0),
        "private": (0, 0),
    }
    assert figures(users.head, 2023)["city"] == (5, 5_000_000)


def test_gifts_appear_as_chart_table_and_sheet_never_for_rehab_roles(
    gift_world, users, rehab_users, client_for
):
    from django.utils import translation

    html = client_for(users.head).get(reverse("dashboard"), {"year": 2024}).content.decode()
    gifts = _section(html, "gifts")
    assert gifts.count('class="bar"') == 5
    assert "1.800.000" in gifts and "6.300.000" in gifts  # a row and the total
    client = client_for(users.officer_b)
    client.cookies["django_language"] = "en"  # English sheet titles
    with translation.override("en"):
        response = client.get(reverse("dashboard_xlsx"), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en")
    rows = _sheets(response.content)["Gifts 2024"]
    assert rows[-1][1:] == (4, 4_000_000)  # the total: commune b's rows only
    for user in (rehab_users.police, rehab_users.district_rehab):
        assert dashboard_for(user, year=2024).gifts == []
        page = client_for(user).get(reverse("dashboard"), {"year": 2024}).content.decode()
        assert "section-gifts" not in page


# --- chart labels and sheet titles -----------------------------------------------------------


def test_rehab_chart_labels_use_a_short_process_prefix_and_its_table_is_open(
    rehab_world, rehab_users, client_for
):
    from cases.reporting.dashboard_output import dashboard_tables

    table = next(
        t
        for t in dashboard_tables(dashboard_for(rehab_users.district_rehab))
        if t.key == "rehab_by_state"
    )
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)<title>', str(table.chart))
    assert labels and all("…" not in label for label in labels)
    assert all(label.split(" · ")[0] in ("Bắt buộc", "Tự nguyện", "Compulsory", "Voluntary")
               for label in labels)  # fmt: skip
    html = client_for(rehab_users.district_rehab).get(reverse("dashboard")).content.decode()
    assert '<details class="dash-table" open>' in _section(html, "rehab_by_state")
    assert "<details" not in html.replace('<details class="dash-table" open>', "")


def test_sheet_titles_are_short_and_never_cut_mid_word() -> None:
    from cases.reporting.dashboard_output import sheet_title

    taken: set[str] = set()
    assert sheet_title("Hồ sơ cai nghiện theo quy trình và trạng thái", taken) == (
        "Hồ sơ cai nghiện theo quy trình"
    )
    again = sheet_title("Hồ sơ cai nghiện theo quy trình và trạng thái", taken)
    assert len(again) <= 31 and again.endswith(" (2)")
    assert sheet_title("a/b: c", taken) == "a-b- c"


def test_every_sheet_has_its_short_title(world, rehab_world, users, rehab_users, client_for):
    from cases.reporting.dashboard_output import dashboard_tables, sheet_title

    for user in (users.head, rehab_users.district_rehab):
        response = client_for(user).get(reverse("dashboard_xlsx"))
        titles = [ws.title for ws in load_workbook(io.BytesIO(response.content))]
        tables = dashboard_tables(dashboard_for(user))
        assert all(t.sheet for t in tables)
        taken = set[str]()
        assert titles == [sheet_title(t.sheet, taken) for t in tables]
        assert all(len(t) <= 31 for t in titles)


# --- query counts ----------------------------------------------------------------------


def _queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _more_data(users: SimpleNamespace, communes: SimpleNamespace, make_case: Any) -> None:
    for _i in range(3):
        make_overdue(make_case(S.SUBMITTED), days=2)
        make_case(S.PARTIALLY_DISBURSED)
        _case_in_b(users, communes)


def test_dashboard_selectors_use_the_same_queries_for_small_and_larger_data(
    world, users, communes, make_case
):
    from workflows.permissions import forget_scope

    def run(user: Any) -> int:
        forget_scope(user)
        return _queries(lambda: dashboard_for(user))

    small = {u.username: run(u) for u in (users.head, users.officer)}
    _more_data(users, communes, make_case)
    large = {u.username: run(u) for u in (users.head, users.officer)}
    assert small == large
    assert small["head"] == 10  # the scope and nine aggregate reads (gifts: one)


def test_dashboard_page_and_export_use_the_same_queries_for_small_and_larger_data(
    world, users, communes, make_case, client_for
):
    client = client_for(users.head)
    page = _queries(lambda: client.get(reverse("dashboard")))
    export = _queries(lambda: client.get(reverse("dashboard_xlsx")))
    _more_data(users, communes, make_case)
    assert dashboard_for(users.head).overdue.total == 4  # type: ignore[union-attr]
    assert _queries(lambda: client.get(reverse("dashboard"))) == page
    assert _queries(lambda: client.get(reverse("dashboard_xlsx"))) == export


def test_rehab_dashboard_queries_do_not_grow_with_rehab_cases(rehab_world, rehab_users, communes):
    from workflows.permissions import forget_scope

    user = rehab_users.district_rehab

    def run() -> int:
        forget_scope(user)
        return _queries(lambda: dashboard_for(user))

    small = run()
    with travel(ON_2022) as clock:
        for _i in range(3):
            make_overdue(make_referral(clock, rehab_users, communes.a), days=1)
    assert dashboard_for(user).rehab_overdue.total == 4  # type: ignore[union-attr]
    assert run() == small
