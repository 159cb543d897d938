"""Numbers in the documents: counts in a .docx written the Vietnamese way
("Tổng cộng: 1.263 người", workflows.formatting.number), and in an .xlsx kept
as numbers, never text, with the "#,##0" format on amounts and counts (a
Vietnamese spreadsheet shows 1.263) and none on what is not a quantity (STT,
a birth year, a national ID as text)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import docx
import openpyxl
import pytest

from cases.gifts import documents as gift_documents
from cases.gifts.reconciliation import reconciliation_docx, reconciliation_xlsx
from cases.reporting.dashboard_output import Table, dashboard_workbook
from tests.documents import worlds
from workflows.permissions import Role

pytestmark = pytest.mark.django_db
ROWS = 1_263  # the size of the list the issue found printed as "1263 người"


@pytest.fixture(scope="module")
def files(django_db_setup: Any, django_db_blocker: Any) -> dict[str, bytes]:
    def build() -> Iterator[tuple[str, bytes]]:
        gift_list = worlds.signature_list(ROWS)
        specialist = worlds.grant("numbers-specialist", Role.DISTRICT_SPECIALIST)
        yield "list.docx", gift_documents.signature_list_docx(gift_list, on=worlds.ON)
        yield "list.xlsx", gift_documents.signature_list_xlsx(gift_list, on=worlds.ON)
        yield "reconciliation.docx", reconciliation_docx(specialist, gift_list.campaign)
        yield "reconciliation.xlsx", reconciliation_xlsx(specialist, gift_list.campaign)

    return worlds.documents_from_rolled_back_data(django_db_blocker, build)


def docx_texts(content: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return [p.text for p in document.paragraphs] + cells


# --- .docx --------------------------------------------------------------------------------


def test_signature_list_docx_counts_people_with_a_thousands_dot(files: dict[str, bytes]) -> None:
    texts = docx_texts(files["list.docx"])
    assert "Tổng cộng: 1.263 người" in texts
    [summary] = [t for t in texts if t.startswith("Đã nhận:")]
    assert summary.startswith("Đã nhận: 1.200 người, ")  # 1,263 less one in twenty returned
    assert "không nhận: 63 người, " in summary
    assert not [t for t in texts if "1263 người" in t]


def test_reconciliation_docx_counts_gifts_with_a_thousands_dot(files: dict[str, bytes]) -> None:
    texts = docx_texts(files["reconciliation.docx"])
    assert any(t.startswith("Tổng số 1.263 suất quà, ") for t in texts)
    assert "1.263" in texts  # the total row's count of planned gifts


# --- .xlsx --------------------------------------------------------------------------------


def test_signature_list_xlsx_keeps_numbers_as_numbers_with_formats(files: dict[str, bytes]) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(files["list.xlsx"])).active
    rows = [r for r in ws.iter_rows() if isinstance(r[0].value, int)]
    assert len(rows) == ROWS
    for stt, _name, year, national_id, *_middle, amount, _date, _sign in rows:
        assert stt.data_type == "n" and stt.number_format == "General"
        assert year.data_type == "n" and year.number_format == "General"  # 1960, not 1.960
        assert national_id.data_type == "s"  # its leading zeros kept
        assert isinstance(amount.value, int) and amount.number_format == "#,##0"
    [total] = [r for r in ws.iter_rows() if r[1].value == "Tổng cộng: 1.263 người"]
    assert isinstance(total[7].value, int) and total[7].number_format == "#,##0"


def test_reconciliation_xlsx_counts_and_amounts_are_formatted_numbers(
    files: dict[str, bytes],
) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(files["reconciliation.xlsx"]))
    for ws in wb.worksheets:
        [total] = [r for r in ws.iter_rows() if r[1].value == "Tổng cộng"]
        figures = total[2:]
        assert figures[0].value == ROWS
        for cell in figures:  # planned, delivered, returned, pending: count, amount
            assert isinstance(cell.value, int) and cell.number_format == "#,##0", cell.coordinate


def test_dashboard_sheets_format_counts_as_well_as_amounts() -> None:
    table = Table(
        key="communes", title="Theo xã", headers=["Xã", "Số hồ sơ", "Số tiền"],
        rows=[["Phù Lỗ", 1263, 17_120_000_000], ["Minh Trí", 7, 5_000_000]], money={2},
    )  # fmt: skip
    ws = openpyxl.load_workbook(io.BytesIO(dashboard_workbook([table]))).active
    body = [r for r in ws.iter_rows() if r[0].value in ("Phù Lỗ", "Minh Trí")]
    assert [(r[1].value, r[1].number_format) for r in body] == [(1263, "#,##0"), (7, "#,##0")]
    assert [r[2].number_format for r in body] == ["#,##0", "#,##0"]
