"""Importing gift lists as commune offices make them (the committed files of
tests/fixtures/imports, built by its make_fixtures.py): title rows and merged
titles above the header, the header found by its titles in any case and
order, the row of column numbers and section titles skipped, an address
merged down a household's rows, NFD names, national IDs that Excel turned
into numbers, text and real dates, a birth year alone, a package by its name."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from cases.gifts.import_rows import COLUMNS
from cases.gifts.import_template import gift_import_template
from cases.gifts.imports import HiddenRows, gift_import
from cases.gifts.models import GiftImportAttempt, GiftPackage, GiftRecipient
from cases.models import Person
from cases.validators import national_id_errors
from tests.factories import PersonFactory, national_id_for
from tests.fixtures.imports import make_fixtures
from tests.fixtures.imports.make_fixtures import PEOPLE
from tests.gifts.test_import import BORN, HEADER, row, xlsx
from workflows.exceptions import InvalidData
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
FIXTURES = Path(make_fixtures.__file__).parent
TITLE = {key: title for key, title, _w in COLUMNS}


def office_file(name: str) -> Any:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


def imported(gift_list: Any) -> dict[str, GiftRecipient]:
    rows = GiftRecipient.objects.filter(gift_list=gift_list).select_related("person", "package")
    return {r.person.national_id: r for r in rows}


def errors_of(exc: pytest.ExceptionInfo[InvalidData]) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in exc.value.extra["rows"]]


def test_the_template_keeps_ids_and_dates_as_text(campaign, communes):
    sheet = load_workbook(io.BytesIO(gift_import_template(campaign.campaign, communes.a))).active
    column = {key: i for i, (key, _t, _w) in enumerate(COLUMNS, start=1)}
    for row_number in (2, 500, 2001):
        for key in ("national_id", "date_of_birth"):
            cell = sheet.cell(row=row_number, column=column[key])
            assert cell.number_format == "@", (key, row_number)


@pytest.mark.parametrize("name", sorted(make_fixtures.BUILDERS))
def test_the_committed_files_are_what_the_script_builds(name):
    assert (FIXTURES / name).read_bytes() == make_fixtures.build(name)


def test_a_list_below_title_rows_and_merged_titles_imports(gift_list, users):
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=office_file("title_rows.xlsx")
    )

    people = PEOPLE["title_rows.xlsx"]
    assert (report.header_row, report.rows_read, report.imported) == (4, 3, 3)
    rows = imported(gift_list)
    assert {nid: r.package.code for nid, r in rows.items()} == {
        p.national_id: p.package for p in people
    }
    # The second member of the household has the address merged down from the first.
    assert rows[people[1].national_id].person.address == "Thôn Đông"
    assert rows[people[2].national_id].person.address == "Thôn Đoài"
    attempt = GiftImportAttempt.objects.get(pk=report.attempt)
    # The row of column numbers and the two section titles are not people.
    assert attempt.section_rows == [5, 6, 9]
    event = AuditEvent.objects.get(event="gift_import", object_id=str(gift_list.pk))
    assert (event.data["header_row"], event.data["rows_read"]) == (4, 3)


def test_columns_in_another_order_and_unknown_columns_are_read_by_their_titles(
    gift_list,
    users,
):
    keys = [key for key, _t, _w in COLUMNS]
    order = ["national_id", "full_name", "package", "amount", "sex", "date_of_birth", "categories"]
    header = ["Lỗi"] + [TITLE[k].split(" (")[0].lower() for k in order]
    values = dict(zip(keys, row(), strict=True))
    upload = xlsx([["an old remark", *[values[k] for k in order]]], header=header)
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert report.imported == 1
    person = Person.objects.get(national_id=values["national_id"])
    assert person.full_name == values["full_name"]


def test_the_titles_repeated_on_each_printed_page_are_not_read_as_a_person(
    gift_list,
    users,
):
    second = row(stt=2, national_id=national_id_for(BORN, "M"), full_name="Người Thứ Hai")
    upload = xlsx([row(), HEADER, second])
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert (report.rows_read, report.imported) == (2, 2)
    assert GiftImportAttempt.objects.get(pk=report.attempt).section_rows == [3]


def test_a_sheet_whose_header_lacks_a_required_title_names_the_missing_column(
    gift_list,
    users,
):
    header = [t for t in (title for _k, title, _w in COLUMNS) if not t.startswith("Mã gói")]
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx([], header=header))
    assert exc.value.code == "bad_header"
    assert _("Row %(row)s looks like the header but has no column %(missing)s.") % {
        "row": 1,
        "missing": "Mã gói quà",
    } in str(exc.value.message)


def test_names_pasted_in_nfd_with_odd_spaces_are_stored_as_nfc(gift_list, users):
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=office_file("nfd_names.xlsx")
    )
    assert report.imported == 2
    for p in PEOPLE["nfd_names.xlsx"]:
        person = Person.objects.get(national_id=p.national_id)
        assert person.full_name == p.full_name
        assert unicodedata.is_normalized("NFC", person.full_name)
        assert person.address == "Thôn Đông"
    assert Person.objects.filter(full_name="Nguyễn Thị Hường").exists()


def test_ids_excel_made_numbers_get_their_zeros_back_and_an_11_digit_text_is_explained(
    gift_list,
    users,
):
    a, b, c, d = PEOPLE["ids_as_numbers.xlsx"]
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=office_file("ids_as_numbers.xlsx")
        )
    assert errors_of(exc) == [(c.row, TITLE["national_id"], "bad_national_id")]
    message = exc.value.extra["rows"][0]["message"]
    assert c.national_id in message  # the 12 digits it probably is
    assert message == _(
        "The national ID has 11 digits: its leading 0 was probably lost. "
        "Write all 12 digits (%(candidate)s?) in a cell formatted as text."
    ) % {"candidate": c.national_id}

    report = gift_import(
        actor=users.officer,
        gift_list=gift_list,
        upload=office_file("ids_as_numbers.xlsx"),
        only_valid=True,
    )
    assert set(imported(gift_list)) == {a.national_id, b.national_id, d.national_id}
    assert [(e.row, e.code) for e in report.skipped] == [(c.row, "bad_national_id")]


def test_an_11_digit_text_that_no_zero_can_mend_gets_the_shared_format_message(
    gift_list,
    users,
):
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=xlsx([row(national_id="99999999999")])
        )
    [error] = exc.value.extra["rows"]
    assert error["message"] == national_id_errors("99999999999", None, None)[0]


def test_text_dates_real_excel_dates_and_serial_numbers_are_read(gift_list, users):
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=office_file("dates.xlsx"))
    assert report.imported == 5
    for p in PEOPLE["dates.xlsx"]:
        person = Person.objects.get(national_id=p.national_id)
        assert (person.date_of_birth, person.birth_year_only) == (p.born, False), p.full_name


def test_a_birth_year_alone_is_stored_as_such_and_shown_as_the_year(gift_list, users):
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=office_file("year_only.xlsx")
    )
    assert report.imported == 2
    for p in PEOPLE["year_only.xlsx"]:
        person = Person.objects.get(national_id=p.national_id)
        assert (person.date_of_birth, person.birth_year_only) == (dt.date(p.born.year, 1, 1), True)
        assert person.birth_date_display == str(p.born.year)


def test_a_birth_year_alone_still_has_to_match_the_year_in_the_national_id(
    gift_list,
    users,
):
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=xlsx([row(date_of_birth="1961")])
        )
    assert errors_of(exc) == [(2, TITLE["national_id"], "bad_national_id")]
    assert "1961" in exc.value.extra["rows"][0]["message"]


def test_a_birth_year_alone_matches_a_registered_person_born_that_year(
    gift_list,
    users,
    communes,
):
    person = PersonFactory(commune=communes.a, categories=["ho_ngheo"])
    upload = xlsx(
        [
            row(
                full_name=person.full_name,
                date_of_birth=str(person.date_of_birth.year),
                sex="Nam" if person.sex == "M" else "Nữ",
                national_id=person.national_id,
            )
        ]
    )
    assert gift_import(actor=users.officer, gift_list=gift_list, upload=upload).imported == 1
    person.refresh_from_db()
    assert person.birth_year_only is False  # the registry keeps its full date


@pytest.mark.parametrize("written", ["Quà xa-a", "  quà   XA-A ", "XA-A"])
def test_a_package_is_found_by_its_code_or_its_exact_name(gift_list, users, written):
    upload = xlsx([row(package=written, amount=300_000)])
    assert gift_import(actor=users.officer, gift_list=gift_list, upload=upload).imported == 1
    assert GiftRecipient.objects.get(gift_list=gift_list).package.code == "xa-a"


def test_a_package_name_that_matches_nothing_names_what_was_written_and_the_packages(
    gift_list,
    users,
):
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=xlsx([row(package="Quà Tết hộ nghèo")])
        )
    [error] = exc.value.extra["rows"]
    assert error["code"] == "unknown_package"
    message = error["message"]
    assert "“Quà Tết hộ nghèo”" in message
    for code in ("ctn-600", "ctn-300", "tp-ngheo", "xa-a"):
        package = GiftPackage.objects.get(campaign=gift_list.campaign, code=code)
        assert f"{package.code} — {package.name}" in message
    assert "xa-b" not in message  # another commune's package


def test_two_packages_with_the_same_name_ask_for_the_code(gift_list, users):
    GiftPackage.objects.filter(campaign=gift_list.campaign, code="ctn-300").update(
        name="Quà tp-ngheo"
    )
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=xlsx([row(package="Quà tp-ngheo")])
        )
    assert errors_of(exc) == [(2, TITLE["package"], "ambiguous_package")]


def test_amounts_with_thousands_separators_read_as_the_shared_reader_does(
    gift_list,
    users,
):
    upload = xlsx([row(amount="1,000,000"), row(stt=2, amount="1.0.00.000", package="xa-a")])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload)
    assert errors_of(exc) == [(3, TITLE["amount"], "bad_amount")]


def test_the_hidden_rows_of_an_office_file_are_asked_about(gift_list, users):
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=office_file("hidden_rows.xlsx")
        )
    assert exc.value.code == "hidden_rows"
    people = PEOPLE["hidden_rows.xlsx"]
    assert exc.value.extra["hidden_rows"] == [
        {"row": p.row, "full_name": p.full_name} for p in people if p.row in (3, 5)
    ]
    report = gift_import(
        actor=users.officer,
        gift_list=gift_list,
        upload=office_file("hidden_rows.xlsx"),
        hidden_rows=HiddenRows.SKIP,
    )
    assert set(imported(gift_list)) == {p.national_id for p in people if p.row in (2, 4)}
    assert (report.hidden_rows, report.hidden_rows_choice) == ([3, 5], "skip")


def _text_row(*cells: tuple[int, Any]) -> list[Any]:
    """A row with only the given (column index, value) cells."""
    values: list[Any] = [None] * len(HEADER)
    for index, value in cells:
        values[index] = value
    return values


def test_the_total_row_and_the_signature_block_under_the_list_are_not_read_as_people(
    gift_list, users
):
    """Lists as offices print them end with a total and the signatures."""
    keys = [key for key, _t, _w in COLUMNS]
    stt, name, amount = keys.index("stt"), keys.index("full_name"), keys.index("amount")
    rows = [
        row(stt=1, full_name="Nguyễn Văn Mới"),
        row(stt=2, full_name="Trần Thị Hai", sex_code="F", born=dt.date(1958, 2, 3)),
        _text_row((stt, "Tổng cộng"), (amount, 2_000_000)),
        _text_row((name, "Cộng: 2 người")),
        _text_row(),
        _text_row((6, "Phù Lỗ, ngày 15 tháng 01 năm 2025")),
        _text_row((name, "Người lập biểu"), (6, "TM. UBND XÃ")),
        _text_row((6, "CHỦ TỊCH")),
        _text_row((name, "(Ký, ghi rõ họ tên)"), (6, "(Ký tên, đóng dấu)")),
        _text_row((name, "Lê Văn Lập"), (6, "Phạm Văn Chủ")),
    ]
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx(rows))
    assert (report.imported, report.skipped) == (2, [])
    assert {r.person.full_name for r in imported(gift_list).values()} == {
        "Nguyễn Văn Mới",
        "Trần Thị Hai",
    }


def test_a_person_written_below_the_total_row_is_still_read(gift_list, users):
    """Only text below the list is left out: a row with a national ID is a person."""
    keys = [key for key, _t, _w in COLUMNS]
    rows = [
        row(stt=1),
        _text_row((keys.index("stt"), "Tổng cộng")),
        row(stt=2, full_name="Trần Thị Hai", sex_code="F", born=dt.date(1958, 2, 3)),
    ]
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=xlsx(rows))
    assert report.imported == 2
