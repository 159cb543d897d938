"""Every .docx the system generates, printed as an office prints it
(LibreOffice headless to PDF, read back with poppler's pdftotext): the quốc
hiệu and the tiêu ngữ each on one line, top right, the tiêu ngữ centred under
the quốc hiệu; the issuing body (under its superior) top left; the place and
date under the tiêu ngữ; the document's type centred; the signer block on the
last page (NĐ 30/2020, Appendix I; domain.md §9).

One LibreOffice start prints the module's four documents; the data they are
made from is rolled back once they are built."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cases.gifts import documents as gift_documents
from cases.gifts.reconciliation import reconciliation_docx
from cases.official.docx import MOTTO, NATIONAL_TITLE
from cases.reporting.report_documents import (
    ReportOptions,
    options_with_defaults,
    report_docx,
    report_export,
)
from tests.documents import worlds
from tests.documents.render import Printed, print_documents
from workflows.permissions import Role

# The database is set up for the tests that ask for it: these do.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def printed(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Printed]:
    return print_documents(worlds.documents_from_rolled_back_data(django_db_blocker, _documents))


def _documents() -> Iterator[tuple[str, bytes]]:
    gift_list = worlds.signature_list(40)
    district = gift_list.commune.parent
    assert district is not None
    specialist = worlds.grant("print-specialist", Role.DISTRICT_SPECIALIST)
    head = worlds.grant("print-head", Role.OFFICE_HEAD)
    yield "signature_list", gift_documents.signature_list_docx(gift_list, on=worlds.ON)
    yield "reconciliation", reconciliation_docx(specialist, gift_list.campaign, on=worlds.ON)
    options = ReportOptions(number="12/BC-LĐTBXH", signer_name="Đoàn Văn Sinh")
    report = report_export(actor=head, district=district, start=worlds.H1[0], end=worlds.H1[1],
                           fmt="docx", options=options)  # fmt: skip
    yield "report", report.content
    empty = options_with_defaults(options, district, *worlds.H1)
    yield "report_empty", report_docx(worlds.empty_report(district), district, empty)


# What each document prints at its top left and in its signer block.
LAYOUTS = {
    "signature_list": SimpleNamespace(
        body="UBND XÃ PHÙ LỖ", parent="UBND HUYỆN SÓC SƠN", title="DANH SÁCH KÝ NHẬN QUÀ",
        date="Phù Lỗ, ngày 05 tháng 02 năm 2024",
        signers=("NGƯỜI LẬP BIỂU", "TM. ỦY BAN NHÂN DÂN"), signer="CHỦ TỊCH", name="",
    ),
    "reconciliation": SimpleNamespace(
        body="PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", parent="UBND HUYỆN SÓC SƠN",
        title="BÁO CÁO", date="Sóc Sơn, ngày 05 tháng 02 năm 2024",
        signers=("Nơi nhận:", "TRƯỞNG PHÒNG"), signer="TRƯỞNG PHÒNG", name="",
    ),
    "report": SimpleNamespace(
        body="PHÒNG LAO ĐỘNG -", parent="UBND HUYỆN SÓC SƠN", title="BÁO CÁO",
        date="Sóc Sơn, ngày 30 tháng 6 năm 2024",
        signers=("Nơi nhận:", "TRƯỞNG PHÒNG"), signer="TRƯỞNG PHÒNG", name="Đoàn Văn Sinh",
    ),
    "report_empty": SimpleNamespace(
        body="PHÒNG LAO ĐỘNG -", parent="UBND HUYỆN SÓC SƠN", title="BÁO CÁO",
        date="Sóc Sơn, ngày 30 tháng 6 năm 2024",
        signers=("Nơi nhận:", "TRƯỞNG PHÒNG"), signer="TRƯỞNG PHÒNG", name="Đoàn Văn Sinh",
    ),
}  # fmt: skip
LEFT_MARGIN_MM, RIGHT_MARGIN_MM = 30, 15
CENTRED_MM = 1.5  # how far two centred lines' middles may differ


def text_middle(document: Printed) -> float:
    return (LEFT_MARGIN_MM + document.page_width - RIGHT_MARGIN_MM) / 2


def test_every_module_that_builds_a_docx_is_printed_here() -> None:
    """A new document (a housing decision, a rehab paper) must join LAYOUTS."""
    root = Path(__file__).resolve().parents[2] / "cases"
    builders = {
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if "new_document(" in path.read_text(encoding="utf-8") and path.parent.name != "official"
    }
    assert builders == {
        # The allowance payroll list and decision: printed and checked in
        # tests/allowances/test_documents.py.
        "cases/allowances/documents.py",
        "cases/allowances/documents_reports.py",
        "cases/gifts/documents.py",  # signature_list
        "cases/gifts/reconciliation.py",  # reconciliation
        "cases/reporting/report_documents.py",  # report, report_empty
    }


@pytest.mark.parametrize("name", LAYOUTS)
def test_quoc_hieu_and_tieu_ngu_each_print_on_one_line_top_right(
    printed: dict[str, Printed], name: str
) -> None:
    document = printed[name]
    # pdftotext -layout: each whole on one printed line, the tiêu ngữ right under.
    lines = document.page(1)
    [title_at] = [i for i, line in enumerate(lines) if NATIONAL_TITLE in line]
    [motto_at] = [i for i, line in enumerate(lines) if MOTTO in line]
    assert (title_at, motto_at) == (0, 1), "the header block opens the first page"
    # Where they are on the page.
    title = document.on_one_line(NATIONAL_TITLE)
    motto = document.on_one_line(MOTTO)
    assert title.middle > text_middle(document) + 20, "top right"
    assert 0 <= motto.top - title.bottom < 2, "the tiêu ngữ right under the quốc hiệu"
    assert abs(motto.middle - title.middle) < CENTRED_MM, "centred under it"


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_issuing_body_prints_top_left_and_the_date_line_under_the_tieu_ngu(
    printed: dict[str, Printed], name: str
) -> None:
    layout, document = LAYOUTS[name], printed[name]
    title = document.on_one_line(NATIONAL_TITLE)
    parent = document.on_one_line(layout.parent)
    body = document.on_one_line(layout.body)
    assert parent.top == title.top, "the superior body level with the quốc hiệu"
    assert body.top > parent.top and body.right < title.left, "the issuing body below it, left"
    assert abs(parent.middle - body.middle) < CENTRED_MM
    motto = document.on_one_line(MOTTO)
    date = document.on_one_line(layout.date)
    assert date.top > motto.bottom and abs(date.middle - motto.middle) < CENTRED_MM
    kind = document.on_one_line(layout.title)
    assert kind.top > date.bottom and abs(kind.middle - text_middle(document)) < CENTRED_MM


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_signer_block_prints_on_the_last_page(printed: dict[str, Printed], name: str) -> None:
    layout, document = LAYOUTS[name], printed[name]
    last = document.pages
    left, right = (document.on_one_line(text, page=last) for text in layout.signers)
    assert left.top == right.top and left.right < right.left
    assert right.middle > text_middle(document), "the signer on the right"
    signer = document.on_one_line(layout.signer, page=last)
    assert abs(signer.middle - right.middle) < CENTRED_MM
    if layout.name:
        name_box = document.on_one_line(layout.name, page=last)
        assert name_box.top - signer.bottom > 15, "room for the signature and the seal"
        assert abs(name_box.middle - signer.middle) < CENTRED_MM


def test_the_report_prints_its_number_and_page_numbers_from_page_two(
    printed: dict[str, Printed],
) -> None:
    report = printed["report"]
    number = report.on_one_line("Số: 12/BC-LĐTBXH")
    body = report.on_one_line("PHÒNG LAO ĐỘNG -")
    assert number.top > body.top and number.right < report.on_one_line(MOTTO).left
    assert report.pages >= 2
    assert [line.strip() for line in report.page(2) if line.strip()][0] == "2"
    assert "1" not in [line.strip() for line in report.page(1)]
