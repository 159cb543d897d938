"""National ID (CCCD) checks, domain.md §8: 12 digits, province 001-096,
digit 4 = century and sex, digits 5-6 = birth year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.validators import national_id_errors, validate_national_id

MAN_1960 = dt.date(1960, 5, 17)
WOMAN_2001 = dt.date(2001, 2, 3)


@pytest.mark.parametrize(
    "value",
    [
        "001060123456",  # Hà Nội, man born 1960
        "079301000001",  # TP HCM, woman born 2001
        "096099999999",  # the last province code
        "001100000000",  # woman born 1900
    ],
)
def test_a_well_formed_national_id_passes_the_format_check(value: str) -> None:
    validate_national_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "00106012345",
        "0010601234567",
        "00106012345a",
        "001 60123456",
        "",
        "００１０６０１２３４５６",
    ],
    ids=["11-digits", "13-digits", "letter", "space", "empty", "full-width-digits"],
)
def test_a_national_id_must_be_exactly_twelve_ascii_digits(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_national_id(value)
    assert exc.value.code == "national_id_format"


@pytest.mark.parametrize("province", ["000", "097", "999"])
def test_the_province_code_must_be_between_001_and_096(province: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_national_id(f"{province}060123456")
    assert exc.value.code == "national_id_province"
    assert national_id_errors(f"{province}060123456", MAN_1960, "M")


def test_a_woman_born_in_2001_must_have_a_3_as_fourth_digit() -> None:
    assert national_id_errors("001301123456", WOMAN_2001, "F") == []
    for digit in "0124579":
        assert national_id_errors(f"001{digit}01123456", WOMAN_2001, "F"), digit


@pytest.mark.parametrize(
    ("digit", "born", "sex"),
    [
        ("0", dt.date(1999, 12, 31), "M"),
        ("1", dt.date(1900, 1, 1), "F"),
        ("2", dt.date(2000, 1, 1), "M"),
        ("3", dt.date(2024, 6, 1), "F"),
        ("4", dt.date(2101, 1, 1), "M"),
        ("5", dt.date(2101, 1, 1), "F"),
    ],
)
def test_the_fourth_digit_encodes_century_and_sex(digit: str, born: dt.date, sex: str) -> None:
    value = f"001{digit}{born.year % 100:02d}000042"
    assert national_id_errors(value, born, sex) == []
    other = "F" if sex == "M" else "M"
    assert len(national_id_errors(value, born, other)) == 1


def test_a_man_coded_as_a_woman_is_refused() -> None:
    errors = national_id_errors("001160123456", MAN_1960, "M")
    assert len(errors) == 1


def test_a_man_born_in_the_2000s_coded_for_the_1900s_is_refused() -> None:
    errors = national_id_errors("001001123456", dt.date(2001, 1, 1), "M")
    assert len(errors) == 1
    assert "1901" in errors[0] and "2001" in errors[0]


def test_the_birth_year_digits_must_match_the_date_of_birth() -> None:
    assert national_id_errors("001060123456", MAN_1960, "M") == []
    errors = national_id_errors("001061123456", MAN_1960, "M")
    assert len(errors) == 1
    assert "1961" in errors[0] and "1960" in errors[0]


def test_every_mismatch_is_reported_at_once() -> None:
    # Coded as a woman born 1961; the person is a man born 1960.
    assert len(national_id_errors("001161123456", MAN_1960, "M")) == 2


def test_the_checks_needing_other_fields_are_skipped_when_they_are_unknown() -> None:
    assert national_id_errors("001160123456", None, None) == []
