"""The .xlsx template a commune fills in to import its gift list: the sheet to
fill and a sheet listing the campaign's packages and the categories (their
names formula-safe, `cases.exports.tabular`)."""

from __future__ import annotations

import io

from django.utils import translation

from cases.exports.tabular import safe_value
from cases.gifts.import_rows import COLUMNS, TEMPLATE_ROWS
from cases.gifts.models import (
    Campaign,
)
from cases.gifts.selectors import campaign_packages
from cases.models import AdministrativeUnit, Category, MeritSubtype

# --- the template ---------------------------------------------------------------


def gift_import_template(campaign: Campaign, commune: AdministrativeUnit) -> bytes:
    """The .xlsx to fill in: the list sheet (frozen header, national IDs and
    dates of birth as text, drop-downs for sex and package) and a reference
    sheet with the packages open to the commune and the category codes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    packages = campaign_packages(campaign, commune)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách"
    ws.append([title for _k, title, _w in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, (key, _title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = width
        # Text, so that Excel keeps the leading zeros of a national ID and
        # leaves a typed 05/03/1951 (or a year alone) as written, instead of
        # reading it by the computer's date settings.
        fmt = {"national_id": "@", "date_of_birth": "@", "amount": "#,##0"}.get(key)
        if fmt:
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=i).number_format = fmt
    ws.freeze_panes = "A2"
    col = {key: get_column_letter(i) for i, (key, _t, _w) in enumerate(COLUMNS, start=1)}
    sex = DataValidation(type="list", formula1='"Nam,Nữ"', allow_blank=True)
    sex.add(f"{col['sex']}2:{col['sex']}{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(sex)

    ref = wb.create_sheet("Gói quà và diện")
    ref.append([safe_value(f"{campaign.name} – {commune}")])
    ref.cell(row=1, column=1).font = Font(bold=True, size=12)
    ref.append([])
    ref.append(["Mã gói quà", "Tên gói quà", "Nguồn", "Số tiền (đồng)", "Diện được nhận"])
    header_row = ref.max_row
    with translation.override("vi"):
        for p in packages:
            cats = ", ".join(
                [str(Category(c).label) for c in p.categories]
                + [str(MeritSubtype(s).label) for s in p.merit_subtypes]
            )
            source = str(p.get_source_display()) + (f" ({p.donor})" if p.donor else "")
            ref.append(
                [safe_value(v) for v in (p.code, p.name, source, p.amount, cats or "Mọi người")]
            )
            ref.cell(row=ref.max_row, column=4).number_format = "#,##0"
        first_pkg, last_pkg = header_row + 1, ref.max_row
        ref.append([])
        ref.append(
            ["Mã diện đối tượng", "Tên diện (ghi mã hoặc tên, nhiều diện cách nhau dấu phẩy)"]
        )
        for c in Category:
            ref.append([c.value, str(c.label)])
        for s in MeritSubtype:
            if s.value:
                ref.append([s.value, f"{Category.MERIT.label}: {s.label}"])
    for row in (header_row, first_pkg - 1):
        for cell in ref[row]:
            cell.font = bold
    for letter, width in zip("ABCDE", (24, 40, 28, 16, 50), strict=True):
        ref.column_dimensions[letter].width = width
    if packages:
        codes = DataValidation(
            type="list", formula1=f"='Gói quà và diện'!$A${first_pkg}:$A${last_pkg}"
        )
        codes.add(f"{col['package']}2:{col['package']}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(codes)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
