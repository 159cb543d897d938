"""The columns of a payment results file and the words offices write in
them: the titles (with the other titles offices use), the results ("Đã
chi", "Chưa chi") and the reasons a line was not paid, compared folded (no
case, no diacritics). Titles and words are the file format, not UI text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.utils import translation

from cases.allowances.models import UnpaidReason
from cases.uploads.table import title_key
from workflows.text import clean_text, fold_text

# The file's columns: (key, title, other titles offices write). Titles are
# the file format, not UI text: a file in Vietnamese imports whatever the
# language of the page.
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("line", "Mã dòng", ("Ma dong", "Mã dòng lương", "ID dòng", "Line ID")),
    ("national_id", "Số CCCD", ("CCCD", "Số định danh cá nhân", "Số định danh", "CCCD/CMND")),
    ("for_month", "Tháng", ("Tháng hưởng", "Tháng trợ cấp", "Kỳ", "Tháng (mm/yyyy)")),
    ("full_name", "Họ và tên", ("Họ tên",)),
    ("amount", "Số tiền", ("Số tiền (đồng)", "Tổng", "Tổng số tiền", "Số tiền chi", "Tổng cộng")),
    ("result", "Kết quả", ("Kết quả chi trả", "Kết quả chi")),
    ("paid_on", "Ngày chi", ("Ngày chi trả", "Ngày chi (dd/mm/yyyy)", "Ngày nhận")),
    ("reason", "Lý do", ("Lý do chưa chi", "Lý do không chi", "Lý do chưa nhận")),
]
TITLE = {key: title for key, title, _o in COLUMNS}


def _title_map() -> dict[str, str]:
    return {title_key(t): key for key, title, others in COLUMNS for t in (title, *others)}


TITLES = _title_map()
# The cells that name a line: a row with none of them, under the list, is text.
NAMING = ("line", "national_id", "for_month", "result")


def header_complete(keys: set[str]) -> bool:
    return "result" in keys and ("line" in keys or {"national_id", "for_month"} <= keys)


PAID, UNPAID = "paid", "unpaid"
RESULTS = {
    "da chi": PAID,
    "da nhan": PAID,
    "da tra": PAID,
    "da chi tra": PAID,
    "paid": PAID,
    "chua chi": UNPAID,
    "khong chi": UNPAID,
    "chua nhan": UNPAID,
    "khong nhan": UNPAID,
    "chua chi tra": UNPAID,
    "unpaid": UNPAID,
    "not paid": UNPAID,
}
# What offices write for each reason (folded), besides the codes and the
# labels of `UnpaidReason` in Vietnamese and English.
REASON_WORDS: dict[str, str] = {
    "khong den nhan": UnpaidReason.NOT_COLLECTED,
    "chua den nhan": UnpaidReason.NOT_COLLECTED,
    "khong nhan": UnpaidReason.NOT_COLLECTED,
    "chua nhan": UnpaidReason.NOT_COLLECTED,
    "da mat": UnpaidReason.DECEASED,
    "da chet": UnpaidReason.DECEASED,
    "chet": UnpaidReason.DECEASED,
    "tu tran": UnpaidReason.DECEASED,
    "da tu tran": UnpaidReason.DECEASED,
    "qua doi": UnpaidReason.DECEASED,
    "da qua doi": UnpaidReason.DECEASED,
    "chuyen di": UnpaidReason.MOVED,
    "da chuyen di": UnpaidReason.MOVED,
    "chuyen khau": UnpaidReason.MOVED,
    "chuyen noi o": UnpaidReason.MOVED,
    "di vang": UnpaidReason.ABSENT,
    "vang nha": UnpaidReason.ABSENT,
    "vang mat": UnpaidReason.ABSENT,
    "khong co mat tai dia phuong": UnpaidReason.ABSENT,
    "sai tai khoan": UnpaidReason.WRONG_ACCOUNT,
    "sai so tai khoan": UnpaidReason.WRONG_ACCOUNT,
    "tai khoan khong dung": UnpaidReason.WRONG_ACCOUNT,
    "khac": UnpaidReason.OTHER,
    "ly do khac": UnpaidReason.OTHER,
}
_WORDS = re.compile(r"[^0-9a-z]+")


def words(value: Any) -> str:
    """Text as compared: folded (no case, no diacritics), words only."""
    return _words(str(value))


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    # Cached: a results file repeats a few words ("Đã chi", "Đi vắng") on every row.
    return " ".join(_WORDS.sub(" ", fold_text(clean_text(text))).split())


def reason_vocabulary() -> dict[str, str]:
    vocab = dict(REASON_WORDS)
    for lang in ("en", "vi"):
        with translation.override(lang):
            for reason in UnpaidReason:
                vocab[words(reason.label)] = reason.value
    for reason in UnpaidReason:
        vocab[words(reason.value)] = reason.value
    return vocab


def reason_labels() -> list[str]:
    with translation.override("vi"):
        return [str(r.label) for r in UnpaidReason]
