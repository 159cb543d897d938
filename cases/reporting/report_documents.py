"""The six-month report as files: the .docx in the official layout (NĐ 30/2020,
blocks of `cases.official.docx`) with the body of `cases.reporting.report_text`, and the
.xlsx annex with one sheet per underlying table (`cases.official.xlsx`).

`report_export` is the service the views and the API call: it checks who may
draft or read, computes the figures, builds the file and writes the
"report_download" audit event in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from cases.allowances.models import Regime
from cases.gifts.documents import DOCX, OFFICE, XLSX, ExportedFile
from cases.housing.models import HousingKind, HousingProgram
from cases.models import AdministrativeUnit
from cases.official import docx as od
from cases.official import xlsx as ox
from cases.reporting.report import (
    KIND_LABEL_VI,
    PROGRAM_LABEL_VI,
    SOURCE_LABEL_VI,
    ReportData,
    default_issued_on,
    require_report_access,
    six_month_report,
)
from cases.reporting.report_text import Block, body, default_texts, summary_vi
from cases.reporting.units import Grouping, Line, grouping_vi
from workflows import audit
from workflows.actors import User
from workflows.exceptions import NotFound
from workflows.permissions import Role, scope_for

FORMATS = {"docx": DOCX, "xlsx": XLSX}
DEFAULT_RECIPIENTS = [
    "- Sở LĐ-TBXH;",
    "- UBND huyện;",
    "- Các xã, thị trấn;",
    "- Lưu: VT, LĐTBXH.",
]


@dataclass
class ReportOptions:
    """What the office writes around the figures (the form's fields)."""

    number: str = "…/BC-LĐTBXH"
    place: str = ""
    issued_on: dt.date | None = None
    signer_title: str = "TRƯỞNG PHÒNG"
    signer_name: str = ""
    recipients: list[str] = field(default_factory=lambda: list(DEFAULT_RECIPIENTS))
    texts: dict[str, str] = field(default_factory=dict)


def options_with_defaults(
    options: ReportOptions, district: AdministrativeUnit, start: dt.date, end: dt.date
) -> ReportOptions:
    texts = {**default_texts(start, end), **{k: v for k, v in options.texts.items() if v}}
    recipients = [r.strip() for r in options.recipients if r.strip()] or DEFAULT_RECIPIENTS
    if not recipients[-1].lstrip("- ").startswith("Lưu"):
        recipients = [*recipients, "- Lưu: VT, LĐTBXH."]
    return ReportOptions(
        number=options.number.strip() or "…/BC-LĐTBXH",
        place=options.place.strip() or district.name,
        issued_on=options.issued_on or default_issued_on(end, timezone.localdate()),
        signer_title=options.signer_title.strip() or "TRƯỞNG PHÒNG",
        signer_name=options.signer_name.strip(),
        recipients=recipients,
        texts=texts,
    )


# --- .docx -----------------------------------------------------------------------------

INDENT_MM = 12.7


def report_docx(data: ReportData, district: AdministrativeUnit, options: ReportOptions) -> bytes:
    assert options.issued_on is not None
    doc = od.new_document()
    od.official_header(
        doc,
        parent_body=od.unit_body_name(district),
        issuing_body=od.issuing_body_lines(OFFICE),
        number=f"Số: {options.number}",
        place_date=od.date_line(options.place, options.issued_on),
    )
    od.document_title(doc, "BÁO CÁO", summary_vi(data.start, data.end))
    for block in body(data, options.texts):
        _write_block(doc, block)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the closing with the signer
    od.paragraph(doc, "", keep_with_next=True)
    od.two_columns(
        doc,
        od.recipients_block(options.recipients),
        od.signature_block(
            [line for line in options.signer_title.splitlines() if line.strip()],
            name=options.signer_name,
        ),
        left_share=0.45,
    )
    return od.to_bytes(doc)


def _write_block(doc: Any, block: Block) -> None:
    if block.kind in ("h1", "h2"):
        od.paragraph(doc, block.text, bold=True, space_before=6, first_line_indent_mm=INDENT_MM)
    elif block.kind == "h3":
        od.paragraph(
            doc, block.text, bold=True, italic=True, space_before=6, first_line_indent_mm=INDENT_MM
        )
    else:
        od.paragraph(doc, block.text, space_before=3, first_line_indent_mm=INDENT_MM)


# --- .xlsx annex ----------------------------------------------------------------------------

C = od.Column


def report_xlsx(data: ReportData, district: AdministrativeUnit, place_date: str) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    left = [od.unit_body_name(district), OFFICE]
    title = f"PHỤ LỤC SỐ LIỆU BÁO CÁO ({data.start:%d/%m/%Y} - {data.end:%d/%m/%Y})"

    def sheet(name: str, heading: str, columns: list[od.Column], rows: list[list[Any]],
              money: set[int], total: list[Any] | None = None) -> None:  # fmt: skip
        ws = wb.create_sheet(name)
        start = ox.header(ws, left=left, place_date=place_date, title=[title, heading],
                          ncols=len(columns))  # fmt: skip
        end = ox.data_table(ws, start, columns, rows, money_columns=money, total=total)
        _count_format(ws, start, end)
        ox.print_setup(ws)

    sheet(
        "Tổng hợp",
        "Các số liệu của báo cáo",
        [C("Mục", 20), C("Chỉ tiêu", 110), C("Số lượng", 30, od.RIGHT),
         C("Số tiền (đồng)", 40, od.RIGHT)],
        summary_rows(data),
        {4},
    )  # fmt: skip
    gift_rows = gifts_by_source_rows(data)
    total = data.gifts_total
    sheet(
        "Quà theo nguồn",
        "Quà đã trao theo đợt và nguồn kinh phí",
        [C("STT", 12, od.CENTER), C("Đợt tặng quà", 60), C("Loại", 30), C("Nguồn", 35),
         C("Số suất", 25, od.RIGHT), C("Số tiền (đồng)", 40, od.RIGHT)],
        gift_rows, {6}, ["", "Tổng cộng các đợt", "", "", total.gifts, total.amount],
    )  # fmt: skip
    levels = [[f.name, "Tổng số", f.total.gifts, f.total.amount] for f in data.campaigns]
    for f in data.campaigns:
        levels += [
            [f.name, "Các xã, thị trấn tặng", f.commune_level.gifts, f.commune_level.amount],
            [f.name, "  trong đó xã hội hoá", f.commune_private.gifts, f.commune_private.amount],
            [f.name, "Quà cho trẻ em có hoàn cảnh đặc biệt khó khăn", f.children.gifts,
             f.children.amount],
        ]  # fmt: skip
    for f in data.children_campaigns:
        levels += [
            [f.name, f"Quà cho trẻ em ({d})", t.gifts, t.amount] for d, t in f.by_donor.items()
        ]
    sheet(
        "Quà theo cấp",
        "Quà theo cấp tặng, xã hội hoá và quà cho trẻ em",
        [C("Đợt tặng quà", 60), C("Chỉ tiêu", 80), C("Số suất", 25, od.RIGHT),
         C("Số tiền (đồng)", 40, od.RIGHT)],
        levels, {4},
    )  # fmt: skip
    housing = []
    for program in HousingProgram.values:
        fig = data.program(program)
        for kind in HousingKind.values:
            t = fig.kind(kind)
            housing.append([PROGRAM_LABEL_VI[program], KIND_LABEL_VI[kind], t.gifts, t.amount])
    sheet(
        "Hỗ trợ nhà ở",
        "Hỗ trợ nhà ở được phê duyệt trong kỳ, theo chương trình và loại hỗ trợ",
        [C("Chương trình", 50), C("Loại hỗ trợ", 35), C("Số hộ", 25, od.RIGHT),
         C("Số tiền (đồng)", 40, od.RIGHT)],
        housing, {4},
        ["Tổng cộng", "", sum(r[2] for r in housing), sum(r[3] for r in housing)],
    )  # fmt: skip
    o = data.onestop
    # Across a reorganisation the per-commune sheets say which units their
    # lines follow, and each line what it stands for (a last column).
    by, note = (f", tổng hợp {grouping_vi(data.grouping, data.end)}", [C("Ghi chú", 70)]) \
        if data.reorganized else ("", [])  # fmt: skip
    lines = data.commune_lines

    def noted(cells: list[Any], line: Line | None) -> list[Any]:
        """The cells, and the line's note when the sheet has the column (none on a total)."""
        if not note:
            return cells
        return [*cells, line.note_vi() if line else ""]

    sheet(
        "Một cửa",
        f"Hồ sơ trả kết quả trong kỳ qua bộ phận một cửa, theo xã{by}",
        [C("Mã", 20), C("Xã, thị trấn", 50), C("Đã trả kết quả", 30, od.RIGHT),
         C("Đúng hạn", 25, od.RIGHT), C("Trễ hạn", 25, od.RIGHT), *note],
        [noted([c.code, c.name, c.onestop.resolved, c.onestop.on_time, c.onestop.late], line)
         for c, line in lines if c.onestop.resolved],
        set(), noted(["", "Tổng cộng", o.resolved, o.on_time, o.late], None),
    )  # fmt: skip
    sheet(
        "Theo xã",
        f"Quà đã trao và hỗ trợ nhà ở được phê duyệt, theo xã{by}",
        [C("Mã", 20), C("Xã, thị trấn", 50), C("Số suất quà", 25, od.RIGHT),
         C("Tiền quà (đồng)", 40, od.RIGHT), C("Số hộ được hỗ trợ nhà", 30, od.RIGHT),
         C("Tiền hỗ trợ nhà (đồng)", 40, od.RIGHT), *note],
        [noted([c.code, c.name, c.gifts.gifts, c.gifts.amount, c.housing.gifts,
                c.housing.amount], line)
         for c, line in lines],
        {4, 6},
        noted(["", "Tổng cộng", sum(c.gifts.gifts for c in data.communes),
               sum(c.gifts.amount for c in data.communes),
               sum(c.housing.gifts for c in data.communes),
               sum(c.housing.amount for c in data.communes)], None),
    )  # fmt: skip
    return ox.to_bytes(wb)


COUNT_FORMAT = "#,##0"


def _count_format(ws: Any, first: int, last: int) -> None:
    """Counts stay numbers, shown with thousands separators (26.553 in a
    Vietnamese spreadsheet); amounts already carry the money format."""
    for row in ws.iter_rows(min_row=first, max_row=last):
        for cell in row:
            if (
                isinstance(cell.value, int)
                and not isinstance(cell.value, bool)
                and cell.number_format == "General"
            ):
                cell.number_format = COUNT_FORMAT


def gifts_by_source_rows(data: ReportData) -> list[list[Any]]:
    """Each campaign's rows by funding source, then the campaign's own total
    ("Cộng đợt …"), so the Tết gifts and the Quỹ BTTE gifts are never summed
    without a label; the sheet's last row is the total of every campaign."""
    rows: list[list[Any]] = []
    i = 0
    for f in [*data.campaigns, *data.children_campaigns]:
        kind = "Trẻ em" if f.children_only else "Dịp lễ, Tết"
        for source, t in f.sources():
            i += 1
            rows.append([i, f.name, kind, SOURCE_LABEL_VI.get(source, source), t.gifts, t.amount])
        rows.append(["", f"Cộng đợt: {f.name}", kind, "", f.total.gifts, f.total.amount])
    return rows


def summary_rows(data: ReportData) -> list[list[Any]]:
    """(section, item, count, amount): every figure the report prints.
    Drug rehab appears only as the two district totals."""
    rows: list[list[Any]] = []
    for f in data.campaigns:
        rows += [
            ["2.1", f"Tổng số quà {f.name}", f.total.gifts, f.total.amount],
            ["2.1", "Các xã, thị trấn tặng quà", f.commune_level.gifts, f.commune_level.amount],
            ["2.1", "  trong đó xã hội hoá", f.commune_private.gifts, f.commune_private.amount],
            ["2.1", "Quà cho trẻ em có hoàn cảnh đặc biệt khó khăn", f.children.gifts,
             f.children.amount],
        ]  # fmt: skip
    paid, a = data.allowances.paid, data.allowances
    merit = data.program(HousingProgram.MERIT)
    rows += [
        ["2.2", "Chi trả trợ cấp người có công (người, đồng)", paid.regime(Regime.MERIT).people,
         paid.regime(Regime.MERIT).amount],
        ["2.2", "Chi trả trợ cấp bảo trợ xã hội (người, đồng)",
         paid.regime(Regime.SOCIAL).people, paid.regime(Regime.SOCIAL).amount],
        ["2.2", "Tổng kinh phí chi trả trợ cấp", None, paid.total_amount],
        ["2.2", "Người có công đi điều dưỡng", a.recuperation_sent, None],
        ["2.2", f"  chỉ tiêu điều dưỡng năm {data.start.year}", a.recuperation_quota, None],
        ["2.2", "Hỗ trợ nhà ở người có công", merit.households, merit.amount],
        ["2.2", "  xây mới", merit.kind(HousingKind.NEW_BUILD).gifts,
         merit.kind(HousingKind.NEW_BUILD).amount],
        ["2.2", "  sửa chữa", merit.kind(HousingKind.REPAIR).gifts,
         merit.kind(HousingKind.REPAIR).amount],
    ]  # fmt: skip
    for f in data.children_campaigns:
        rows.append(["2.3", f"Quà cho trẻ em ({f.name})", f.total.gifts, f.total.amount])
    poor = data.poor_housing
    rows += [
        ["2.4", "Chuyển hồ sơ cai nghiện bắt buộc sang Tòa án", data.rehab_compulsory, None],
        ["2.4", "Cai nghiện tự nguyện được chấp thuận", data.rehab_voluntary, None],
        ["3", "Hỗ trợ nhà ở hộ nghèo, cận nghèo", poor.households, poor.amount],
        ["3", "  xây mới", poor.kind(HousingKind.NEW_BUILD).gifts,
         poor.kind(HousingKind.NEW_BUILD).amount],
        ["3", "  sửa chữa", poor.kind(HousingKind.REPAIR).gifts,
         poor.kind(HousingKind.REPAIR).amount],
        ["4", "Hồ sơ một cửa đã trả kết quả", data.onestop.resolved, None],
        ["4", "  đúng hạn", data.onestop.on_time, None],
        ["4", "  trễ hạn", data.onestop.late, None],
    ]  # fmt: skip
    return rows


# --- the service --------------------------------------------------------------------------


def report_export(
    *,
    actor: User,
    district: AdministrativeUnit,
    start: dt.date,
    end: dt.date,
    fmt: str,
    options: ReportOptions | None = None,
    grouping: str = Grouping.CURRENT,
) -> ExportedFile:
    """The report (.docx: office head and specialists) or its annex (.xlsx:
    auditors too) for `district` and the period, the per-commune lines by
    `grouping`; writes a "report_download" audit event. Raises NotFound for
    an unknown format."""
    if fmt not in FORMATS:
        raise NotFound()
    require_report_access(actor, draft=fmt == "docx")
    options = options_with_defaults(options or ReportOptions(), district, start, end)
    data = six_month_report(actor, district=district, start=start, end=end, grouping=grouping)
    assert options.issued_on is not None
    if fmt == "docx":
        content = report_docx(data, district, options)
    else:
        content = report_xlsx(data, district, od.date_line(options.place, options.issued_on))
    with transaction.atomic():
        audit.record(
            actor=actor,
            actor_role=_role(actor),
            object_type="cases.report",
            object_id=f"six-month:{district.code}:{start.isoformat()}:{end.isoformat()}",
            event="report_download",
            data={
                "document": f"six_month_report.{fmt}",
                "district": district.code,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "grouping": data.grouping,
                "number": options.number,
            },
        )
    name = f"bao-cao-6-thang-{district.code}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    return ExportedFile(name, FORMATS[fmt], content)


def _role(actor: User) -> str:
    roles = scope_for(actor).district_roles
    for role in (Role.OFFICE_HEAD, Role.DISTRICT_SPECIALIST, Role.AUDITOR):
        if role in roles:
            return role
    return ""
