"""The one reading of each kind of value: national IDs, dd/mm/yyyy dates and
amounts in đồng, as the forms, the API and the import share them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases.validators import clean_national_id
from workflows.values import parse_amount, parse_vn_date

ID_MESSAGE_VI = "Số định danh cá nhân phải gồm đúng 12 chữ số."
DATE_MESSAGE_VI = "Nhập ngày hợp lệ theo dạng dd/mm/yyyy, ví dụ 25/12/1960."


def vietnamese_messages(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    with translation.override("vi"):
        return [str(m) for m in exc.value.messages]


@pytest.mark.parametrize(
    "raw",
    [
        "001085583744",
        "001 085 583 744",
        "001.085.583.744",
        "001-085-583-744",
        " 001085583744 ",
        "001\u00a0085\u00a0583\u00a0744",  # no-break spaces, as pasted from a PDF
        "0010855\u200b83744",  # a zero-width space
    ],
)
def test_a_national_id_is_read_as_printed_on_the_card(raw: str) -> None:
    assert clean_national_id(raw) == "001085583744"


@pytest.mark.parametrize(
    "raw",
    [
        "00108558374",
        "0010855837445",
        "00108558374a",
        "００１０８５５８３７４４",
        "",
        "001/085/583/744",
    ],
)
def test_a_national_id_that_is_not_twelve_digits_gets_the_one_message(raw: str) -> None:
    with pytest.raises(ValidationError) as exc:
        clean_national_id(raw)
    assert exc.value.code == "national_id_format"
    assert vietnamese_messages(exc) == [ID_MESSAGE_VI]


def test_a_national_id_with_an_unknown_province_is_refused_with_the_province_message() -> None:
    with pytest.raises(ValidationError) as exc:
        clean_national_id("099 085 583 744")
    assert exc.value.code == "national_id_province"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/09/1960", dt.date(1960, 9, 5)),
        ("5/9/1960", dt.date(1960, 9, 5)),
        ("05-09-1960", dt.date(1960, 9, 5)),
        ("05.09.1960", dt.date(1960, 9, 5)),
        (" 05 / 09 / 1960 ", dt.date(1960, 9, 5)),
        ("1960-09-05", dt.date(1960, 9, 5)),
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_a_date_is_read_day_first_in_the_ways_offices_write_it(raw: str, expected: dt.date) -> None:
    assert parse_vn_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["31/02/2020", "29/02/2023", "05/09/60", "1960/09/05", "05/09-1960", "09.1960", "", "abc"],
)
def test_a_date_that_is_not_one_gets_the_one_message(raw: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_vn_date(raw)
    assert exc.value.code == "invalid"
    assert vietnamese_messages(exc) == [DATE_MESSAGE_VI]


@pytest.mark.parametrize(
    "raw",
    [
        "28.000.000",
        "28,000,000",
        "28 000 000",
        "28\u00a0000\u00a0000",
        "28000000",
        "28.000.000 đ",
        "28.000.000đ",
        "28,000,000 VND",
        28_000_000,
    ],
)
def test_an_amount_is_read_with_any_thousands_separator(raw: str | int) -> None:
    assert parse_amount(raw) == 28_000_000


def test_a_negative_amount_is_read_for_the_minimum_to_refuse() -> None:
    assert parse_amount("-5.000.000") == -5_000_000


@pytest.mark.parametrize(
    "raw", ["28,5", "2.80.000", "28.000,000", "28.000.00", "+5", "1e6", "", "đ", True, "9" * 5000]
)
def test_an_amount_that_is_not_whole_dong_is_refused(raw: str | bool) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_amount(raw)
    assert exc.value.code == "invalid"
