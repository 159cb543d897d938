"""A commune's monthly allowance payroll from generation to closed, clicked
through in Chromium.

The officer generates June from the payroll list and submits it; the
district specialist reads what changed since May (a person newly paid with
the month owed as arrears) and marks it reviewed; the office head approves;
the accountant sends it, downloads the post-office list, imports the
payment results (one person not found at home), carries that line to next
month and reconciles; the office head closes the month. Screenshots of each
page go to /tmp/shots/payroll-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from cases.allowances import reference
from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    AllowanceCategory,
    Entitlement,
    LineState,
    Payroll,
    PayrollState,
)
from tests.allowances.helpers import full_month
from tests.browser.session import BrowserSession
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = dt.date
MAY, JUNE = D(2024, 5, 1), D(2024, 6, 1)


def state_label(state: str) -> str:
    """The payroll state as the page shows it: the Vietnamese catalogue's label."""
    with translation.override("en"):
        english = str(PayrollState(state).label)
    with translation.override("vi"):
        label = str(PayrollState(state).label)
    assert label != english, f"no Vietnamese label for {state!r}"
    return label


class Session(BrowserSession):
    shot_prefix = "payroll"

    def no_error(self) -> None:
        assert self.page.locator(".alert-error").count() == 0, self.page.inner_text("main")

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.no_error()

    def open_payroll(self, payroll: Payroll) -> None:
        self.page.goto(f"{self.base}/allowances/payrolls/{payroll.pk}/")
        self.no_error()

    def act(self, action: str) -> None:
        self.submit(f"form[data-action='{action}'] button[type=submit]")
        assert re.search(r"/allowances/payrolls/\d+/$", self.page.url), self.page.url

    def state(self) -> str:
        return self.page.inner_text("h1 .badge").strip()


def entitle(person: Any, category: AllowanceCategory, start: dt.date, **extra: Any) -> Entitlement:
    return Entitlement.objects.create(
        person=person, regime=category.regime, category=category, commune=person.commune,
        start_month=start, decision_number=f"{person.pk}/QĐ-UBND", decision_date=start, **extra,
    )  # fmt: skip


def test_a_payroll_month_goes_from_generation_to_closed_in_the_browser(
    transactional_db: Any,
    live_server: Any,
    browser: Any,
    users: SimpleNamespace,
    communes: SimpleNamespace,
    tmp_path: Path,
) -> None:
    reference.seed(apps, None)
    martyr = AllowanceCategory.objects.get(code="than_nhan_1_liet_si")
    elderly = AllowanceCategory.objects.get(code="nct_80_khong_luong_huu")
    lan: Any = PersonFactory(commune=communes.a, full_name="Trần Thị Lan")
    binh: Any = PersonFactory(commune=communes.a, full_name="Phạm Văn Bình")
    entitle(lan, martyr, D(2024, 1, 1))
    entitle(binh, elderly, D(2024, 1, 1))
    users.officer_for_commune = lambda commune: users.officer
    users.officer_for = lambda payroll: users.officer
    full_month(communes.a, MAY, users)
    # Decided late: paid from May, so June lists May as arrears too.
    cuong: Any = PersonFactory(commune=communes.a, full_name="Lê Văn Cường")
    entitle(cuong, martyr, MAY, arrears_from=MAY)

    s = Session(browser, live_server.url)
    page = s.page

    # Commune officer: the menu, the payroll list, June generated from the form.
    s.login("officer_a")
    with page.expect_navigation():
        page.click("nav a[data-testid=nav-allowances]")
    assert page.url.endswith("/allowances/payrolls/")
    form = page.locator("[data-testid=generate] form")
    form.locator("[name=month]").fill("06/2024")
    s.shot("officer-list")
    s.submit("[data-testid=generate] button[type=submit]")
    payroll = Payroll.objects.get(commune=communes.a, month=JUNE)
    assert page.url.endswith(f"/allowances/payrolls/{payroll.pk}/")
    assert s.state() == state_label(PayrollState.DRAFT)
    assert page.inner_text("[data-testid=total-lines]").strip() == "4"  # 3 people + May arrears
    lines = page.inner_text("table[data-testid=lines]")
    for name in ("Trần Thị Lan", "Phạm Văn Bình", "Lê Văn Cường"):
        assert name in lines, name
    s.shot("officer-payroll")
    s.act("submit")
    assert s.state() == state_label(PayrollState.SUBMITTED)
    s.logout()

    # District specialist: what changed since May, then reviewed.
    s.login("specialist")
    s.open_payroll(payroll)
    changes = page.inner_text("[data-testid=differences]")
    assert "So với bảng lương tháng 05/2024 của xã." in changes
    assert "Hưởng mới" in changes and "Truy lĩnh" in changes and "Lê Văn Cường" in changes
    s.shot("specialist-differences")
    s.act("review")
    assert s.state() == state_label(PayrollState.REVIEWED)
    s.logout()

    # Office head: approves.
    s.login("head")
    s.open_payroll(payroll)
    s.shot("head-approve")
    s.act("approve")
    assert s.state() == state_label(PayrollState.APPROVED)
    s.logout()

    # Accountant: sends, prints the post-office list, imports the results.
    s.login("accountant")
    s.open_payroll(payroll)
    s.act("send")
    assert s.state() == state_label(PayrollState.SENT)
    with page.expect_download() as info:
        page.click("[data-testid=documents] a[href*='/documents/post_office_list/']")
    download = info.value
    assert download.failure() is None and download.suggested_filename.endswith(".xlsx")
    s.shot("accountant-sent")
    ids = {
        line.person_id: line.pk
        for line in payroll_lines(payroll).filter(kind="regular").order_by("id")
    }
    results = tmp_path / "ket-qua-chi-tra.csv"
    rows = ["Mã dòng,Kết quả,Ngày chi,Lý do"]
    for line in payroll_lines(payroll).order_by("id"):
        if line.pk == ids[binh.pk]:
            rows.append(f"{line.pk},Chưa chi,,Vắng nhà")
        else:
            rows.append(f"{line.pk},Đã chi,10/06/2024,")
    results.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with page.expect_navigation():
        page.click("[data-testid=import]")
    assert page.url.endswith(f"/allowances/payrolls/{payroll.pk}/results/import/")
    page.set_input_files("form[data-testid=import-form] input[type=file]", str(results))
    s.shot("accountant-import")
    s.submit("form[data-testid=import-form] button[type=submit]")
    assert page.url.endswith(f"/allowances/payrolls/{payroll.pk}/results/")
    assert "Đã ghi 3 dòng đã chi, 1 dòng chưa chi." in page.inner_text(".messages")

    # The line not paid: carried to July.
    with page.expect_navigation():
        page.click("[data-testid=tab-unpaid]")
    unpaid = page.inner_text("table[data-testid=result-lines]")
    assert "Phạm Văn Bình" in unpaid and "Vắng nhà" in unpaid
    page.check(f"input[name=lines][value='{ids[binh.pk]}']")
    s.shot("accountant-unpaid")
    s.submit("[data-testid=settle] button[type=submit]")
    assert payroll_lines(payroll).get(pk=ids[binh.pk]).state == LineState.CARRIED
    s.open_payroll(payroll)
    s.act("reconcile")
    assert s.state() == state_label(PayrollState.RECONCILED)
    s.shot("accountant-reconciled")
    s.logout()

    # Office head: closes the month.
    s.login("head")
    s.open_payroll(payroll)
    s.act("close")
    assert s.state() == state_label(PayrollState.CLOSED)
    paid = page.inner_text("[data-testid=paid-amount]")
    payroll.refresh_from_db()
    assert payroll.paid_count == 3 and payroll.state == PayrollState.CLOSED
    assert paid.strip().endswith("đ")
    s.shot("head-closed")
    s.logout()

    # The carried line's person on their allowance page: who approved, sent, paid.
    s.login("officer_a")
    page.goto(f"{live_server.url}/allowances/entitlements/")
    page.fill("[name=q]", "pham van binh")
    s.submit("[data-testid=filters] button[type=submit]")
    with page.expect_navigation():
        page.click("table[data-testid=entitlements] a:has-text('Phạm Văn Bình')")
    history = page.inner_text("[data-testid=person-lines]")
    assert "Chuyển sang tháng sau" in history and "Thử head" in history
    s.shot("officer-entitlement")
    s.logout()


def test_a_dossier_is_filed_decided_and_becomes_an_allowance_in_the_browser(
    transactional_db: Any,
    live_server: Any,
    browser: Any,
    users: SimpleNamespace,
    communes: SimpleNamespace,
    tmp_path: Path,
    settings: Any,
) -> None:
    """The officer files a dossier (the category list follows the regime
    chosen), uploads the document the regime needs and submits; the leader
    confirms, the specialist reviews, the office head decides; the allowance
    is then paid from the decision's month."""
    from cases.demo.base import PDF
    from cases.models import DocumentRequirement

    settings.MEDIA_ROOT = str(tmp_path / "media")
    reference.seed(apps, None)
    DocumentRequirement.objects.create(
        process="allowance", program="nguoi_co_cong", kind="giay_bao_tu",
        label="Giấy báo tử liệt sĩ", required=True,
    )  # fmt: skip
    person: Any = PersonFactory(commune=communes.a, full_name="Đỗ Thị Dung")
    pdf = tmp_path / "giay-bao-tu.pdf"
    pdf.write_bytes(PDF)
    s = Session(browser, live_server.url)
    s.shot_prefix = "dossier"
    page = s.page

    s.login("officer_a")
    page.goto(f"{live_server.url}/allowances/dossiers/")
    with page.expect_navigation():
        page.click("[data-testid=new-dossier]")
    page.fill("[name=national_id]", person.national_id)
    page.select_option("[name=regime]", "nguoi_co_cong")
    # Only the categories of the regime chosen can be picked.
    assert page.locator("optgroup[data-regime=bao_tro_xa_hoi]").evaluate("g => g.disabled")
    martyr = AllowanceCategory.objects.get(code="than_nhan_1_liet_si")
    page.select_option("[name=category]", str(martyr.pk))
    page.fill("[name=requested_start_month]", "05/2024")
    s.shot("officer-form")
    s.submit("form[data-testid=case-form] button[type=submit]")
    assert re.search(r"/allowances/dossiers/\d+/$", page.url), page.url
    page.set_input_files("#upload-form input[type=file]", str(pdf))
    s.submit("#upload-form button[type=submit]")
    s.shot("officer-dossier")

    def act(who: str, action: str, **fields: str) -> None:
        url = page.url
        if who:
            s.logout()
            s.login(who)
            page.goto(url)
        form = page.locator(f"form[data-action='{action}']")
        for name, value in fields.items():
            form.locator(f"[name={name}]").fill(value)
        s.submit(f"form[data-action='{action}'] button[type=submit]")

    act("", "submit")
    act("leader_a", "confirm")
    act("specialist", "review")
    dossier_url = page.url
    s.logout()
    s.login("head")
    page.goto(dossier_url)
    s.shot("head-decide")
    act("", "decide", decision_number="45/QĐ-UBND", decision_date="03/06/2024",
        start_month="06/2024")  # fmt: skip
    assert page.locator("[data-testid=entitlement-link]").count() == 1
    s.shot("head-decided")
    with page.expect_navigation():
        page.click("[data-testid=entitlement-link] a[href*='/entitlements/']")
    ent = Entitlement.objects.get(person=person)
    assert page.url.endswith(f"/allowances/entitlements/{ent.pk}/")
    assert ent.start_month == JUNE and ent.decision_number == "45/QĐ-UBND"
    assert "Thân nhân của một liệt sĩ" in page.inner_text("[data-testid=category]")
    # The office head's decisions on it: the transfer names the communes.
    assert page.locator("form[data-action=transfer] select[name=to_commune]").count() == 1
    s.shot("head-entitlement")
    s.logout()
