"""The six-month report as files and pages: the .docx read back with
python-docx (official header, date line, headings, figures, signer, nơi
nhận), the .xlsx annex read back with openpyxl, the page and its downloads by
role, the edited text in the .docx, the audit event of each download, and the
API's JSON and files."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any

import docx
import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from cases.reporting.report_documents import ReportOptions, report_export
from tests.conftest import api_token, sign_in
from workflows.models import AuditEvent

from .conftest import END, EXPECTED, START

pytestmark = pytest.mark.django_db
PERIOD = {"start": "01/01/2024", "end": "30/06/2024"}
DATE_LINE = re.compile(r"ngày \d{2} tháng \d{2} năm \d{4}")


def all_text(content: bytes) -> tuple[list[str], list[str]]:
    """(body paragraphs, paragraphs inside the layout tables: header, signer, nơi nhận)."""
    document = docx.Document(io.BytesIO(content))
    cells = [
        p.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for p in cell.paragraphs
    ]
    return [p.text for p in document.paragraphs], cells


def export(user: Any, world: SimpleNamespace, fmt: str, **options: Any) -> bytes:
    return report_export(
        actor=user, district=world.district, start=START, end=END, fmt=fmt,
        options=ReportOptions(**options),
    ).content  # fmt: skip


def test_docx_has_the_official_layout_headings_and_figures(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    content = export(
        users.head, report_world, "docx", number="12/BC-LĐTBXH", place="Sóc Sơn",
        issued_on=dt.date(2024, 2, 5), signer_name="Đoàn Văn Sinh",
    )  # fmt: skip
    paragraphs, cells = all_text(content)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Độc lập - Tự do - Hạnh phúc" in cells
    assert "UBND HUYỆN SÓC SƠN" in cells
    assert "PHÒNG LAO ĐỘNG -\nTHƯƠNG BINH VÀ XÃ HỘI" in cells  # broken after the dash
    assert "Số: 12/BC-LĐTBXH" in cells
    assert "Sóc Sơn, ngày 05 tháng 02 năm 2024" in cells
    assert any(DATE_LINE.search(c) for c in cells)
    assert "BÁO CÁO" in paragraphs
    assert any(
        p.startswith("Kết quả công tác lao động, thương binh và xã hội 6 tháng đầu năm 2024")
        for p in paragraphs
    )  # noqa: E501
    for heading in [
        "I. KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM 2024",
        "1. Công tác tham mưu, chỉ đạo",
        "2. Thực hiện các nhiệm vụ chuyên môn",
        "2.1. Công tác phục vụ Tết Thử 2024",
        "2.2. Về chế độ chính sách, chăm lo người có công và bảo trợ xã hội",
        "2.3. Công tác bảo vệ, chăm sóc trẻ em và bình đẳng giới",
        "2.4. Công tác phòng chống tệ nạn xã hội",
        "2.5. Công tác đào tạo nghề, lao động việc làm",
        "3. Thực hiện Chương trình công tác giảm nghèo",
        "4. Công tác thực hiện giải quyết TTHC",
        "II. NHIỆM VỤ TRỌNG TÂM 6 THÁNG CUỐI NĂM 2024",
    ]:
        assert heading in paragraphs, heading
    text = "\n".join(paragraphs)
    assert "Tổng số quà Tết Thử 2024 tặng cho 27 lượt đối tượng" in text
    assert "Các xã, thị trấn tặng quà dịp Tết Thử 2024 11 suất quà với số tiền 3 triệu đồng" in text
    assert "Phối hợp với Quỹ BTTE Hà Nội tặng 03 suất quà với số tiền là 3,9 triệu đồng" in text
    assert "03 gia đình Người có công" in text
    assert "cai nghiện 03 trường hợp; số người tự nguyện đi cai nghiện là 02 trường hợp" in text
    assert "03 hộ (02 hộ nghèo, 01 hộ cận nghèo)" in text
    assert "có 01 hồ sơ trả kết quả sau ngày hẹn" in text
    assert text.rstrip().endswith("trân trọng báo cáo./.")
    assert "TRƯỞNG PHÒNG" in cells and "Đoàn Văn Sinh" in cells
    assert "Nơi nhận:" in cells
    recipients = cells[cells.index("Nơi nhận:") + 1 : cells.index("TRƯỞNG PHÒNG")]
    assert recipients[-1].startswith("- Lưu: VT")


def test_docx_dates_follow_nd30_zero_before_days_and_january_february_only(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    _p, cells = all_text(export(users.head, report_world, "docx", issued_on=dt.date(2024, 7, 5)))
    assert "Sóc Sơn, ngày 05 tháng 7 năm 2024" in cells
    _p, cells = all_text(export(users.head, report_world, "docx", issued_on=dt.date(2024, 12, 1)))
    assert any(DATE_LINE.search(c) for c in cells)


def test_xlsx_annex_has_one_sheet_per_table_with_the_figures(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(export(users.auditor, report_world, "xlsx")))
    assert wb.sheetnames == [
        "Tổng hợp", "Quà theo nguồn", "Quà theo cấp", "Hỗ trợ nhà ở", "Một cửa", "Theo xã",
    ]  # fmt: skip

    def rows(name: str) -> list[tuple[Any, ...]]:
        return [r for r in wb[name].iter_rows(values_only=True) if any(v is not None for v in r)]

    sources = {r[3]: (r[4], r[5]) for r in rows("Quà theo nguồn") if r[1] == "Tết Thử 2024"}
    assert sources == {
        "Chủ tịch nước": EXPECTED.by_source["president"],
        "Thành phố": EXPECTED.by_source["city"],
        "Huyện": EXPECTED.by_source["district"],
        "Xã, thị trấn": EXPECTED.by_source["commune"],
        "Xã hội hoá": EXPECTED.by_source["private"],
    }
    assert rows("Quà theo nguồn")[-1][4:] == (
        EXPECTED.tet_gifts + 3,
        EXPECTED.tet_amount + 3_900_000,
    )  # noqa: E501
    housing = {(r[0], r[1]): (r[2], r[3]) for r in rows("Hỗ trợ nhà ở")}
    assert housing[("Người có công", "Xây mới")] == (2, 160_000_000)
    assert housing[("Hộ nghèo", "Sửa chữa")] == (1, 30_000_000)
    assert housing[("Tổng cộng", None)] == (6, 310_000_000)
    summary = {r[1]: r[2] for r in rows("Tổng hợp")}
    assert summary["Chuyển hồ sơ cai nghiện bắt buộc sang Tòa án"] == 3
    assert summary["Cai nghiện tự nguyện được chấp thuận"] == 2
    assert rows("Một cửa")[-1][2:] == (3, 2, 1)
    by_commune = {r[1]: r[2:] for r in rows("Theo xã")}
    assert by_commune["Phù Lỗ"][0] == 3 + 4 + 2 + 6 + 1 + 3  # Tết rows of a + the fund's
    assert "Uy Nỗ" not in by_commune


def test_office_head_sees_the_page_with_the_figures_and_the_document_form(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    client = Client()
    sign_in(client, users.head)
    page = client.get(reverse("report_six_month"), PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tổng số quà Tết Thử 2024 tặng cho 27 lượt đối tượng" in html
    assert 'data-testid="download-docx"' in html and 'data-testid="download-xlsx"' in html
    assert 'data-testid="nav-report"' in html


def test_auditor_reads_the_figures_and_annex_but_does_not_draft_the_docx(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    client = Client()
    sign_in(client, users.auditor)
    page = client.get(reverse("report_six_month"), PERIOD)
    assert page.status_code == 200
    assert 'data-testid="download-docx"' not in page.content.decode()
    assert client.get(reverse("report_six_month_xlsx"), PERIOD).status_code == 200
    assert client.get(reverse("report_six_month_docx"), PERIOD).status_code == 403


def test_commune_and_rehab_roles_get_no_report(
    users: SimpleNamespace, rehab_users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    for user, status in [(users.officer, 403), (users.leader, 403), (rehab_users.rehab, 404)]:
        client = Client()
        sign_in(client, user)
        assert client.get(reverse("report_six_month"), PERIOD).status_code == status
        assert client.get(reverse("report_six_month_xlsx"), PERIOD).status_code == status
        page = client.get(reverse("report_six_month_docx"), PERIOD)
        assert page.status_code == status
        assert 'data-testid="nav-report"' not in page.content.decode()


def test_posted_docx_carries_the_edited_text_and_is_audited(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    client = Client()
    sign_in(client, users.specialist)
    response = client.post(
        reverse("report_six_month_docx"),
        {
            "district": report_world.district.pk, **PERIOD, "number": "45/BC-LĐTBXH",
            "place": "Sóc Sơn", "issued_on": "05/02/2024",
            "signer_title": "KT. TRƯỞNG PHÒNG\nPHÓ TRƯỞNG PHÒNG",
            "signer_name": "Đỗ Thị Thu", "recipients": "- Sở LĐ-TBXH;\n- UBND huyện;",
            "text_allowances": "- Kinh phí thực hiện chi trả là 104 tỷ đồng.",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    paragraphs, cells = all_text(response.getvalue())
    assert "- Kinh phí thực hiện chi trả là 104 tỷ đồng." in paragraphs
    assert "Số: 45/BC-LĐTBXH" in cells and "Sóc Sơn, ngày 05 tháng 02 năm 2024" in cells
    assert "KT. TRƯỞNG PHÒNG" in cells and "PHÓ TRƯỞNG PHÒNG" in cells
    assert cells[-1] == "Đỗ Thị Thu" or "Đỗ Thị Thu" in cells
    assert "- Lưu: VT, LĐTBXH." in cells  # added when the list does not end with it
    event = AuditEvent.objects.filter(event="report_download").latest("id")
    assert event.actor_id == users.specialist.pk
    assert event.actor_role == "district_specialist"
    assert event.data["document"] == "six_month_report.docx"
    assert (event.data["start"], event.data["end"]) == ("2024-01-01", "2024-06-30")


def test_invalid_period_is_refused(users: SimpleNamespace, report_world: SimpleNamespace) -> None:
    client = Client()
    sign_in(client, users.head)
    bad = {"district": report_world.district.pk, "start": "30/06/2024", "end": "01/01/2024"}
    assert client.get(reverse("report_six_month_xlsx"), bad).status_code == 400


def test_api_returns_the_figures_and_the_files(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token(users.auditor)}"
    url = reverse("api-report-six-month")
    query = {"district": report_world.district.pk, "start": "2024-01-01", "end": "2024-06-30"}
    data = client.get(url, query).json()
    assert data["gifts_total"] == {
        "gifts": EXPECTED.tet_gifts + 3, "amount": EXPECTED.tet_amount + 3_900_000,
    }  # fmt: skip
    assert (data["rehab_compulsory"], data["rehab_voluntary"]) == EXPECTED.rehab
    assert data["housing"]["nguoi_co_cong"]["households"] == 3
    assert data["onestop"]["late"] == 1
    assert data["body"][0]["kind"] == "text"
    xlsx = client.get(url, {**query, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].endswith("sheet")
    assert client.get(url, {**query, "format": "docx"}).status_code == 403
    assert AuditEvent.objects.filter(event="report_download", actor=users.auditor).count() == 1


# --- walkthrough fixes -----------------------------------------------------------------


def test_docx_header_gives_the_national_title_room_for_one_line(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    from docx.shared import Mm

    from cases.official import docx as od

    document = docx.Document(io.BytesIO(export(users.head, report_world, "docx")))
    section = document.sections[0]

    def mm(length: Any) -> float:
        return float(length or 0) / Mm(1)

    assert round(mm(section.left_margin)) == 30
    assert 15 <= round(mm(section.right_margin)) <= 20
    header = document.tables[0]
    widths = [mm(col.w) for col in header._tbl.tblGrid.gridCol_lst]
    text_width = mm(section.page_width) - mm(section.left_margin) - mm(section.right_margin)
    assert abs(sum(widths) - text_width) < 0.5
    # 13 pt bold Times New Roman: the quốc hiệu measures 89 mm; cell margins take 3.8 mm.
    assert widths[1] >= 89 + 3.8
    title = header.rows[0].cells[1].paragraphs[0]
    assert title.text == od.NATIONAL_TITLE
    assert all(run.bold and run.font.size.pt in (12, 13) for run in title.runs if run.text)
    # The issuing body breaks after its dash, not inside "thương binh".
    body_text = [p.text for p in header.rows[0].cells[0].paragraphs if p.text]
    assert "PHÒNG LAO ĐỘNG -\nTHƯƠNG BINH VÀ XÃ HỘI" in body_text


def test_counts_are_written_with_dots_on_the_page_and_as_formatted_numbers_in_the_annex(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    from django.template import Context, Template

    from cases.reporting.report import count_vi

    assert count_vi(26553) == "26.553" and count_vi(4818) == "4.818"
    assert Template("{% load caseflow %}{{ n|count }}").render(Context({"n": 26553})) == "26.553"
    client = Client()
    sign_in(client, users.head)
    html = client.get(
        reverse("report_six_month"), {**PERIOD, "district": report_world.district.pk}
    ).content.decode()
    figures = html.split('data-testid="report-figures"', 1)[1].split("</table>", 1)[0]
    for cell in re.findall(r'<td class="num">([^<]*)</td>', figures):
        assert re.fullmatch(r"(\d{1,3}(\.\d{3})*( đ)?|—|)", cell.strip()), cell
    wb = openpyxl.load_workbook(io.BytesIO(export(users.auditor, report_world, "xlsx")))
    for name in ("Tổng hợp", "Quà theo nguồn", "Hỗ trợ nhà ở", "Một cửa", "Theo xã"):
        numbers = [c for row in wb[name].iter_rows() for c in row if isinstance(c.value, int)]
        assert numbers, name
        assert all("#,##0" in c.number_format for c in numbers), name


def test_a_campaigns_gifts_have_their_own_labelled_total_in_the_annex(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(export(users.auditor, report_world, "xlsx")))
    rows = [r for r in wb["Quà theo nguồn"].iter_rows(values_only=True) if any(r)]
    subtotals = {r[1]: r[4:] for r in rows if str(r[1]).startswith("Cộng đợt: ")}
    assert subtotals["Cộng đợt: Tết Thử 2024"] == (EXPECTED.tet_gifts, EXPECTED.tet_amount)
    assert len(subtotals) == 2  # the Tết campaign and the children's fund, each labelled
    assert rows[-1][1] == "Tổng cộng các đợt"
    assert rows[-1][4:] == (EXPECTED.tet_gifts + 3, EXPECTED.tet_amount + 3_900_000)
    assert sum(v[0] for v in subtotals.values()) == rows[-1][4]


def test_a_period_that_is_not_a_half_year_reads_well(report_world: SimpleNamespace) -> None:
    from cases.reporting.report_text import default_texts, period_vi, summary_vi

    start, end = dt.date(2024, 3, 1), dt.date(2024, 5, 31)
    assert period_vi(start, end) == "thời gian từ ngày 01/03/2024 đến ngày 31/05/2024"
    assert period_vi(dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == "năm 2024"
    texts = "\n".join(default_texts(start, end).values())
    assert "trong từ ngày" not in texts
    assert "trong thời gian từ ngày 01/03/2024 đến ngày 31/05/2024" in texts
    assert texts.startswith("Thời gian từ ngày 01/03/2024")
    assert "trong từ ngày" not in summary_vi(start, end)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("01/01/2024", "01/01/2025", "end"),  # a year and a day
        ("01/01/2020", "30/06/2024", "end"),
        ("01/01/1999", "30/06/1999", "start"),
    ],
)
def test_absurd_periods_are_refused_with_a_field_error(
    users: SimpleNamespace, report_world: SimpleNamespace, start: str, end: str, field: str
) -> None:
    from cases.reporting.forms import ReportPeriodForm

    query = {"district": report_world.district.pk, "start": start, "end": end}
    form = ReportPeriodForm(query)
    assert not form.is_valid() and field in form.errors
    client = Client()
    sign_in(client, users.head)
    page = client.get(reverse("report_six_month"), query)
    assert page.status_code == 200 and 'data-testid="report-figures"' not in page.content.decode()
    assert str(form.errors[field][0]) in page.content.decode()
    assert client.get(reverse("report_six_month_xlsx"), query).status_code == 400
    api = Client()
    api.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token(users.auditor)}"
    iso = {k: "-".join(reversed(v.split("/"))) for k, v in query.items() if k != "district"}
    assert api.get(reverse("api-report-six-month"), iso).status_code == 400
    assert ReportPeriodForm({**query, "start": "01/01/2024", "end": "31/12/2024"}).is_valid()


def test_the_issue_date_defaults_sensibly_and_is_the_same_in_the_docx_and_the_annex(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    from cases.reporting.forms import ReportDocumentForm
    from cases.reporting.report import default_issued_on

    end = dt.date(2024, 6, 30)
    assert default_issued_on(end, dt.date(2026, 12, 2)) == end  # long past: the last day
    assert default_issued_on(end, dt.date(2024, 7, 10)) == dt.date(2024, 7, 10)
    assert default_issued_on(end, dt.date(2024, 6, 15)) == dt.date(2024, 6, 15)
    initial = ReportDocumentForm.initial_for(
        district=report_world.district, start=START, end=END, signer_name=""
    )
    assert initial["issued_on"] == END  # this test runs long after June 2024
    line = "Sóc Sơn, ngày 30 tháng 6 năm 2024"
    _p, cells = all_text(export(users.head, report_world, "docx"))
    assert line in cells
    wb = openpyxl.load_workbook(io.BytesIO(export(users.auditor, report_world, "xlsx")))
    texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if c.value}
    assert line in texts
    # The annex takes the date the office chose, from the query or the page's form.
    client = Client()
    sign_in(client, users.head)
    query = {**PERIOD, "district": report_world.district.pk, "issued_on": "05/07/2024"}
    for response in (
        client.get(reverse("report_six_month_xlsx"), query),
        client.post(reverse("report_six_month_xlsx"), query),
    ):
        assert response.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
        texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if c.value}
        assert "Sóc Sơn, ngày 05 tháng 7 năm 2024" in texts


def test_a_bad_date_re_renders_the_form_with_the_errors_and_the_edits(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    client = Client()
    sign_in(client, users.head)
    response = client.post(
        reverse("report_six_month_docx"),
        {
            "district": report_world.district.pk, **PERIOD, "number": "45/BC-LĐTBXH",
            "issued_on": "32/13/2024", "signer_name": "Đỗ Thị Thu",
            "text_allowances": "- Kinh phí thực hiện chi trả là 104 tỷ đồng.",
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    form = html.split('data-testid="report-document"', 1)[1]
    assert "- Kinh phí thực hiện chi trả là 104 tỷ đồng." in form
    assert 'value="45/BC-LĐTBXH"' in form and 'value="Đỗ Thị Thu"' in form
    assert 'value="32/13/2024"' in form
    assert re.search(r'id="id_issued_on"[^>]*aria-invalid="true"|errorlist|field-error', form)
    # The preview shows the edited text too, and the figures are still there.
    assert 'data-testid="report-figures"' in html
    assert html.count("- Kinh phí thực hiện chi trả là 104 tỷ đồng.") >= 2
    assert not AuditEvent.objects.filter(event="report_download").exists()
