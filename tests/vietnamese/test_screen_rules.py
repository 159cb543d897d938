"""The crawl's eyes (tests/vietnamese/screen.py): they see the text a reader
sees, catch the codes and English words the issue found, and let Vietnamese,
with or without its diacritics, pass."""

from __future__ import annotations

import pytest

from tests.vietnamese.screen import english_words, is_vietnamese_word, raw_codes, visible_text


def test_only_the_text_a_reader_sees_is_read() -> None:
    page = """<html><head><title>Hàng chờ</title><style>.a_b{}</style></head><body>
      <p title="English title" data-x="some_code">Xin chào <b>bạn</b>!</p>
      <script>var accept_completion = 1;</script><template><p>Hidden words</p></template>
      <svg><text>Đã nộp</text></svg></body></html>"""
    assert visible_text(page) == ["Hàng chờ", "Xin chào", "bạn", "!", "Đã nộp"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("accept_completion", ["accept_completion"]),
        ("Loại giấy tờ: giay_chung_nhan_qsdd", ["giay_chung_nhan_qsdd"]),
        ("program: ho_ngheo", ["ho_ngheo"]),
        ("signature_list.xlsx", ["signature_list.xlsx"]),
        ("cases.giftrecipient 18", ["cases.giftrecipient"]),
        ("danh-sach-ky-nhan-tet-00448.xlsx", []),
        ("QĐ 12/QĐ-UBND ngày 05/07/2024", []),
    ],
)
def test_raw_codes_are_found(text: str, codes: list[str]) -> None:
    assert raw_codes(text) == codes


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (
            "Configurable demo value: no legal time limit found for housing support.",
            ["Configurable", "demo", "value", "legal", "time", "limit", "found", "for", "housing",
             "support"],
        ),
        ("Loại: repair", ["repair"]),
        ("Cách thức: import", ["import"]),
        ("size", ["size"]),
        ("Chưa có ai xem hồ sơ này.", []),
        ("nguyen thi huong Hung", []),  # Vietnamese without its diacritics
        ("Tổng cộng: 1.263 người; tệp 30,0 MB (PDF, Excel)", []),
        ("HT-2026-000001 · CNBB-2025-000123 · Sở LĐ-TBXH; II. NHIỆM VỤ", []),
    ],
)  # fmt: skip
def test_english_words_are_found_and_vietnamese_passes(text: str, english: list[str]) -> None:
    assert english_words(text) == english


def test_every_syllable_shape_of_a_vietnamese_sentence_is_known() -> None:
    sentence = (
        "Nghiệm thu hoàn thành; khuyến khích người dân tự nguyện cai nghiện tại gia đình, "
        "quyết định hỗ trợ xây mới nhà ở cho hộ nghèo, thoát nghèo bền vững; khuya; ngoéo"
    )
    assert [w for w in sentence.replace(",", " ").replace(";", " ").split()
            if not is_vietnamese_word(w)] == []  # fmt: skip
