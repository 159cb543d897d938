"""The payroll's official documents as the office opens and prints them: the
post office list and the bank's transfer file, the commune's payroll with
its signature column (.xlsx and .docx, printed by LibreOffice), the month's
summary by regime and category, the reconciliation and the entitlement
decision; exported with an audit event, long lists in the background."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from cases.allowances import services
from cases.allowances.documents import (
    bank_transfer_csv,
    payroll_list_docx,
    payroll_list_xlsx,
    post_office_list_xlsx,
)
from cases.allowances.documents_exports import (
    EXPORT_KIND,
    ExportedFile,
    entitlement_decision_export,
    monthly_summary_export,
    payroll_document_export,
)
from cases.allowances.documents_reports import (
    entitlement_decision_docx,
    monthly_summary_xlsx,
    payroll_reconciliation_xlsx,
)
from cases.allowances.lines import payroll_lines
from cases.allowances.models import AllowanceCase, Entitlement, LineKind, Payroll, UnpaidReason
from cases.exports.models import ExportJob
from cases.exports.services import export_job_claim, export_job_run
from cases.official.docx import MOTTO, NATIONAL_TITLE
from tests.allowances.helpers import approve
from tests.documents.render import print_documents
from tests.factories import PersonFactory
from workflows.engine import transition
from workflows.exceptions import TransitionNotAllowed
from workflows.models import AuditEvent

D = dt.date
pytestmark = pytest.mark.django_db
JUNE = D(2024, 6, 1)
ON = D(2024, 6, 3)
NCC_JUNE = 2_055_000  # relative of one martyr, June 2024
BTXH_JUNE = 660_000  # severely disabled adult, Hà Nội, June 2024


def rows_of(content: bytes, sheet: int = 0) -> list[list[Any]]:
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def text_of(rows: list[list[Any]]) -> str:
    return "\n".join(" | ".join(str(v) for v in r if v is not None) for r in rows)


def row_named(rows: list[list[Any]], name: str) -> list[Any]:
    (found,) = [r for r in rows if name in r]
    return found


@pytest.fixture
def month(staff, communes, entitle) -> SimpleNamespace:
    """Commune a's June 2024 payroll, approved: An (NCC, by post), Bình (BTXH,
    by post, decided late: arrears for April and May), Chi (NCC, by bank) and
    a name a spreadsheet would read as a formula."""
    an = PersonFactory(commune=communes.a, full_name="Nguyễn Văn An", address="Thôn Đông Hạ")
    binh = PersonFactory(commune=communes.a, full_name="Trần Thị Bình", address="Thôn Xuân Lai")
    chi = PersonFactory(commune=communes.a, full_name="Lê Văn Chi")
    evil = PersonFactory(commune=communes.a, full_name='=HYPERLINK("x")')
    entitle(an, "than_nhan_1_liet_si", D(2023, 1, 1))
    entitle(binh, "nkt_nang", D(2024, 4, 1), arrears_from=D(2024, 4, 1))
    bank = entitle(chi, "than_nhan_1_liet_si", D(2023, 1, 1))
    Entitlement.objects.filter(pk=bank.pk).update(
        payment_method="bank", bank_account="0011004455667", bank_name="Vietcombank"
    )
    entitle(evil, "nkt_nang", D(2023, 1, 1))
    payroll = services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    approve(payroll, staff)
    return SimpleNamespace(payroll=payroll, an=an, binh=binh, chi=chi, evil=evil)


def send_and_pay(payroll: Payroll, staff: Any, unpaid_person: Any) -> None:
    transition(payroll, "send", actor=staff.accountant)
    lines = payroll_lines(payroll)
    unpaid: dict[int, str] = {
        pk: UnpaidReason.ABSENT
        for pk in lines.filter(person=unpaid_person).values_list("pk", flat=True)
    }
    services.payroll_results_record(
        actor=staff.accountant,
        payroll=payroll,
        paid={pk: D(2024, 6, 10) for pk in lines.values_list("pk", flat=True) if pk not in unpaid},
        unpaid=unpaid,
    )
    payroll.refresh_from_db()


# --- the post office and the bank ----------------------------------------------------------


def test_the_post_office_list_has_one_row_per_person_paid_by_post_with_arrears_and_total(month):
    rows = rows_of(post_office_list_xlsx(month.payroll, on=ON))
    text = text_of(rows)
    assert NATIONAL_TITLE in text and MOTTO in text
    assert "DANH SÁCH CHI TRẢ TRỢ CẤP HẰNG THÁNG QUA BƯU ĐIỆN" in text
    assert "Tháng 06/2024" in text
    header = next(r for r in rows if r[0] == "STT")
    assert header[:10] == ["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Địa chỉ / thôn",
                           "Diện hưởng", "Số tiền tháng", "Truy lĩnh", "Trợ cấp một lần",
                           "Tổng số tiền"]  # fmt: skip
    assert header[10] == "Ký nhận"
    an = row_named(rows, "Nguyễn Văn An")
    assert an[3:10] == [month.an.national_id, "Thôn Đông Hạ", "Thân nhân của một liệt sĩ",
                        NCC_JUNE, 0, 0, NCC_JUNE]  # fmt: skip
    binh = row_named(rows, "Trần Thị Bình")
    assert binh[6:10] == [BTXH_JUNE, 2 * BTXH_JUNE, 0, 3 * BTXH_JUNE]
    assert "Lê Văn Chi" not in text  # paid by bank
    total = next(r for r in rows if r[1] == "Tổng cộng: 3 người")
    assert total[9] == NCC_JUNE + 3 * BTXH_JUNE + BTXH_JUNE
    assert "ĐẠI DIỆN BƯU ĐIỆN" in text and "TM. ỦY BAN NHÂN DÂN" in text


def test_a_name_a_spreadsheet_would_read_as_a_formula_stays_text(month):
    wb = load_workbook(io.BytesIO(post_office_list_xlsx(month.payroll, on=ON)))
    ws = wb.active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if "HYPERLINK" in str(c.value or "")]
    assert [(c.value, c.data_type) for c in cells] == [('\'=HYPERLINK("x")', "s")]


def test_the_bank_file_lists_transfers_with_the_month_in_the_content(month):
    text = bank_transfer_csv(month.payroll).decode("utf-8-sig")
    assert text.splitlines() == [
        "Số tài khoản,Ngân hàng,Tên người hưởng,Số tiền,Nội dung",
        f"0011004455667,Vietcombank,LE VAN CHI,{NCC_JUNE},Tro cap thang 06/2024",
    ]


# --- the commune's payroll ---------------------------------------------------------------------


def test_the_payroll_list_xlsx_lists_everyone_with_totals_and_three_signers(month):
    rows = rows_of(payroll_list_xlsx(month.payroll, on=ON))
    text = text_of(rows)
    assert "DANH SÁCH CHI TRẢ TRỢ CẤP HẰNG THÁNG" in text
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Chi"):
        assert row_named(rows, name)[-1] is None  # room to sign
    total = next(r for r in rows if r[1] == "Tổng cộng: 4 người")
    assert total[9] == 2 * NCC_JUNE + 4 * BTXH_JUNE
    assert "Người có công với cách mạng: 2 người, 4.110.000 đồng" in text
    for signer in ("NGƯỜI LẬP BIỂU", "KẾ TOÁN", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        assert signer in text


def test_the_payroll_list_docx_has_regime_headings_subtotals_and_signers(month):
    doc = Document(io.BytesIO(payroll_list_docx(month.payroll, on=ON)))
    table = doc.tables[1]  # after the header's layout table
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][:2] == ["STT", "Họ và tên"] and cells[0][-1] == "Ký nhận"
    assert cells[1][0] == "I. Người có công với cách mạng"
    assert ["1", "Lê Văn Chi"] == cells[2][:2]  # Vietnamese order: L before N
    subtotal = next(r for r in cells if r[1] == "Cộng: 2 người")
    assert subtotal[9] == "4.110.000"
    assert any(r[0] == "II. Bảo trợ xã hội" for r in cells)
    assert cells[-1][1] == "Tổng cộng: 4 người" and cells[-1][9] == "6.750.000"
    signers = " ".join(c.text for c in doc.tables[-1].rows[0].cells)
    for signer in ("NGƯỜI LẬP BIỂU", "KẾ TOÁN", "CHỦ TỊCH"):
        assert signer in signers


def test_the_payroll_list_and_the_decision_print_in_the_official_layout(month, staff, rates):
    case = decided_case(month.an, rates, staff)
    printed = print_documents(
        {
            "payroll": payroll_list_docx(month.payroll, on=ON),
            "decision": entitlement_decision_docx(case),
        }
    )
    payroll = printed["payroll"]
    assert payroll.on_one_line(MOTTO).top > payroll.on_one_line(NATIONAL_TITLE).bottom
    assert "DANH SÁCH CHI TRẢ TRỢ CẤP HẰNG THÁNG" in payroll.text
    assert "Tổng cộng: 4 người" in payroll.text
    signers = payroll.line_with("NGƯỜI LẬP BIỂU")
    assert "KẾ TOÁN" in signers and "TM. ỦY BAN NHÂN DÂN" in signers  # side by side
    assert payroll.page_width > 290  # A4 landscape
    decision = printed["decision"]
    assert decision.pages == 1
    assert "QUYẾT ĐỊNH" in decision.text and "Về việc trợ cấp hằng tháng" in decision.text
    assert "Mức trợ cấp hằng tháng: 2.789.000 đồng/tháng." in decision.text
    assert "Thời điểm hưởng: từ tháng 07/2024." in decision.text


# --- the entitlement decision ------------------------------------------------------------------


def decided_case(person: Any, rates: Any, staff: Any) -> AllowanceCase:
    """A dossier as the office head's decision leaves it (number, date, start)."""
    case = services.allowance_case_create(
        actor=staff.officer,
        commune=person.commune,
        applicant=person,
        regime="nguoi_co_cong",
        category=rates.cat["than_nhan_1_liet_si"],
        requested_start_month=D(2024, 7, 1),
    )
    AllowanceCase.objects.filter(pk=case.pk).update(
        state="decided",
        decision_number="125",
        decision_date=D(2024, 7, 15),
        start_month=D(2024, 7, 1),
    )
    return AllowanceCase.objects.get(pk=case.pk)


def test_the_decision_names_the_person_the_category_the_amount_and_its_legal_bases(
    month, staff, rates
):
    case = decided_case(month.an, rates, staff)
    doc = Document(io.BytesIO(entitlement_decision_docx(case)))
    text = "\n".join(p.text for p in doc.paragraphs)
    header = " ".join(c.text for row in doc.tables[0].rows for c in row.cells)
    assert "Số: 125/QĐ-UBND" in header and "ngày 15 tháng 7 năm 2024" in header
    assert "Về việc trợ cấp hằng tháng" in text
    assert "Căn cứ Pháp lệnh Ưu đãi người có công với cách mạng" in text
    assert "Căn cứ NĐ 77/2024/NĐ-CP;" in text  # the standard in force from 07/2024
    assert f"Nguyễn Văn An, năm sinh {month.an.date_of_birth.year}" in text
    assert "Thân nhân của một liệt sĩ" in text
    assert "Mức trợ cấp hằng tháng: 2.789.000 đồng/tháng." in text
    assert "Thời điểm hưởng: từ tháng 07/2024." in text


def test_a_dossier_not_yet_decided_has_no_decision_to_print(month, staff, rates):
    case = decided_case(month.an, rates, staff)
    AllowanceCase.objects.filter(pk=case.pk).update(state="reviewed")
    case.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        entitlement_decision_export(actor=staff.head, case=case)


# --- the month's summary and the reconciliation ------------------------------------------------


def test_the_monthly_summary_adds_up_by_regime_and_category_over_the_communes_seen(
    month, staff, communes, entitle
):
    entitle(PersonFactory(commune=communes.b), "nkt_nang", D(2023, 1, 1))
    services.payroll_generate(actor=staff.officer_b, commune=communes.b, month=JUNE)
    rows = rows_of(monthly_summary_xlsx(staff.accountant, JUNE, on=ON))
    assert row_named(rows, "Người có công với cách mạng")[2:7] == [
        2, 2 * NCC_JUNE, 0, 0, 2 * NCC_JUNE,
    ]  # fmt: skip
    assert row_named(rows, "Người khuyết tật nặng")[2:7] == [
        3, 3 * BTXH_JUNE, 2 * BTXH_JUNE, 0, 5 * BTXH_JUNE,
    ]  # fmt: skip
    assert row_named(rows, "Tổng cộng")[2] == 5
    by_commune = rows_of(monthly_summary_xlsx(staff.accountant, JUNE, on=ON), sheet=1)
    assert {r[1] for r in by_commune[1:-1]} == {communes.a.name, communes.b.name}
    # The officer of commune a sees only commune a.
    own = rows_of(monthly_summary_xlsx(staff.officer, JUNE, on=ON))
    assert row_named(own, "Tổng cộng")[2] == 4


def test_the_reconciliation_counts_lines_and_amounts_by_kind_and_state(month, staff):
    send_and_pay(month.payroll, staff, month.binh)
    rows = rows_of(payroll_reconciliation_xlsx(month.payroll, on=ON))
    text = text_of(rows)
    assert "BẢNG ĐỐI CHIẾU KẾT QUẢ CHI TRẢ TRỢ CẤP" in text
    states = next(r for r in rows if r[0] == "Loại dòng")
    paid_col = states.index("Đã chi")
    unpaid_col = states.index("Chưa chi")
    regular = row_named(rows, "Trợ cấp hằng tháng")
    assert regular[paid_col : paid_col + 2] == [3, 2 * NCC_JUNE + BTXH_JUNE]
    assert regular[unpaid_col : unpaid_col + 2] == [1, BTXH_JUNE]
    arrears = row_named(rows, "Truy lĩnh")
    assert arrears[unpaid_col : unpaid_col + 2] == [2, 2 * BTXH_JUNE]
    assert "đã chi: 3 dòng" in text
    assert LineKind.ONE_OFF  # the row of one-off support is there, empty
    assert row_named(rows, "Trợ cấp một lần")[1:] == [0] * (len(regular) - 1)


# --- exports ---------------------------------------------------------------------------------


def test_the_post_office_list_waits_for_approval_and_its_export_is_audited(
    staff, communes, entitle, month
):
    entitle(PersonFactory(commune=communes.b), "nkt_nang", D(2023, 1, 1))
    draft = services.payroll_generate(actor=staff.officer_b, commune=communes.b, month=JUNE)
    with pytest.raises(TransitionNotAllowed) as exc:
        payroll_document_export(actor=staff.accountant, payroll=draft, document="post_office_list")
    assert exc.value.code == "payroll_state"
    out = payroll_document_export(
        actor=staff.accountant, payroll=month.payroll, document="post_office_list"
    )
    assert isinstance(out, ExportedFile)
    assert out.filename == f"danh-sach-chi-tra-buu-dien-{communes.a.code}-06-2024.xlsx"
    event = AuditEvent.objects.filter(event="export").latest("pk")
    assert event.data == {"document": "post_office_list.xlsx", "month": "06/2024"}
    summary = monthly_summary_export(actor=staff.accountant, month=JUNE)
    assert summary.filename == "tong-hop-tro-cap-06-2024.xlsx"


def test_a_long_list_is_built_in_the_background_for_whoever_may_see_the_payroll(
    month, staff, settings
):
    settings.EXPORT_DOCUMENT_INLINE_MAX_ROWS = 2
    job = payroll_document_export(
        actor=staff.officer, payroll=month.payroll, document="payroll_list_docx"
    )
    assert isinstance(job, ExportJob) and job.kind == "allowance_document"
    assert EXPORT_KIND.may_access(staff.officer, job)
    assert not EXPORT_KIND.may_access(staff.officer_b, job)
    done = export_job_run(export_job_claim(worker="w"), worker="w")
    assert done.status == ExportJob.Status.DONE
    with done.file.open("rb") as f:
        doc = Document(io.BytesIO(f.read()))
    assert any("Nguyễn Văn An" in c.text for row in doc.tables[1].rows for c in row.cells)
