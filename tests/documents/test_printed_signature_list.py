"""A 1,000-row signature list printed as an office prints it (LibreOffice
headless to PDF, read back with pdftotext -layout): within its page bound,
every row in order with its room to sign, each package a heading with its
subtotal, the total in Vietnamese numbers.

The page bound: A4 landscape leaves 170 mm between the top and bottom
margins. A row keeps 28 pt (9.9 mm) of room to sign and every cell holds its
text in two lines, which that room gives anyway; so a page holds the repeated
header row (9.5 mm) and 16 rows. 1,000 rows, eight package headings and eight
subtotals fill 64 pages; the header block on the first page and the signers
after the last row make 65, and a few rows with a long proxy note three
lines: at most 68. Before the fix the category and package columns wrapped
to four lines and the same list ran to 126 pages.

Its own module, so that the slowest print (about 15 s of LibreOffice) runs
beside the other documents' on another pytest worker."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cases.gifts import documents as gift_documents
from cases.official.docx import MOTTO, NATIONAL_TITLE
from tests.documents import worlds
from tests.documents.render import Printed, print_documents

# The database is set up for the tests that ask for it: these do.
pytestmark = pytest.mark.django_db

ROWS = 1_000
ROWS_PER_PAGE = 16
MAX_PAGES = 68
MIN_PAGES = math.ceil(ROWS / ROWS_PER_PAGE)
ROW_LINE = re.compile(r"^\s*(\d{1,4})\s+\S.*\s\d{12}\s")  # STT … national ID


@pytest.fixture(scope="module")
def printed(django_db_setup: Any, django_db_blocker: Any) -> Printed:
    def build() -> Iterator[tuple[str, bytes]]:
        gift_list = worlds.signature_list(ROWS)
        yield "signature_list", gift_documents.signature_list_docx(gift_list, on=worlds.ON)

    documents = worlds.documents_from_rolled_back_data(django_db_blocker, build)
    return print_documents(documents)["signature_list"]


def test_the_long_list_still_prints_quoc_hieu_and_tieu_ngu_on_one_line_each(
    printed: Printed,
) -> None:
    assert printed.on_one_line(MOTTO).top > printed.on_one_line(NATIONAL_TITLE).bottom


def test_a_1000_row_signature_list_prints_within_its_page_bound(
    printed: Printed,
) -> None:
    assert MIN_PAGES <= printed.pages <= MAX_PAGES, printed.pages
    numbers = [int(m.group(1)) for line in printed.lines() if (m := ROW_LINE.match(line))]
    assert [n for n in numbers if n <= ROWS] == list(range(1, ROWS + 1)), "every row, in order"
    assert "Tổng cộng: 1.000 người" in printed.text


def test_every_page_of_the_signature_list_holds_sixteen_rows_with_room_to_sign(
    printed: Printed,
) -> None:
    """No cell wraps to a third line (which would grow its row), and no row
    loses its room to sign (which would put more on a page)."""
    per_page = [
        sum(1 for line in printed.page(n) if ROW_LINE.match(line)) for n in range(2, printed.pages)
    ]
    assert max(per_page) <= ROWS_PER_PAGE
    assert sum(per_page) / len(per_page) >= ROWS_PER_PAGE - 1.5, per_page


def test_the_signature_list_prints_each_package_as_a_heading_with_its_subtotal(
    printed: Printed,
) -> None:
    headings = re.findall(r"^\s*([IVX]+)\. (Quà .*?)\s*$", printed.text, re.MULTILINE)
    assert [h[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    assert headings[0][1] == "Quà của Chủ tịch nước (600.000 đ) / Chủ tịch nước"
    subtotals = re.findall(r"Cộng: (\d+) người", printed.text)
    assert sum(int(n) for n in subtotals) == ROWS and len(subtotals) == 8
