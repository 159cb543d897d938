"""Rows by person name and by commune name in the documents follow Vietnamese
alphabetical order (D before Đ before E; "Tạ" before "Trịnh"; "Tân Dân"
before "Trung Giã"): the documents order in the database, by the name
columns' ICU collation (vi-x-icu), never with Python's sorted() on str, which
puts Đ after Z and "Trịnh" before "Tạ"."""

from __future__ import annotations

import io
from typing import Any

import docx
import openpyxl
import pytest

from cases.gifts import documents as gift_documents
from cases.gifts.reconciliation import reconciliation_docx, reconciliation_xlsx
from tests.documents import worlds
from workflows.permissions import Role

pytestmark = pytest.mark.django_db

NAMES = ["Trịnh Văn Em", "Đỗ Văn An", "Tạ Thị Dung", "Em Thị Cúc", "Dương Thị Bình",
         "Đào Văn Hải"]  # fmt: skip
IN_VIETNAMESE_ORDER = ["Dương Thị Bình", "Đào Văn Hải", "Đỗ Văn An", "Em Thị Cúc",
                       "Tạ Thị Dung", "Trịnh Văn Em"]  # fmt: skip
COMMUNES = ["Trung Giã", "Tân Dân", "Đông Xuân", "Bắc Sơn", "Phù Linh", "Đức Hòa"]
COMMUNES_IN_ORDER = ["Bắc Sơn", "Đông Xuân", "Đức Hòa", "Phù Linh", "Tân Dân", "Trung Giã"]


def test_pythons_own_order_is_not_the_vietnamese_one() -> None:
    """Why the order must come from the database's collation."""
    assert sorted(NAMES) != IN_VIETNAMESE_ORDER
    assert sorted(COMMUNES) != COMMUNES_IN_ORDER


@pytest.fixture
def one_package_list(db: Any) -> Any:
    """The six names on one list, all under the same package."""
    return worlds.signature_list(
        len(NAMES), names=lambda i: NAMES[i], plan=worlds.PEOPLE_BY_PACKAGE[:1]
    )


def test_signature_list_docx_rows_are_in_vietnamese_name_order(one_package_list: Any) -> None:
    document = docx.Document(io.BytesIO(gift_documents.signature_list_docx(one_package_list)))
    table = document.tables[1]
    names = [row.cells[1].text for row in table.rows if row.cells[0].text.isdigit()]
    assert names == IN_VIETNAMESE_ORDER


def test_signature_list_xlsx_rows_are_in_vietnamese_name_order(one_package_list: Any) -> None:
    ws = openpyxl.load_workbook(
        io.BytesIO(gift_documents.signature_list_xlsx(one_package_list))
    ).active
    names = [row[1] for row in ws.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert names == IN_VIETNAMESE_ORDER


@pytest.fixture
def lists_in_six_communes(db: Any) -> Any:
    campaign = worlds.tet_campaign()
    for i, name in enumerate(COMMUNES):
        worlds.signature_list(1, unit=worlds.commune(name, f"0050{i}"), campaign=campaign)
    return campaign


def test_the_reconciliation_lists_communes_in_vietnamese_order(lists_in_six_communes: Any) -> None:
    specialist = worlds.grant("order-specialist", Role.DISTRICT_SPECIALIST)
    wb = openpyxl.load_workbook(io.BytesIO(reconciliation_xlsx(specialist, lists_in_six_communes)))
    rows = wb["Theo xã, thị trấn"].iter_rows(values_only=True)
    assert [r[1] for r in rows if isinstance(r[0], int)] == COMMUNES_IN_ORDER
    document = docx.Document(io.BytesIO(reconciliation_docx(specialist, lists_in_six_communes)))
    by_commune = document.tables[2]
    assert [r.cells[1].text for r in by_commune.rows[2:-1]] == COMMUNES_IN_ORDER
