"""Search with or without diacritics (đ -> d too), in any case, with terms
typed or pasted messily, for people, housing cases, rehab cases, gift rows and
the audit explorer; and national IDs typed with spaces, dots or without the
leading zero a spreadsheet dropped. The trigram indexes on the fold serve it."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection
from django.urls import reverse

from cases.housing.selectors import case_search
from cases.housing.services import housing_case_create
from cases.models import Person
from cases.rehab.selectors import rehab_search
from cases.rehab.services import voluntary_create
from tests.factories import PersonFactory
from tests.gifts.ui_helpers import built_list, make_campaign
from tests.rehab.helpers import person as rehab_person
from workflows import engine
from workflows.audit_explorer import AuditFilters, audit_search
from workflows.models import AuditEvent
from workflows.text import fold_search_q

from .conftest import NAME, NAME_NFD

pytestmark = pytest.mark.django_db

TERMS_FOR_NAME = [
    "Hường",
    "huong",
    "HUONG",
    "le thi huong",
    "Lê Thị",
    NAME_NFD,
    "  thị\u00a0hường\u200b ",
]


def _draft(users, person):
    return housing_case_create(
        actor=users.officer,
        commune=person.commune,
        applicant=person,
        program="ho_ngheo",
        kind="repair",
        requested_amount=20_000_000,
    )


@pytest.fixture
def people(communes):
    return {
        "huong": PersonFactory(commune=communes.a, full_name=NAME),
        "dang": PersonFactory(commune=communes.a, full_name="Đặng Văn Đức"),
        "hung": PersonFactory(commune=communes.a, full_name="Trần Văn Hùng"),
        "other": PersonFactory(commune=communes.a, full_name="Phạm Thu Trang"),
    }


def _api_people(api, user, **query):
    return {p["full_name"] for p in api(user).get(reverse("api-people"), query).json()["results"]}


def test_people_are_found_by_name_with_or_without_diacritics(users, people, api):
    for term in TERMS_FOR_NAME:
        assert _api_people(api, users.officer, q=term) == {NAME}, term
    assert _api_people(api, users.officer, q="dang van duc") == {"Đặng Văn Đức"}
    assert _api_people(api, users.officer, q="ĐỨC") == {"Đặng Văn Đức"}
    assert _api_people(api, users.officer, q="van") == {"Đặng Văn Đức", "Trần Văn Hùng"}


def test_people_are_found_by_a_national_id_typed_with_spaces_dots_or_no_leading_zero(
    users, people, api
):
    nid = people["dang"].national_id
    assert nid.startswith("0")
    spaced = f"{nid[:3]} {nid[3:6]} {nid[6:9]} {nid[9:]}"
    dotted = spaced.replace(" ", ".")
    for typed in (nid, spaced, dotted, nid[1:], "\u00a0" + spaced):
        assert _api_people(api, users.officer, q=typed) == {"Đặng Văn Đức"}, typed
        assert _api_people(api, users.officer, national_id=typed) == {"Đặng Văn Đức"}, typed


def test_the_case_list_finds_cases_by_name_without_diacritics(users, config, people, client_for):
    cases = {key: _draft(users, p) for key, p in people.items()}
    client = client_for(users.officer)
    for term, expected in [
        ("hung", "hung"),
        ("nguyen", None),
        ("le thi huong", "huong"),
        ("đuc", "dang"),
    ]:
        html = client.get(reverse("case_list"), {"q": term}).content.decode()
        for key, case in cases.items():
            assert (case.reference in html) == (key == expected), (term, key)


def test_the_case_search_takes_a_national_id_with_spaces_or_without_its_leading_zero(
    users, config, people
):
    case = _draft(users, people["hung"])
    _draft(users, people["other"])
    nid = people["hung"].national_id
    for typed in (nid, f"{nid[:6]} {nid[6:]}", nid[1:], f"{nid[1:4]}.{nid[4:]}"):
        assert list(case_search(users.officer, q=typed)) == [case.case_ptr], typed


def test_gift_rows_are_found_by_name_without_diacritics_in_the_page_and_the_api(
    users, communes, client_for, api
):
    campaign = make_campaign()
    huong = PersonFactory(commune=communes.a, full_name=NAME, categories=["ho_ngheo"])
    trang = PersonFactory(commune=communes.a, full_name="Phạm Thu Trang", categories=["ho_ngheo"])
    gift_list = built_list(users, campaign.campaign, communes.a)
    html = (
        client_for(users.officer)
        .get(reverse("gift_list_detail", args=[gift_list.pk]), {"q": "le thi huong"})
        .content.decode()
    )
    assert huong.national_id in html and trang.national_id not in html
    url = reverse("api-gift-list-rows", args=[gift_list.pk])
    rows = api(users.officer).get(url, {"q": "HUONG"}).json()["results"]
    assert [r["person"]["national_id"] for r in rows] == [huong.national_id]
    nid = trang.national_id
    rows = api(users.officer).get(url, {"q": f"{nid[1:4]} {nid[4:]}"}).json()["results"]
    assert [r["person"]["national_id"] for r in rows] == [nid]


def test_rehab_cases_are_found_by_name_without_diacritics(rehab_users, communes):
    applicant = rehab_person(rehab_users.rehab, communes.a, name="Đỗ Văn Hưởng")
    case = voluntary_create(
        actor=rehab_users.rehab, commune=communes.a, applicant=applicant, setting="home"
    )
    for term in (
        "do van huong",
        "Hưởng",
        unicodedata.normalize("NFD", "ĐỖ"),
        applicant.national_id[1:],
    ):
        assert [c.pk for c in rehab_search(rehab_users.rehab, q=term)] == [case.pk], term
    assert not rehab_search(rehab_users.rehab, q="hung").exists()


def test_the_audit_explorer_finds_a_reason_without_diacritics(make_case, users):
    case = make_case("submitted")
    engine.transition(
        case, "return_for_correction", actor=users.leader, reason="Thiếu giấy chứng nhận đất"
    )
    for term in ("thieu giay chung nhan", "ĐẤT", unicodedata.normalize("NFD", "giấy")):
        found = audit_search(users.auditor, AuditFilters(q=term))
        assert [e.transition for e in found] == ["return_for_correction"], term


def _plan(qs) -> str:
    """The plan of `qs` when only bitmap scans are allowed (on a table this
    small the planner would otherwise rather read it all)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
        cur.execute("EXPLAIN " + sql, list(params))
        return "\n".join(row[0] for row in cur.fetchall())


def test_name_and_reason_search_can_use_their_trigram_indexes_on_the_fold(users, people):
    # The conditions the selectors write, on their own table (joined to the
    # cases and ordered, the planner may rather walk the newest cases first).
    people_q = Person.objects.filter(fold_search_q("full_name_folded", "Hường")).order_by()
    assert "person_name_fold_trgm" in _plan(people_q)
    reasons = AuditEvent.objects.filter(fold_search_q("reason_folded", "giấy tờ")).order_by()
    assert "audit_reason_fold_trgm" in _plan(reasons)
