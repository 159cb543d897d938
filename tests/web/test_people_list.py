"""The people list: the user's people only, found by a name typed with or
without diacritics or by a national ID with spaces, in Vietnamese order."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Person
from tests.factories import PersonFactory


def names(html: str) -> list[str]:
    table = html.split('data-testid="people"', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"\s+", " ", n).strip() for n in re.findall(r"<tr>\s*<td>([^<]*)</td>", table)]


def test_a_commune_officer_sees_the_people_of_their_commune_only(users, communes, client_for):
    mine = PersonFactory(commune=communes.a, full_name="Nguyễn Thị Hường")
    theirs = PersonFactory(commune=communes.b, full_name="Nguyễn Thị Hương")
    secret = PersonFactory(commune=communes.a, full_name="Nguyễn Thị Hằng", rehab_only=True)
    html = client_for(users.officer).get(reverse("person_list")).content.decode()
    assert mine.national_id in html
    assert theirs.national_id not in html and secret.national_id not in html
    district = client_for(users.specialist).get(reverse("person_list")).content.decode()
    assert mine.national_id in district and theirs.national_id in district
    assert secret.national_id not in district  # the rehab registry is not here


def test_a_name_typed_without_diacritics_finds_the_person(users, communes, client_for):
    huong = PersonFactory(commune=communes.a, full_name="Nguyễn Thị Hường")
    PersonFactory(commune=communes.a, full_name="Trần Văn Đức")
    # Stored from decomposed input (macOS, PDF copy-paste): found all the same.
    nfd = PersonFactory(commune=communes.a, full_name=unicodedata.normalize("NFD", "Đỗ Thị Hoa"))
    assert Person.objects.get(pk=nfd.pk).full_name == unicodedata.normalize("NFC", "Đỗ Thị Hoa")
    client = client_for(users.officer)
    for q in ["nguyen thi huong", "NGUYEN THI", "Hường", "huong"]:
        assert names(client.get(reverse("person_list"), {"q": q}).content.decode()) == [
            "Nguyễn Thị Hường"
        ], q
    assert names(client.get(reverse("person_list"), {"q": "duc"}).content.decode()) == [
        "Trần Văn Đức"
    ]
    assert names(client.get(reverse("person_list"), {"q": "do thi hoa"}).content.decode()) == [
        "Đỗ Thị Hoa"
    ]
    spaced = " ".join([huong.national_id[:3], huong.national_id[3:6], huong.national_id[6:]])
    assert names(client.get(reverse("person_list"), {"q": spaced}).content.decode()) == [
        "Nguyễn Thị Hường"
    ]
    html = client.get(reverse("person_list"), {"q": "không ai tên này"}).content.decode()
    assert "Không có đối tượng nào khớp với nội dung tìm." in html


def test_people_are_listed_in_vietnamese_order(users, communes, client_for):
    for name in ["Trịnh Văn Sơn", "Đặng Văn Bảy", "Tạ Thị Mai", "Dương Văn An", "Ân Văn Tư"]:
        PersonFactory(commune=communes.a, full_name=name)
    html = client_for(users.officer).get(reverse("person_list")).content.decode()
    assert names(html) == [
        "Ân Văn Tư",
        "Dương Văn An",
        "Đặng Văn Bảy",
        "Tạ Thị Mai",
        "Trịnh Văn Sơn",
    ]


def test_the_list_reads_the_same_queries_for_3_and_30_people(users, communes, client_for):
    client = client_for(users.officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("person_list")).status_code == 200
        return len(ctx.captured_queries)

    PersonFactory.create_batch(3, commune=communes.a)
    few = queries()
    PersonFactory.create_batch(27, commune=communes.a)
    assert queries() == few <= 10


def test_the_menu_leads_to_the_people_and_on_to_registering_one(users, client_for):
    html = client_for(users.officer).get(reverse("case_list")).content.decode()
    assert 'data-testid="nav-people"' in html and ">Đối tượng</a>" in html
    people = client_for(users.officer).get(reverse("person_list")).content.decode()
    assert reverse("person_create") in people and "Chưa có đối tượng nào trong sổ." in people
    # A leader may look people up, not register them.
    leader = client_for(users.leader).get(reverse("person_list")).content.decode()
    assert 'data-testid="register-person"' not in leader
