"""The audit trail reads in Vietnamese: every detail key has a label, every
code in the data reads as its model or table names it, counts and sizes are
written the Vietnamese way (the explorer, its exports and the timelines share
one presenter)."""

from __future__ import annotations

from functools import reduce
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.demo.base import PDF
from cases.housing.models import HousingKind, HousingProgram
from cases.housing.services import housing_case_update_draft
from cases.services import document_upload
from tests.conftest import sign_in
from tests.vietnamese.screen import english_words, raw_codes, visible_text
from workflows import audit
from workflows.audit_labels import document_label
from workflows.audit_presenter import EventPresenter
from workflows.models import AuditEvent


def _details(ev: AuditEvent, *, compact: bool = False) -> dict[str, str]:
    row = EventPresenter(None, compact=compact).row(AuditEvent.objects.get(pk=ev.pk))
    return dict(row.details)


def test_a_draft_edit_reads_program_and_kind_by_their_names(make_case: Any, users: Any) -> None:
    case = make_case()
    housing_case_update_draft(
        actor=users.officer,
        case=case,
        program=HousingProgram.POOR,
        kind=HousingKind.REPAIR,
        requested_amount=30_000_000,
    )
    edit = AuditEvent.objects.get(case_id=case.pk, event="edit")
    assert _details(edit) == {
        "Chương trình": "Người có công với cách mạng → Hộ nghèo",
        "Loại": "Xây mới → Sửa chữa",
        "Số tiền đề nghị": "80.000.000 đ → 30.000.000 đ",
    }


def test_an_upload_reads_its_document_by_name_and_its_size_and_checksum_by_label(
    make_case: Any, users: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    case = make_case(documents=False)
    document_upload(
        actor=users.officer,
        case=case,
        kind="giay_chung_nhan_qsdd",
        upload=SimpleUploadedFile("so-do.pdf", PDF, "application/pdf"),
    )
    upload = AuditEvent.objects.get(case_id=case.pk, event="document_upload")
    label, name = EventPresenter(None).row(upload).details[0]
    assert (label, name) == ("Giấy chứng nhận quyền sử dụng đất", "so-do.pdf")
    # Read without the upload's own line (as an event of a past version may be):
    # every key labelled, the size in KB and MB, never `size` or `sha256`.
    plain = audit.record(
        actor=users.officer,
        event="file_check",
        object_type="cases.document",
        object_id="1",
        data={"kind": "giay_chung_nhan_qsdd", "size": 31_500_000, "sha256": "ab" * 32},
    )
    assert _details(plain) == {
        "Loại": "Giấy chứng nhận quyền sử dụng đất",
        "Dung lượng tệp": "30,0 MB",
        "Mã kiểm tra SHA-256": "ab" * 32,
    }


def test_codes_in_the_data_of_other_events_read_as_words(users: Any, communes: Any) -> None:
    person = audit.record(
        actor=users.officer,
        commune_id=communes.a.pk,
        event="person_create",
        object_type="cases.person",
        object_id="7",
        data={"how": "gift_import", "gift_list": 3, "rows_read": 2000},
    )
    assert _details(person) == {
        "Cách thức": "nhập danh sách quà",
        "Danh sách quà": "3",
        "Số dòng đã đọc": "2.000",
    }
    report = audit.record(
        actor=users.head,
        event="report_download",
        object_type="cases.report",
        object_id="six-month",
        data={"document": "six_month_report.docx", "program": "ho_ngheo", "whatever": "x"},
    )
    assert _details(report) == {
        "Giấy tờ": "Báo cáo 6 tháng (.docx)",
        "Chương trình": "Hộ nghèo",
        "Chi tiết": "x",  # a key no table names yet: a label, never the key
    }
    revoke = audit.record(
        actor=None,
        event="role_revoke",
        object_type="auth.user",
        object_id="1",
        data={"username": "officer_a", "group": "commune_officer@00448"},
    )
    assert _details(revoke)["Vai trò"] == "Cán bộ LĐTBXH xã (00448)"


def test_a_gift_lists_own_events_read_as_sentences_with_vietnamese_numbers(
    users: Any, communes: Any
) -> None:
    def list_event(event: str, data: dict[str, Any]) -> AuditEvent:
        return audit.record(
            actor=users.officer,
            commune_id=communes.a.pk,
            event=event,
            object_type="cases.giftlist",
            object_id="5",
            data=data,
        )

    imported = list_event("gift_import", {"how": "import", "added": 1263, "sha256": "ab" * 32})
    exported = list_event("export", {"document": "signature_list.xlsx", "campaign": "tet"})
    assert EventPresenter(None).row(imported).details == [("", "Thêm 1.263 dòng (từ tệp)")]
    assert EventPresenter(None).row(exported).details == [("", "Danh sách ký nhận (.xlsx)")]


def test_a_recipient_row_moved_in_bulk_reads_its_step_state_and_reasons(
    users: Any, communes: Any
) -> None:
    row = audit.record(
        actor=users.officer,
        actor_role="commune_officer",
        commune_id=communes.a.pk,
        event="transition",
        transition="return_unclaimed",
        from_state="approved",
        to_state="returned",
        object_type="cases.giftrecipient",
        object_id="18",
        data={"return_reason": "moved", "signed_by": "recipient"},
    )
    read = EventPresenter(None).row(row)
    assert (read.action, read.from_label, read.to_label) == (
        "Không trao được quà",
        "Đã phê duyệt",
        "Chưa trao được",
    )
    assert read.object_label == "Dòng danh sách quà #18"
    assert dict(read.details) == {
        "Lý do chưa trao": "Đã chuyển đi",
        "Người ký nhận": "Người nhận",
    }


def test_document_names_read_by_their_label_and_format() -> None:
    assert document_label("signature_list.xlsx") == "Danh sách ký nhận (.xlsx)"
    assert document_label("reconciliation.docx") == "Bảng đối chiếu đợt tặng quà (.docx)"
    assert document_label("ho-so.pdf") == "ho-so.pdf"


def test_the_explorer_shows_no_code_of_the_events_it_lists(
    users: Any, communes: Any, make_case: Any
) -> None:
    case = make_case()
    housing_case_update_draft(
        actor=users.officer, case=case, kind=HousingKind.REPAIR, requested_amount=20_000_000
    )
    audit.record(
        actor=users.officer,
        commune_id=communes.a.pk,
        event="export",
        object_type="cases.giftlist",
        object_id="5",
        data={"document": "signature_list.xlsx", "campaign": "tet"},
    )
    client = sign_in(Client(), users.auditor)
    page = client.get(reverse("audit_explorer")).content.decode()
    names = get_user_model().objects.values_list("username", flat=True)
    texts = [reduce(lambda t, n: t.replace(n, ""), names, t) for t in visible_text(page)]
    assert not [t for t in texts if raw_codes(t) or english_words(t)]
    assert "Xây mới → Sửa chữa" in texts
    assert "Danh sách ký nhận (.xlsx)" in texts
