"""Importing a commune gift list from .xlsx: the template, every kind of row
error with its row, column and reason, all-or-nothing, "only the valid rows",
people created from rows, upload checks, permissions, the page and the API."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from cases.gifts import services as gifts
from cases.gifts.import_rows import COLUMNS
from cases.gifts.import_template import gift_import_template
from cases.gifts.imports import gift_import
from cases.gifts.models import GiftList, GiftRecipient
from cases.models import Category, MeritSubtype, Person
from cases.validators import national_id_errors
from tests.conftest import api_token, sign_in
from tests.factories import PersonFactory, national_id_for
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
M = MeritSubtype
HEADER = [title for _k, title, _w in COLUMNS]
BORN = dt.date(1960, 5, 17)
TITLE = {key: title for key, title, _w in COLUMNS}


def row(**kw: Any) -> list[Any]:
    """A good row for a new, poor person of commune A in the city's package."""
    born = kw.pop("born", BORN)
    sex = kw.pop("sex_code", "M")
    values = {
        "stt": 1,
        "full_name": "Nguyễn Văn Mới",
        "date_of_birth": born.strftime("%d/%m/%Y"),
        "sex": "Nam" if sex == "M" else "Nữ",
        "national_id": national_id_for(born, sex),
        "address": "Thôn 2",
        "categories": "ho_ngheo",
        "package": "tp-ngheo",
        "amount": 1_000_000,
        "note": "",
    }
    values.update(kw)
    return [values[k] for k, _t, _w in COLUMNS]


def of(person: Person, package: str, amount: int, **kw: Any) -> list[Any]:
    """A row for a registered person, as the registry has them."""
    values = {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y"),
        "sex": "Nam" if person.sex == "M" else "Nữ",
        "national_id": person.national_id,
        "package": package,
        "amount": amount,
    }
    return row(**{**values, **kw})


def xlsx(rows: list[list[Any]], *, header: list[Any] | None = None, name: str = "ds.xlsx") -> Any:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER if header is None else header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), "application/octet-stream")


def errors_of(exc: pytest.ExceptionInfo[InvalidData]) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in exc.value.extra["rows"]]


@pytest.fixture
def registered(communes: SimpleNamespace) -> SimpleNamespace:
    a, b = communes.a, communes.b
    return SimpleNamespace(
        hero=PersonFactory(commune=a, categories=[Category.MERIT], merit_subtype=M.HERO),
        near_poor=PersonFactory(commune=a, categories=[Category.NEAR_POOR]),
        in_b=PersonFactory(commune=b, categories=[Category.POOR]),
    )


def counts() -> tuple[int, int, int]:
    return GiftRecipient.objects.count(), Person.objects.count(), AuditEvent.objects.count()


# --- the template -------------------------------------------------------------------


def test_template_has_the_header_and_the_packages_open_to_the_commune(campaign, communes):
    blob = gift_import_template(campaign.campaign, communes.a)
    wb = load_workbook(io.BytesIO(blob))
    sheet, ref = wb.worksheets
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet["E2"].number_format == "@"  # national IDs stay text (leading zero)
    codes = [r[0] for r in ref.iter_rows(values_only=True)]
    assert {"ctn-600", "ctn-300", "tp-ngheo", "xa-a"} <= set(codes)
    assert "xa-b" not in codes  # commune B's own gift
    assert Category.POOR.value in codes


def test_the_filled_in_template_imports(gift_list, users, campaign, communes):
    wb = load_workbook(io.BytesIO(gift_import_template(campaign.campaign, communes.a)))
    wb.worksheets[0].append(row())
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("mau.xlsx", out.getvalue())
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert report.imported == 1


# --- a good file --------------------------------------------------------------------


def test_good_file_creates_people_once_and_lists_every_row(gift_list, users, registered):
    nid = national_id_for(dt.date(1950, 1, 2), "F")
    upload = xlsx(
        [
            row(
                full_name="Lê Thị Hoa",
                date_of_birth="02/01/1950",
                sex="Nữ",
                national_id=nid,
                note="Nhận tại nhà",
            ),
            # The same new person in the commune's own package: one registry record.
            row(
                full_name="Lê  thị hoa",
                date_of_birth="02/01/1950",
                sex="Nữ",
                national_id=nid,
                package="xa-a",
                amount="300.000",
            ),
            of(registered.hero, "ctn-600", 600_000),
        ],
        name="danh-sach-phu-lo.xlsx",
    )
    people_before = Person.objects.count()
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=upload)

    assert (report.rows_read, report.imported, report.people_created) == (3, 3, 1)
    assert report.skipped == []
    assert Person.objects.count() == people_before + 1
    hoa = Person.objects.get(national_id=nid)
    assert (hoa.full_name, hoa.date_of_birth, hoa.sex, hoa.commune_id) == (
        "Lê Thị Hoa",
        dt.date(1950, 1, 2),
        "F",
        gift_list.commune_id,
    )
    assert hoa.categories == [Category.POOR]
    rows = GiftRecipient.objects.filter(gift_list=gift_list)
    assert sorted(rows.values_list("person_id", "package__code", "amount")) == sorted(
        [
            (hoa.pk, "tp-ngheo", 1_000_000),
            (hoa.pk, "xa-a", 300_000),
            (registered.hero.pk, "ctn-600", 600_000),
        ]
    )
    assert rows.get(person=hoa, package__code="tp-ngheo").note == "Nhận tại nhà"
    event = AuditEvent.objects.get(event="gift_import", object_id=str(gift_list.pk))
    assert event.actor_id == users.officer.pk
    assert event.data["file_name"] == "danh-sach-phu-lo.xlsx"
    assert event.data["sha256"] == report.sha256 and len(report.sha256) == 64
    assert (event.data["added"], event.data["people_created"]) == (3, 1)
    created = AuditEvent.objects.get(event="person_create", object_id=str(hoa.pk))
    assert created.data["how"] == "gift_import"


def test_excel_numbers_and_dates_are_read_as_people_type_them(gift_list, users):
    born = dt.date(1961, 3, 4)
    nid = national_id_for(born, "M")
    # Excel turns a typed ID into a number (leading zero lost) and a date into a date.
    upload = xlsx([row(national_id=int(nid), date_of_birth=dt.datetime(1961, 3, 4), born=born)])
    gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert Person.objects.get(national_id=nid).date_of_birth == born


# --- every kind of row error ---------------------------------------------------------

R = SimpleNamespace


def _bad_cases() -> list[tuple[str, Callable[[R], list[Any]], str, str]]:
    """(id, row builder given the registered people, expected code, column key)."""
    young = dt.date(1990, 1, 1)
    return [
        ("id_format", lambda p: row(national_id="12345"), "bad_national_id", "national_id"),
        (
            "id_year",
            lambda p: row(national_id=national_id_for(young, "M")),
            "bad_national_id",
            "national_id",
        ),
        ("id_sex", lambda p: row(sex="Nữ"), "bad_national_id", "national_id"),
        ("empty_name", lambda p: row(full_name="  "), "required", "full_name"),
        ("empty_package", lambda p: row(package=None), "required", "package"),
        ("bad_date", lambda p: row(date_of_birth="31/02/1960"), "bad_date", "date_of_birth"),
        ("future_date", lambda p: row(date_of_birth="01/01/2999"), "bad_date", "date_of_birth"),
        ("bad_sex", lambda p: row(sex="X"), "bad_sex", "sex"),
        ("category", lambda p: row(categories="nghèo lắm"), "unknown_category", "categories"),
        ("package", lambda p: row(package="khong-co"), "unknown_package", "package"),
        ("other_commune_package", lambda p: row(package="xa-b"), "unknown_package", "package"),
        ("bad_amount", lambda p: row(amount="một triệu"), "bad_amount", "amount"),
        ("amount", lambda p: row(amount=900_000), "amount_mismatch", "amount"),
        (
            "new_not_eligible",
            lambda p: row(categories="ho_can_ngheo"),
            "not_eligible",
            "categories",
        ),
        (
            # Eligibility of a registered person is by the registry, not the row.
            "registered_not_eligible",
            lambda p: of(p.near_poor, "tp-ngheo", 1_000_000, categories="ho_ngheo"),
            "not_eligible",
            "categories",
        ),
        (
            "already_listed",
            lambda p: of(p.hero, "xa-a", 300_000),
            "already_listed",
            "package",
        ),
        (
            "other_name",
            lambda p: of(p.hero, "ctn-600", 600_000, full_name="Trần Văn Khác"),
            "identity_mismatch",
            "full_name",
        ),
        (
            "other_birth_date",
            lambda p: of(p.hero, "ctn-600", 600_000, date_of_birth="18/05/1960"),
            "identity_mismatch",
            "date_of_birth",
        ),
        (
            "other_commune",
            lambda p: of(p.in_b, "tp-ngheo", 1_000_000),
            "other_commune",
            "national_id",
        ),
    ]


@pytest.mark.parametrize(
    "builder,code,column", [c[1:] for c in _bad_cases()], ids=[c[0] for c in _bad_cases()]
)
def test_each_kind_of_bad_row_is_reported_with_its_row_and_column(
    gift_list, users, registered, builder, code, column
):
    own_a = gift_list.campaign.packages.get(code="xa-a")
    gifts.gift_rows_add(
        actor=users.officer, gift_list=gift_list, pairs=[(registered.hero.pk, own_a)], how="test"
    )
    before = counts()
    upload = xlsx([row(national_id=national_id_for(BORN, "M")), builder(registered)])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert exc.value.code == "import_errors"
    assert errors_of(exc) == [(3, TITLE[column], code)]
    assert exc.value.extra["rows"][0]["message"]
    assert str(exc.value.message) == _("%(count)s rows have errors; no row was imported.") % {
        "count": 1
    }
    assert counts() == before  # nothing written, not even the good row


def test_the_national_id_reason_is_the_registry_s_own(gift_list, users):
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx([row(national_id="099")]))
    [error] = exc.value.extra["rows"]
    assert error["message"] == " ".join(national_id_errors("099", BORN, "M"))


def test_the_same_person_twice_in_a_package_in_the_file_is_refused(gift_list, users):
    with pytest.raises(InvalidData) as exc:
        nid = national_id_for(BORN, "M")
        upload = xlsx([row(national_id=nid), row(stt=2, national_id=nid)])
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert errors_of(exc) == [(3, TITLE["package"], "duplicate_in_file")]


def test_a_new_person_given_two_identities_in_the_file_is_refused(gift_list, users):
    nid = national_id_for(BORN, "M")
    other = row(national_id=nid, full_name="Người Khác", package="xa-a", amount=300_000)
    upload = xlsx([row(national_id=nid), other])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert errors_of(exc) == [(3, TITLE["full_name"], "identity_mismatch")]


def test_one_presidents_gift_per_person(gift_list, users, registered):
    upload = xlsx(
        [of(registered.hero, "ctn-600", 600_000), of(registered.hero, "ctn-300", 300_000)]
    )
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert errors_of(exc) == [(3, TITLE["package"], "one_per_group")]


def test_every_bad_row_is_reported_not_only_the_first(gift_list, users):
    upload = xlsx([row(sex="?", amount="x"), row(stt=2, package="khong-co"), row(stt=3)])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert errors_of(exc) == [
        (2, TITLE["sex"], "bad_sex"),
        (2, TITLE["amount"], "bad_amount"),
        (3, TITLE["package"], "unknown_package"),
    ]
    assert str(exc.value.message) == _("%(count)s rows have errors; no row was imported.") % {
        "count": 2
    }


# --- only the valid rows ---------------------------------------------------------------


def test_only_valid_imports_the_good_rows_and_reports_the_skipped_ones(gift_list, users):
    good = national_id_for(BORN, "M")
    upload = xlsx([row(national_id=good), row(national_id="1"), row(amount=1)])
    people = Person.objects.count()
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=upload, only_valid=True)
    assert (report.imported, report.people_created) == (1, 1)
    assert [(e.row, e.code) for e in report.skipped] == [
        (3, "bad_national_id"),
        (4, "amount_mismatch"),
    ]
    assert Person.objects.count() == people + 1
    assert GiftRecipient.objects.get(gift_list=gift_list).person.national_id == good
    event = AuditEvent.objects.get(event="gift_import")
    assert event.data["rows_skipped"] == 2


def test_only_valid_with_no_valid_row_imports_nothing(gift_list, users):
    before = counts()
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=xlsx([row(sex="?")]), only_valid=True
        )
    assert exc.value.code == "import_errors"
    assert counts() == before


# --- the upload -------------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in names:
            z.writestr(n, "x")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 not a sheet",
        b"STT,Ho va ten\n1,A\n",
        _zip(["word/document.xml"]),
        b"PK\x03\x04junk",
    ],
    ids=["pdf", "csv", "docx", "broken_zip"],
)
def test_anything_but_an_xlsx_is_refused_by_its_content(gift_list, users, content):
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer,
            gift_list=gift_list,
            upload=SimpleUploadedFile("danh-sach.xlsx", content),
        )
    assert exc.value.code == "file_type"


def test_an_oversized_file_is_refused(gift_list, users, settings):
    settings.GIFT_IMPORT_MAX_BYTES = 1000
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx([row()]))
    assert exc.value.code == "file_too_large"


def test_a_header_other_than_the_template_s_is_refused(gift_list, users):
    header = [*HEADER]
    header[4] = "CCCD"
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx([row()], header=header))
    assert exc.value.code == "bad_header"


def test_titles_without_their_hints_are_accepted(gift_list, users):
    header = [t.split(" (")[0].upper() for t in HEADER]
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=xlsx([row()], header=header)
    )
    assert report.imported == 1


@pytest.mark.parametrize("header", [[], None], ids=["blank_sheet", "header_only"])
def test_an_empty_sheet_is_refused(gift_list, users, header):
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx([], header=header))
    assert exc.value.code == "empty_file"


# --- who may import, and when ------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_b", "leader", "specialist", "head"])
def test_only_an_officer_of_the_list_s_commune_may_import(gift_list, users, who):
    before = counts()
    with pytest.raises(NotPermitted):
        gift_import(actor=getattr(users, who), gift_list=gift_list, upload=xlsx([row()]))
    assert counts() == before


def test_a_list_no_longer_being_prepared_refuses_an_import(gift_list, users):
    GiftList.objects.filter(pk=gift_list.pk).update(state="submitted")
    gift_list = GiftList.objects.get(pk=gift_list.pk)
    with pytest.raises(TransitionNotAllowed):
        gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx([row()]))


def test_the_number_of_queries_does_not_grow_with_the_rows(gift_list, users, registered):
    def queries(n: int, first: int) -> int:
        rows = [
            row(stt=i, national_id=national_id_for(BORN, "M"), full_name=f"Người {i}")
            for i in range(first, first + n)
        ]
        package, amount = ("ctn-600", 600_000) if first == 0 else ("xa-a", 300_000)
        rows.append(of(registered.hero, package, amount))
        with CaptureQueriesContext(connection) as ctx:
            gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx(rows))
        return len(ctx.captured_queries)

    assert queries(3, 0) == queries(60, 100)


# --- the page -------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_the_page_shows_each_bad_row_in_a_table_and_imports_nothing(gift_list, users):
    client = _client(users.officer)
    url = reverse("gift_list_import", kwargs={"pk": gift_list.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert (
        reverse("gift_list_import_template", kwargs={"pk": gift_list.pk}) in page.content.decode()
    )

    before = counts()
    response = client.post(url, {"file": xlsx([row(), row(stt=2, national_id="12")])})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "<td>3</td><td>Số định danh cá nhân</td>" in html
    assert national_id_errors("12", None, None)[0] in html
    assert counts() == before


def test_the_page_imports_a_good_file_and_goes_to_the_list(gift_list, users):
    response = _client(users.officer).post(
        reverse("gift_list_import", kwargs={"pk": gift_list.pk}),
        {"file": xlsx([row()]), "only_valid": "on"},
    )
    assert response.status_code == 302
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 1


def test_the_page_downloads_the_template(gift_list, users):
    response = _client(users.officer).get(
        reverse("gift_list_import_template", kwargs={"pk": gift_list.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))] == HEADER


def test_another_commune_s_officer_does_not_see_the_page(gift_list, users):
    client = _client(users.officer_b)
    assert client.get(reverse("gift_list_import", kwargs={"pk": gift_list.pk})).status_code == 404
    url = reverse("gift_list_import_template", kwargs={"pk": gift_list.pk})
    assert client.get(url).status_code == 404


# --- the API --------------------------------------------------------------------------------


def _api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}")


def test_the_api_imports_and_answers_with_the_report(gift_list, users):
    url = f"/api/v1/gift-lists/{gift_list.pk}/import/"
    response = _api(users.officer).post(url, {"file": xlsx([row()])})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["imported"], body["people_created"], body["skipped"]) == (1, 1, [])


def test_the_api_lists_every_bad_row(gift_list, users):
    url = f"/api/v1/gift-lists/{gift_list.pk}/import/"
    response = _api(users.officer).post(url, {"file": xlsx([row(sex="?")]), "only_valid": "false"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_errors" and body["fields"] == {}
    assert body["rows"] == [
        {"row": 2, "column": TITLE["sex"], "code": "bad_sex", "message": _("Write Nam or Nữ.")}
    ]


def test_the_api_hides_another_commune_s_list(gift_list, users):
    url = f"/api/v1/gift-lists/{gift_list.pk}/import/"
    assert _api(users.officer_b).post(url, {"file": xlsx([row()])}).status_code == 404
    assert _api(users.leader).post(url, {"file": xlsx([row()])}).status_code == 403
