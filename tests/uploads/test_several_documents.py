"""Several documents in one post, the type of each chosen by its row; all
stored or none; the limits stated before upload; a refusal beside the file,
at the top with a link to it, and the page brought back to it."""

from __future__ import annotations

import os
import re
from typing import Any

from django.urls import reverse

from cases.housing.models import HousingState
from cases.models import Document
from workflows.models import AuditEvent

from .conftest import HOUSING_KINDS, fake_pdf, pdf, png


def upload_url(case: Any) -> str:
    return reverse("case_document_upload", args=[case.pk])


def stored_files(settings: Any) -> list[str]:
    found = []
    for _root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found.extend(files)
    return found


def test_the_four_housing_documents_are_uploaded_in_one_post(
    make_case: Any, users: Any, client_for: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    client = client_for(users.officer)
    response = client.post(
        upload_url(case),
        {
            "file_don_de_nghi": pdf("don.pdf"),
            "file_giay_to_doi_tuong": pdf("cccd.pdf"),
            "file_anh_hien_trang": png("nha.png"),
            "file_giay_chung_nhan_qsdd": pdf("so_do.pdf"),
        },
    )
    assert response.status_code == 302
    kinds = dict(Document.objects.filter(case=case).values_list("original_name", "kind"))
    assert kinds == {
        "don.pdf": "don_de_nghi",
        "cccd.pdf": "giay_to_doi_tuong",
        "nha.png": "anh_hien_trang",
        "so_do.pdf": "giay_chung_nhan_qsdd",
    }
    assert AuditEvent.objects.filter(case_id=case.pk, event="document_upload").count() == 4
    page = client.get(response["Location"]).content.decode()
    assert "Đã tải lên 4 giấy tờ" in page
    assert page.count("✓ Đã có") == 4


def test_one_bad_file_refuses_the_lot_with_its_reason_beside_it_and_stores_nothing(
    make_case: Any, users: Any, client_for: Any, settings: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    events_before = AuditEvent.objects.filter(event="document_upload").count()
    response = client_for(users.officer).post(
        upload_url(case),
        {
            "file_don_de_nghi": pdf("don.pdf"),
            "file_giay_to_doi_tuong": fake_pdf("cccd.pdf"),
            "file_anh_hien_trang": png("nha.png"),
        },
    )
    assert response.status_code == 400
    assert not Document.objects.filter(case=case).exists()
    assert AuditEvent.objects.filter(event="document_upload").count() == events_before
    assert stored_files(settings) == []
    form = response.context["upload_form"]
    assert list(form.errors) == ["file_giay_to_doi_tuong"]
    [reason] = form.errors["file_giay_to_doi_tuong"]
    assert reason.startswith("“cccd.pdf”: Chỉ nhận tệp PDF, JPG, PNG hoặc DOCX")
    html = response.content.decode()
    assert "Chưa lưu tệp nào: 1 trong 3 tệp bị từ chối." in html


def test_every_refused_file_gets_its_own_reason(
    make_case: Any, users: Any, client_for: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 50
    case = make_case(HousingState.DRAFT, documents=False)
    response = client_for(users.officer).post(
        upload_url(case),
        {"file_don_de_nghi": png("don.png"), "file_anh_hien_trang": fake_pdf("nha.pdf")},
    )
    assert response.status_code == 400
    errors = response.context["upload_form"].errors
    assert set(errors) == {"file_don_de_nghi", "file_anh_hien_trang"}
    assert "giới hạn" in errors["file_don_de_nghi"][0] or "MB" in errors["file_don_de_nghi"][0]
    assert not Document.objects.filter(case=case).exists()


def test_the_refusal_is_at_the_top_with_a_link_to_the_field_and_the_field_is_focused(
    make_case: Any, users: Any, client_for: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    response = client_for(users.officer).post(
        upload_url(case), {"file_anh_hien_trang": fake_pdf("nha.pdf")}
    )
    html = response.content.decode()
    field_id = "id_upload_file_anh_hien_trang"
    top = html[
        html.index('data-testid="error"') : html.index("</div>", html.index('data-testid="error"'))
    ]
    assert f'href="#{field_id}"' in top
    assert "“nha.pdf”: Chỉ nhận tệp PDF" in top
    # Beside the field, described by it, and focused so that the page opens on it.
    field = re.search(rf'<input type="file"[^>]*id="{field_id}"[^>]*>', html)
    assert field is not None
    assert "autofocus" in field.group(0) and 'aria-invalid="true"' in field.group(0)
    assert f'id="{field_id}_error"' in html
    # Only one input is focused: the first refused one.
    assert html.count(" autofocus") == 1


def test_the_limits_are_stated_on_the_form_before_upload(
    make_case: Any, users: Any, client_for: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    html = client_for(users.officer).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Tối đa 10,0 MB mỗi tệp; PDF, JPG, PNG, DOCX" in html
    for kind in HOUSING_KINDS:
        assert f'name="file_{kind}"' in html
    assert "js/uploads.js" in html


def test_the_stated_limit_follows_the_setting(
    make_case: Any, users: Any, client_for: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024 + 512 * 1024
    case = make_case(HousingState.DRAFT, documents=False)
    html = client_for(users.officer).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Tối đa 5,5 MB mỗi tệp" in html
    assert f'data-max-bytes="{settings.MAX_UPLOAD_BYTES}"' in html


def test_posting_no_file_says_so_and_stores_nothing(
    make_case: Any, users: Any, client_for: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    response = client_for(users.officer).post(upload_url(case), {})
    assert response.status_code == 400
    assert "Hãy chọn ít nhất một tệp để tải lên." in response.content.decode()
    assert not Document.objects.filter(case=case).exists()


def test_the_upload_form_has_no_inline_script_or_style(
    make_case: Any, users: Any, client_for: Any
) -> None:
    case = make_case(HousingState.DRAFT, documents=False)
    html = client_for(users.officer).get(reverse("case_detail", args=[case.pk])).content.decode()
    form = html[
        html.index('id="upload-form"') : html.index("</form>", html.index('id="upload-form"'))
    ]
    assert " style=" not in form and " onchange=" not in form and "<script>" not in form
