"""The case page: content, scope, actions, transitions and their errors, uploads."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.demo.base import PDF
from cases.housing.models import HousingCase, HousingState
from cases.models import Document
from workflows.models import AuditEvent


def _post(client, case, name, data=None, expected_state=None):
    payload = {"expected_state": expected_state or case.state, **(data or {})}
    return client.post(reverse("case_transition", args=[case.pk, name]), payload)


def _state(case):
    return HousingCase.objects.values_list("state", flat=True).get(pk=case.pk)


def test_case_page_shows_household_amounts_documents_timeline_and_diagram(
    make_case, users, client_for
):
    case = make_case(HousingState.PARTIALLY_DISBURSED)
    response = client_for(users.officer).get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html
    assert case.applicant.full_name in html and case.applicant.national_id in html
    assert "80.000.000 đ" in html and "40.000.000 đ" in html  # approved, disbursed
    assert "123/QĐ-UBND" in html
    for label in ("Đơn đề nghị hỗ trợ nhà ở", "Ảnh hiện trạng nhà ở"):
        assert label in html
    assert html.count("✓ Đã có") == 4
    # Timeline: every step in Vietnamese, who and when.
    for action in ("Tạo hồ sơ", "Nộp hồ sơ", "Xác nhận (cấp xã)", "Thẩm định (cấp huyện)"):
        assert action in html
    assert "Phê duyệt" in html and "Ghi nhận chi trả" in html
    assert timezone.localtime().strftime("%d/%m/%Y") in html
    # Budget and payments.
    assert "Ngân sách thành phố" in html
    assert 'data-state="partially_disbursed"' in html
    assert "current" in html


def test_missing_documents_are_marked_missing(make_case, users, client_for):
    case = make_case(HousingState.DRAFT, documents=False)
    html = client_for(users.officer).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert html.count("✗ Thiếu") == 4


def test_other_commune_gets_404_for_the_case_and_its_documents(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    client = client_for(users.officer_b)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    doc = Document.objects.filter(case=case).first()
    url = reverse("case_document_download", args=[case.pk, doc.pk])
    assert client.get(url).status_code == 404
    assert client_for(users.officer).get(url).status_code == 200
    assert _post(client, case, "verify").status_code == 404
    assert _state(case) == HousingState.SUBMITTED


def test_only_the_actions_the_user_may_take_are_shown(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    url = reverse("case_detail", args=[case.pk])

    def actions(user):
        html = client_for(user).get(url).content.decode()
        return {
            n
            for n in ("verify", "return_for_correction", "reject", "withdraw", "review")
            if f'data-action="{n}"' in html
        }

    assert actions(users.leader) == {"verify", "return_for_correction", "reject"}
    assert actions(users.officer) == {"withdraw"}
    assert actions(users.specialist) == set()
    assert actions(users.auditor) == set()


def test_leader_verifies_by_post_and_the_state_and_audit_trail_move(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    client = client_for(users.leader)
    response = _post(client, case, "verify")
    assert response.status_code == 302
    assert _state(case) == HousingState.COMMUNE_VERIFIED
    event = AuditEvent.objects.filter(case_id=case.pk, transition="verify").get()
    assert event.actor_id == users.leader.pk and event.actor_role == "commune_leader"
    page = client.get(response["Location"]).content.decode()
    assert "Xã đã xác nhận" in page


def test_review_accepts_money_typed_with_dots(make_case, users, client_for):
    case = make_case(HousingState.COMMUNE_VERIFIED)
    response = _post(
        client_for(users.specialist), case, "review", {"assessed_amount": "75.500.000"}
    )
    assert response.status_code == 302
    assert HousingCase.objects.get(pk=case.pk).assessed_amount == 75_500_000


def test_amount_over_the_cap_is_a_400_with_the_message_on_the_field(make_case, users, client_for):
    case = make_case(HousingState.COMMUNE_VERIFIED)
    response = _post(
        client_for(users.specialist), case, "review", {"assessed_amount": "90.000.000"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "vượt mức trần 80.000.000 đ" in html
    assert 'value="90.000.000"' in html  # the form keeps what was typed
    assert _state(case) == HousingState.COMMUNE_VERIFIED


def test_missing_reason_is_a_400(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    response = _post(client_for(users.leader), case, "return_for_correction", {"reason": " "})
    assert response.status_code == 400
    assert "Vui lòng nêu lý do" in response.content.decode()
    assert _state(case) == HousingState.SUBMITTED


def test_wrong_state_post_is_a_409_with_a_vietnamese_message(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    response = _post(client_for(users.leader), case, "verify")
    assert response.status_code == 409
    html = response.content.decode()
    assert "không thực hiện được khi hồ sơ đang ở trạng thái" in html
    assert _state(case) == HousingState.DRAFT


def test_stale_page_post_is_a_409_asking_to_reload(make_case, users, client_for):
    case = make_case(HousingState.COMMUNE_VERIFIED)
    # The leader's page still showed "submitted"; the case has moved on since.
    response = _post(
        client_for(users.leader), case, "return_for_correction", {"reason": "x"}, "submitted"
    )
    assert response.status_code == 409
    assert "Có người vừa thay đổi hồ sơ này" in response.content.decode()
    assert _state(case) == HousingState.COMMUNE_VERIFIED


def test_role_that_may_not_act_gets_403(make_case, users, client_for):
    case = make_case(HousingState.DISTRICT_REVIEWED)
    data = {
        "decision_number": "1/QĐ",
        "decision_date": timezone.localdate().strftime("%d/%m/%Y"),
        "approved_amount": "80.000.000",
    }
    for user in (users.specialist, users.auditor, users.accountant):
        response = _post(client_for(user), case, "approve", data)
        assert response.status_code == 403, user.username
        assert "Vai trò của bạn không được phép" in response.content.decode()
    assert _state(case) == HousingState.DISTRICT_REVIEWED


def test_separation_of_duties_is_a_403_explained_in_vietnamese(make_case, users, client_for):
    case = make_case(HousingState.APPROVED)
    # Whoever approved may not pay: give the approving head the accountant role too.
    from workflows.permissions import Role, forget_scope
    from workflows.services import role_grant

    role_grant(actor=None, username=users.head.username, role=Role.ACCOUNTANT)
    forget_scope(users.head)
    response = _post(
        client_for(users.head),
        case,
        "disburse",
        {"amount": "10.000.000", "paid_on": timezone.localdate().strftime("%d/%m/%Y")},
    )
    assert response.status_code == 403
    assert "Phân tách nhiệm vụ" in response.content.decode()
    assert _state(case) == HousingState.APPROVED


def test_unknown_transition_is_a_409(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    response = _post(client_for(users.leader), case, "teleport")
    assert response.status_code == 409


def test_reloading_a_transition_url_leads_back_to_the_case_without_acting(
    make_case, users, client_for
):
    case = make_case(HousingState.SUBMITTED)
    url = reverse("case_transition", args=[case.pk, "verify"])
    response = client_for(users.leader).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    case.refresh_from_db()
    assert case.state == HousingState.SUBMITTED


def test_opening_a_case_marks_its_notifications_read(make_case, users, client_for):
    from notifications.models import Notification

    case = make_case(HousingState.SUBMITTED)
    unread = Notification.objects.filter(recipient=users.leader, case=case, read_at=None)
    assert unread.count() == 1
    client_for(users.leader).get(reverse("case_detail", args=[case.pk]))
    assert unread.count() == 0


def test_another_communes_case_page_does_not_touch_its_notifications(make_case, users, client_for):
    from notifications.models import Notification

    case = make_case(HousingState.SUBMITTED)
    assert client_for(users.leader_b).get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert Notification.objects.filter(case=case, read_at=None).count() >= 1


def test_submit_without_documents_is_refused_with_the_missing_list(make_case, users, client_for):
    case = make_case(HousingState.DRAFT, documents=False)
    response = _post(client_for(users.officer), case, "submit")
    assert response.status_code == 400
    assert "Còn thiếu giấy tờ bắt buộc" in response.content.decode()
    assert _state(case) == HousingState.DRAFT


def test_upload_of_a_wrong_type_file_shows_the_error_and_stores_nothing(
    make_case, users, client_for
):
    case = make_case(HousingState.DRAFT, documents=False)
    fake = SimpleUploadedFile("don_de_nghi.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client_for(users.officer).post(
        reverse("case_document_upload", args=[case.pk]), {"kind": "don_de_nghi", "file": fake}
    )
    assert response.status_code == 400
    assert "Chỉ nhận tệp PDF, JPG, PNG hoặc DOCX" in response.content.decode()
    assert not Document.objects.filter(case=case).exists()


def test_upload_of_a_pdf_stores_it_and_ticks_the_checklist(make_case, users, client_for):
    case = make_case(HousingState.DRAFT, documents=False)
    client = client_for(users.officer)
    response = client.post(
        reverse("case_document_upload", args=[case.pk]),
        {"kind": "don_de_nghi", "file": SimpleUploadedFile("don.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302
    doc = Document.objects.get(case=case)
    assert doc.kind == "don_de_nghi" and len(doc.sha256) == 64
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert html.count("✗ Thiếu") == 3


def test_leader_cannot_upload(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    before = Document.objects.filter(case=case).count()
    response = client_for(users.leader).post(
        reverse("case_document_upload", args=[case.pk]),
        {"kind": "don_de_nghi", "file": SimpleUploadedFile("d.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 403
    assert Document.objects.filter(case=case).count() == before
