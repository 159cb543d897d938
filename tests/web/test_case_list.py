"""The case list: scope, filters, search and pagination."""

from __future__ import annotations

import datetime as dt
import html
import re

from django.urls import reverse
from django.utils import timezone

from cases.housing.models import HousingState
from cases.housing.services import housing_case_create
from cases.models import Case
from tests.factories import PersonFactory


def _draft(users, person, **kw):
    return housing_case_create(
        actor=kw.pop("actor", users.officer),
        commune=person.commune,
        applicant=person,
        program=kw.pop("program", "ho_ngheo"),
        kind="repair",
        requested_amount=kw.pop("amount", 20_000_000),
    )


def test_officer_sees_only_cases_of_their_commune(make_case, users, config, communes, client_for):
    mine = make_case(HousingState.DRAFT)
    theirs = _draft(users, PersonFactory(commune=communes.b), actor=users.officer_b)
    html = client_for(users.officer).get(reverse("case_list")).content.decode()
    assert mine.reference in html
    assert theirs.reference not in html
    assert "80.000.000 đ" in html
    assert timezone.localdate().strftime("%d/%m/%Y") in html


def test_district_specialist_sees_every_commune_and_can_filter_by_commune(
    make_case, users, config, communes, client_for
):
    mine = make_case(HousingState.DRAFT)
    theirs = _draft(users, PersonFactory(commune=communes.b), actor=users.officer_b)
    client = client_for(users.specialist)
    html = client.get(reverse("case_list")).content.decode()
    assert mine.reference in html and theirs.reference in html
    html = client.get(reverse("case_list"), {"commune": communes.b.pk}).content.decode()
    assert theirs.reference in html and mine.reference not in html


def test_officer_cannot_filter_on_another_commune(make_case, users, communes, client_for):
    make_case(HousingState.DRAFT)
    response = client_for(users.officer).get(reverse("case_list"), {"commune": communes.b.pk})
    assert response.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()


def test_filters_by_state_and_program(make_case, users, applicant, client_for):
    submitted = make_case(HousingState.SUBMITTED)
    # Another person: one open housing case per person.
    draft = _draft(users, PersonFactory(commune=applicant.commune), program="ho_ngheo")
    client = client_for(users.officer)
    html = client.get(reverse("case_list"), {"state": "submitted"}).content.decode()
    assert submitted.reference in html and draft.reference not in html
    html = client.get(reverse("case_list"), {"program": "ho_ngheo"}).content.decode()
    assert draft.reference in html and submitted.reference not in html


def test_search_by_exact_national_id_or_part_of_the_name(users, config, communes, client_for):
    binh = PersonFactory(commune=communes.a, full_name="Nguyễn Văn Bình")
    cuc = PersonFactory(commune=communes.a, full_name="Trần Thị Cúc")
    c1, c2 = _draft(users, binh), _draft(users, cuc)
    client = client_for(users.officer)
    html = client.get(reverse("case_list"), {"q": binh.national_id}).content.decode()
    assert c1.reference in html and c2.reference not in html
    html = client.get(reverse("case_list"), {"q": "thị cúc"}).content.decode()
    assert c2.reference in html and c1.reference not in html
    # Part of a national ID is not a name: nothing matches.
    html = client.get(reverse("case_list"), {"q": binh.national_id[:6]}).content.decode()
    assert c1.reference not in html


def test_filters_by_created_date_range(users, config, applicant, client_for):
    old, new = _draft(users, applicant), _draft(users, PersonFactory(commune=applicant.commune))
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Case.objects.filter(pk=old.pk).update(created_at=ten_days_ago)
    today = timezone.localdate()
    client = client_for(users.officer)
    html = client.get(
        reverse("case_list"), {"created_from": today.strftime("%d/%m/%Y")}
    ).content.decode()
    assert new.reference in html and old.reference not in html
    day = timezone.localtime(ten_days_ago).date()
    html = client.get(
        reverse("case_list"),
        {"created_from": day.strftime("%d/%m/%Y"), "created_to": day.strftime("%d/%m/%Y")},
    ).content.decode()
    assert old.reference in html and new.reference not in html


def test_reversed_date_range_is_a_vietnamese_form_error(users, client_for):
    response = client_for(users.officer).get(
        reverse("case_list"), {"created_from": "10/01/2025", "created_to": "01/01/2025"}
    )
    assert "Ngày kết thúc trước ngày bắt đầu" in response.content.decode()


def test_list_is_paginated_25_per_page(users, config, applicant, client_for):
    cases = [_draft(users, PersonFactory(commune=applicant.commune)) for _ in range(27)]
    client = client_for(users.officer)
    page1 = client.get(reverse("case_list")).content.decode()
    following = re.search(r'href="\?([^"]*)" rel="next"', page1)
    assert following, "page 1 links to the next page (a keyset cursor)"
    page2 = client.get(f"{reverse('case_list')}?{html.unescape(following[1])}").content.decode()
    assert "27 hồ sơ" in page1
    newest_first = sorted(cases, key=lambda c: c.pk, reverse=True)
    assert newest_first[0].reference in page1 and newest_first[0].reference not in page2
    assert newest_first[-1].reference in page2 and newest_first[-1].reference not in page1


def test_an_empty_list_says_so_and_a_filter_that_finds_nothing_says_that(users, config, client_for):
    client = client_for(users.officer)
    html = client.get(reverse("case_list")).content.decode()
    assert "Chưa có hồ sơ nào." in html and "phù hợp với bộ lọc" not in html
    assert "0 hồ sơ" in html
    html = client.get(reverse("case_list"), {"q": "không ai tên này"}).content.decode()
    assert "Không có hồ sơ nào phù hợp với bộ lọc." in html and "Chưa có hồ sơ nào." not in html
