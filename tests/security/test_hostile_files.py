"""Hostile uploads are read within bounds (cases.uploads): each is refused with
a stable code on the service, the import page (in Vietnamese) and the API, with
nothing written, and the test process lives on, even when the parser behind
the caps is made to run out of memory or time. A sane file still imports."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx import Document as WordDocument

from cases.gifts import services as gifts
from cases.gifts.import_rows import COLUMNS
from cases.gifts.imports import gift_import
from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
from cases.housing.models import HousingState
from cases.models import Category, Document, Person
from cases.services import document_upload
from tests.conftest import api_token, sign_in
from tests.factories import national_id_for
from tests.security import hostile as h
from workflows.exceptions import InvalidData
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
BORN = dt.date(1960, 5, 17)
HEADER = [title for _k, title, _w in COLUMNS]


def good_row() -> list[Any]:
    """A new, poor person of commune A in the city's package."""
    nid = national_id_for(BORN, "M")
    return [
        1,
        "Nguyễn Văn Mới",
        "17/05/1960",
        "Nam",
        nid,
        "Thôn 2",
        "ho_ngheo",
        "tp-ngheo",
        10**6,
        "",
    ]


# --- the hostile workbooks: (builder, code, reason) ---------------------------------------


def one_sheet(body: str, **parts: Any) -> bytes:
    return h.xlsx_of(h.workbook_parts(h.sheet_xml([], body=body), **parts))


def far_cell_a1_xfd1048576() -> bytes:  # the report's 4.8 KB file: 549 GB to read
    return h.openpyxl_xlsx([HEADER], far_cell="XFD1048576")


def far_cell_a1_z1048576() -> bytes:  # 1.1 GB and 3 s to read
    return h.openpyxl_xlsx([HEADER], far_cell="Z1048576")


def far_cell_without_dimension() -> bytes:
    # No <dimension>, and the far cell's row declares no number: its own
    # reference alone says where it is.
    return one_sheet(f'<row r="1">{h.cell("A1", "x")}</row><row>{h.cell("XFD1048576", "y")}</row>')


def far_cell_glued_to_the_previous_attribute() -> bytes:
    # Not well-formed (no space before r=), but the reader accepts it.
    glued = '<c t="inlineStr"r="XFD1048576"><is><t>y</t></is></c>'
    return one_sheet(f'<row r="1">{h.cell("A1", "x")}{glued}</row>')


def row_wider_than_the_caps() -> bytes:  # 65 cells, none with a reference
    return one_sheet('<row r="1">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 65 + "</row>")


def shared_strings_declaring_four_billion() -> bytes:  # 1 KB; the reader reserves 96 GB
    sst = (
        f'<sst xmlns="{h.MAIN}" count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>'
    )
    return one_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=sst.encode())


def _bomb(lying: bool) -> bytes:
    parts = h.workbook_parts(h.sheet_xml([HEADER]))
    del parts["xl/worksheets/sheet1.xml"]
    bomb = h.zeros_bomb("xl/worksheets/sheet1.xml", gib=3)
    if lying:  # the zip says 1 KB; the stream inflates to 3 GiB
        bomb.size = 1024
    return h.xlsx_of(parts, raw=[bomb])


def zip_bomb_of_3_gib() -> bytes:
    return _bomb(lying=False)


def zip_bomb_lying_about_its_size() -> bytes:
    return _bomb(lying=True)


def sheet_nested_a_million_deep() -> bytes:
    return one_sheet(h.nested(1_000_000))


def workbook_nested_ten_thousand_deep() -> bytes:
    workbook = h.nested(10_000, "workbook").encode()
    return h.xlsx_of(h.workbook_parts(h.sheet_xml([HEADER]), workbook=workbook))


def billion_laughs_in_the_sheet() -> bytes:
    laughs = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    sheet = h.sheet_xml([], prolog=h.billion_laughs("worksheet"), body=laughs)
    return h.xlsx_of(h.workbook_parts(sheet))


def billion_laughs_in_the_workbook() -> bytes:
    workbook = h.billion_laughs("workbook") + f'<workbook xmlns="{h.MAIN}">&lol9;</workbook>'
    return h.xlsx_of(h.workbook_parts(h.sheet_xml([HEADER]), workbook=workbook.encode()))


def xls_named_xlsx() -> bytes:
    return h.OLE2_HEADER + bytes(4096)


def csv_named_xlsx() -> bytes:
    return "STT,Họ và tên\n1,Nguyễn Văn Mới\n".encode()


def html_named_xlsx() -> bytes:
    return b"<html><body><table><tr><td>STT</td></tr></table></body></html>"


HOSTILE: list[tuple[Callable[[], bytes], str, str]] = [
    (far_cell_a1_xfd1048576, "file_sheet_too_large", "declared_dimension"),
    (far_cell_a1_z1048576, "file_sheet_too_large", "declared_dimension"),
    (far_cell_without_dimension, "file_sheet_too_large", "cell_reference"),
    (far_cell_glued_to_the_previous_attribute, "file_sheet_too_large", "cell_reference"),
    (row_wider_than_the_caps, "file_sheet_too_large", "real_extent"),
    (shared_strings_declaring_four_billion, "file_sheet_too_large", "shared_strings"),
    (zip_bomb_of_3_gib, "file_unsafe", "compression_ratio"),
    (zip_bomb_lying_about_its_size, "file_unsafe", "crc"),
    (sheet_nested_a_million_deep, "file_unsafe", "compression_ratio"),
    (workbook_nested_ten_thousand_deep, "file_unsafe", "nesting"),
    (billion_laughs_in_the_sheet, "file_unsafe", "dtd"),
    (billion_laughs_in_the_workbook, "file_unsafe", "dtd"),
    (xls_named_xlsx, "file_type", "ole2_xls"),
    (csv_named_xlsx, "file_type", "not_zip"),
    (html_named_xlsx, "file_type", "not_zip"),
]
# What the officer reads, in Vietnamese, for each reason.
VIETNAMESE = {
    "declared_dimension": "Trang tính có dữ liệu tới ô",
    "cell_reference": "Trang tính có dữ liệu tới ô XFD1048576",
    "real_extent": "Trang tính có dữ liệu tới ô BM1",
    "shared_strings": "chuỗi văn bản khác nhau",
    "compression_ratio": "có cấu trúc mà tệp Excel, Word thông thường không bao giờ có",
    "crc": "có cấu trúc mà tệp Excel, Word thông thường không bao giờ có",
    "nesting": "có cấu trúc mà tệp Excel, Word thông thường không bao giờ có",
    "dtd": "có cấu trúc mà tệp Excel, Word thông thường không bao giờ có",
    "ole2_xls": "Đây là tệp Excel 97-2003 (.xls)",
    "not_zip": "Chỉ nhận tệp .xlsx (Excel 2007 trở lên) lập theo mẫu.",
}
IDS = [builder.__name__ for builder, _code, _reason in HOSTILE]


@functools.cache
def built(builder: Callable[[], bytes]) -> bytes:
    return builder()


@pytest.fixture
def gift_list(users: SimpleNamespace, communes: SimpleNamespace) -> GiftList:
    campaign = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    GiftPackage.objects.create(
        campaign=campaign, code="tp-ngheo", name="Quà TP", source="city", amount=1_000_000,
        categories=[Category.POOR],
    )  # fmt: skip
    return gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)


def written() -> tuple[int, int, int]:
    return GiftRecipient.objects.count(), Person.objects.count(), AuditEvent.objects.count()


def upload(blob: bytes, name: str = "danh-sach.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, blob, "application/octet-stream")


def import_refused(users: Any, gift_list: GiftList, blob: bytes) -> InvalidData:
    before = written()
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload(blob))
    assert written() == before
    assert exc.value.fields["file"] == [str(exc.value.message)]
    return exc.value


def page_url(gift_list: GiftList) -> str:
    return reverse("gift_list_import", kwargs={"pk": gift_list.pk})


def api_url(gift_list: GiftList) -> str:
    return f"/api/v1/gift-lists/{gift_list.pk}/import/"


def api_client(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}")


# --- the gift-list import: service, page, API ---------------------------------------------


@pytest.mark.parametrize(("builder", "code", "reason"), HOSTILE, ids=IDS)
def test_each_hostile_workbook_is_refused_with_its_code_and_nothing_is_written(
    users, gift_list, builder, code, reason
):
    error = import_refused(users, gift_list, built(builder))
    assert (error.code, error.extra["reason"]) == (code, reason)


@pytest.mark.parametrize(("builder", "code", "reason"), HOSTILE, ids=IDS)
def test_the_import_page_answers_each_hostile_workbook_in_vietnamese(
    users, gift_list, builder, code, reason
):
    client = sign_in(Client(), users.officer)  # signing in is audited: count after it
    before = written()
    response = client.post(page_url(gift_list), {"file": upload(built(builder))})
    assert response.status_code == 400
    assert VIETNAMESE[reason] in response.content.decode()
    assert written() == before


@pytest.mark.parametrize(("builder", "code", "reason"), HOSTILE, ids=IDS)
def test_the_api_answers_each_hostile_workbook_with_its_stable_code(
    users, gift_list, builder, code, reason
):
    client = api_client(users.officer)
    before = written()
    response = client.post(api_url(gift_list), {"file": upload(built(builder))})
    body = response.json()
    assert response.status_code == 400, body
    assert (body["code"], body["reason"]) == (code, reason)
    assert body["fields"]["file"] == [body["message"]] and body["message"]
    assert written() == before


def test_a_sane_workbook_still_imports_on_the_page_and_through_the_api(users, gift_list):
    response = sign_in(Client(), users.officer).post(
        page_url(gift_list), {"file": upload(h.openpyxl_xlsx([HEADER, good_row()]))}
    )
    assert response.status_code == 302
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 1
    second = good_row()
    second[1], second[4] = "Trần Văn Hai", national_id_for(BORN, "M")
    response = api_client(users.officer).post(
        api_url(gift_list), {"file": upload(h.openpyxl_xlsx([HEADER, second]))}
    )
    assert response.status_code == 201, response.content
    assert response.json()["imported"] == 1
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 2


def test_the_hand_made_workbook_the_hostile_ones_start_from_imports(users, gift_list):
    """So each refusal above is the hostile part's doing, not the builder's."""
    blob = h.xlsx_of(h.workbook_parts(h.sheet_xml([HEADER, good_row()], dimension="A1:J2")))
    report = gift_import(actor=users.officer, gift_list=gift_list, upload=upload(blob))
    assert (report.rows_read, report.imported) == (1, 1)


# --- each cap, from settings --------------------------------------------------------------


def test_more_shared_strings_than_the_cap_are_counted_and_refused(users, gift_list, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(1001))
    sst = f'<sst xmlns="{h.MAIN}">{strings}</sst>'.encode()  # no count declared
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    blob = h.xlsx_of(h.workbook_parts(h.sheet_xml([], body=body), shared_strings=sst))
    error = import_refused(users, gift_list, blob)
    assert (error.code, error.extra["reason"]) == ("file_sheet_too_large", "shared_strings")


def test_a_declared_dimension_over_the_cells_cap_is_refused(users, gift_list):
    blob = h.xlsx_of(h.workbook_parts(h.sheet_xml([HEADER], dimension="A1:BL40000")))
    error = import_refused(users, gift_list, blob)
    assert (error.code, error.extra["reason"]) == ("file_sheet_too_large", "declared_dimension")
    assert "2.560.000" in str(error.message)  # 64 columns x 40,000 rows


def test_rows_over_the_cap_are_refused_by_their_real_extent(users, gift_list, settings):
    settings.IMPORT_MAX_ROWS = 1000
    body = "".join(f'<row><c t="inlineStr"><is><t>{i}</t></is></c></row>' for i in range(1001))
    blob = h.xlsx_of(h.workbook_parts(h.sheet_xml([], body=body)))
    error = import_refused(users, gift_list, blob)
    assert (error.code, error.extra["reason"]) == ("file_sheet_too_large", "real_extent")


def test_a_package_inflating_over_the_cap_is_refused_before_it_is_read(users, gift_list, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10_000
    error = import_refused(users, gift_list, h.openpyxl_xlsx([HEADER, good_row()]))
    assert (error.code, error.extra["reason"]) == ("file_too_large", "uncompressed_size")


# --- behind the caps: the child process dies, the server does not ------------------------

LIFTED = {"IMPORT_MAX_ROWS": 2_000_000, "IMPORT_MAX_COLUMNS": 20_000, "IMPORT_MAX_CELLS": 10**12}


def test_the_549_GB_allocation_of_the_issue_kills_only_the_reader(users, gift_list, settings):
    """Caps lifted, the reader meets A1 + XFD1048576 as in the report: the
    allocation fails against the child's memory limit, the child aborts, the
    upload is refused and this process carries on."""
    for name, value in LIFTED.items():
        setattr(settings, name, value)
    blob = h.openpyxl_xlsx([HEADER], far_cell="XFD1048576")
    error = import_refused(users, gift_list, blob)
    assert (error.code, error.extra["reason"]) == ("file_too_large", "memory")


def test_a_reader_over_its_cpu_time_is_stopped(users, gift_list, settings):
    for name, value in LIFTED.items():
        setattr(settings, name, value)
    settings.IMPORT_PARSER_CPU_SECONDS = 1
    settings.IMPORT_PARSER_MEMORY_BYTES = 3 * 1024**3  # so that time, not memory, runs out
    blob = h.openpyxl_xlsx([HEADER], far_cell="Z1048576")  # 27 million cells
    error = import_refused(users, gift_list, blob)
    assert (error.code, error.extra["reason"]) == ("file_parse_timeout", "cpu_time")


def test_a_reader_over_its_wall_clock_time_is_killed(users, gift_list, settings):
    settings.IMPORT_PARSER_TIMEOUT_SECONDS = 0.001
    error = import_refused(users, gift_list, h.openpyxl_xlsx([HEADER, good_row()]))
    assert (error.code, error.extra["reason"]) == ("file_parse_timeout", "wall_clock")


# --- document uploads: .docx sniffing within bounds -----------------------------------------


def _word_document() -> bytes:
    out = io.BytesIO()
    doc = WordDocument()
    doc.add_paragraph("Đơn đề nghị hỗ trợ nhà ở")
    doc.save(out)
    return out.getvalue()


def docx_zip_bomb() -> bytes:
    parts = {k: v for k, v in h.docx_parts().items() if k != "word/document.xml"}
    return h.docx_of(parts, raw=[h.zeros_bomb("word/document.xml", gib=3)])


def docx_with_billion_laughs() -> bytes:
    types = h.billion_laughs("Types") + "<Types>&lol9;</Types>"
    return h.docx_of(h.docx_parts(content_types=types.encode()))


def docx_that_is_an_xlsx() -> bytes:
    return h.openpyxl_xlsx([["x"]])


def docx_that_is_a_doc() -> bytes:  # Word 97-2003: the same OLE2 container as .xls
    return h.OLE2_HEADER + bytes(4096)


def docx_that_is_html() -> bytes:
    return b"<html><body>Don de nghi</body></html>"


HOSTILE_DOCUMENTS: list[tuple[Callable[[], bytes], str, str]] = [
    (docx_zip_bomb, "file_unsafe", "compression_ratio"),
    (docx_with_billion_laughs, "file_unsafe", "dtd"),
    (docx_that_is_an_xlsx, "file_type", "not_ooxml"),
    (docx_that_is_a_doc, "file_type", "unknown_signature"),
    (docx_that_is_html, "file_type", "unknown_signature"),
]
DOC_IDS = [builder.__name__ for builder, _code, _reason in HOSTILE_DOCUMENTS]


@pytest.fixture
def draft(make_case: Any) -> Any:
    return make_case(HousingState.DRAFT, documents=False)


def stored(case: Any) -> tuple[int, int]:
    return Document.objects.filter(case=case).count(), AuditEvent.objects.count()


@pytest.mark.parametrize(("builder", "code", "reason"), HOSTILE_DOCUMENTS, ids=DOC_IDS)
def test_each_hostile_docx_is_refused_with_its_code_and_nothing_is_stored(
    users, draft, builder, code, reason
):
    before = stored(draft)
    with pytest.raises(InvalidData) as exc:
        document_upload(
            actor=users.officer, case=draft, kind="don_de_nghi",
            upload=upload(built(builder), "don.docx"),
        )  # fmt: skip
    assert (exc.value.code, exc.value.extra["reason"]) == (code, reason)
    assert exc.value.fields["file"] == [str(exc.value.message)]
    assert stored(draft) == before


@pytest.mark.parametrize(("builder", "code", "reason"), HOSTILE_DOCUMENTS, ids=DOC_IDS)
def test_the_documents_api_answers_each_hostile_docx_with_its_stable_code(
    users, draft, builder, code, reason
):
    client = api_client(users.officer)
    before = stored(draft)
    response = client.post(
        f"/api/v1/cases/{draft.pk}/documents/",
        {"kind": "don_de_nghi", "file": upload(built(builder), "don.docx")},
    )
    body = response.json()
    assert response.status_code == 400, body
    assert (body["code"], body["reason"]) == (code, reason)
    assert stored(draft) == before


def test_the_case_page_answers_a_docx_zip_bomb_in_vietnamese(users, draft):
    client = sign_in(Client(), users.officer)
    before = stored(draft)
    response = client.post(
        reverse("case_document_upload", args=[draft.pk]),
        {"kind": "don_de_nghi", "file": upload(built(docx_zip_bomb), "don.docx")},
    )
    assert response.status_code == 400
    assert VIETNAMESE["compression_ratio"] in response.content.decode()
    assert stored(draft) == before


def test_an_oversized_docx_is_refused_before_it_is_opened(users, draft, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    blob = _word_document()
    with pytest.raises(InvalidData) as exc:
        document_upload(
            actor=users.officer, case=draft, kind="don_de_nghi", upload=upload(blob, "don.docx")
        )
    assert (exc.value.code, exc.value.extra["reason"]) == ("file_too_large", "upload_size")
    assert not Document.objects.filter(case=draft).exists()


def test_a_word_document_is_still_accepted(users, draft):
    doc = document_upload(
        actor=users.officer, case=draft, kind="don_de_nghi",
        upload=upload(_word_document(), "don.docx"),
    )  # fmt: skip
    assert doc.content_type.endswith("wordprocessingml.document")
