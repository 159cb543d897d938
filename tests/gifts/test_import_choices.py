"""What the officer chooses and gets back when importing a gift list: hidden
rows reported and skipped or imported on request (never silently), on the
page and in the API; "only the valid rows" listing each skipped row with its
reasons; and the officer's own file back with a "Lỗi" column and the refused
cells in red, after any attempt, inline or (a long file) in the background."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cases.exports.models import ExportJob
from cases.exports.services import export_job_claim, export_job_run
from cases.gifts.import_attempts import attempt_get, gift_import_error_file
from cases.gifts.imports import HiddenRows, gift_import
from cases.gifts.models import GiftImportAttempt, GiftImportOutcome, GiftRecipient
from cases.uploads.sheet_child import MARK_FILL
from tests.conftest import api_token, sign_in
from tests.fixtures.imports import make_fixtures
from tests.fixtures.imports.make_fixtures import PEOPLE
from tests.gifts.test_import import HEADER, row
from workflows.exceptions import InvalidData, NotFound
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db
FIXTURES = Path(make_fixtures.__file__).parent
HIDDEN = PEOPLE["hidden_rows.xlsx"]


def hidden_file() -> Any:
    return SimpleUploadedFile("an-ẩn.xlsx", (FIXTURES / "hidden_rows.xlsx").read_bytes())


def listed(gift_list: Any) -> set[str]:
    return set(
        GiftRecipient.objects.filter(gift_list=gift_list).values_list(
            "person__national_id", flat=True
        )
    )


def titled_file(rows: list[list[Any]]) -> bytes:
    """A title merged over the list, the header on row 3, then `rows` from row 4;
    a number, a date-looking text and a formula among the values."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "DANH SÁCH ĐỐI TƯỢNG NHẬN QUÀ TẾT"
    ws.merge_cells("A1:J1")
    for column, title in enumerate(HEADER, start=1):
        ws.cell(row=3, column=column, value=title)
    for number, values in enumerate(rows, start=4):
        for column, value in enumerate(values, start=1):
            ws.cell(row=number, column=column, value=value)
    ws["L2"] = "=1+1"  # beside the list: stays a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "danh-sach-xa.xlsx") -> Any:
    return SimpleUploadedFile(name, content)


def web(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}")


def cells(content: bytes) -> dict[str, Any]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return {c.coordinate: c for r in ws.iter_rows() for c in r}


# --- hidden rows: the service -------------------------------------------------------


def test_hidden_rows_are_asked_about_and_nothing_is_imported(gift_list, users):
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=hidden_file())
    assert exc.value.code == "hidden_rows"
    assert [h["row"] for h in exc.value.extra["hidden_rows"]] == [3, 5]
    assert exc.value.fields["hidden_rows"]
    assert listed(gift_list) == set()
    attempt = GiftImportAttempt.objects.get(pk=exc.value.extra["attempt"])
    assert (attempt.outcome, attempt.hidden_rows) == (GiftImportOutcome.HIDDEN_ROWS, [3, 5])


@pytest.mark.parametrize(
    "choice,rows", [(HiddenRows.SKIP, {2, 4}), (HiddenRows.INCLUDE, {2, 3, 4, 5})]
)
def test_hidden_rows_are_skipped_or_imported_as_chosen(gift_list, users, choice, rows):
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=hidden_file(), hidden_rows=choice
    )
    assert listed(gift_list) == {p.national_id for p in HIDDEN if p.row in rows}
    assert (report.hidden_rows, report.hidden_rows_choice) == ([3, 5], choice)
    attempt = GiftImportAttempt.objects.get(pk=report.attempt)
    assert (attempt.outcome, attempt.hidden_rows_choice) == (GiftImportOutcome.IMPORTED, choice)
    event = AuditEvent.objects.get(event="gift_import", object_id=str(gift_list.pk))
    skipped, included = (2, 0) if choice == HiddenRows.SKIP else (0, 2)
    assert (event.data["hidden_rows_skipped"], event.data["hidden_rows_imported"]) == (
        skipped,
        included,
    )


def test_a_file_without_hidden_rows_imports_without_a_question(gift_list, users):
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=upload(titled_file([row()]))
    )
    assert (report.imported, report.hidden_rows) == (1, [])


# --- hidden rows: the page ------------------------------------------------------------


def test_the_page_lists_the_hidden_rows_then_imports_the_stored_file_as_chosen(gift_list, users):
    client = web(users.officer)
    url = reverse("gift_list_import", kwargs={"pk": gift_list.pk})
    page = client.post(url, {"file": hidden_file()})  # the choice left at "ask"
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-testid="hidden-rows"' in html
    for p in HIDDEN:
        assert (p.full_name in html) == (p.row in (3, 5))
    attempt = GiftImportAttempt.objects.get(gift_list=gift_list)

    # The question's own form: the file is not chosen again.
    response = client.post(url, {"attempt": attempt.pk, "hidden_rows": "skip"})
    assert response.status_code == 302
    assert response["Location"] == reverse("gift_list_detail", kwargs={"pk": gift_list.pk})
    assert listed(gift_list) == {p.national_id for p in HIDDEN if p.row in (2, 4)}
    assert GiftImportAttempt.objects.get(pk=attempt.pk).outcome == GiftImportOutcome.IMPORTED


def test_the_choice_on_the_form_imports_hidden_rows_at_once(gift_list, users):
    url = reverse("gift_list_import", kwargs={"pk": gift_list.pk})
    response = web(users.officer).post(url, {"file": hidden_file(), "hidden_rows": "include"})
    assert response.status_code == 302
    assert listed(gift_list) == {p.national_id for p in HIDDEN}


def test_another_officers_attempt_cannot_be_imported_again(gift_list, users):
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=hidden_file())
    url = reverse("gift_list_import", kwargs={"pk": gift_list.pk})
    response = web(users.officer2).post(
        url, {"attempt": exc.value.extra["attempt"], "hidden_rows": "include"}
    )
    assert response.status_code == 404
    assert listed(gift_list) == set()


# --- hidden rows: the API -------------------------------------------------------------


def test_the_api_asks_about_hidden_rows_and_takes_the_choice(gift_list, users):
    url = f"/api/v1/gift-lists/{gift_list.pk}/import/"
    client = api(users.officer)
    response = client.post(url, {"file": hidden_file()})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "hidden_rows"
    assert [h["row"] for h in body["hidden_rows"]] == [3, 5]
    assert GiftImportAttempt.objects.filter(pk=body["attempt"]).exists()  # kept: answered

    response = client.post(url, {"file": hidden_file(), "hidden_rows": "skip"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["imported"], body["hidden_rows"], body["hidden_rows_choice"]) == (
        2,
        [3, 5],
        "skip",
    )
    assert body["error_file_url"] is None


def test_the_api_refuses_an_unknown_hidden_rows_choice(gift_list, users):
    url = f"/api/v1/gift-lists/{gift_list.pk}/import/"
    response = api(users.officer).post(url, {"file": hidden_file(), "hidden_rows": "maybe"})
    assert response.status_code == 400
    assert "hidden_rows" in response.json()["fields"]


# --- only the valid rows: skipped rows with their reasons -----------------------------


def test_only_valid_lists_each_skipped_row_with_its_reason_on_the_page(gift_list, users):
    client = web(users.officer)
    content = titled_file([row(), row(stt=2, sex="?"), row(stt=3, package="khong-co")])
    url = reverse("gift_list_import", kwargs={"pk": gift_list.pk})
    response = client.post(url, {"file": upload(content), "only_valid": "on"})
    attempt = GiftImportAttempt.objects.get(gift_list=gift_list)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "gift_import_result", kwargs={"pk": gift_list.pk, "attempt": attempt.pk}
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="skipped-rows"' in html
    for error in attempt.errors:
        assert (
            f"<td>{error['row']}</td><td>{error['column']}</td><td>{error['message']}</td>" in html
        )
    assert [e["row"] for e in attempt.errors] == [5, 6]
    assert error_file_link(gift_list.pk, attempt.pk) in html


def error_file_link(gift_list_pk: int, attempt_pk: int) -> str:
    return reverse("gift_import_error_file", kwargs={"pk": gift_list_pk, "attempt": attempt_pk})


def test_only_valid_in_the_api_lists_the_skipped_rows_with_reasons_and_the_file(gift_list, users):
    url = f"/api/v1/gift-lists/{gift_list.pk}/import/"
    client = api(users.officer)
    content = titled_file([row(), row(stt=2, sex="?")])
    response = client.post(url, {"file": upload(content), "only_valid": "true"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(s["row"], s["code"]) for s in body["skipped"]] == [(5, "bad_sex")]
    assert body["skipped"][0]["message"]
    download = client.get(body["error_file_url"])
    assert download.status_code == 200
    marked = cells(b"".join(download.streaming_content))
    assert marked["K5"].value.endswith(body["skipped"][0]["message"])


# --- the file back with its refused rows marked ----------------------------------------


def test_a_refused_file_comes_back_with_a_loi_column_and_the_bad_cells_in_red(gift_list, users):
    content = titled_file([row(), row(stt=2, national_id="12345", sex="?"), row(stt=3)])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload(content))
    attempt = attempt_get(users.officer, gift_list.pk, exc.value.extra["attempt"])
    exported = gift_import_error_file(actor=users.officer, attempt=attempt)
    assert exported.filename == "danh-sach-xa-loi.xlsx"

    before, after = cells(content), cells(exported.content)
    assert after["K3"].value == "Lỗi"
    message = after["K5"].value
    assert after["K5"].data_type == "s"
    for error in exc.value.extra["rows"]:
        assert f"{error['column']}: {error['message']}" in message
    assert after["K4"].value is None and after["K6"].value is None
    # The failing cells (sex D5, national ID E5) and the message in red; not the others.
    red = {k for k, c in after.items() if c.fill.fgColor.rgb == MARK_FILL}
    assert red == {"K3", "D5", "E5", "K5"}
    # Every value of the officer's file as it was: numbers numbers, the formula a formula.
    for coordinate, cell in before.items():
        if cell.value is not None:
            assert after[coordinate].value == cell.value, coordinate
    assert after["L2"].data_type == "f"
    assert load_workbook(io.BytesIO(exported.content)).worksheets[0].merged_cells.ranges


def test_the_marked_file_fixed_and_uploaded_again_imports_and_is_marked_afresh(gift_list, users):
    good, bad = row(), row(stt=2, sex="?")
    content = titled_file([good, bad, row(stt=3, amount=1)])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload(content))
    attempt = attempt_get(users.officer, gift_list.pk, exc.value.extra["attempt"])
    marked = gift_import_error_file(actor=users.officer, attempt=attempt).content

    wb = load_workbook(io.BytesIO(marked))
    wb.worksheets[0]["D5"] = "Nam"  # row 5 fixed; row 6 still wrong
    fixed = io.BytesIO()
    wb.save(fixed)
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload(fixed.getvalue()))
    assert [e["row"] for e in exc.value.extra["rows"]] == [6]
    again = attempt_get(users.officer, gift_list.pk, exc.value.extra["attempt"])
    remarked = cells(gift_import_error_file(actor=users.officer, attempt=again).content)
    assert [k for k, c in remarked.items() if c.value == "Lỗi"] == ["K3"]  # the same column
    assert remarked["K5"].value is None and remarked["D5"].fill.fgColor.rgb != MARK_FILL
    assert remarked["K6"].value and remarked["I6"].fill.fgColor.rgb == MARK_FILL


def test_the_refused_page_offers_the_marked_file_and_the_valid_rows_of_the_same_file(
    gift_list, users
):
    client = web(users.officer)
    url = reverse("gift_list_import", kwargs={"pk": gift_list.pk})
    content = titled_file([row(), row(stt=2, sex="?")])
    page = client.post(url, {"file": upload(content)})
    assert page.status_code == 400
    attempt = GiftImportAttempt.objects.get(gift_list=gift_list)
    html = page.content.decode()
    link = error_file_link(gift_list.pk, attempt.pk)
    assert link in html and 'data-testid="only-valid-form"' in html
    download = client.get(link)
    assert download.status_code == 200
    assert cells(b"".join(download.streaming_content))["K5"].value

    response = client.post(url, {"attempt": attempt.pk, "only_valid": "on", "hidden_rows": "ask"})
    assert response.status_code == 302
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == 1


def test_only_the_officer_who_uploaded_the_file_gets_it_back(gift_list, users):
    with pytest.raises(InvalidData) as exc:
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=upload(titled_file([row(sex="?")]))
        )
    pk = exc.value.extra["attempt"]
    link = error_file_link(gift_list.pk, pk)
    assert web(users.officer2).get(link).status_code == 404
    assert web(users.officer_b).get(link).status_code == 404
    api_link = f"/api/v1/gift-lists/{gift_list.pk}/imports/{pk}/errors.xlsx"
    assert api(users.officer2).get(api_link).status_code == 404
    assert api(users.officer).get(api_link).status_code == 200


def test_a_file_with_no_refused_row_has_nothing_to_give_back(gift_list, users):
    report = gift_import(
        actor=users.officer, gift_list=gift_list, upload=upload(titled_file([row()]))
    )
    attempt = attempt_get(users.officer, gift_list.pk, report.attempt)
    with pytest.raises(NotFound):
        gift_import_error_file(actor=users.officer, attempt=attempt)


def test_a_long_files_marked_copy_is_made_in_the_background(gift_list, users, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    content = titled_file([row(), row(stt=2, sex="?")])
    with pytest.raises(InvalidData) as exc:
        gift_import(actor=users.officer, gift_list=gift_list, upload=upload(content))
    pk = exc.value.extra["attempt"]
    response = web(users.officer).get(error_file_link(gift_list.pk, pk))
    job = ExportJob.objects.get(kind="gift_import_errors")
    assert response.status_code == 302 and response["Location"] == reverse(
        "export_job", args=[job.pk]
    )
    api_answer = api(users.officer).get(
        f"/api/v1/gift-lists/{gift_list.pk}/imports/{pk}/errors.xlsx"
    )
    assert api_answer.status_code == 202
    done = export_job_run(export_job_claim(worker="w"), worker="w")
    assert (done.status, done.filename) == (ExportJob.Status.DONE, "danh-sach-xa-loi.xlsx")
    with done.file.open("rb") as f:
        assert cells(f.read())["K5"].value


def test_attempts_are_forgotten_after_their_keeping_time(gift_list, users, settings):
    from django.utils import timezone

    with pytest.raises(InvalidData):
        gift_import(
            actor=users.officer, gift_list=gift_list, upload=upload(titled_file([row(sex="?")]))
        )
    old = GiftImportAttempt.objects.get()
    GiftImportAttempt.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=8)
    )
    gift_import(actor=users.officer, gift_list=gift_list, upload=upload(titled_file([row()])))
    assert not GiftImportAttempt.objects.filter(pk=old.pk).exists()
