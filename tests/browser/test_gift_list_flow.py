"""A commune's gift list from import to closed, clicked through in Chromium.

The officer opens the list from the campaign page, imports an .xlsx of new
people, submits; the leader confirms, the district specialist reviews, the
office head approves every reviewed list from the campaign page; the officer
records the deliveries and the distribution, downloads the signature list
(.xlsx and .docx) and the leader closes the list. Screenshots of each step go
to /tmp/shots/gift-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from docx import Document
from openpyxl import Workbook, load_workbook

from cases.gifts.import_rows import COLUMNS
from cases.gifts.models import (
    Campaign,
    CampaignBudget,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
)
from cases.models import Category, Person
from tests.browser.session import BrowserSession
from tests.factories import national_id_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMOUNT = 500_000
PEOPLE = [
    ("Trần Thị Lan", dt.date(1948, 3, 2), "F"),
    ("Phạm Văn Bình", dt.date(1955, 7, 19), "M"),
    ("Lê Văn Cường", dt.date(1962, 11, 30), "M"),
    ("Đỗ Thị Dung", dt.date(1971, 1, 8), "F"),
]
TOTAL = AMOUNT * len(PEOPLE)  # 2.000.000 đ


def state_label(state: str) -> str:
    """The list state as the page shows it: the Vietnamese catalog's label (the
    UI's default language), never the English one."""
    with translation.override("en"):
        english = str(GiftListState(state).label)
    with translation.override("vi"):
        label = str(GiftListState(state).label)
    assert label != english, f"no Vietnamese label for {state!r}"
    return label


def import_file(path: Path) -> list[str]:
    """The import template's columns, one new poor person of the commune per row."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([title for _key, title, _width in COLUMNS])
    ids = []
    for i, (name, born, sex) in enumerate(PEOPLE, start=1):
        nid = national_id_for(born, sex)
        ids.append(nid)
        values = {
            "stt": i,
            "full_name": name,
            "date_of_birth": born.strftime("%d/%m/%Y"),
            "sex": "Nam" if sex == "M" else "Nữ",
            "national_id": nid,
            "address": f"Thôn {i}",
            "categories": Category.POOR.value,
            "package": "tet-ngheo",
            "amount": AMOUNT,
            "note": "",
        }
        ws.append([values[key] for key, _title, _width in COLUMNS])
    wb.save(path)
    return ids


class Session(BrowserSession):
    shot_prefix = "gift"

    def no_error(self) -> None:
        assert self.page.locator(".alert-error").count() == 0, self.page.inner_text("main")

    def submit(self, selector: str) -> None:
        """Press a button that posts a form, and wait for the page that follows."""
        with self.page.expect_navigation():
            self.page.click(selector)
        self.no_error()

    def open_list(self, gift_list: GiftList) -> None:
        self.page.goto(f"{self.base}/gift-lists/{gift_list.pk}/")
        self.no_error()

    def act(self, action: str) -> None:
        """Press the list transition's button in the actions card."""
        self.submit(f"form[data-action='{action}'] button[type=submit]")
        assert re.search(r"/gift-lists/\d+/$", self.page.url), self.page.url

    def state(self) -> str:
        return self.page.inner_text("h1 .badge").strip()

    def download(self, testid: str, tmp: Path) -> Path:
        with self.page.expect_download() as info:
            self.page.click(f"[data-testid={testid}]")
        download = info.value
        assert download.failure() is None
        target = tmp / download.suggested_filename
        download.save_as(str(target))
        return target


def xlsx_texts(path: Path) -> list[Any]:
    wb = load_workbook(path)
    return [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row]


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_gift_list_goes_from_import_to_closed_in_the_browser(
    transactional_db, live_server, browser, users, communes, tmp_path
):
    campaign = Campaign.objects.create(
        code="tet-e2e", name="Tết Ất Tỵ 2025", year=2025, occasion_date=dt.date(2025, 1, 29)
    )
    GiftPackage.objects.create(
        campaign=campaign,
        code="tet-ngheo",
        name="Quà Thành phố hộ nghèo",
        source="city",
        amount=AMOUNT,
        categories=[Category.POOR],
    )
    GiftPackage.objects.create(
        campaign=campaign,
        code="tet-xa-a",
        name="Quà xã Phù Lỗ",
        source="commune",
        amount=200_000,
        commune=communes.a,
    )
    CampaignBudget.objects.create(campaign=campaign, source="city", allocated=50_000_000)
    CampaignBudget.objects.create(campaign=campaign, source="commune", allocated=10_000_000)
    upload = tmp_path / "danh-sach-tet.xlsx"
    national_ids = import_file(upload)
    names = [name for name, _born, _sex in PEOPLE]
    today = timezone.localdate().strftime("%d/%m/%Y")
    s = Session(browser, live_server.url)
    page = s.page

    # Commune officer: the campaign page, then their commune's new list.
    s.login("officer_a")
    with page.expect_navigation():
        page.click("nav a[href$='/campaigns/']")
    with page.expect_navigation():
        page.click(f"a[href$='/campaigns/{campaign.pk}/']")
    packages = page.inner_text("table[data-testid=packages]")
    assert "Quà Thành phố hộ nghèo" in packages and "500.000 đ" in packages
    assert "50.000.000 đ" in page.inner_text("table[data-testid=budgets]")
    s.shot("officer-campaign")
    s.submit("form[action$='/lists/'] button[data-testid=open-list]")
    gift_list = GiftList.objects.get(campaign=campaign, commune=communes.a)
    assert page.url.endswith(f"/gift-lists/{gift_list.pk}/")
    assert s.state() == state_label(GiftListState.PREPARING)

    # The import page: upload the file, back on the list page with its rows.
    with page.expect_navigation():
        page.click("[data-testid=import]")
    assert page.url.endswith(f"/gift-lists/{gift_list.pk}/import/")
    page.set_input_files("form[data-testid=import-form] input[type=file]", str(upload))
    s.shot("officer-import")
    s.submit("form[data-testid=import-form] button[type=submit]")
    assert page.url.endswith(f"/gift-lists/{gift_list.pk}/")
    assert page.locator(".alert-success").count() >= 1
    rows = page.inner_text("table[data-testid=rows]")
    for name, nid in zip(names, national_ids, strict=True):
        assert name in rows and nid in rows, name
    assert page.locator("table[data-testid=rows] tbody tr").count() == len(PEOPLE)
    assert page.inner_text("[data-testid=total-rows]").strip() == str(len(PEOPLE))
    assert page.inner_text("[data-testid=total-amount]").strip() == "2.000.000 đ"
    assert Person.objects.filter(national_id__in=national_ids).count() == len(PEOPLE)
    s.shot("officer-imported")
    s.act("submit")
    assert s.state() == state_label(GiftListState.SUBMITTED)
    s.logout()

    # Commune leader: confirms.
    s.login("leader_a")
    s.open_list(gift_list)
    s.act("confirm")
    assert s.state() == state_label(GiftListState.CONFIRMED)
    s.logout()

    # District specialist: reviews.
    s.login("specialist")
    s.open_list(gift_list)
    s.act("review")
    assert s.state() == state_label(GiftListState.REVIEWED)
    s.logout()

    # Office head: "approve every reviewed list" on the campaign page.
    s.login("head")
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    s.shot("head-campaign")
    s.submit("form[action$='/approve-lists/'] button[data-testid=approve-all]")
    assert page.url.endswith(f"/campaigns/{campaign.pk}/")
    assert page.locator("[data-testid=approve-all]").count() == 0
    lists = page.locator("table[data-testid=lists]")
    assert "Đã phê duyệt" in lists.inner_text()
    with page.expect_navigation():
        lists.locator(f"a[href$='/gift-lists/{gift_list.pk}/']").click()
    assert s.state() == "Đã phê duyệt"
    s.logout()

    # Commune officer: every remaining row delivered, then the distribution.
    s.login("officer_a")
    s.open_list(gift_list)
    form = page.locator("form[data-testid=deliver-all]")
    form.locator("[name=delivered_on]").fill(today)
    s.shot("officer-deliver")
    s.submit("form[data-testid=deliver-all] button[type=submit]")
    assert page.locator(".alert-success").count() >= 1
    assert page.locator("form[data-testid=deliver-all]").count() == 1  # still approved
    assert page.inner_text("table[data-testid=rows]").count(today) == len(PEOPLE)
    assert GiftRecipient.objects.filter(
        gift_list=gift_list, state=GiftRecipientState.DELIVERED
    ).count() == len(PEOPLE)
    s.act("record_distribution")
    assert s.state() == state_label(GiftListState.DISTRIBUTED)

    # The signature list, as Excel and as Word, names everyone and the total.
    xlsx_path = s.download("signature-xlsx", tmp_path)
    assert xlsx_path.suffix == ".xlsx"
    values = xlsx_texts(xlsx_path)
    texts = "\n".join(str(v) for v in values if v is not None)
    for name in names:
        assert name in texts, name
    assert f"Tổng cộng: {len(PEOPLE)} người" in texts
    assert TOTAL in values
    docx_path = s.download("signature-docx", tmp_path)
    assert docx_path.suffix == ".docx"
    text = docx_text(docx_path)
    for name in names:
        assert name in text, name
    assert f"Tổng cộng: {len(PEOPLE)} người" in text
    assert "2.000.000" in text
    s.shot("officer-distributed")
    s.logout()

    # Commune leader: closes the list.
    s.login("leader_a")
    s.open_list(gift_list)
    s.act("close")
    assert s.state() == "Đã đóng"
    assert page.locator("[data-testid=actions] [data-testid=no-actions]").count() == 1
    s.shot("leader-closed")

    gift_list.refresh_from_db()
    assert gift_list.state == GiftListState.CLOSED
    rows_db = GiftRecipient.objects.filter(gift_list=gift_list)
    assert rows_db.count() == len(PEOPLE)
    assert set(rows_db.values_list("state", flat=True)) == {GiftRecipientState.DELIVERED}
    assert set(rows_db.values_list("delivered_on", flat=True)) == {timezone.localdate()}
    assert sorted(rows_db.values_list("person__full_name", flat=True)) == sorted(names)
    assert sum(rows_db.values_list("amount", flat=True)) == TOTAL
    s.context.close()
