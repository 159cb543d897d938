"""Housing cases through the API: create, list, detail, documents, transitions.

Every domain error code comes out with its HTTP status, and another commune's
case is 404 on every endpoint, never revealing that it exists.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cases.housing.models import Budget, HousingCase, HousingProgram, HousingState
from cases.models import Document
from tests.conftest import PASSWORD
from tests.factories import PersonFactory
from workflows.models import AuditEvent
from workflows.services import role_grant

from .conftest import PNG, assert_error, case_url, pdf

pytestmark = pytest.mark.django_db
S = HousingState


def housing_body(person, **overrides):
    body = {
        "commune": person.commune.code,
        "applicant": person.pk,
        "program": "nguoi_co_cong",
        "kind": "repair",
        "requested_amount": 20_000_000,
        "description": "Mái dột",
    }
    body.update(overrides)
    return body


# --- create ---


def test_officer_opens_a_draft_case(api, users, config, applicant):
    r = api(users.officer).post("/api/v1/housing/", housing_body(applicant), format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    case = HousingCase.objects.get(pk=data["id"])
    assert case.state == S.DRAFT
    assert case.created_by == users.officer
    assert case.flow_process_id is not None
    assert data["reference"] == case.reference
    assert data["state"] == "draft"
    assert data["commune"]["code"] == "00448"
    assert data["applicant"]["id"] == applicant.pk
    assert data["amounts"] == {
        "requested": 20_000_000,
        "assessed": None,
        "approved": None,
        "disbursed": 0,
    }
    assert {t["name"] for t in data["available_transitions"]} == {"submit", "withdraw"}
    assert [d["present"] for d in data["required_documents"]] == [False] * 4
    assert AuditEvent.objects.filter(case_id=case.pk, event="create").count() == 1


@pytest.mark.parametrize("user", ["leader", "specialist", "head", "accountant", "auditor"])
def test_only_commune_officers_open_cases(user, api, users, config, applicant):
    r = api(getattr(users, user)).post("/api/v1/housing/", housing_body(applicant), format="json")
    assert_error(r, 403, "not_permitted")
    assert not HousingCase.objects.exists()


def test_officer_cannot_open_a_case_in_another_commune(api, users, config, communes):
    # A district specialist registered someone in commune b; officer a cannot file for them.
    person_b = PersonFactory(commune=communes.b)
    r = api(users.officer).post(
        "/api/v1/housing/", housing_body(person_b, applicant=person_b.pk), format="json"
    )
    # The applicant is invisible to officer a: a field error, exactly like an unknown id.
    body = assert_error(r, 400, "invalid", "applicant")
    unknown = api(users.officer).post(
        "/api/v1/housing/", housing_body(person_b, applicant=999999), format="json"
    )
    assert body["fields"]["applicant"][0].replace(str(person_b.pk), "N") == unknown.json()[
        "fields"
    ]["applicant"][0].replace("999999", "N")
    assert person_b.full_name not in r.content.decode()


def test_officer_filing_in_a_commune_not_theirs_is_403(api, users, config, applicant):
    r = api(users.officer).post(
        "/api/v1/housing/", housing_body(applicant, commune="00382"), format="json"
    )
    assert_error(r, 403, "not_permitted")


def test_applicant_outside_the_program_category_is_a_field_error(api, users, config, communes):
    person = PersonFactory(commune=communes.a, categories=["ho_ngheo"])
    r = api(users.officer).post("/api/v1/housing/", housing_body(person), format="json")
    assert_error(r, 400, "invalid", "applicant")


@pytest.mark.parametrize(
    "field, value",
    [
        ("requested_amount", 0),
        ("requested_amount", 1.5),
        ("requested_amount", "nhiều"),
        ("program", "vip"),
        ("kind", "palace"),
        ("commune", "99999"),
        ("applicant", "x"),
    ],
)
def test_bad_create_fields_are_field_errors(field, value, api, users, config, applicant):
    r = api(users.officer, language="vi").post(
        "/api/v1/housing/", housing_body(applicant, **{field: value}), format="json"
    )
    assert_error(r, 400, "invalid", field)


# --- list ---


def test_list_contains_only_own_commune_cases(api, users, make_case, make_case_b):
    mine = make_case()
    theirs = make_case_b()
    ids = [c["id"] for c in api(users.officer).get("/api/v1/housing/").json()["results"]]
    assert ids == [mine.pk]
    ids = [c["id"] for c in api(users.officer_b).get("/api/v1/housing/").json()["results"]]
    assert ids == [theirs.pk]
    ids = {c["id"] for c in api(users.specialist).get("/api/v1/housing/").json()["results"]}
    assert ids == {mine.pk, theirs.pk}


def test_list_filters_by_commune_state_and_program(api, users, make_case, make_case_b):
    draft = make_case()
    submitted = make_case(S.SUBMITTED)
    poor = make_case(program=HousingProgram.POOR, documents=False)
    other = make_case_b()
    client = api(users.specialist)

    def ids(**params):
        r = client.get("/api/v1/housing/", params)
        assert r.status_code == 200, r.json()
        return {c["id"] for c in r.json()["results"]}

    assert ids(commune="00382") == {other.pk}
    assert ids(commune="00448") == {draft.pk, submitted.pk, poor.pk}
    assert ids(state="submitted") == {submitted.pk}
    assert ids(program="ho_ngheo") == {poor.pk}
    assert ids(commune="00448", state="draft", program="nguoi_co_cong") == {draft.pk}


def test_list_rejects_an_unknown_state_filter(api, users):
    assert_error(api(users.officer).get("/api/v1/housing/?state=nope"), 400, "invalid", "state")


def test_list_is_paginated(api, users, make_case):
    make_case()
    body = api(users.officer).get("/api/v1/housing/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1


# --- detail ---


def test_detail_shows_amounts_decision_budget_and_disbursements(api, users, make_case, today):
    case = make_case(S.PARTIALLY_DISBURSED)
    data = api(users.auditor).get(case_url(case)).json()
    assert data["state"] == "partially_disbursed"
    assert data["state_label"]
    assert data["process"] == "housing"
    assert data["amounts"] == {
        "requested": 80_000_000,
        "assessed": 80_000_000,
        "approved": 80_000_000,
        "disbursed": 40_000_000,
    }
    assert data["decision_number"] == "123/QĐ-UBND"
    assert data["decision_date"] == today.isoformat()
    assert data["budget"] == {"funding_source": "city", "year": today.year}
    assert [(d["amount"], d["recorded_by"]) for d in data["disbursements"]] == [
        (40_000_000, "accountant")
    ]
    assert all(d["present"] for d in data["required_documents"])
    assert len(data["documents"]) == 4
    # Auditors read everything and may do nothing.
    assert data["available_transitions"] == []


def test_available_transitions_describe_the_fields_each_one_takes(api, users, make_case):
    case = make_case(S.DISTRICT_REVIEWED)
    data = api(users.head).get(case_url(case)).json()
    by_name = {t["name"]: t for t in data["available_transitions"]}
    assert set(by_name) == {"approve", "return_for_correction", "reject"}
    approve = {f["name"]: f for f in by_name["approve"]["fields"]}
    assert approve["decision_number"]["type"] == "string"
    assert approve["decision_date"]["type"] == "date"
    assert approve["approved_amount"]["type"] == "integer"
    assert approve["approved_amount"]["required"] is True
    assert approve["funding_source"]["type"] == "choice"
    assert approve["funding_source"]["required"] is False
    assert "city" in {c["value"] for c in approve["funding_source"]["choices"]}
    assert approve["reason"]["required"] is False
    [reason] = by_name["reject"]["fields"]
    assert (reason["name"], reason["type"], reason["required"]) == ("reason", "string", True)
    assert by_name["reject"]["danger"] is True
    # The officer of the commune may only withdraw at this point.
    names = [
        t["name"] for t in api(users.officer).get(case_url(case)).json()["available_transitions"]
    ]
    assert names == ["withdraw"]


# --- scoping: another commune's case is not found, on every endpoint ---


@pytest.mark.parametrize("user", ["officer_b", "leader_b"])
def test_other_commune_case_is_404_everywhere(user, api, users, make_case):
    case = make_case(S.SUBMITTED)
    client = api(getattr(users, user))
    assert_error(client.get(case_url(case)), 404, "not_found")
    assert_error(client.get(case_url(case, "audit/")), 404, "not_found")
    r = client.post(case_url(case, "documents/"), {"kind": "don_de_nghi", "file": pdf()})
    assert_error(r, 404, "not_found")
    for name in ("verify", "return_for_correction", "no_such_action"):
        r = client.post(case_url(case, f"transitions/{name}/"), {"reason": "x"}, format="json")
        assert_error(r, 404, "not_found")
    assert HousingCase.objects.get(pk=case.pk).state == S.SUBMITTED


def test_not_found_for_other_commune_looks_like_a_missing_case(api, users, make_case):
    case = make_case()
    client = api(users.officer_b)
    hidden = client.get(case_url(case))
    missing = client.get("/api/v1/cases/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


# --- documents ---


def test_officer_uploads_a_document(api, users, make_case):
    case = make_case(documents=False)
    r = api(users.officer).post(
        case_url(case, "documents/"), {"kind": "don_de_nghi", "file": pdf()}
    )
    assert r.status_code == 201, r.json()
    data = r.json()
    doc = Document.objects.get(pk=data["id"])
    assert data["sha256"] == doc.sha256 and len(doc.sha256) == 64
    assert data["content_type"] == "application/pdf"
    assert data["original_name"] == "don.pdf"
    assert data["size"] == doc.size
    present = {
        d["kind"]: d["present"]
        for d in api(users.officer).get(case_url(case)).json()["required_documents"]
    }
    assert present["don_de_nghi"] is True
    assert present["anh_hien_trang"] is False


def test_png_upload_is_accepted(api, users, make_case):
    case = make_case(documents=False)
    upload = SimpleUploadedFile("nha.png", PNG, "image/png")
    r = api(users.officer).post(
        case_url(case, "documents/"), {"kind": "anh_hien_trang", "file": upload}
    )
    assert r.status_code == 201
    assert r.json()["content_type"] == "image/png"


@pytest.mark.parametrize(
    "name, content",
    [
        ("don.pdf", b"just text, not a pdf"),  # content is not an accepted type
        ("don.exe", b"%PDF-1.4 looks like pdf"),  # name does not match
        ("nha.pdf", PNG),  # a png named .pdf
    ],
)
def test_wrong_file_type_is_refused(name, content, api, users, make_case):
    case = make_case(documents=False)
    upload = SimpleUploadedFile(name, content, "application/pdf")
    r = api(users.officer).post(
        case_url(case, "documents/"), {"kind": "don_de_nghi", "file": upload}
    )
    assert_error(r, 400, "file_type", "file")
    assert not Document.objects.filter(case=case).exists()


def test_oversized_file_is_refused(api, users, make_case):
    case = make_case(documents=False)
    with override_settings(MAX_UPLOAD_BYTES=50):
        r = api(users.officer).post(
            case_url(case, "documents/"), {"kind": "don_de_nghi", "file": pdf()}
        )
    assert_error(r, 400, "file_too_large", "file")
    assert not Document.objects.filter(case=case).exists()


def test_empty_file_is_refused(api, users, make_case):
    case = make_case(documents=False)
    upload = SimpleUploadedFile("don.pdf", b"", "application/pdf")
    r = api(users.officer).post(
        case_url(case, "documents/"), {"kind": "don_de_nghi", "file": upload}
    )
    assert_error(r, 400, "file_empty", "file")


def test_unknown_document_kind_and_missing_file_are_field_errors(api, users, make_case):
    case = make_case(documents=False)
    client = api(users.officer, language="vi")
    r = client.post(case_url(case, "documents/"), {"kind": "selfie", "file": pdf()})
    assert_error(r, 400, "invalid", "kind")
    r = client.post(case_url(case, "documents/"), {"kind": "don_de_nghi"})
    assert_error(r, 400, "invalid", "file")


def test_upload_as_json_is_415(api, users, make_case):
    case = make_case(documents=False)
    r = api(users.officer).post(
        case_url(case, "documents/"), {"kind": "don_de_nghi"}, format="json"
    )
    assert_error(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("user", ["leader", "head", "accountant", "auditor"])
def test_roles_that_do_not_prepare_dossiers_cannot_upload(user, api, users, make_case):
    case = make_case(documents=False)
    r = api(getattr(users, user)).post(
        case_url(case, "documents/"), {"kind": "don_de_nghi", "file": pdf()}
    )
    assert_error(r, 403, "not_permitted")


def test_upload_after_approval_is_409(api, users, make_case):
    case = make_case(S.APPROVED)
    r = api(users.officer).post(
        case_url(case, "documents/"), {"kind": "don_de_nghi", "file": pdf()}
    )
    assert_error(r, 409, "invalid_transition")


# --- transitions: every error code ---


def fire(client, case, name, **body):
    return client.post(case_url(case, f"transitions/{name}/"), body, format="json")


def test_transition_returns_the_moved_case_and_writes_the_audit_event(api, users, make_case):
    case = make_case(S.SUBMITTED)
    r = fire(api(users.leader), case, "verify", reason="Đúng đối tượng", expected_state="submitted")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "commune_verified"
    assert HousingCase.objects.get(pk=case.pk).state == S.COMMUNE_VERIFIED
    event = AuditEvent.objects.filter(case_id=case.pk, transition="verify").get()
    assert (event.actor, event.actor_role, event.from_state, event.to_state, event.reason) == (
        users.leader,
        "commune_leader",
        "submitted",
        "commune_verified",
        "Đúng đối tượng",
    )


def test_missing_transition_data_is_400_with_field_errors_in_vietnamese(api, users, make_case):
    case = make_case(S.COMMUNE_VERIFIED)
    r = fire(api(users.specialist, language="vi"), case, "review")
    assert_error(r, 400, "invalid", "assessed_amount")
    assert r.headers["Content-Language"] == "vi"
    r = fire(api(users.specialist), case, "review", assessed_amount="abc")
    assert_error(r, 400, "invalid", "assessed_amount")
    assert HousingCase.objects.get(pk=case.pk).state == S.COMMUNE_VERIFIED


def test_amount_over_cap_is_400(api, users, make_case):
    case = make_case(S.COMMUNE_VERIFIED)
    r = fire(api(users.specialist), case, "review", assessed_amount=80_000_001)
    assert_error(r, 400, "invalid", "assessed_amount")


def test_reason_is_required_to_return_or_reject(api, users, make_case):
    case = make_case(S.SUBMITTED)
    assert_error(fire(api(users.leader), case, "reject"), 400, "invalid", "reason")
    assert_error(
        fire(api(users.leader), case, "return_for_correction", reason="  "),
        400,
        "invalid",
        "reason",
    )
    r = fire(api(users.leader), case, "return_for_correction", reason="Thiếu ảnh")
    assert r.status_code == 200
    assert r.json()["state"] == "returned"


def test_submit_without_documents_is_400(api, users, make_case):
    case = make_case(documents=False)
    assert_error(fire(api(users.officer), case, "submit"), 400, "invalid", "documents")


def test_wrong_role_is_403_not_permitted(api, users, make_case):
    case = make_case(S.DISTRICT_REVIEWED)
    r = fire(api(users.specialist), case, "approve", decision_number="1", approved_amount=1)
    assert_error(r, 403, "not_permitted")
    assert HousingCase.objects.get(pk=case.pk).state == S.DISTRICT_REVIEWED


def test_submitter_cannot_also_verify_separation_of_duties(api, users, make_case):
    dual = role_grant(
        actor=None,
        username="dual",
        role="commune_officer",
        commune_codes=["00448"],
        password=PASSWORD,
    )
    role_grant(actor=None, username="dual", role="commune_leader", commune_codes=["00448"])
    case = make_case()
    assert fire(api(dual), case, "submit").status_code == 200
    r = fire(api(dual), case, "verify")
    assert_error(r, 403, "separation_of_duties")
    assert HousingCase.objects.get(pk=case.pk).state == S.SUBMITTED


def test_approver_cannot_disburse_separation_of_duties(api, users, make_case, today):
    dual = role_grant(actor=None, username="dual", role="office_head", password=PASSWORD)
    role_grant(actor=None, username="dual", role="accountant")
    case = make_case(S.DISTRICT_REVIEWED)
    r = fire(
        api(dual),
        case,
        "approve",
        decision_number="9/QĐ",
        decision_date=today.isoformat(),
        approved_amount=60_000_000,
    )
    assert r.status_code == 200, r.json()
    r = fire(api(dual), case, "disburse", amount=10_000_000, paid_on=today.isoformat())
    assert_error(r, 403, "separation_of_duties")


def test_wrong_state_is_409_invalid_transition(api, users, make_case):
    case = make_case()
    r = fire(api(users.head), case, "approve")
    assert_error(r, 409, "invalid_transition")
    assert_error(fire(api(users.officer), case, "no_such_action"), 409, "invalid_transition")


def test_stale_expected_state_is_409_concurrent_change(api, users, make_case):
    case = make_case(S.COMMUNE_VERIFIED)
    r = fire(api(users.specialist), case, "review", assessed_amount=1, expected_state="submitted")
    assert_error(r, 409, "concurrent_change")
    assert HousingCase.objects.get(pk=case.pk).state == S.COMMUNE_VERIFIED


def test_approval_over_remaining_budget_is_400_budget_exhausted(api, users, make_case, today):
    case = make_case(S.DISTRICT_REVIEWED)
    Budget.objects.filter(program=HousingProgram.MERIT, year=today.year).update(
        allocated=10_000_000
    )
    r = fire(
        api(users.head),
        case,
        "approve",
        decision_number="5/QĐ",
        decision_date=today.isoformat(),
        approved_amount=80_000_000,
    )
    assert_error(r, 400, "budget_exhausted", "approved_amount")
    case.refresh_from_db()
    assert case.state == S.DISTRICT_REVIEWED
    assert case.budget_id is None


def test_audit_endpoint_for_auditor_and_scoping(api, users, make_case):
    case = make_case(S.SUBMITTED)
    r = api(users.auditor).get(case_url(case, "audit/"))
    assert r.status_code == 200
    events = r.json()["results"]
    assert [e["event"] for e in events] == ["create"] + ["document_upload"] * 4 + ["transition"]
    last = events[-1]
    assert (last["actor"], last["actor_role"], last["transition"]) == (
        "officer_a",
        "commune_officer",
        "submit",
    )
    assert (last["from_state"], last["to_state"]) == ("draft", "submitted")
    assert len(last["hash"]) == 64 and len(last["prev_hash"]) == 64
    assert_error(api(users.officer_b).get(case_url(case, "audit/")), 404, "not_found")
