"""The officer uploads the four housing documents in one go, in Chromium: the
limits are on the form, a file the browser can already judge is flagged at
once, a refused file is shown beside its input and at the top with a link,
the page opens on it, and nothing is stored until every file is right."""

from __future__ import annotations

import pytest

from cases.demo.base import PDF
from cases.housing.models import HousingState
from cases.models import Document
from tests.browser.session import BrowserSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = ["don_de_nghi", "giay_to_doi_tuong", "anh_hien_trang", "giay_chung_nhan_qsdd"]


class Session(BrowserSession):
    shot_prefix = "uploads"


def test_the_officer_uploads_the_four_housing_documents_in_one_go(
    transactional_db, live_server, browser, users, make_case, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = make_case(HousingState.DRAFT, documents=False)
    good = tmp_path / "giay_to.pdf"
    good.write_bytes(PDF)
    fake = tmp_path / "so_do.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00")

    s = Session(browser, live_server.url)
    page = s.page
    s.login("officer_a")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("form[data-testid=upload-form]")
    assert "Tối đa 10,0 MB mỗi tệp; PDF, JPG, PNG, DOCX" in form.inner_text()

    # A type the form does not take is flagged as soon as it is chosen, and the
    # form is not sent.
    page.set_input_files("#id_upload_file_don_de_nghi", str(program))
    note = page.locator(".upload-check[data-for=id_upload_file_don_de_nghi]")
    assert note.is_visible()
    assert "setup.exe" in note.inner_text() and "PDF, JPG, PNG hoặc DOCX" in note.inner_text()
    form.locator("button[type=submit]").click()
    assert page.evaluate("document.activeElement.id") == "id_upload_file_don_de_nghi"
    assert not Document.objects.filter(case=case).exists()

    # A file that only the server can judge (named .pdf, not a PDF) refuses the lot.
    for kind in KINDS:
        page.set_input_files(f"#id_upload_file_{kind}", str(good))
    page.set_input_files("#id_upload_file_giay_chung_nhan_qsdd", str(fake))
    assert not note.is_visible()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert not Document.objects.filter(case=case).exists()
    # The page opens on the refused file: focused, and so scrolled into view.
    assert page.locator("#id_upload_file_giay_chung_nhan_qsdd").is_visible()
    assert page.evaluate(
        "(() => { const r = document.activeElement.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; })()"
    )
    assert page.evaluate("document.activeElement.id") == "id_upload_file_giay_chung_nhan_qsdd"
    top = page.locator("[data-testid=error]")
    assert "Chưa lưu tệp nào: 1 trong 4 tệp bị từ chối." in top.inner_text()
    link = top.locator("a[href='#id_upload_file_giay_chung_nhan_qsdd']")
    assert "“so_do.pdf”" in link.inner_text()
    beside = page.locator("#id_upload_file_giay_chung_nhan_qsdd_error")
    assert "Chỉ nhận tệp PDF, JPG, PNG hoặc DOCX" in beside.inner_text()
    assert "chọn lại" in form.inner_text()
    s.shot("upload-refused")

    # Fixed: the four files again, in one post; all four stored.
    for kind in KINDS:
        page.set_input_files(f"#id_upload_file_{kind}", str(good))
    with page.expect_navigation():
        page.locator("form[data-testid=upload-form] button[type=submit]").click()
    assert "Đã tải lên 4 giấy tờ" in page.locator(".alert-success").inner_text()
    assert page.locator("text=✓ Đã có").count() == 4
    assert sorted(Document.objects.filter(case=case).values_list("kind", flat=True)) == sorted(
        KINDS
    )
    s.shot("upload-done")
    s.logout()
