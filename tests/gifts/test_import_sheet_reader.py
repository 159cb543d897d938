"""What the bounded sheet reader (cases/uploads: sheet_child.py in a child
process) now tells the import besides the cells: the merged ranges and the
hidden rows of the first sheet; and the same child marking refused rows in a
copy of the file, behind the same checks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from cases.uploads.sheet_child import HiddenRows
from cases.uploads.spreadsheet import Sheet, _first_sheet_part, mark_rows, read_sheet
from tests.fixtures.imports import make_fixtures
from tests.security.hostile import billion_laughs, sheet_xml, workbook_parts, xlsx_of
from workflows.exceptions import InvalidData

FIXTURES = Path(make_fixtures.__file__).parent


def read(content: bytes) -> Sheet:
    return read_sheet(content, type_message="not xlsx")


def test_merged_ranges_of_the_first_sheet_reach_the_import():
    sheet = read((FIXTURES / "title_rows.xlsx").read_bytes())
    assert {(1, 1, 1, 10), (2, 1, 2, 10), (6, 1, 6, 10), (7, 6, 8, 6), (9, 1, 9, 10)} == set(
        sheet.merged
    )
    assert sheet.hidden_rows == frozenset()


def test_hidden_rows_of_the_first_sheet_reach_the_import():
    sheet = read((FIXTURES / "hidden_rows.xlsx").read_bytes())
    assert sheet.hidden_rows == frozenset({3, 5})
    assert [n for n, _values in sheet.rows] == [1, 2, 3, 4, 5]  # the cells are all read


def test_rows_hidden_as_true_by_zero_height_or_without_a_number_are_found():
    body = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        '<row hidden="true"><c r="A2" t="inlineStr"><is><t>b</t></is></c></row>'  # row 2
        '<row r="4" ht="0" customHeight="1"><c r="A4" t="inlineStr"><is><t>c</t></is></c></row>'
        '<row r="5" ht="15" hidden="0"><c r="A5" t="inlineStr"><is><t>d</t></is></c></row>'
    )
    sheet = read(xlsx_of(workbook_parts(sheet_xml([], body=body))))
    assert sheet.hidden_rows == frozenset({2, 4})


def test_a_row_tag_cut_between_two_chunks_is_read_once():
    xml = b'<sheetData><row r="7" spans="1:3" hidden="1"><c r="A7"/></row><row r="8"/>'
    for cut in range(1, len(xml)):
        rows = HiddenRows(max_rows=100)
        rows.feed(xml[:cut])
        rows.feed(xml[cut:])
        assert rows.found == [7], cut


def test_hidden_rows_of_another_sheet_are_not_reported():
    wb = Workbook()
    wb.active.append(["first sheet"])
    other = wb.create_sheet("Khác")
    other.append(["x"])
    other.append(["y"])
    other.row_dimensions[2].hidden = True
    out = io.BytesIO()
    wb.save(out)
    assert read(out.getvalue()).hidden_rows == frozenset()


@pytest.mark.parametrize(
    "target,part",
    [
        ("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("/xl/worksheets/sheet2.xml", "xl/worksheets/sheet2.xml"),
        ("../xl/worksheets/sheet3.xml", "xl/worksheets/sheet3.xml"),
    ],
)
def test_the_first_sheets_part_is_found_from_the_workbook_relationships(target, part):
    sheets = [("sheet", {"name": "A", "id": "rId7"}), ("sheet", {"name": "B", "id": "rId1"})]
    rels = [
        ("Relationship", {"Id": "rId1", "Target": "x.xml"}),
        ("Relationship", {"Id": "rId7", "Target": target}),
    ]
    assert _first_sheet_part(sheets, rels) == part


def test_marking_refuses_a_hostile_file_as_the_reader_does():
    bomb = xlsx_of(workbook_parts(sheet_xml([["a"]], prolog=billion_laughs("worksheet"))))
    with pytest.raises(InvalidData) as exc:
        mark_rows(bomb, header_row=1, title="Lỗi", rows={1: "x"}, cells={}, type_message="not xlsx")
    assert exc.value.code == "file_unsafe"
