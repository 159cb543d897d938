"""The shared table finder reads merged cells when its caller asks (the gift
import does): a section title across the table is a layout row, a cell
merged down several rows is read on each of them, and the table's hidden
rows are listed. Without `merged`, merged ranges change nothing."""

from __future__ import annotations

from cases.uploads.spreadsheet import Sheet
from cases.uploads.table import Table, find_table, title_key

TITLES = {
    title_key(t): k for k, t in [("name", "Họ và tên"), ("id", "Số CCCD"), ("addr", "Địa chỉ")]
}


def _find(sheet: Sheet, **options: bool) -> Table:
    return find_table(
        sheet,
        titles=TITLES,
        complete=lambda found: {"name", "id"} <= found,
        keys=("id",),
        on_missing=lambda row, keys: ValueError((row, keys)),
        **options,
    )


SHEET = Sheet(
    rows=[
        (1, ("DANH SÁCH", None, None)),
        (3, ("Họ và tên", "Số CCCD", "Địa chỉ")),
        (4, ("I. Thôn Đông", None, None)),  # merged A4:C4: a section title
        (5, ("Nguyễn Văn An", "001090000001", "Số 1 Thôn Đông")),  # C5:C6 merged
        (6, ("Nguyễn Thị Bình", "001090000002", None)),
        (7, ("Trần Văn Cường", "001090000003", "Thôn Tây")),
    ],
    merged=[(4, 1, 4, 3), (5, 3, 6, 3)],
    hidden_rows=frozenset({7}),
)


def test_a_section_title_is_layout_and_a_cell_merged_down_reads_on_each_row():
    table = _find(SHEET, merged=True)
    assert table.header_row == 3
    assert table.layout_rows == [4]
    assert [(n, c["addr"]) for n, c in table.rows] == [
        (5, "Số 1 Thôn Đông"),
        (6, "Số 1 Thôn Đông"),
        (7, "Thôn Tây"),
    ]


def test_hidden_rows_of_the_table_are_listed():
    assert _find(SHEET, merged=True).hidden == [7]
    assert _find(SHEET).hidden == [7]


def test_without_merged_the_merged_ranges_change_nothing():
    table = _find(SHEET)
    # The section title names nobody (no national ID) but is not blank: a row.
    assert [(n, c["addr"]) for n, c in table.rows] == [
        (4, None),
        (5, "Số 1 Thôn Đông"),
        (6, None),
        (7, "Thôn Tây"),
    ]
    assert table.layout_rows == []
