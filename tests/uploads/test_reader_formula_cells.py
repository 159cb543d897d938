"""The bounded sheet reader names the first sheet's cells that hold a
formula (row, column), found in the same pass that checks the package, so
an import can refuse a computed value; rows read as before."""

from __future__ import annotations

import io

from openpyxl import Workbook

from cases.uploads.sheet_child import FormulaCells
from cases.uploads.spreadsheet import Sheet, read_sheet
from tests.security.hostile import sheet_xml, workbook_parts, xlsx_of


def read(content: bytes) -> Sheet:
    return read_sheet(content, type_message="not xlsx")


def test_formula_cells_of_the_first_sheet_are_named_with_their_row_and_column():
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã dòng", "Số tiền"])
    ws.append([1, 1500000])
    ws.append([2, "=B2*2"])
    ws.append(["Tổng", "=SUM(B2:B3)"])
    out = io.BytesIO()
    wb.save(out)
    sheet = read(out.getvalue())
    assert sheet.formulas == frozenset({(3, 2), (4, 2)})
    assert [n for n, _values in sheet.rows] == [1, 2, 3, 4]


def test_a_sheet_without_formulas_has_none_even_with_an_equals_sign_in_its_text():
    body = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a = b</t></is></c></row>'
        '<row r="2"><c r="A2"><v>5</v></c></row>'
    )
    sheet = read(xlsx_of(workbook_parts(sheet_xml([], body=body))))
    assert sheet.formulas == frozenset()
    assert sheet.rows == [(1, ("a = b",)), (2, (5.0,))]


def test_formula_cells_with_a_namespace_prefix_or_cut_between_two_chunks_are_found():
    xml = (
        b'<x:row r="3"><x:c r="A3"><x:v>1</x:v></x:c>'
        b'<x:c r="AB3"><x:f>A3+1</x:f><x:v>2</x:v></x:c></x:row>'
    )
    for cut in range(1, len(xml)):
        cells = FormulaCells(cap=100)
        cells.feed(xml[:cut])
        cells.feed(xml[cut:])
        assert cells.found == {(3, 28)}, cut
