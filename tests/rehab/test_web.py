"""The drug-rehab pages: the purpose prompt and read log, masked IDs in the
list, 404 for every other role, the 2025 route clicked through, exports with
their own permission, and the auditors' "who read this record" page."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from cases.models import Document, DocumentRequirement
from cases.rehab.models import ReferralState, RehabReferral
from cases.rehab.services import referral_create, rehab_person
from tests.conftest import PASSWORD, second_factor_given
from tests.factories import national_id_for
from tests.rehab.helpers import referral_filed_today
from workflows.models import AuditEvent

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def login(username: str) -> Client:
    client = Client()
    # The lockout (django-axes) checks every authentication against its request.
    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    # Office heads and accountants also give their second factor.
    return second_factor_given(client, get_user_model().objects.get(username=username))


@pytest.fixture
def referral(communes: SimpleNamespace, rehab_users: SimpleNamespace) -> RehabReferral:
    """A 2025-route referral in commune a, filed today by the head of police."""
    return referral_filed_today(communes.a, rehab_users.police)


def open_with_purpose(client: Client, case: Any, purpose: str = "handling") -> Any:
    response = client.post(reverse("rehab_open", args=[case.pk]), {"purpose": purpose})
    assert response.status_code == 302
    return client.get(reverse("rehab_detail", args=[case.pk]))


def test_opening_a_case_asks_why_and_logs_the_read(referral, rehab_users):
    client = login("police_a")
    prompt = client.get(reverse("rehab_detail", args=[referral.pk]))
    html = prompt.content.decode()
    assert prompt.status_code == 200
    assert 'data-testid="purpose-form"' in html
    assert "Trần Văn Nghiện" not in html  # nothing of the record before the purpose
    assert not AuditEvent.objects.filter(case_id=referral.pk, event="read").exists()

    refused = client.post(reverse("rehab_open", args=[referral.pk]), {"purpose": "other"})
    assert refused.status_code == 400
    assert "Nêu rõ" in refused.content.decode() or "lý do" in refused.content.decode()

    page = open_with_purpose(client, referral, "court")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Trần Văn Nghiện" in html
    read = AuditEvent.objects.get(case_id=referral.pk, event="read")
    assert read.actor == rehab_users.police
    assert read.data["purpose"] == "court"
    assert read.actor_role == "commune_police"
    # One opening, one read: the pages that follow (a reload, the page after an
    # action) belong to it; a new purpose is a new opening.
    client.get(reverse("rehab_detail", args=[referral.pk]))
    assert AuditEvent.objects.filter(case_id=referral.pk, event="read").count() == 1
    open_with_purpose(client, referral, "complaint")
    assert AuditEvent.objects.filter(case_id=referral.pk, event="read").count() == 2


def test_the_list_masks_national_ids(referral, rehab_users):
    html = login("rehab_a").get(reverse("rehab_list")).content.decode()
    nid = referral.applicant.national_id
    assert referral.reference in html
    assert nid not in html
    assert f"{nid[:3]}••••••{nid[-3:]}" in html


@pytest.mark.parametrize(
    "username",
    [
        "officer_a",
        "leader_a",
        "specialist",
        "head",
        "accountant",
        "auditor",
        "rehab_b",
        "police_b",
    ],
)
def test_every_other_role_gets_404_and_finds_nothing(referral, users, rehab_users, username):
    client = login(username)
    assert client.get(reverse("rehab_detail", args=[referral.pk])).status_code == 404
    assert (
        client.post(reverse("rehab_open", args=[referral.pk]), {"purpose": "handling"}).status_code
        == 404
    )
    # Not in the general case list or its search either.
    listing = client.get(reverse("case_list"), {"q": referral.applicant.national_id})
    assert referral.reference not in listing.content.decode()
    assert client.get(reverse("case_detail", args=[referral.pk])).status_code == 404


def test_general_roles_have_no_rehab_pages(users):
    for username in ["officer_a", "specialist", "head"]:
        client = login(username)
        assert client.get(reverse("rehab_list")).status_code == 404
        assert "Cai nghiện" not in client.get(reverse("case_list")).content.decode()


def test_the_2025_route_clicked_through_to_filing(referral, rehab_users, communes):
    client = login("police_a")
    open_with_purpose(client, referral)
    for req in DocumentRequirement.objects.filter(
        process="rehab_compulsory", program="2025", required=True
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(
            reverse("rehab_document_upload", args=[referral.pk]),
            {
                "kind": req.kind,
                "file": SimpleUploadedFile(f"{req.kind}.pdf", PDF, "application/pdf"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    assert Document.objects.filter(case_id=referral.pk).count() == 3
    from django.utils import timezone

    today = timezone.localdate()
    response = client.post(
        reverse("rehab_transition", args=[referral.pk, "notify"]),
        {
            "notified_on": today.strftime("%d/%m/%Y"),
            "pending_management": "family",
            "expected_state": "draft",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == ReferralState.NOTIFIED
    # Filing straight away is refused while the family may still read the dossier.
    refused = client.post(
        reverse("rehab_transition", args=[referral.pk, "file_with_court"]),
        {"court_name": "TAND huyện Sóc Sơn", "filed_on": today.strftime("%d/%m/%Y")},
    )
    assert refused.status_code == 400
    assert "đọc hồ sơ" in refused.content.decode()


def test_document_download_needs_the_purpose_and_is_logged(referral, users, rehab_users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login("police_a")
    open_with_purpose(client, referral)
    client.post(
        reverse("rehab_document_upload", args=[referral.pk]),
        {"kind": "mau_30", "file": SimpleUploadedFile("cv.pdf", PDF, "application/pdf")},
    )
    doc = Document.objects.get(case_id=referral.pk)
    other = login("rehab_a")
    url = reverse("rehab_document_download", args=[referral.pk, doc.pk])
    assert other.get(url).status_code == 302  # first say why
    open_with_purpose(other, referral, "supervision")
    before = AuditEvent.objects.filter(case_id=referral.pk, event="read").count()
    response = other.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(case_id=referral.pk, event="read").count() == before + 1
    assert login("officer_a").get(url).status_code == 404


def test_export_needs_its_own_permission_and_is_logged(referral, users, rehab_users):
    data = {"purpose": "reporting", "fmt": "csv"}
    assert login("district_rehab2").post(reverse("rehab_export"), data).status_code == 403
    assert login("officer_a").post(reverse("rehab_export"), data).status_code == 404
    client = login("district_rehab")
    missing_purpose = client.post(reverse("rehab_export"), {"fmt": "csv"})
    assert missing_purpose.status_code == 400
    # The list again, with the reason next to the form.
    assert referral.reference in missing_purpose.content.decode()
    assert 'data-testid="export" open' in missing_purpose.content.decode()
    response = client.post(reverse("rehab_export"), data)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == referral.reference
    assert referral.applicant.national_id in rows[1]
    event = AuditEvent.objects.get(event="export")
    assert event.actor == rehab_users.district_rehab
    assert event.data["rows"] == 1 and event.data["purpose"] == "reporting"


def test_auditor_sees_who_read_the_record_but_not_the_record(referral, users, rehab_users):
    open_with_purpose(login("police_a"), referral, "court")
    auditor = login("auditor")
    page = auditor.get(reverse("rehab_case_reads", args=[referral.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert referral.reference in html
    assert "Thử police_a" in html
    assert "Theo yêu cầu" in html or "Tòa án" in html
    assert "Trần Văn Nghiện" not in html
    assert referral.applicant.national_id not in html
    log = auditor.get(reverse("rehab_read_log"), {"case": referral.reference})
    assert log.status_code == 200 and "Thử police_a" in log.content.decode()
    assert auditor.get(reverse("rehab_detail", args=[referral.pk])).status_code == 404
    assert (
        login("officer_a").get(reverse("rehab_case_reads", args=[referral.pk])).status_code == 404
    )
    assert login("police_a").get(reverse("rehab_read_log")).status_code == 404


def test_under_twelve_is_refused_with_a_clear_message(communes, rehab_users):
    import datetime as dt

    from django.utils import timezone

    dob = timezone.localdate().replace(year=timezone.localdate().year - 11) - dt.timedelta(days=3)
    client = login("police_a")
    response = client.post(
        reverse("rehab_referral_create"),
        {
            "national_id": national_id_for(dob, "M"),
            "full_name": "Nguyễn Văn Nhỏ",
            "date_of_birth": dob.strftime("%d/%m/%Y"),
            "sex": "M",
            "commune": communes.a.pk,
            "ground": "not_registered",
        },
    )
    assert response.status_code == 400
    assert "dưới 12 tuổi" in response.content.decode()
    assert not RehabReferral.objects.exists()


def test_voluntary_case_page_works_at_every_step_for_the_rehab_officer(communes, rehab_users):
    """Regression: the decision form once borrowed the housing approval's defaults."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from cases.rehab.services import voluntary_create

    dob = dt.date(1995, 1, 5)
    subject = rehab_person(
        actor=rehab_users.rehab,
        commune=communes.a,
        national_id=national_id_for(dob, "M"),
        full_name="Hoàng Văn Tự",
        date_of_birth=dob,
        sex="M",
    )
    case = voluntary_create(
        actor=rehab_users.rehab, commune=communes.a, applicant=subject, setting="home"
    )
    client = login("rehab_a")
    open_with_purpose(client, case)
    for kind in ["don_dang_ky", "ket_qua_nghien"]:
        client.post(
            reverse("rehab_document_upload", args=[case.pk]),
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf")},
        )
    today = timezone.localdate().strftime("%d/%m/%Y")
    response = client.post(
        reverse("rehab_transition", args=[case.pk, "register"]), {"registered_on": today}
    )
    assert response.status_code == 302
    page = client.get(reverse("rehab_detail", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-action="approve"' in html
    assert f'value="{today}"' in html  # the decision date defaults to today


def test_a_second_open_referral_for_the_same_person_is_refused(referral, rehab_users, communes):
    from workflows.exceptions import InvalidData

    with pytest.raises(InvalidData) as refused:
        referral_create(
            actor=rehab_users.police,
            commune=communes.a,
            applicant=referral.applicant,
            ground="not_registered",
        )
    assert refused.value.code == "open_case_exists"
    assert referral.reference in str(refused.value.fields["national_id"][0])


def test_rehab_tasks_link_to_the_rehab_page_with_rehab_labels(referral, rehab_users):
    html = login("police_a").get(reverse("queue")).content.decode()
    assert reverse("rehab_detail", args=[referral.pk]) in html
    assert reverse("case_detail", args=[referral.pk]) not in html
    assert "Đang lập hồ sơ" in html
