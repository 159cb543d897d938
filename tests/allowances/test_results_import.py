"""Importing a payroll's payment results as the post office or the bank sends
them back: each line paid on a date or not paid with a reason, every kind of
bad row reported with its row, column and code, all or nothing, hostile
files refused, the accountant's file given back with its errors marked."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from cases.allowances import services
from cases.allowances.import_marks import payment_results_error_file
from cases.allowances.imports import payment_results_import
from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    ImportOutcome,
    LineState,
    PaymentResultImport,
    Payroll,
    UnpaidReason,
)
from tests.allowances.helpers import approve
from tests.factories import PersonFactory
from tests.security.hostile import billion_laughs, sheet_xml, workbook_parts, xlsx_of
from workflows.engine import transition
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent

D = dt.date
pytestmark = pytest.mark.django_db
JUNE = D(2024, 6, 1)
HEADER = ["STT", "Mã dòng", "Họ và tên", "Số tiền", "Kết quả", "Ngày chi", "Lý do"]


@pytest.fixture
def sent(staff, communes, people, entitle) -> Payroll:
    """Commune a's June 2024 payroll, sent for payment: three lines."""
    for person in people.a:
        entitle(person, "than_nhan_1_liet_si", D(2023, 1, 1))
    payroll = services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    approve(payroll, staff)
    transition(payroll, "send", actor=staff.accountant)
    payroll.refresh_from_db()
    return payroll


def line_ids(payroll: Payroll) -> list[int]:
    return sorted(payroll_lines(payroll).values_list("pk", flat=True))


def amount_of(line_id: int) -> int:
    from cases.allowances.models import PayrollLine

    return PayrollLine.objects.get(pk=line_id).amount


def xlsx(rows: list[list[Any]], *, header: list[Any] | None = None, titles: int = 0) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for i in range(titles):
        ws.append([f"BƯU ĐIỆN HUYỆN SÓC SƠN {i}"])
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(line_id: Any, result: str = "Đã chi", paid_on: Any = "10/06/2024", reason: Any = None,
        amount: Any = None) -> list[Any]:  # fmt: skip
    return [1, line_id, "Nguyễn Văn A", amount, result, paid_on, reason]


def run(staff: Any, payroll: Payroll, content: bytes, name: str = "ket-qua.xlsx") -> Any:
    return payment_results_import(
        actor=staff.accountant, payroll=payroll, file_name=name, content=content
    )


def cp1258(text: str) -> bytes:
    """As Excel on a Vietnamese Windows saves it: letters with a circumflex,
    breve or horn precomposed, tone marks combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            try:
                out += unicodedata.normalize("NFC", d[:2]).encode("cp1258") + d[2:].encode("cp1258")
            except UnicodeEncodeError:
                out += d.encode("cp1258")
    return out


def errors_of(exc: pytest.ExceptionInfo[InvalidData]) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in exc.value.extra["rows"]]


def states(payroll: Payroll) -> dict[int, tuple[str, Any, str]]:
    return {
        pk: (state, paid_on, reason)
        for pk, state, paid_on, reason in payroll_lines(payroll).values_list(
            "pk", "state", "paid_on", "unpaid_reason"
        )
    }


# --- the happy path ---------------------------------------------------------------------


def test_a_good_file_moves_its_lines_to_paid_and_unpaid_and_is_recorded(staff, sent):
    a, b, c = line_ids(sent)
    content = xlsx(
        [
            row(a, paid_on="05/06/2024", amount=amount_of(a)),
            row(b, paid_on=dt.datetime(2024, 6, 12)),
            row(c, "Chưa chi", paid_on=None, reason="Đi vắng"),
        ],
        titles=3,
    )
    record = run(staff, sent, content)
    assert states(sent) == {
        a: (LineState.PAID, D(2024, 6, 5), ""),
        b: (LineState.PAID, D(2024, 6, 12), ""),
        c: (LineState.UNPAID, None, UnpaidReason.ABSENT),
    }
    assert (record.outcome, record.rows_read, record.paid, record.unpaid) == (
        ImportOutcome.IMPORTED, 3, 2, 1,
    )  # fmt: skip
    sent.refresh_from_db()
    assert sent.paid_count == 2
    event = AuditEvent.objects.filter(event="payroll_results").latest("pk")
    assert event.data["source"] == f"payment_results_import:{record.pk}"


def test_a_csv_in_utf8_with_bom_and_semicolons_names_people_by_national_id_and_month(
    staff, sent, people
):
    a, b, c = people.a
    text = (
        "DANH SÁCH KẾT QUẢ CHI TRẢ THÁNG 6/2024\n"
        "Họ và tên;Số CCCD;Tháng;Kết quả;Ngày chi;Lý do\n"
        f"{a.full_name};{a.national_id};06/2024;Đã chi;10/06/2024;\n"
        f"{b.full_name};{b.national_id};6/2024;Chưa chi;;Từ trần\n"
        f"{c.full_name};{c.national_id};06/2024;Chưa chi;;Khác: đi viện\n"
        "Người lập biểu;;;;;\n"
    )
    run(staff, sent, ("\ufeff" + text).encode(), "ket-qua.csv")
    by_person = dict(payroll_lines(sent).values_list("person_id", "unpaid_reason"))
    assert by_person == {a.pk: "", b.pk: UnpaidReason.DECEASED, c.pk: UnpaidReason.OTHER}


def test_a_csv_saved_by_a_vietnamese_windows_in_cp1258_is_read(staff, sent):
    a, b, c = line_ids(sent)
    text = f"Mã dòng,Kết quả,Ngày chi,Lý do\n{a},Đã chi,10/06/2024,\n{b},Chưa chi,,Đã chuyển đi\n"
    run(staff, sent, cp1258(text), "ket-qua.csv")
    assert states(sent)[b] == (LineState.UNPAID, None, UnpaidReason.MOVED)
    assert states(sent)[c][0] == LineState.SENT  # not in the file: still waiting


# --- every row error ----------------------------------------------------------------------


def _bad_rows(sent: Payroll, other_line: int) -> list[tuple[list[Any], str, str]]:
    a, b, c = line_ids(sent)
    return [
        (row(999_999_999), "Mã dòng", "line_unknown"),
        (row("abc"), "Mã dòng", "line_id_invalid"),
        (row(other_line), "Mã dòng", "line_other_payroll"),
        (row(a, paid_on=None), "Ngày chi", "paid_on_missing"),
        (row(a, paid_on="31/02/2024"), "Ngày chi", "paid_on_invalid"),
        (row(a, paid_on="10/01/2024"), "Ngày chi", "paid_on_outside_month"),
        (row(a, paid_on="10/06/2099"), "Ngày chi", "paid_on_future"),
        (row(a, "Chưa chi", paid_on=None), "Lý do", "reason_missing"),
        (row(a, "Chưa chi", paid_on=None, reason="Trời mưa"), "Lý do", "reason_unknown"),
        (row(a, "Chưa chi", reason="Đi vắng"), "Ngày chi", "paid_on_when_unpaid"),
        (row(a, ""), "Kết quả", "result_missing"),
        (row(a, "Có lẽ"), "Kết quả", "result_unknown"),
        (row(a, amount=1), "Số tiền", "amount_mismatch"),
        (row(a, amount="nhiều"), "Số tiền", "amount_invalid"),
        (row(None), "Mã dòng", "line_missing"),
        (row(a, '=IF(1,"Đã chi")'), "Kết quả", "formula_cell"),
    ]


def test_each_kind_of_bad_row_is_reported_with_its_row_column_and_code(
    staff, sent, communes, entitle
):
    entitle(PersonFactory(commune=communes.b), "than_nhan_1_liet_si", D(2023, 1, 1))
    other = services.payroll_generate(actor=staff.officer_b, commune=communes.b, month=JUNE)
    (other_line,) = line_ids(other)
    for bad, column, code in _bad_rows(sent, other_line):
        with pytest.raises(InvalidData) as exc:
            run(staff, sent, xlsx([bad]))
        assert exc.value.code == "import_errors"
        assert errors_of(exc) == [(2, column, code)], (code, errors_of(exc))
        assert all(e["message"] for e in exc.value.extra["rows"])


def test_the_messages_are_vietnamese_and_name_the_line(staff, sent):
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, xlsx([row(999_999_999)]))
    assert exc.value.message == "1 hàng có lỗi; chưa ghi nhận kết quả nào."
    assert exc.value.extra["rows"][0]["message"] == "Không có dòng 999999999."


def test_a_line_not_waiting_for_its_result_and_a_line_twice_are_refused(staff, sent):
    a, b, _c = line_ids(sent)
    run(staff, sent, xlsx([row(a)]))
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, xlsx([row(a), row(b), row(b, "Chưa chi", None, "Đi vắng")]))
    assert errors_of(exc) == [(2, "Mã dòng", "line_not_sent"), (4, "Mã dòng", "line_duplicate")]
    assert str(a) in exc.value.extra["rows"][0]["message"]


def test_a_formula_in_an_xlsx_cell_is_refused_even_with_its_cached_value(staff, sent):
    a, *_ = line_ids(sent)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append([1, a, "X", None, "Đã chi", "=DATE(2024,6,10)", None])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, out.getvalue())
    assert errors_of(exc) == [(2, "Ngày chi", "formula_cell")]


def test_a_person_with_two_lines_that_month_must_be_named_by_line(staff, communes, entitle):
    person = PersonFactory(commune=communes.b)
    entitle(person, "than_nhan_1_liet_si", D(2023, 1, 1))
    entitle(person, "nkt_nang", D(2023, 1, 1))  # and a social-protection allowance
    payroll = services.payroll_generate(actor=staff.officer_b, commune=communes.b, month=JUNE)
    approve(payroll, staff)
    transition(payroll, "send", actor=staff.accountant)
    payroll.refresh_from_db()
    text = f"Số CCCD,Tháng,Kết quả,Ngày chi\n{person.national_id},06/2024,Đã chi,10/06/2024\n"
    with pytest.raises(InvalidData) as exc:
        run(staff, payroll, text.encode(), "kq.csv")
    assert errors_of(exc) == [(2, "Số CCCD", "line_ambiguous")]


def test_a_person_the_payroll_does_not_list_is_reported(staff, sent):
    unknown = PersonFactory(commune=sent.commune)
    text = f"Số CCCD,Tháng,Kết quả,Ngày chi\n{unknown.national_id},06/2024,Đã chi,10/06/2024\n"
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, text.encode(), "kq.csv")
    assert errors_of(exc) == [(2, "Số CCCD", "person_unknown")]


# --- all or nothing -------------------------------------------------------------------------


def test_one_bad_row_refuses_the_whole_file_and_the_refusal_is_recorded(staff, sent):
    a, b, c = line_ids(sent)
    before = states(sent)
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, xlsx([row(a), row(b), row(c, "Chưa chi", None, None)]))
    assert states(sent) == before
    record = PaymentResultImport.objects.get(pk=exc.value.extra["import"])
    assert record.outcome == ImportOutcome.REFUSED
    assert [(e["row"], e["code"]) for e in record.errors] == [(4, "reason_missing")]
    assert (record.rows_read, record.paid, record.unpaid) == (3, 0, 0)


def test_the_refused_file_comes_back_with_a_loi_column_and_red_cells(staff, sent):
    a, b, _c = line_ids(sent)
    content = xlsx([row(a), row(b, paid_on="99/99/2024")], titles=2)
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, content)
    record = PaymentResultImport.objects.get(pk=exc.value.extra["import"])
    marked = payment_results_error_file(record=record, file_name="ket-qua.xlsx", content=content)
    assert marked.filename == "ket-qua-loi.xlsx"
    ws = load_workbook(io.BytesIO(marked.content)).active
    assert ws is not None
    assert ws.cell(row=3, column=len(HEADER) + 1).value == "Lỗi"
    assert str(ws.cell(row=5, column=len(HEADER) + 1).value).startswith("Ngày chi: ")
    assert ws.cell(row=4, column=len(HEADER) + 1).value is None
    assert ws.cell(row=5, column=6).fill.fgColor.rgb.endswith("C7CE")


def test_a_refused_csv_comes_back_as_csv_with_its_loi_column(staff, sent):
    text = "Mã dòng,Kết quả,Ngày chi\n999999999,Đã chi,10/06/2024\n"
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, text.encode(), "kq.csv")
    record = PaymentResultImport.objects.get(pk=exc.value.extra["import"])
    marked = payment_results_error_file(record=record, file_name="kq.csv", content=text.encode())
    lines = marked.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mã dòng,Kết quả,Ngày chi,Lỗi"
    assert lines[1].startswith("999999999,Đã chi,10/06/2024,Mã dòng: ")


# --- the file ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("kq.xlsx", xlsx_of(workbook_parts(sheet_xml([["a"]], prolog=billion_laughs("worksheet")))),
         "file_unsafe"),
        ("kq.pdf", b"%PDF-1.4", "file_type"),
        ("kq.xlsx", b"PK\x03\x04junk", "file_type"),
        ("kq.csv", b"a,b\x00,c\n", "file_parse_failed"),
        ("kq.csv", b"", "file_empty"),
        ("kq.csv", "Họ và tên,Số tiền\nA,1\n".encode(), "bad_header"),
    ],
    ids=["billion_laughs", "pdf", "broken_zip", "nul_byte", "empty", "no_header"],
)  # fmt: skip
def test_a_hostile_or_unreadable_file_is_refused_and_recorded(staff, sent, name, content, code):
    before = states(sent)
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, content, name)
    assert exc.value.code == code
    assert states(sent) == before
    record = PaymentResultImport.objects.latest("pk")
    assert (record.outcome, record.errors[0]["code"]) == (ImportOutcome.REFUSED, code)


def test_an_oversized_file_is_refused(staff, sent, settings):
    settings.ALLOWANCE_IMPORT_MAX_BYTES = 100
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, xlsx([row(1)]))
    assert exc.value.code == "file_too_large"


def test_a_payroll_longer_than_the_shared_row_cap_still_imports(staff, sent, settings):
    """The reader's row cap (IMPORT_MAX_ROWS, shared with the other imports)
    is raised to hold ALLOWANCE_IMPORT_MAX_ROWS lines and the rows around them."""
    settings.IMPORT_MAX_ROWS = 2
    a, b, c = line_ids(sent)
    run(staff, sent, xlsx([row(a), row(b), row(c)], titles=2))
    assert {s for s, _d, _r in states(sent).values()} == {LineState.PAID}


def test_a_sheet_wider_than_the_reader_allows_is_refused(staff, sent, settings):
    settings.IMPORT_MAX_COLUMNS = 5
    with pytest.raises(InvalidData) as exc:
        run(staff, sent, ",".join(["x"] * 9).encode(), "kq.csv")
    assert exc.value.code == "file_sheet_too_large"


# --- who and when -----------------------------------------------------------------------------


def test_only_an_accountant_may_import_and_nothing_is_recorded_otherwise(staff, sent):
    with pytest.raises(NotPermitted):
        payment_results_import(
            actor=staff.officer, payroll=sent, file_name="k.xlsx", content=xlsx([])
        )
    assert not PaymentResultImport.objects.exists()


def test_a_payroll_not_sent_refuses_an_import(staff, communes, people, entitle):
    entitle(people.a[0], "than_nhan_1_liet_si", D(2023, 1, 1))
    draft = services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    with pytest.raises(TransitionNotAllowed) as exc:
        run(staff, draft, xlsx([row(1)]))
    assert exc.value.code == "payroll_state"
