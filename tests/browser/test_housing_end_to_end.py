"""A housing case from draft to closed, clicked through in Chromium, in Vietnamese.

Every role logs in with its own account and uses only the pages and buttons
the UI gives it. Screenshots of each step go to /tmp/shots/e2e-*.png.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from cases.demo.base import PDF
from cases.housing.models import HousingCase, HousingState
from tests.browser.session import BrowserSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCUMENT_KINDS = ["don_de_nghi", "giay_to_doi_tuong", "anh_hien_trang", "giay_chung_nhan_qsdd"]


class Session(BrowserSession):
    shot_prefix = "e2e"

    def open_case(self, case_id: int) -> None:
        self.page.goto(f"{self.base}/cases/{case_id}/")

    def act(self, action: str, **fields: str) -> None:
        """Fill the action's form on the case page and press its button."""
        form = self.page.locator(f"form[data-action='{action}']")
        for name, value in fields.items():
            form.locator(f"[name='{name}']").fill(value)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert self.page.locator(".alert-error").count() == 0, self.page.inner_text("main")

    def state(self) -> str:
        return self.page.inner_text("h1 .badge")


def test_housing_case_goes_from_draft_to_closed_in_the_browser(
    transactional_db, live_server, browser, users, config, applicant, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    pdf = tmp_path / "giay_to.pdf"
    pdf.write_bytes(PDF)
    today = timezone.localdate().strftime("%d/%m/%Y")
    s = Session(browser, live_server.url)
    page = s.page

    # Commune officer: new draft for a registered person, four documents, submit.
    s.login("officer_a")
    assert "Việc của tôi" in page.inner_text("nav")
    page.click("nav >> text=Lập hồ sơ mới")
    page.fill("#id_national_id", applicant.national_id)
    page.select_option("#id_program", "nguoi_co_cong")
    page.select_option("#id_kind", "new_build")
    page.fill("#id_requested_amount", "80.000.000")
    page.fill("#id_description", "Nhà tạm, tường nứt, mái dột.")
    s.shot("officer-new-case")
    with page.expect_navigation():
        page.click("form[data-testid=case-form] button[type=submit]")
    case = HousingCase.objects.get()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert s.state() == "Đang soạn"
    assert page.locator("text=✗ Thiếu").count() == 4
    # The four documents in one post: a file on each document's row.
    for kind in DOCUMENT_KINDS:
        page.set_input_files(f"#id_upload_file_{kind}", str(pdf))
    with page.expect_navigation():
        page.click("form[data-testid=upload-form] button[type=submit]")
    assert page.locator(".alert-success").count() == 1
    assert page.locator("text=✓ Đã có").count() == 4
    s.shot("officer-documents")
    s.act("submit")
    assert s.state() == "Đã nộp"
    s.logout()

    # Commune leader: takes the task from the queue, then confirms.
    s.login("leader_a")
    page.click("text=Hàng chờ")
    row = page.locator("table[data-testid=tasks] tr", has_text=case.reference)
    assert "Xác nhận (cấp xã)" in row.inner_text()
    with page.expect_navigation():
        row.locator("button", has_text="Nhận việc").click()
    assert case.reference in page.inner_text("table[data-testid=tasks]")
    page.click(f"text={case.reference}")
    s.shot("leader-case")
    s.act("verify")
    assert s.state() == "Xã đã xác nhận"
    s.logout()

    # District specialist: assesses the amount.
    s.login("specialist")
    s.open_case(case.pk)
    s.act("review", assessed_amount="80.000.000")
    assert s.state() == "Huyện đã thẩm định"
    s.logout()

    # Head of office: approves with a decision.
    s.login("head")
    s.open_case(case.pk)
    s.shot("head-before-approve")
    s.act(
        "approve",
        decision_number="123/QĐ-UBND",
        decision_date=today,
        approved_amount="80.000.000",
    )
    assert s.state() == "Đã phê duyệt"
    s.logout()

    # Accountant: the first tranche.
    s.login("accountant")
    s.open_case(case.pk)
    s.act("disburse", amount="40.000.000", paid_on=today)
    assert s.state() == "Đã chi trả một phần"
    s.logout()

    # Commune officer: the completion record (nghiệm thu).
    s.login("officer_a")
    s.open_case(case.pk)
    s.act("accept_completion", accepted_on=today)
    assert s.state() == "Đã nghiệm thu"
    s.logout()

    # Accountant: the final tranche closes the case.
    s.login("accountant")
    s.open_case(case.pk)
    form = page.locator("form[data-action='disburse']")
    assert form.locator("[name=amount]").input_value() == "40.000.000"  # the rest, prefilled
    s.act("disburse", paid_on=today)
    assert s.state() == "Đã đóng"
    s.shot("closed")

    case.refresh_from_db()
    assert case.state == HousingState.CLOSED
    assert case.disbursed_amount == case.approved_amount == 80_000_000
    timeline = page.inner_text("[data-testid=timeline]")
    for step in (
        "Tạo hồ sơ",
        "Tải lên giấy tờ",
        "Nộp hồ sơ",
        "Xác nhận (cấp xã)",
        "Thẩm định (cấp huyện)",
        "Phê duyệt",
        "Ghi nhận chi trả",
        "Nghiệm thu hoàn thành",
    ):
        assert step in timeline, step
    assert timeline.count("Ghi nhận chi trả") == 2
    assert "123/QĐ-UBND" in timeline
    assert "Lãnh đạo UBND xã" in timeline and "Kế toán" in timeline
    assert page.locator("[data-testid=actions] [data-testid=no-actions]").count() == 1
    s.context.close()
