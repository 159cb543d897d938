"""The one cleaning rule (workflows.text.clean_text), its SQL twin used by the
data migrations, and the fold that search uses: they agree with each other."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from django.db import connection

from workflows.text import (
    SPACES,
    clean_text,
    clean_text_sql,
    fold_text,
    national_id_terms,
    search_digits,
)

from .conftest import NAME, NAME_MESSY, NAME_NFD

SAMPLES = [
    NAME_NFD,
    NAME_MESSY,
    "Nguyễn\u00a0\u00a0Văn   A",
    "\u200bTrần\u200c Thị\u200d B\u2060\ufeff",
    "\t Thôn\u3000Đoài\u202f xã\u2009Phù Lỗ \r\n",
    "QĐ\u00a0số 22/2013/QĐ-TTg",
    "e\u200b\u0301",  # a zero-width space between a letter and its accent
    "   ",
    "",
]
MULTILINE = [
    "Nhà xuống cấp,\r\n  mái\u00a0dột \r\n\r\n\r\n\r\ntường nứt  \n",
    unicodedata.normalize("NFD", "  Dòng một\u2028Dòng\u200b hai\u2029\n \n \nDòng ba\n\n"),
    "\n\n  a \u00a0 \n\u3000\n b",
    "a\x0bb\x0cc\x1cd",
]


def test_decomposed_name_is_stored_composed():
    assert NAME_NFD != NAME
    assert clean_text(NAME_NFD) == NAME
    assert unicodedata.is_normalized("NFC", clean_text(NAME_NFD))


def test_non_breaking_and_other_spaces_collapse_to_one_and_ends_are_trimmed():
    assert clean_text("  Nguyễn\u00a0\u00a0Văn \u2003 A\u202f") == "Nguyễn Văn A"
    assert clean_text("\tThôn\u3000Đoài\r\n") == "Thôn Đoài"


def test_zero_width_characters_are_removed():
    assert clean_text("Hư\u200bờng\u200c\u200d\u2060\ufeff") == "Hường"
    assert clean_text(NAME_MESSY) == NAME


def test_an_accent_after_a_zero_width_space_joins_its_letter():
    assert clean_text("e\u200b\u0301") == "é"


def test_multiline_text_keeps_its_lines_trimmed_with_at_most_one_blank_line():
    assert clean_text(MULTILINE[0], multiline=True) == "Nhà xuống cấp,\nmái dột\n\ntường nứt"
    assert clean_text("a\u2028b", multiline=True) == "a\nb"
    assert clean_text("a\u2028b") == "a b"


def test_cleaning_twice_changes_nothing():
    for text in SAMPLES:
        assert clean_text(clean_text(text)) == clean_text(text)
    for text in MULTILINE:
        once = clean_text(text, multiline=True)
        assert clean_text(once, multiline=True) == once


def test_the_space_list_is_exactly_what_python_calls_a_space():
    assert set(SPACES) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


@pytest.mark.django_db
def test_the_migrations_sql_cleans_exactly_as_python_does():
    with connection.cursor() as cur:
        for multiline, texts in ((False, SAMPLES + MULTILINE), (True, SAMPLES + MULTILINE)):
            for text in texts:
                cur.execute(f"SELECT {clean_text_sql('%s', multiline=multiline)}", [text])
                assert cur.fetchone()[0] == clean_text(text, multiline=multiline), repr(text)


@pytest.mark.django_db
def test_the_database_fold_ignores_case_diacritics_and_d_with_stroke():
    words = [NAME, NAME_NFD, "ĐẶNG Văn Đức", "Nguyễn Thị Hương", "Ưng Hoàng Phúc", "Lỗ"]
    with connection.cursor() as cur:
        for word in words:
            cur.execute("SELECT caseflow_fold(%s)", [word])
            assert cur.fetchone()[0] == fold_text(word)
    assert fold_text("ĐẶNG Văn Đức") == "dang van duc"
    assert fold_text(NAME_NFD) == "le thi huong"


def test_a_national_id_may_be_typed_with_spaces_dots_or_without_its_leading_zero():
    assert national_id_terms("001 085 583 744") == ["001085583744"]
    assert national_id_terms("001.085.583.744") == ["001085583744"]
    assert national_id_terms("\u00a0001085583744\u200b") == ["001085583744"]
    assert national_id_terms("01085583744") == ["01085583744", "001085583744"]
    assert national_id_terms("0010855") is None  # part of an ID: not an ID
    assert national_id_terms("Hường") is None
    assert search_digits("001 085") == "001085"
    assert search_digits("٠١٢") is None  # digits, but not the ones an ID has
