"""Documents of a commune's monthly allowance payroll, in the official layout
(NĐ 30/2020; blocks in `cases.official.docx` / `cases.official.xlsx`, every
cell formula-safe through `cases.exports.tabular`):

- `post_office_list_xlsx`: the list the post office pays from (people paid
  through the post office; the month's amount, arrears, one-off support,
  total, room to sign);
- `bank_transfer_csv`: the bank's transfer file (account, bank, name without
  diacritics, amount, "Tro cap thang mm/yyyy");
- `payroll_list_xlsx`, `payroll_list_docx`: the commune's payroll with the
  signature column, regime headings and subtotals, the total, and the
  preparer's, the accountant's and the head's signatures.

The month's summary, the reconciliation and the entitlement decision are in
`documents_reports`; the audited exports and background jobs in
`documents_exports`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from docx.document import Document as DocumentObject
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from cases.allowances.documents_data import REGIME_TITLE, PayRow, pay_rows
from cases.allowances.models import PaymentMethod, Payroll
from cases.exports.tabular import csv_text, set_cell
from cases.models import AdministrativeUnit
from cases.official import docx as od
from cases.official import xlsx as ox
from cases.official.tables import cell_margins, clear, flag, grid
from workflows.formatting import number
from workflows.text import fold_text

SIGN_ROW_PT = 28  # room to sign


def month_text(month: dt.date) -> str:
    return f"{month.month:02d}/{month.year}"


def commune_bodies(commune: AdministrativeUnit) -> tuple[str, str]:
    parent = commune.parent
    return (od.unit_body_name(parent) if parent else ""), od.unit_body_name(commune)


def total_label(count: int) -> str:
    return f"Tổng cộng: {number(count)} người"


def subtotal_label(count: int) -> str:
    return f"Cộng: {number(count)} người"


# Three signers side by side (the commune's payroll): preparer, accountant, head.
PAYROLL_SIGNERS: list[tuple[list[str], str]] = [
    (["NGƯỜI LẬP BIỂU"], "(Ký, ghi rõ họ tên)"),
    (["KẾ TOÁN"], "(Ký, ghi rõ họ tên)"),
    (["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "(Ký tên, đóng dấu)"),
]


def signers_xlsx(
    ws: Worksheet, row: int, ncols: int, blocks: Sequence[tuple[list[str], str]]
) -> None:
    """Signer blocks side by side, each over an equal share of the columns."""
    width = max(ncols // len(blocks), 1)
    for b, (titles, note) in enumerate(blocks):
        first = 1 + b * width
        last = ncols if b == len(blocks) - 1 else first + width - 1
        for i, text in enumerate([*titles, note]):
            ws.merge_cells(start_row=row + i, start_column=first, end_row=row + i, end_column=last)
            cell = set_cell(ws, row + i, first, text)
            cell.font = Font(name=od.FONT, bold=text != note, italic=text == note, size=12)
            cell.alignment = Alignment(horizontal="center")


def signers_docx(doc: DocumentObject, blocks: Sequence[tuple[list[str], str]]) -> None:
    """Signer blocks side by side in a borderless table kept on one page."""
    width = od.text_width_mm(doc)
    widths = [width / len(blocks)] * len(blocks)
    table = doc.add_table(rows=1, cols=len(blocks))
    table.autofit = False
    grid(table, widths)
    cell_margins(table, 1)
    flag(table.rows[0], "w:cantSplit")
    for cell, w, (titles, note) in zip(table.rows[0].cells, widths, blocks, strict=True):
        cell.width = Mm(w)
        clear(cell)
        for line in od.signature_block(titles, note=note):
            p = cell.add_paragraph()
            p.alignment = od.CENTER
            run = p.add_run(line.text)
            run.bold, run.italic = line.bold, line.italic
            run.font.size = Pt(line.size or od.BODY_SIZE)


def _header_xlsx(ws: Worksheet, payroll: Payroll, title: str, ncols: int, on: dt.date) -> int:
    parent_body, body = commune_bodies(payroll.commune)
    return ox.header(
        ws,
        left=[x for x in (parent_body, body) if x],
        place_date=od.date_line(payroll.commune.name, on),
        title=[title, f"Tháng {month_text(payroll.month)}"],
        ncols=ncols,
    )


def _workbook(sheet_title: str) -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title
    return wb, ws


# --- the post office's payment list ------------------------------------------------------

POST_COLUMNS = [
    od.Column("STT", 12, od.CENTER),
    od.Column("Họ và tên", 40),
    od.Column("Năm sinh", 14, od.CENTER),
    od.Column("Số CCCD", 28, od.CENTER),
    od.Column("Địa chỉ / thôn", 40),
    od.Column("Diện hưởng", 40),
    od.Column("Số tiền tháng", 24, od.RIGHT),
    od.Column("Truy lĩnh", 22, od.RIGHT),
    od.Column("Trợ cấp một lần", 22, od.RIGHT),
    od.Column("Tổng số tiền", 26, od.RIGHT),
    od.Column("Ký nhận", 30),
]
POST_TITLE = "DANH SÁCH CHI TRẢ TRỢ CẤP HẰNG THÁNG QUA BƯU ĐIỆN"


def _money_row(i: int, r: PayRow) -> list[Any]:
    return [i, r.full_name, r.birth_year, r.national_id, r.address, r.category,
            r.month_amount, r.arrears, r.one_off, r.total]  # fmt: skip


def _totals(rows: Sequence[PayRow]) -> tuple[int, int, int, int]:
    return (
        sum(r.month_amount for r in rows),
        sum(r.arrears for r in rows),
        sum(r.one_off for r in rows),
        sum(r.total for r in rows),
    )


def post_office_list_xlsx(payroll: Payroll, *, on: dt.date | None = None) -> bytes:
    """The people the post office pays this month, one row per person and
    entitlement, with room to sign (the caller fetched `payroll` in scope)."""
    rows = pay_rows(payroll, method=PaymentMethod.POST)
    wb, ws = _workbook("Chi trả qua bưu điện")
    ncols = len(POST_COLUMNS)
    start = _header_xlsx(ws, payroll, POST_TITLE, ncols, on or timezone.localdate())
    body = [[*_money_row(i, r), None] for i, r in enumerate(rows, start=1)]
    total = [None, total_label(len(rows)), None, None, None, None, *_totals(rows), None]
    end = ox.data_table(
        ws, start, POST_COLUMNS, body, money_columns={7, 8, 9, 10}, total=total,
        min_row_height=SIGN_ROW_PT,
    )  # fmt: skip
    ox.signers(
        ws,
        end + 2,
        ncols,
        ["ĐẠI DIỆN BƯU ĐIỆN", "(Ký, ghi rõ họ tên)"],
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký tên, đóng dấu)"],
    )
    ox.print_setup(ws)
    return ox.to_bytes(wb)


# --- the bank's transfer file -------------------------------------------------------------

BANK_HEADER = ["Số tài khoản", "Ngân hàng", "Tên người hưởng", "Số tiền", "Nội dung"]


def transfer_name(full_name: str) -> str:
    """The name as banks take it: capitals without diacritics ("NGUYEN VAN AN")."""
    return fold_text(full_name).upper()


def bank_transfer_csv(payroll: Payroll) -> bytes:
    """One transfer per person and entitlement paid by bank: account, bank,
    name, amount in đồng, "Tro cap thang mm/yyyy" (.csv in UTF-8 with BOM,
    every cell formula-safe)."""
    content = f"Tro cap thang {month_text(payroll.month)}"
    rows = [
        [r.bank_account, r.bank_name, transfer_name(r.full_name), r.total, content]
        for r in pay_rows(payroll, method=PaymentMethod.BANK)
        if r.total > 0
    ]
    return csv_text(BANK_HEADER, rows).encode("utf-8")


# --- the commune's payroll with the signature column -----------------------------------------

PAYROLL_COLUMNS = [
    od.Column("STT", 12, od.CENTER),
    od.Column("Họ và tên", 40),
    od.Column("Năm sinh", 14, od.CENTER),
    od.Column("Số CCCD", 28, od.CENTER),
    od.Column("Địa chỉ", 38),
    od.Column("Diện hưởng", 42),
    od.Column("Số tiền tháng", 24, od.RIGHT),
    od.Column("Truy lĩnh", 22, od.RIGHT),
    od.Column("Một lần", 20, od.RIGHT),
    od.Column("Tổng số tiền", 26, od.RIGHT),
    od.Column("Ký nhận", 30),
]
# A4 landscape, 252 mm between the margins, 11 pt.
PAYROLL_DOCX_COLUMNS = [
    od.Column("STT", 10, od.CENTER),
    od.Column("Họ và tên", 38),
    od.Column("Năm sinh", 11, od.CENTER),
    od.Column("Số CCCD", 26, od.CENTER),
    od.Column("Địa chỉ", 33),
    od.Column("Diện hưởng", 35),
    od.Column("Số tiền tháng", 21, od.RIGHT),
    od.Column("Truy lĩnh", 20, od.RIGHT),
    od.Column("Một lần", 18, od.RIGHT),
    od.Column("Tổng số tiền", 21, od.RIGHT),
    od.Column("Ký nhận", 19),
]
PAYROLL_TITLE = "DANH SÁCH CHI TRẢ TRỢ CẤP HẰNG THÁNG"


def _amount_texts(values: Sequence[int]) -> list[str]:
    return [od.amount_text(v) if v else "" for v in values]


def _payroll_docx_rows(rows: Sequence[PayRow]) -> list[od.Row]:
    """Each regime's heading, its rows (numbered on) and its subtotal."""
    out: list[od.Row] = []
    regimes = [reg for reg in REGIME_TITLE if any(r.regime == reg for r in rows)]
    n = 0
    for part, regime in enumerate(regimes, start=1):
        mine = [r for r in rows if r.regime == regime]
        out.append(od.Heading(f"{od.roman(part)}. {REGIME_TITLE[regime]}"))
        for r in mine:
            n += 1
            out.append(
                [str(n), r.full_name, str(r.birth_year), r.national_id, r.address, r.category,
                 *_amount_texts([r.month_amount, r.arrears, r.one_off, r.total]), ""]
            )  # fmt: skip
        out.append(od.Subtotal(["", subtotal_label(len(mine)), "", "", "", "",
                                *_amount_texts(list(_totals(mine))), ""]))  # fmt: skip
    return out


def payroll_list_docx(payroll: Payroll, *, on: dt.date | None = None) -> bytes:
    """The commune's payroll as a Word document in the official layout."""
    rows = pay_rows(payroll)
    parent_body, body = commune_bodies(payroll.commune)
    doc = od.new_document(landscape=True)
    od.official_header(
        doc,
        parent_body=parent_body,
        issuing_body=body,
        place_date=od.date_line(payroll.commune.name, on or timezone.localdate()),
    )
    od.document_title(doc, PAYROLL_TITLE, f"Tháng {month_text(payroll.month)}")
    total = ["", total_label(len(rows)), "", "", "", "", *_amount_texts(list(_totals(rows))), ""]
    od.data_table(
        doc,
        PAYROLL_DOCX_COLUMNS,
        _payroll_docx_rows(rows),
        total=total,
        size=11,
        min_row_height_mm=SIGN_ROW_PT / 2.83,
    )
    od.paragraph(
        doc,
        f"Số tiền bằng số: {od.amount_text(_totals(rows)[3])} đồng.",
        italic=True,
        size=12,
        space_before=6,
        keep_with_next=True,
    )
    od.paragraph(doc, "", keep_with_next=True)
    signers_docx(doc, PAYROLL_SIGNERS)
    return od.to_bytes(doc)


def payroll_list_xlsx(payroll: Payroll, *, on: dt.date | None = None) -> bytes:
    """The commune's payroll as a spreadsheet: the same rows, a regime column."""
    rows = pay_rows(payroll)
    wb, ws = _workbook("Danh sách chi trả")
    ncols = len(PAYROLL_COLUMNS)
    start = _header_xlsx(ws, payroll, PAYROLL_TITLE, ncols, on or timezone.localdate())
    body = [[*_money_row(i, r), None] for i, r in enumerate(rows, start=1)]
    total = [None, total_label(len(rows)), None, None, None, None, *_totals(rows), None]
    end = ox.data_table(
        ws, start, PAYROLL_COLUMNS, body, money_columns={7, 8, 9, 10}, total=total,
        min_row_height=SIGN_ROW_PT,
    )  # fmt: skip
    row = end + 1
    for regime, title in REGIME_TITLE.items():
        mine = [r for r in rows if r.regime == regime]
        if mine:
            text = f"{title}: {number(len(mine))} người, {od.amount_text(_totals(mine)[3])} đồng"
            set_cell(ws, row, 2, text).font = Font(name=od.FONT, italic=True, size=11)
            row += 1
    signers_xlsx(ws, row + 1, ncols, PAYROLL_SIGNERS)
    ox.print_setup(ws)
    return ox.to_bytes(wb)
