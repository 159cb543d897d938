"""Documents of a gift campaign: the signature list (.docx in the official
layout, .xlsx) and the reconciliation (totals that add up, commune-scoped),
their downloads (404 for another commune, 409 before approval, an "export"
audit event each) and the API."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import docx
import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from docx.shared import Mm

from cases.gifts import documents as gift_documents
from cases.gifts.models import (
    Campaign,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    ReturnReason,
    SignedBy,
)
from cases.gifts.reconciliation import reconciliation_docx, reconciliation_xlsx
from cases.models import Category, MeritSubtype
from cases.official import docx as official_docx
from tests.conftest import api_token, sign_in
from tests.factories import PersonFactory
from workflows import audit
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
L, R = GiftListState, GiftRecipientState
ON = dt.date(2024, 2, 5)


# --- data ----------------------------------------------------------------------------


@pytest.fixture
def tet(communes: SimpleNamespace, users: SimpleNamespace) -> SimpleNamespace:
    """A campaign with three packages (President, City, a private donor); commune
    A's list approved with one row pending, two delivered (one by a proxy) and
    one returned; commune B's list approved with two rows, one delivered."""
    campaign = Campaign.objects.create(
        code="tet-2024",
        name="Tết Giáp Thìn 2024",
        year=2024,
        occasion_date=dt.date(2024, 2, 10),
        decision="Quyết định số 1583/QĐ-CTN",
    )

    def package(code: str, source: str, amount: int, **kw: Any) -> GiftPackage:
        return GiftPackage.objects.create(
            campaign=campaign, code=code, name=code.upper(), source=source, amount=amount, **kw
        )

    p600 = package("ctn-600", "president", 600_000)
    city = package("tp", "city", 1_000_000)
    donor = package("dn", "private", 200_000, donor="Công ty Hoa Sen")
    a, b = communes.a, communes.b
    list_a = GiftList.objects.create(
        campaign=campaign, commune=a, created_by=users.officer, state=L.APPROVED
    )
    list_b = GiftList.objects.create(
        campaign=campaign, commune=b, created_by=users.officer_b, state=L.APPROVED
    )
    hero = PersonFactory(
        commune=a,
        full_name="Bùi Văn Hùng",
        categories=[Category.MERIT],
        merit_subtype=MeritSubtype.HERO,
        address="Thôn Đông, xã Phù Lỗ",
    )
    poor = PersonFactory(commune=a, full_name="An Thị Nghèo", categories=[Category.POOR])
    gone = PersonFactory(commune=a, full_name="Cao Văn Mất", categories=[Category.POOR])
    b1 = PersonFactory(commune=b, full_name="Đỗ Thị Bê", categories=[Category.POOR])
    b2 = PersonFactory(commune=b, full_name="Lê Văn Bờ", categories=[Category.POOR])

    def row(gift_list: GiftList, pkg: GiftPackage, person: Any, state: str, **kw: Any) -> Any:
        return GiftRecipient(
            gift_list=gift_list,
            package=pkg,
            commune_id=gift_list.commune_id,
            person=person,
            amount=pkg.amount,
            state=state,
            **kw,
        )

    delivered = {"delivered_on": ON, "signed_by": SignedBy.RECIPIENT}
    GiftRecipient.objects.bulk_create(
        [
            row(
                list_a,
                p600,
                hero,
                R.DELIVERED,
                delivered_on=ON,
                signed_by=SignedBy.PROXY,
                proxy_name="Bùi Văn Con",
                proxy_relationship="con trai",
            ),
            row(list_a, city, poor, R.DELIVERED, **delivered),
            row(list_a, city, gone, R.RETURNED, return_reason=ReturnReason.DECEASED),
            row(list_a, donor, poor, R.APPROVED),
            row(list_b, city, b1, R.DELIVERED, **delivered),
            row(list_b, donor, b2, R.APPROVED),
        ]
    )
    return SimpleNamespace(campaign=campaign, list_a=list_a, list_b=list_b, hero=hero)


def paragraphs(document: Any) -> list[Any]:
    """Every paragraph, in the body and in (layout) tables."""
    found = list(document.paragraphs)
    for table in document.tables:
        for r in table.rows:
            for cell in r.cells:
                found.extend(cell.paragraphs)
    return found


def texts(document: Any) -> list[str]:
    return [p.text for p in paragraphs(document)]


def bold(document: Any, text: str) -> bool:
    matches = [p for p in paragraphs(document) if p.text == text]
    assert matches, f"{text!r} not in the document"
    return all(run.bold for p in matches for run in p.runs if run.text)


def table_rows(table: Any) -> list[list[str]]:
    return [[cell.text for cell in r.cells] for r in table.rows]


def mm(length: Any) -> int:
    return round(length / Mm(1))


def vi(label: Any) -> str:
    with translation.override("vi"):
        return translation.gettext(label) if isinstance(label, str) else str(label)


# --- the official layout -------------------------------------------------------------


def test_the_date_line_has_zeros_before_small_days_and_january_february() -> None:
    assert official_docx.date_line("Sóc Sơn", ON) == "Sóc Sơn, ngày 05 tháng 02 năm 2024"
    assert official_docx.date_line("Phù Lỗ", dt.date(2024, 3, 9)) == (
        "Phù Lỗ, ngày 09 tháng 3 năm 2024"
    )
    assert official_docx.date_line("Phù Lỗ", dt.date(2024, 12, 25)) == (
        "Phù Lỗ, ngày 25 tháng 12 năm 2024"
    )


def test_signature_list_docx_has_the_official_header_title_and_table(tet) -> None:
    document = docx.Document(io.BytesIO(gift_documents.signature_list_docx(tet.list_a, on=ON)))
    section = document.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (297, 210)  # A4 landscape
    assert [mm(section.top_margin), mm(section.bottom_margin)] == [20, 20]
    assert [mm(section.left_margin), mm(section.right_margin)] == [30, 15]
    assert document.styles["Normal"].font.name == "Times New Roman"
    all_text = texts(document)
    assert bold(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert bold(document, "Độc lập - Tự do - Hạnh phúc")
    assert bold(document, "UBND XÃ PHÙ LỖ")
    assert "UBND HUYỆN SÓC SƠN" in all_text
    assert "Phù Lỗ, ngày 05 tháng 02 năm 2024" in all_text
    assert bold(document, "DANH SÁCH KÝ NHẬN QUÀ")
    assert "Tết Giáp Thìn 2024" in all_text
    assert "NGƯỜI LẬP BIỂU" in all_text
    assert "TM. ỦY BAN NHÂN DÂN" in all_text and "CHỦ TỊCH" in all_text

    [_header, table, _signers] = document.tables
    rows = table_rows(table)
    assert rows[0] == [
        "STT",
        "Họ và tên",
        "Năm sinh",
        "Số định danh cá nhân",
        "Địa chỉ",
        "Diện đối tượng",
        "Số tiền (đồng)",
        "Ngày nhận",
        "Ký nhận",
    ]
    # The header row repeats on every page.
    tr_pr = table.rows[0]._tr.trPr
    assert tr_pr is not None and tr_pr.xpath("./w:tblHeader")
    body, total = rows[1:-1], rows[-1]
    # By package (President 600k, then City, then the private donor), each under
    # its heading (one cell across the table) and over its subtotal; then by name.
    heading = [f"I. CTN-600 / {vi('State President')}"] * 9
    assert body[0] == heading and len(table.rows[1].cells[0]._tc.xpath("../w:tc")) == 1
    assert [(r[0], r[1], r[6]) for r in body[1:]] == [
        ("1", "Bùi Văn Hùng", "600.000"),
        ("", "Cộng: 1 người", "600.000"),
        (f"II. TP / {vi('City')}",) * 3,
        ("2", "An Thị Nghèo", "1.000.000"),
        ("3", "Cao Văn Mất", "1.000.000"),
        ("", "Cộng: 2 người", "2.000.000"),
        (f"III. DN / {vi('Private contribution')} (Công ty Hoa Sen)",) * 3,
        ("4", "An Thị Nghèo", "200.000"),
        ("", "Cộng: 1 người", "200.000"),
    ]
    hero = body[1]
    assert hero[2] == "1960" and hero[3] == tet.hero.national_id
    assert hero[4] == "Thôn Đông, xã Phù Lỗ"
    assert hero[5] == "Anh hùng LLVTND / Anh hùng LĐ"  # the printed list's short form
    assert (hero[7], hero[8]) == ("05/02/2024", "Ủy quyền: Bùi Văn Con (con trai)")
    assert body[4][5] == "Hộ nghèo" and body[4][8] == ""  # by the recipient: room to sign
    assert body[5][8] == vi(ReturnReason.DECEASED.label) and body[5][7] == ""
    assert total[1] == "Tổng cộng: 4 người" and total[6] == "2.800.000"


def test_signature_list_xlsx_has_the_same_rows_amounts_as_numbers_and_print_setup(tet) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(gift_documents.signature_list_xlsx(tet.list_a, on=ON)))
    ws = wb.active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    flat = [v for r in values for v in r if v]
    for text in (
        "UBND HUYỆN SÓC SƠN",
        "UBND XÃ PHÙ LỖ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Phù Lỗ, ngày 05 tháng 02 năm 2024",
        "DANH SÁCH KÝ NHẬN QUÀ",
        "Tết Giáp Thìn 2024",
        "NGƯỜI LẬP BIỂU",
    ):
        assert text in flat
    head = next(i for i, r in enumerate(values) if r[0] == "STT")
    assert values[head][1] == "Họ và tên" and values[head][9] == "Ký nhận"
    body = values[head + 1 : head + 5]
    assert [(r[0], r[1], r[7]) for r in body] == [
        (1, "Bùi Văn Hùng", 600_000),
        (2, "An Thị Nghèo", 1_000_000),
        (3, "Cao Văn Mất", 1_000_000),
        (4, "An Thị Nghèo", 200_000),
    ]
    assert body[0][9] == "Ủy quyền: Bùi Văn Con (con trai)"
    total = values[head + 5]
    assert total[1] == "Tổng cộng: 4 người" and total[7] == 2_800_000
    assert ws.cell(row=head + 2, column=8).number_format == "#,##0"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${head + 1}:${head + 1}"


# --- the reconciliation ---------------------------------------------------------------


def sheet_tallies(ws: Any) -> tuple[list[list[Any]], list[Any]]:
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(values) if r[0] == "STT")
    body = values[head + 2 :]  # two header rows
    lines = [r for r in body if isinstance(r[0], int)]
    [total] = [r for r in body if r[1] == "Tổng cộng"]
    return lines, total


def test_reconciliation_totals_add_up_by_source_and_by_commune(tet, users) -> None:
    wb = openpyxl.load_workbook(
        io.BytesIO(reconciliation_xlsx(users.specialist, tet.campaign, on=ON))
    )
    assert wb.sheetnames == ["Theo nguồn kinh phí", "Theo xã, thị trấn"]
    by_source, source_total = sheet_tallies(wb["Theo nguồn kinh phí"])
    by_commune, commune_total = sheet_tallies(wb["Theo xã, thị trấn"])
    # planned, amount, delivered, amount, returned, amount, pending, amount
    grand = [6, 4_000_000, 3, 2_600_000, 1, 1_000_000, 2, 400_000]
    assert source_total[2:] == grand and commune_total[2:] == grand
    for lines in (by_source, by_commune):
        assert [sum(r[k] for r in lines) for k in range(2, 10)] == grand
        for r in lines:
            assert r[2] == r[4] + r[6] + r[8] and r[3] == r[5] + r[7] + r[9]
    assert [r[1] for r in by_commune] == ["Minh Trí", "Phù Lỗ"]
    assert [r[1] for r in by_source] == [
        f"{vi('City')}",
        f"{vi('State President')}",
        f"{vi('Private contribution')} (Công ty Hoa Sen)",
    ]


def test_a_commune_user_reconciles_only_their_commune(tet, users) -> None:
    wb = openpyxl.load_workbook(
        io.BytesIO(reconciliation_xlsx(users.officer_b, tet.campaign, on=ON))
    )
    by_commune, total = sheet_tallies(wb["Theo xã, thị trấn"])
    assert [r[1] for r in by_commune] == ["Minh Trí"]
    assert total[2:] == [2, 1_200_000, 1, 1_000_000, 0, 0, 1, 200_000]
    _by_source, source_total = sheet_tallies(wb["Theo nguồn kinh phí"])
    assert source_total == total


def test_reconciliation_docx_is_a_report_of_the_office_with_both_tables(tet, users) -> None:
    document = docx.Document(io.BytesIO(reconciliation_docx(users.head, tet.campaign, on=ON)))
    all_text = texts(document)
    assert bold(document, "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI")
    assert "UBND HUYỆN SÓC SƠN" in all_text
    assert bold(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert any(t.startswith("Số:") and t.endswith("/BC-LĐTBXH") for t in all_text)
    assert "Sóc Sơn, ngày 05 tháng 02 năm 2024" in all_text
    assert bold(document, "BÁO CÁO")
    assert bold(document, "Quyết toán kinh phí quà Tết Giáp Thìn 2024")
    assert "Nơi nhận:" in all_text and "- Lưu: VT, LĐTBXH." in all_text
    assert "TRƯỞNG PHÒNG" in all_text
    [_header, by_source, by_commune, _signers] = document.tables
    grand = ["6", "4.000.000", "3", "2.600.000", "1", "1.000.000", "2", "400.000"]
    for table in (by_source, by_commune):
        rows = table_rows(table)
        assert rows[0][2:4] == ["Kế hoạch", "Kế hoạch"]  # merged group header
        assert rows[1][2:4] == ["Số suất", "Số tiền (đồng)"]
        assert rows[-1][1] == "Tổng cộng" and rows[-1][2:] == grand
    assert [r[1] for r in table_rows(by_commune)[2:-1]] == ["Minh Trí", "Phù Lỗ"]


# --- downloads ------------------------------------------------------------------------


def web(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_the_commune_officer_downloads_the_signature_list_and_the_export_is_audited(
    tet, users
) -> None:
    for fmt, magic_type in (("xlsx", gift_documents.XLSX), ("docx", gift_documents.DOCX)):
        url = reverse(f"gift_list_signature_{fmt}", kwargs={"pk": tet.list_a.pk})
        response = web(users.officer).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == magic_type
        assert "attachment" in response["Content-Disposition"]
        content = response.getvalue()
        assert content[:2] == b"PK"
    events = AuditEvent.objects.filter(
        event="export", object_type="cases.giftlist", object_id=str(tet.list_a.pk)
    ).order_by("seq")
    assert [e.data["document"] for e in events] == ["signature_list.xlsx", "signature_list.docx"]
    assert {(e.actor_id, e.commune_id) for e in events} == {
        (users.officer.pk, tet.list_a.commune_id)
    }
    assert audit.verify().ok


def test_another_commune_gets_404_for_the_signature_list(tet, users) -> None:
    url = reverse("gift_list_signature_docx", kwargs={"pk": tet.list_a.pk})
    assert web(users.officer_b).get(url).status_code == 404
    assert not AuditEvent.objects.filter(event="export").exists()


def test_the_signature_list_is_refused_before_the_list_is_approved(tet, users) -> None:
    GiftList.objects.filter(pk=tet.list_a.pk).update(state=L.REVIEWED)
    url = reverse("gift_list_signature_xlsx", kwargs={"pk": tet.list_a.pk})
    response = web(users.officer).get(url)
    assert response.status_code == 409
    assert not AuditEvent.objects.filter(event="export").exists()


def test_any_role_downloads_the_reconciliation_and_the_export_is_audited(tet, users) -> None:
    for user, fmt in ((users.leader_b, "xlsx"), (users.auditor, "docx")):
        url = reverse(f"campaign_reconciliation_{fmt}", kwargs={"pk": tet.campaign.pk})
        response = web(user).get(url)
        assert response.status_code == 200
        assert response.getvalue()[:2] == b"PK"
    events = AuditEvent.objects.filter(
        event="export", object_type="cases.campaign", object_id=str(tet.campaign.pk)
    ).order_by("occurred_at")
    assert [(e.actor_id, e.commune_id, e.data["document"]) for e in events] == [
        (users.leader_b.pk, tet.list_b.commune_id, "reconciliation.xlsx"),
        (users.auditor.pk, None, "reconciliation.docx"),
    ]


# --- API ------------------------------------------------------------------------------


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}")


def test_api_signature_list_in_either_format_scoped_and_refused_before_approval(tet, users) -> None:
    url = f"/api/v1/gift-lists/{tet.list_a.pk}/signature-list/"
    response = api(users.specialist).get(url + "?format=docx")
    assert response.status_code == 200 and response["Content-Type"] == gift_documents.DOCX
    document = docx.Document(io.BytesIO(response.content))
    assert "DANH SÁCH KÝ NHẬN QUÀ" in texts(document)
    assert api(users.officer).get(url).status_code == 200  # .xlsx by default
    assert api(users.officer_b).get(url + "?format=xlsx").json()["code"] == "not_found"
    assert api(users.officer).get(url + "?format=pdf").status_code == 400
    GiftList.objects.filter(pk=tet.list_a.pk).update(state=L.PREPARING)
    refused = api(users.officer).get(url + "?format=docx")
    assert refused.status_code == 409 and refused.json()["code"] == "gift_list_not_approved"
    assert AuditEvent.objects.filter(event="export").count() == 2


def test_api_reconciliation_returns_tallies_scoped_to_the_caller(tet, users) -> None:
    url = f"/api/v1/campaigns/{tet.campaign.pk}/reconciliation/"
    data = api(users.head).get(url).json()
    total = data["total"]
    assert (total["planned"], total["delivered"], total["returned"], total["pending"]) == (
        6,
        3,
        1,
        2,
    )
    for key in ("planned_amount", "delivered_amount", "returned_amount", "pending_amount"):
        assert sum(t[key] for t in data["by_source"]) == total[key]
        assert sum(t[key] for t in data["by_commune"]) == total[key]
    mine = api(users.officer_b).get(url).json()
    assert [t["label"] for t in mine["by_commune"]] == ["Minh Trí"]
    assert mine["total"]["planned_amount"] == 1_200_000
    assert api(users.officer).get("/api/v1/campaigns/999999/reconciliation/").status_code == 404
