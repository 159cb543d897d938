"""An officer imports the list the office already keeps, in Chromium.

The file (tests/fixtures/imports/office_list_one_bad_row.xlsx) has a title
merged over the table, a blank row, the column titles without their hints,
and four people; one of them has a national ID whose leading zero was lost.
The import refuses the file and lists the bad row; the officer downloads the
file back with its "Lỗi" column, corrects the cell in it (openpyxl, as they
would in Excel) and imports it again: the list has all four people.
Screenshots go to /tmp/shots/import-*.png.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cases.gifts.models import Campaign, GiftListState, GiftPackage, GiftRecipient
from cases.gifts.services import gift_list_open
from cases.models import Category, Person
from cases.uploads.sheet_child import MARK_FILL
from tests.browser.session import BrowserSession
from tests.fixtures.imports import make_fixtures
from tests.fixtures.imports.make_fixtures import BAD_ID, BAD_ROW, PEOPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = Path(make_fixtures.__file__).parent / "office_list_one_bad_row.xlsx"
PEOPLE_IN_FILE = PEOPLE["office_list_one_bad_row.xlsx"]


class Session(BrowserSession):
    shot_prefix = "import"

    def upload(self, path: Path) -> None:
        page = self.page
        page.set_input_files("form[data-testid=import-form] input[type=file]", str(path))
        with page.expect_navigation():
            page.click("form[data-testid=import-form] button[type=submit]")

    def download(self, testid: str, tmp: Path) -> Path:
        with self.page.expect_download() as info:
            self.page.click(f"[data-testid={testid}]")
        download = info.value
        assert download.failure() is None
        target = tmp / download.suggested_filename
        download.save_as(str(target))
        return target


def test_an_officer_fixes_the_returned_error_file_and_imports_it(
    transactional_db, live_server, browser, users, communes, tmp_path
):
    campaign = Campaign.objects.create(
        code="tet-2025", name="Tết Ất Tỵ 2025", year=2025, occasion_date=dt.date(2025, 1, 29)
    )
    GiftPackage.objects.create(
        campaign=campaign,
        code="tet-ngheo",
        name="Quà Thành phố hộ nghèo",
        source="city",
        amount=500_000,
        categories=[Category.POOR],
    )
    gift_list = gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)
    bad = next(p for p in PEOPLE_IN_FILE if p.row == BAD_ROW)
    s = Session(browser, live_server.url)
    page = s.page

    s.login("officer_a")
    page.goto(f"{live_server.url}/gift-lists/{gift_list.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=import]")

    # The file as the office keeps it: refused, the bad row named with its reason.
    s.upload(FILE)
    errors = page.inner_text("[data-testid=import-errors]")
    assert str(BAD_ROW) in errors and "Số định danh cá nhân" in errors
    assert bad.national_id in errors  # the 12 digits it probably is
    assert page.locator(".alert-error").count() == 1
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 0
    s.shot("refused")

    # The same file back, marked; the officer corrects the cell in it.
    returned = s.download("error-file", tmp_path)
    wb = load_workbook(returned)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    loi = header.index("Lỗi") + 1
    assert ws.cell(row=BAD_ROW, column=loi).value.startswith("Số định danh cá nhân: ")
    id_column = header.index("Số định danh cá nhân") + 1
    assert ws.cell(row=BAD_ROW, column=id_column).value == BAD_ID
    assert ws.cell(row=BAD_ROW, column=id_column).fill.fgColor.rgb == MARK_FILL
    assert ws["A1"].value.startswith("DANH SÁCH")  # the title row is still there
    ws.cell(row=BAD_ROW, column=id_column).value = bad.national_id
    fixed = tmp_path / "danh-sach-da-sua.xlsx"
    wb.save(fixed)

    # Imported again: back on the list with all four people.
    page.goto(f"{live_server.url}/gift-lists/{gift_list.pk}/import/")
    s.upload(fixed)
    assert page.url.endswith(f"/gift-lists/{gift_list.pk}/"), page.url
    assert page.locator(".alert-error").count() == 0, page.inner_text("main")
    rows = page.inner_text("table[data-testid=rows]")
    for p in PEOPLE_IN_FILE:
        assert p.full_name in rows and p.national_id in rows, p.full_name
    assert page.locator("table[data-testid=rows] tbody tr").count() == len(PEOPLE_IN_FILE)
    assert page.inner_text("[data-testid=total-amount]").strip() == "2.000.000 đ"
    s.shot("imported")
    s.logout()

    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == len(PEOPLE_IN_FILE)
    elder = Person.objects.get(national_id=PEOPLE_IN_FILE[-1].national_id)
    assert (elder.birth_year_only, elder.birth_date_display) == (True, "1945")
    gift_list.refresh_from_db()
    assert gift_list.state == GiftListState.PREPARING
    s.context.close()
