"""The district sees possible duplicates — same person, same household, same
address among open or recently supported cases — flagged in the case list and
the queue (read in the list's own page query), and listed with links on the
case page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.housing.duplicates import address_key, flagged_case_ids, possible_duplicates
from cases.housing.models import HousingCase, HousingProgram, HousingState, HousingSupportRule
from cases.housing.services import housing_case_create
from tests.conftest import sign_in
from tests.factories import PersonFactory
from workflows import engine

from .conftest import as_older_data_left_it

S = HousingState
pytestmark = pytest.mark.django_db


def page(client, user, url):
    sign_in(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html, case):
    """The table row of `case` in a list page."""
    start = html.index(f">{case.reference}</a>")
    return html[start : html.index("</tr>", start)]


def test_an_address_is_compared_without_case_diacritics_or_punctuation_if_it_names_a_house():
    assert address_key("Số 12, Thôn Đông") == address_key("so 12 - thon dong") == "so 12 thon dong"
    assert address_key("Thôn Đông, xã Phù Lỗ") == ""  # every house of the village
    assert address_key("Tổ 5, khu 3") == ""
    assert address_key("12 Nguyễn Trãi") == "12 nguyen trai"


def test_the_list_flags_the_two_open_cases_of_one_person_for_the_district(make_case, users, client):
    first = make_case(S.COMMUNE_VERIFIED)
    second = as_older_data_left_it(make_case(S.COMMUNE_VERIFIED), first.applicant)
    alone = make_case(S.COMMUNE_VERIFIED)
    html = page(client, users.specialist, reverse("case_list"))
    assert "Có thể trùng: cùng người" in row_of(html, first)
    assert "Có thể trùng: cùng người" in row_of(html, second)
    assert "Có thể trùng" not in row_of(html, alone)
    assert 'title="Có thể trùng (cùng người) với một hồ sơ hỗ trợ nhà ở khác' in html


def test_the_list_flags_same_household_and_same_address(make_case, users, client, member, communes):
    a = make_case(S.DRAFT, person=member("Phạm Văn Anh"))
    b = make_case(S.DRAFT)
    HousingCase.objects.filter(pk=b.pk).update(household=a.household)  # as older data left it
    near = PersonFactory(commune=communes.a, address="số 12 - THÔN ĐÔNG - xã Phù Lỗ")
    c = make_case(S.DRAFT, person=near)
    html = page(client, users.specialist, reverse("case_list"))
    assert "cùng hộ" in row_of(html, a) and "cùng hộ" in row_of(html, b)
    # The household's address is "Số 12, thôn Đông, xã Phù Lỗ".
    assert "cùng địa chỉ" in row_of(html, a) and "cùng địa chỉ" in row_of(html, c)
    assert "cùng địa chỉ" not in row_of(html, b)


def test_a_recently_supported_case_flags_a_new_one_but_an_old_one_under_a_period_rule_does_not(
    make_case, users, client
):
    closed = make_case(S.CLOSED)
    newer = as_older_data_left_it(make_case(S.DRAFT), closed.applicant)
    html = page(client, users.specialist, reverse("case_list"))
    assert "cùng người" in row_of(html, newer)
    [found] = possible_duplicates(users.specialist, newer, timezone.localdate())
    assert found["case"].pk == closed.pk
    HousingSupportRule.objects.create(
        program=HousingProgram.MERIT,
        effective_from=timezone.localdate() - dt.timedelta(days=1),
        period_years=5,
        legal_basis="Quy định thử",
    )
    six_years_ago = timezone.localdate() - dt.timedelta(days=6 * 366)
    HousingCase.objects.filter(pk=closed.pk).update(decision_date=six_years_ago)
    html = page(client, users.specialist, reverse("case_list"))
    assert "Có thể trùng" not in row_of(html, newer)
    assert possible_duplicates(users.specialist, newer, timezone.localdate()) == []


def test_withdrawn_and_rejected_cases_flag_nothing(make_case, users, client):
    gone = make_case(S.SUBMITTED)
    engine.transition(gone, "withdraw", actor=users.officer, reason="Nhập nhầm.")
    again = as_older_data_left_it(make_case(S.DRAFT), gone.applicant)
    html = page(client, users.specialist, reverse("case_list"))
    assert "Có thể trùng" not in row_of(html, again)


def test_the_flags_are_read_in_the_page_query_after_one_query_for_the_rules(
    make_case, users, client
):
    make_case(S.DRAFT)
    make_case(S.DRAFT)
    sign_in(client, users.specialist)
    with CaptureQueriesContext(connection) as plain:
        client.get(reverse("case_list"))
    first = make_case(S.DRAFT)
    as_older_data_left_it(make_case(S.DRAFT), first.applicant)
    with CaptureQueriesContext(connection) as flagged:
        html = client.get(reverse("case_list")).content.decode()
    assert "Có thể trùng" in html
    assert len(flagged.captured_queries) == len(plain.captured_queries)
    [page_query] = [q["sql"] for q in flagged.captured_queries if "EXISTS" in q["sql"]]
    assert page_query.count("EXISTS") == 3
    rules = [q for q in flagged.captured_queries if "cases_housingsupportrule" in q["sql"]]
    assert len(rules) == 1


def test_the_queue_flags_the_task_of_a_possible_duplicate_with_two_queries(
    make_case, users, client
):
    first = make_case(S.COMMUNE_VERIFIED)
    second = as_older_data_left_it(make_case(S.COMMUNE_VERIFIED), first.applicant)
    html = page(client, users.specialist, reverse("queue"))
    assert "Có thể trùng: cùng người" in html
    assert html.count('data-testid="duplicate-flag"') == 2
    with CaptureQueriesContext(connection) as ctx:
        flags = flagged_case_ids(users.specialist, [first.pk, second.pk], timezone.localdate())
    assert flags == {first.pk: ["cùng người"], second.pk: ["cùng người"]}
    assert len(ctx.captured_queries) == 2  # the rules, then the page's cases


def test_the_case_page_lists_the_possible_duplicates_with_links(make_case, users, client):
    first = make_case(S.COMMUNE_VERIFIED)
    second = as_older_data_left_it(make_case(S.COMMUNE_VERIFIED), first.applicant)
    html = page(client, users.specialist, reverse("case_detail", args=[second.pk]))
    start = html.index('data-testid="possible-duplicates"')
    section = html[start : html.index("</section>", start)]
    assert f'href="{reverse("case_detail", args=[first.pk])}"' in section
    assert first.reference in section and "cùng người" in section
    assert second.reference not in section


def test_a_commune_officer_sees_no_duplicate_in_a_commune_they_cannot_see(
    make_case, users, communes
):
    mine = make_case(S.DRAFT)
    person = PersonFactory(commune=communes.b)
    theirs = housing_case_create(
        actor=users.officer_b,
        commune=communes.b,
        applicant=person,
        program=HousingProgram.POOR,
        kind="repair",
        requested_amount=20_000_000,
    )
    as_older_data_left_it(theirs, mine.applicant)
    assert possible_duplicates(users.officer, mine, timezone.localdate()) == []
    [found] = possible_duplicates(users.specialist, mine, timezone.localdate())
    assert found["case"].pk == theirs.pk


def test_without_any_rule_only_open_cases_flag(make_case, users, client):
    closed = make_case(S.CLOSED)
    after_closed = as_older_data_left_it(make_case(S.DRAFT), closed.applicant)
    first = make_case(S.DRAFT)
    second = as_older_data_left_it(make_case(S.DRAFT), first.applicant)
    HousingSupportRule.objects.all().delete()
    html = page(client, users.specialist, reverse("case_list"))
    assert "Có thể trùng" not in row_of(html, after_closed)
    assert "cùng người" in row_of(html, second)
