"""The allowances' other official documents: the month's summary by regime
and category over the communes a user sees (.xlsx), a payroll's
reconciliation by line kind and state (.xlsx), and the entitlement decision
(Quyết định về việc trợ cấp hằng tháng, .docx)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.allowances.documents import (
    commune_bodies,
    month_text,
    signers_xlsx,
)
from cases.allowances.documents_data import (
    KIND_TITLE,
    RECONCILED_STATES,
    REGIME_TITLE,
    STATE_TITLE,
    reconciliation,
    regime_people,
    summary_by_commune,
    summary_rows,
)
from cases.allowances.models import (
    AllowanceCase,
    AllowanceStandard,
    CategoryRate,
    LineKind,
    PaymentMethod,
    Payroll,
    Regime,
)
from cases.allowances.rates import monthly_amount, province_of
from cases.exports.tabular import set_cell
from cases.official import docx as od
from cases.official import xlsx as ox
from workflows.actors import Reader
from workflows.formatting import number, vn_date

OFFICE = "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"


# --- the month's summary ------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    od.Column("STT", 12, od.CENTER),
    od.Column("Chế độ / diện hưởng", 90),
    od.Column("Số người", 20, od.RIGHT),
    od.Column("Trợ cấp tháng", 30, od.RIGHT),
    od.Column("Truy lĩnh", 28, od.RIGHT),
    od.Column("Trợ cấp một lần", 28, od.RIGHT),
    od.Column("Tổng số tiền", 32, od.RIGHT),
]
SUMMARY_TITLE = "TỔNG HỢP KINH PHÍ CHI TRẢ TRỢ CẤP HẰNG THÁNG"


def _sum(rows: list[Any], attr: str) -> int:
    return sum(getattr(r, attr) for r in rows)


def monthly_summary_xlsx(user: Reader, month: dt.date, *, on: dt.date | None = None) -> bytes:
    """One month, every commune `user` sees: by regime and category (people
    and amounts, a subtotal per regime, the total), and a second sheet by
    commune and regime. Lines carried or returned are not counted."""
    rows = summary_rows(user, month)
    people = regime_people(user, month)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Theo chế độ"
    ncols = len(SUMMARY_COLUMNS)
    start = ox.header(
        ws,
        left=[OFFICE],
        place_date=od.date_line("", on or timezone.localdate()).lstrip(", ").capitalize(),
        title=[SUMMARY_TITLE, f"Tháng {month_text(month)}"],
        ncols=ncols,
    )
    body: list[list[Any]] = []
    for part, (regime, title) in enumerate(REGIME_TITLE.items(), start=1):
        mine = [r for r in rows if r.regime == regime]
        amounts = [_sum(mine, k) for k in ("month_amount", "arrears", "one_off", "total")]
        body.append([od.roman(part), title, people.get(regime, 0), *amounts])
        for i, c in enumerate(mine, start=1):
            body.append([i, c.category, c.people, c.month_amount, c.arrears, c.one_off, c.total])
    total = [None, "Tổng cộng", sum(people.values()), _sum(rows, "month_amount"),
             _sum(rows, "arrears"), _sum(rows, "one_off"), _sum(rows, "total")]  # fmt: skip
    end = ox.data_table(ws, start, SUMMARY_COLUMNS, body, money_columns={3, 4, 5, 6, 7},
                        total=total)  # fmt: skip
    for n in range(start + 1, end):
        if isinstance(ws.cell(row=n, column=1).value, str):  # a regime's row
            for j in range(1, ncols + 1):
                ws.cell(row=n, column=j).font = Font(name=od.FONT, bold=True, size=11)
    signers_xlsx(ws, end + 2, ncols, [(["NGƯỜI LẬP BIỂU"], "(Ký, ghi rõ họ tên)"),
                                      (["TRƯỞNG PHÒNG"], "(Ký, ghi rõ họ tên)")])  # fmt: skip
    ox.print_setup(ws)
    _by_commune_sheet(wb, user, month)
    return ox.to_bytes(wb)


COMMUNE_COLUMNS = [
    od.Column("STT", 12, od.CENTER),
    od.Column("Xã, thị trấn", 50),
    od.Column("Chế độ", 50),
    od.Column("Số người", 20, od.RIGHT),
    od.Column("Trợ cấp tháng", 30, od.RIGHT),
    od.Column("Truy lĩnh", 28, od.RIGHT),
    od.Column("Trợ cấp một lần", 28, od.RIGHT),
    od.Column("Tổng số tiền", 32, od.RIGHT),
]


def _by_commune_sheet(wb: Workbook, user: Reader, month: dt.date) -> None:
    ws = wb.create_sheet("Theo xã")
    rows = summary_by_commune(user, month)
    body = [
        [i, r["commune__name"], REGIME_TITLE.get(r["regime"], r["regime"]), r["people"],
         r["month_amount"], r["arrears"], r["one_off"], r["total"]]
        for i, r in enumerate(rows, start=1)
    ]  # fmt: skip
    total = [None, "Tổng cộng", None, None, sum(r["month_amount"] for r in rows),
             sum(r["arrears"] for r in rows), sum(r["one_off"] for r in rows),
             sum(r["total"] for r in rows)]  # fmt: skip
    ox.data_table(ws, 1, COMMUNE_COLUMNS, body, money_columns={4, 5, 6, 7, 8}, total=total)
    ox.print_setup(ws)


# --- a payroll's reconciliation -------------------------------------------------------------------

RECONCILIATION_COLUMNS = [od.Column("Loại dòng", 44)] + [
    od.Column(STATE_TITLE[s], 26, od.RIGHT) for s in RECONCILED_STATES for _x in (0, 1)
]
RECONCILIATION_TITLE = "BẢNG ĐỐI CHIẾU KẾT QUẢ CHI TRẢ TRỢ CẤP"


def payroll_reconciliation_xlsx(payroll: Payroll, *, on: dt.date | None = None) -> bytes:
    """Lines and amounts by kind (the month's allowance, arrears, one-off)
    and by state: listed, approved, sent, paid, unpaid, carried, returned;
    and what was paid against what was listed."""
    facts = reconciliation(payroll)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Đối chiếu"
    ncols = len(RECONCILIATION_COLUMNS)
    parent_body, body_name = commune_bodies(payroll.commune)
    start = ox.header(
        ws,
        left=[x for x in (parent_body, body_name) if x],
        place_date=od.date_line(payroll.commune.name, on or timezone.localdate()),
        title=[RECONCILIATION_TITLE, f"Tháng {month_text(payroll.month)}"],
        ncols=ncols,
    )
    groups = [("Loại dòng", 1)] + [(STATE_TITLE[s], 2) for s in RECONCILED_STATES]
    columns = [RECONCILIATION_COLUMNS[0]] + [
        od.Column(label, 22, od.RIGHT)
        for _s in RECONCILED_STATES
        for label in ("Số dòng", "Số tiền")
    ]
    rows: list[list[Any]] = []
    for kind in LineKind:
        row: list[Any] = [KIND_TITLE[kind]]
        for state in RECONCILED_STATES:
            row.extend(facts.get((kind, state), (0, 0)))
        rows.append(row)
    total: list[Any] = ["Tổng cộng"]
    for j in range(1, ncols):
        total.append(sum(r[j] for r in rows))
    end = ox.data_table(ws, start, columns, rows, money_columns=set(range(2, ncols + 1)),
                        total=total, groups=groups)  # fmt: skip
    listed = sum(n for (_k, s), (n, _a) in facts.items())
    listed_amount = sum(a for (_k, s), (_n, a) in facts.items())
    paid = [v for (k, s), v in facts.items() if s == "paid"]
    summary = (
        f"Tổng số dòng: {number(listed)} ({od.amount_text(listed_amount)} đồng); đã chi: "
        f"{number(sum(n for n, _a in paid))} dòng ({od.amount_text(sum(a for _n, a in paid))} "
        "đồng)."
    )
    set_cell(ws, end + 1, 1, summary).font = Font(name=od.FONT, italic=True, size=11)
    signers_xlsx(ws, end + 3, ncols, [(["KẾ TOÁN"], "(Ký, ghi rõ họ tên)"),
                                      (["THỦ TRƯỞNG ĐƠN VỊ"], "(Ký tên, đóng dấu)")])  # fmt: skip
    ox.print_setup(ws)
    return ox.to_bytes(wb)


# --- the entitlement decision -------------------------------------------------------------------

LAW: dict[str, str] = {
    Regime.MERIT: "Căn cứ Pháp lệnh Ưu đãi người có công với cách mạng số 02/2020/UBTVQH14 "
    "ngày 09 tháng 12 năm 2020;",
    Regime.SOCIAL: "Căn cứ Nghị định số 20/2021/NĐ-CP ngày 15 tháng 3 năm 2021 của Chính phủ "
    "quy định chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội;",
}
HONORIFIC = {"M": "Ông", "F": "Bà"}


def _bases(case: AllowanceCase, month: dt.date) -> list[str]:
    """The legal bases of the amount: the category's rate and the standard in
    force in the start month (their `legal_basis`, as the data holds them)."""
    out = []
    rate = (
        CategoryRate.objects.filter(category_id=case.category_id, effective_from__lte=month)
        .order_by("-effective_from")
        .values_list("legal_basis", flat=True)
        .first()
    )
    province = province_of(case.commune_id)
    standard = (
        AllowanceStandard.objects.filter(regime=case.regime, effective_from__lte=month)
        .filter(Q(area_id=province) | Q(area__isnull=True))
        .order_by("area_id", "-effective_from")  # the province's own first (NULLs last)
        .values_list("legal_basis", flat=True)
        .first()
    )
    for basis in (standard, rate):
        if basis and f"Căn cứ {basis};" not in out:
            out.append(f"Căn cứ {basis};")
    return out


def _unit_name(unit: Any) -> str:
    """ "xã Phù Lỗ": the kind in lower case before the name, as a sentence writes it."""
    kind = od.unit_body_name(unit).removeprefix("UBND ").removesuffix(unit.name.upper()).strip()
    return f"{kind.lower()} {unit.name}".strip()


def entitlement_decision_docx(case: AllowanceCase) -> bytes:
    """The decision granting a monthly allowance (a dossier decided: its
    number, date and start month), in the official layout: the person, the
    category (and degree), the amount from the start month by the rates in
    force, the payment method, the legal bases, the signer and nơi nhận."""
    person = case.applicant
    commune = case.commune
    district = commune.parent
    month = case.start_month or case.requested_start_month
    amount = monthly_amount(
        category_id=case.category_id,
        degree=case.degree,
        province_id=province_of(case.commune_id),
        month=month,
    )
    issuer = od.unit_body_name(district) if district else od.unit_body_name(commune)
    doc = od.new_document()
    od.official_header(
        doc,
        issuing_body=issuer,
        number=f"Số: {case.decision_number or '      '}/QĐ-UBND",
        place_date=od.date_line(
            district.name if district else commune.name, case.decision_date or timezone.localdate()
        ),
    )
    od.document_title(doc, "QUYẾT ĐỊNH", "Về việc trợ cấp hằng tháng")
    od.paragraph(doc, "CHỦ TỊCH " + issuer.replace("UBND", "ỦY BAN NHÂN DÂN", 1), bold=True,
                 align=od.CENTER)  # fmt: skip
    od.paragraph(doc, "")
    bases = [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        LAW.get(case.regime, ""),
        *_bases(case, month),
        "Xét đề nghị của Trưởng phòng Lao động - Thương binh và Xã hội.",
    ]
    for text in filter(None, bases):
        od.paragraph(doc, text, italic=True, first_line_indent_mm=10)
    od.paragraph(doc, "QUYẾT ĐỊNH:", bold=True, align=od.CENTER, space_before=6)
    honorific = HONORIFIC.get(person.sex, "Ông/Bà")
    category = case.category.name + (
        f", tỷ lệ tổn thương cơ thể {case.degree}%" if case.degree else ""
    )
    method = (
        "qua tài khoản ngân hàng" if case.payment_method == PaymentMethod.BANK else "qua bưu điện"
    )
    article1 = [
        f"Điều 1. Trợ cấp hằng tháng đối với {honorific} {person.full_name}, "
        f"năm sinh {person.date_of_birth.year}, số CCCD {person.national_id}, "
        f"thường trú tại {person.address or commune.name}.",
        f"Diện hưởng: {REGIME_TITLE.get(case.regime, '')} – {category}.",
        f"Mức trợ cấp hằng tháng: {od.amount_text(amount)} đồng/tháng.",
        f"Thời điểm hưởng: từ tháng {month_text(month)}.",
        f"Hình thức chi trả: {method}.",
    ]
    for text in article1:
        od.paragraph(doc, text, first_line_indent_mm=10)
    od.paragraph(
        doc,
        f"Điều 2. Khi mức chuẩn hoặc hệ số thay đổi theo quy định, mức trợ cấp được điều chỉnh "
        f"tương ứng. Quyết định có hiệu lực kể từ ngày ký ({vn_date(case.decision_date)}).",
        first_line_indent_mm=10,
    )
    od.paragraph(
        doc,
        f"Điều 3. Chánh Văn phòng, Trưởng phòng Lao động - Thương binh và Xã hội, Chủ tịch "
        f"Ủy ban nhân dân {_unit_name(commune)} và "
        f"{honorific.lower()} {person.full_name} chịu trách nhiệm thi hành Quyết định này./.",
        first_line_indent_mm=10,
        keep_with_next=True,
    )
    od.paragraph(doc, "", keep_with_next=True)
    od.two_columns(
        doc,
        od.recipients_block(
            ["- Như Điều 3;", f"- {commune.name} (để thực hiện);", "- Lưu: VT, LĐTBXH."]
        ),
        od.signature_block(["CHỦ TỊCH"], note="(Ký tên, đóng dấu)"),
        left_share=0.45,
    )
    return od.to_bytes(doc)
