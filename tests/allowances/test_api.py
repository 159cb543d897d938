"""The allowances REST API: the dated rates, entitlements and their
decisions, decision dossiers, and a payroll taken from generation to its
settled results, each answer scoped to the caller's communes and each
refusal in the one error shape with its stable code."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.allowances.lines import payroll_lines
from cases.allowances.models import Entitlement, LineState, PaymentResultImport, Payroll
from tests.allowances.helpers import approve
from tests.conftest import api_token

D = dt.date
pytestmark = pytest.mark.django_db
BASE = "/api/v1/allowances"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_user(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code and body["message"], body
    return body


@pytest.fixture
def world(staff: SimpleNamespace, communes: SimpleNamespace, people: SimpleNamespace,
          entitle: Any) -> SimpleNamespace:  # fmt: skip
    """Two NCC and one BTXH entitlement in commune a, one in commune b."""
    a1, a2, a3 = people.a
    return SimpleNamespace(
        merit=entitle(a1, "than_nhan_1_liet_si", D(2024, 1, 1)),
        merit2=entitle(a2, "than_nhan_1_liet_si", D(2024, 1, 1)),
        social=entitle(a3, "nkt_nang", D(2024, 1, 1)),
        other=entitle(people.b[0], "nkt_nang", D(2024, 1, 1)),
    )


def generate(staff: SimpleNamespace, commune: Any, month: str, **headers: Any) -> Any:
    officer = staff.officer_for_commune(commune)
    body = {"commune": commune.code, "month": month}
    return as_user(officer).post(f"{BASE}/payrolls/", body, format="json", **headers)


# --- rates ---------------------------------------------------------------------------


def test_regimes_give_the_standard_in_force_on_the_day_asked_and_its_history(staff, rates):
    june = as_user(staff.officer).get(f"{BASE}/regimes/", {"on": "2024-06-30"}).json()
    july = as_user(staff.officer).get(f"{BASE}/regimes/", {"on": "2024-07-01"}).json()
    merit = {r["code"]: r for r in june["regimes"]}["nguoi_co_cong"]
    assert merit["standard"] == 2_055_000
    assert {r["code"]: r for r in july["regimes"]}["nguoi_co_cong"]["standard"] == 2_789_000
    national = [s for s in merit["standards"] if s["area"] is None]
    assert [s["amount"] for s in national][:2] == [2_789_000, 2_055_000]  # newest first
    assert [s["in_force"] for s in national][:2] == [False, True]
    martyr = next(c for c in merit["categories"] if c["code"] == "than_nhan_1_liet_si")
    assert sum(r["in_force"] for r in martyr["rates"]) == 1


def test_a_regime_date_that_is_not_a_date_is_refused_on_its_field(staff, rates):
    r = as_user(staff.officer).get(f"{BASE}/regimes/", {"on": "30/02/2024"})
    assert error(r, 400, "invalid")["fields"].keys() == {"on"}


# --- entitlements ---------------------------------------------------------------------


def test_entitlements_are_listed_in_the_callers_communes_only(staff, world):
    mine = as_user(staff.officer).get(f"{BASE}/entitlements/").json()
    assert {e["id"] for e in mine["results"]} == {world.merit.pk, world.merit2.pk, world.social.pk}
    theirs = as_user(staff.officer_b).get(f"{BASE}/entitlements/").json()
    assert [e["id"] for e in theirs["results"]] == [world.other.pk]
    everyone = as_user(staff.specialist).get(f"{BASE}/entitlements/").json()
    assert everyone["count"] == 4


def test_entitlements_filter_by_regime_state_commune_and_name(staff, communes, world):
    client = as_user(staff.head)
    merit = client.get(f"{BASE}/entitlements/", {"regime": "nguoi_co_cong"}).json()
    assert {e["id"] for e in merit["results"]} == {world.merit.pk, world.merit2.pk}
    b = client.get(f"{BASE}/entitlements/", {"commune": communes.b.code}).json()
    assert [e["id"] for e in b["results"]] == [world.other.pk]
    name = world.social.person.full_name
    found = client.get(f"{BASE}/entitlements/", {"q": name}).json()
    assert world.social.pk in {e["id"] for e in found["results"]}
    assert client.get(f"{BASE}/entitlements/", {"state": "ended"}).json()["results"] == []


def test_entitlements_come_in_keyset_pages(staff, world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    client = as_user(staff.head)
    first = client.get(f"{BASE}/entitlements/").json()
    second = client.get(first["next"]).json()
    ids = [e["id"] for e in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    assert second["next"] is None
    assert error(client.get(f"{BASE}/entitlements/", {"cursor": "forged"}), 400, "invalid_cursor")


def test_another_communes_entitlement_is_not_found(staff, world):
    r = as_user(staff.officer_b).get(f"{BASE}/entitlements/{world.merit.pk}/")
    error(r, 404, "not_found")
    r = as_user(staff.officer_b).post(
        f"{BASE}/entitlements/{world.merit.pk}/transitions/suspend/",
        {"from_month": "2024-05", "reason": "Không đến nhận"},
        format="json",
    )
    error(r, 404, "not_found")


def test_the_office_head_suspends_an_entitlement_and_its_detail_shows_it(staff, world):
    url = f"{BASE}/entitlements/{world.social.pk}/"
    body = {
        "from_month": "2024-05",
        "reason": "Ba tháng không đến nhận",
        "expected_state": "active",
    }
    error(as_user(staff.officer).post(url + "transitions/suspend/", body, format="json"),
          403, "not_permitted")  # fmt: skip
    r = as_user(staff.head).post(url + "transitions/suspend/", body, format="json")
    assert r.status_code == 200, r.json()
    detail = r.json()
    assert detail["state"] == "suspended"
    assert [(s["from_month"], s["to_month"]) for s in detail["suspensions"]] == [("2024-05", None)]
    assert "resume" in {t["name"] for t in detail["available_transitions"]}
    error(as_user(staff.head).post(url + "transitions/suspend/", body, format="json"),
          409, "concurrent_change")  # fmt: skip
    body.pop("expected_state")
    error(as_user(staff.head).post(url + "transitions/suspend/", body, format="json"),
          409, "invalid_transition")  # fmt: skip


def test_an_entitlements_detail_lists_the_persons_payroll_lines(staff, communes, world):
    generate(staff, communes.a, "2024-03")
    detail = as_user(staff.officer).get(f"{BASE}/entitlements/{world.merit.pk}/").json()
    assert [(x["for_month"], x["kind"], x["amount"]) for x in detail["lines"]] == [
        ("2024-03", "regular", 2_055_000)
    ]


# --- decision dossiers ------------------------------------------------------------------


def test_a_dossier_goes_from_the_officer_to_the_heads_decision_through_the_api(
    staff, communes, people, rates
):
    person = people.a[0]
    body = {
        "commune": communes.a.code,
        "applicant": person.pk,
        "regime": "bao_tro_xa_hoi",
        "category": rates.cat["nkt_nang"].pk,
        "requested_start_month": "2024-03",
    }
    error(as_user(staff.officer_b).post(f"{BASE}/dossiers/", body, format="json"), 400, "invalid")
    r = as_user(staff.officer).post(f"{BASE}/dossiers/", body, format="json")
    assert r.status_code == 201, r.json()
    case = r.json()
    assert (case["state"], case["requested_start_month"]) == ("draft", "2024-03")
    url = f"{BASE}/dossiers/{case['id']}/"
    error(as_user(staff.officer_b).get(url), 404, "not_found")
    steps = [
        (staff.officer, "submit", {}),
        (staff.leader, "confirm", {}),
        (staff.specialist, "review", {}),
        (staff.head, "decide", {"decision_number": "12/QĐ-UBND", "decision_date": "2024-05-20",
                                "start_month": "2024-03"}),
    ]  # fmt: skip
    for user, name, data in steps:
        r = as_user(user).post(f"{url}transitions/{name}/", data, format="json")
        assert r.status_code == 200, (name, r.json())
    assert r.json()["state"] == "decided" and r.json()["start_month"] == "2024-03"
    ent = Entitlement.objects.get(person=person)
    assert (ent.state, ent.start_month, ent.case_id) == ("active", D(2024, 3, 1), case["id"])


def test_a_second_dossier_for_a_person_already_paid_is_refused_with_its_code(
    staff, communes, world, rates
):
    body = {
        "commune": communes.a.code,
        "applicant": world.social.person_id,
        "regime": "bao_tro_xa_hoi",
        "category": rates.cat["nkt_nang"].pk,
        "requested_start_month": "2024-06",
    }
    case = as_user(staff.officer).post(f"{BASE}/dossiers/", body, format="json").json()
    r = as_user(staff.officer).post(f"{BASE}/dossiers/{case['id']}/transitions/submit/", {},
                                    format="json")  # fmt: skip
    assert error(r, 400, "entitlement_active_exists")["existing_id"] == world.social.pk


def test_a_change_dossier_names_an_entitlement_the_caller_may_see(staff, communes, world, rates):
    body = {
        "commune": communes.b.code,
        "applicant": world.other.person_id,
        "regime": "bao_tro_xa_hoi",
        "category": rates.cat["nkt_nang"].pk,
        "requested_start_month": "2024-06",
        "replaces": world.merit.pk,  # commune a's: as if it did not exist
    }
    r = as_user(staff.officer_b).post(f"{BASE}/dossiers/", body, format="json")
    assert error(r, 400, "invalid")["fields"].keys() == {"replaces"}


# --- payrolls -------------------------------------------------------------------------


def test_the_officer_generates_the_month_and_generating_again_regenerates_the_draft(
    staff, communes, world
):
    r = generate(staff, communes.a, "2024-06")
    assert r.status_code == 201, r.json()
    payroll = r.json()
    assert (payroll["month"], payroll["state"], payroll["line_count"]) == ("2024-06", "draft", 3)
    assert payroll["total_amount"] == 2 * 2_055_000 + 660_000
    assert payroll["lines_by_state"] == {"listed": 3}
    assert {g["change"]: g["count"] for g in payroll["differences"]["groups"]} == {"new": 3}
    again = generate(staff, communes.a, "2024-06")
    assert (again.status_code, again.json()["id"]) == (200, payroll["id"])


def test_only_an_officer_of_the_commune_generates_its_payroll(staff, communes, world):
    body = {"commune": communes.a.code, "month": "2024-06"}
    for user in (staff.officer_b, staff.specialist, staff.accountant):
        r = as_user(user).post(f"{BASE}/payrolls/", body, format="json")
        error(r, 403, "not_permitted")
    r = as_user(staff.officer).post(
        f"{BASE}/payrolls/", {**body, "month": "2024-13"}, format="json"
    )
    assert error(r, 400, "invalid")["fields"].keys() == {"month"}
    assert not Payroll.objects.exists()


def test_a_payroll_past_its_draft_is_not_regenerated(staff, communes, world):
    payroll = Payroll.objects.get(pk=generate(staff, communes.a, "2024-06").json()["id"])
    approve(payroll, staff)
    error(generate(staff, communes.a, "2024-06"), 409, "payroll_state")


def test_a_generation_retried_with_its_idempotency_key_is_answered_once(staff, communes, world):
    first = generate(staff, communes.a, "2024-06", HTTP_IDEMPOTENCY_KEY="gen-2024-06-a")
    again = generate(staff, communes.a, "2024-06", HTTP_IDEMPOTENCY_KEY="gen-2024-06-a")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


def test_payrolls_are_listed_and_read_in_the_callers_communes_only(staff, communes, world):
    mine = generate(staff, communes.a, "2024-06").json()
    generate(staff, communes.b, "2024-06")
    b = as_user(staff.officer_b).get(f"{BASE}/payrolls/").json()
    assert [p["commune"]["code"] for p in b["results"]] == [communes.b.code]
    everyone = as_user(staff.head).get(f"{BASE}/payrolls/", {"month": "2024-06"}).json()
    assert everyone["count"] == 2
    filtered = as_user(staff.head).get(f"{BASE}/payrolls/", {"commune": communes.a.code}).json()
    assert [p["id"] for p in filtered["results"]] == [mine["id"]]
    for suffix in ("", "lines/"):
        error(as_user(staff.officer_b).get(f"{BASE}/payrolls/{mine['id']}/{suffix}"), 404,
              "not_found")  # fmt: skip
    r = as_user(staff.officer_b).post(f"{BASE}/payrolls/{mine['id']}/transitions/submit/", {},
                                      format="json")  # fmt: skip
    error(r, 404, "not_found")


def test_a_payrolls_lines_filter_by_regime_and_name(staff, communes, world):
    payroll = generate(staff, communes.a, "2024-06").json()
    url = f"{BASE}/payrolls/{payroll['id']}/lines/"
    lines = as_user(staff.officer).get(url, {"regime": "nguoi_co_cong"}).json()["results"]
    assert {x["entitlement"] for x in lines} == {world.merit.pk, world.merit2.pk}
    name = world.social.person.full_name
    [line] = as_user(staff.officer).get(url, {"q": name}).json()["results"]
    assert (line["full_name"], line["amount"], line["state"]) == (name, 660_000, "listed")


def _sent(staff: SimpleNamespace, communes: SimpleNamespace) -> Payroll:
    """Commune a's June payroll taken through the API to sent for payment."""
    pk = generate(staff, communes.a, "2024-06").json()["id"]
    url = f"{BASE}/payrolls/{pk}/transitions/"
    for user, name in [(staff.officer, "submit"), (staff.specialist, "review"),
                       (staff.head, "approve"), (staff.accountant, "send")]:  # fmt: skip
        r = as_user(user).post(f"{url}{name}/", {}, format="json")
        assert r.status_code == 200, (name, r.json())
    assert r.json()["lines_by_state"] == {"sent": 3}
    return Payroll.objects.get(pk=pk)


def test_the_accountant_records_results_and_settles_the_lines_not_paid(staff, communes, world):
    payroll = _sent(staff, communes)
    url = f"{BASE}/payrolls/{payroll.pk}/"
    ids = dict(payroll_lines(payroll).values_list("entitlement_id", "pk"))
    body = {
        "paid": [{"line": ids[world.merit.pk], "paid_on": "2024-06-10"}],
        "unpaid": [
            {"line": ids[world.merit2.pk], "reason": "absent"},
            {"line": ids[world.social.pk], "reason": "deceased"},
        ],
    }
    error(as_user(staff.officer).post(url + "results/", body, format="json"), 403, "not_permitted")
    future = {"paid": [{"line": ids[world.merit.pk], "paid_on": "2999-01-01"}]}
    r = as_user(staff.accountant).post(url + "results/", future, format="json")
    assert error(r, 400, "invalid")["fields"].keys() == {"paid.0.paid_on"}
    r = as_user(staff.accountant).post(url + "results/", body, format="json")
    assert r.status_code == 200, r.json()
    assert (r.json()["paid"], r.json()["unpaid"], r.json()["payroll"]["paid_amount"]) == (
        1, 2, 2_055_000
    )  # fmt: skip
    r = as_user(staff.accountant).post(url + "transitions/reconcile/", {}, format="json")
    error(r, 400, "payroll_results_incomplete")
    twice = {"carry": [ids[world.merit2.pk]], "give_back": [ids[world.merit2.pk]]}
    error(as_user(staff.accountant).post(url + "settle/", twice, format="json"), 400, "line_twice")
    paid_line = {"carry": [ids[world.merit.pk]]}
    r = as_user(staff.accountant).post(url + "settle/", paid_line, format="json")
    error(r, 400, "payroll_lines_refused")
    body = {"carry": [ids[world.merit2.pk]], "give_back": [ids[world.social.pk]]}
    r = as_user(staff.accountant).post(url + "settle/", body, format="json")
    assert (r.status_code, r.json()["carried"], r.json()["returned"]) == (200, 1, 1)
    states = dict(payroll_lines(payroll).values_list("entitlement_id", "state"))
    assert states == {world.merit.pk: "paid", world.merit2.pk: "carried",
                      world.social.pk: "returned"}  # fmt: skip
    r = as_user(staff.accountant).post(url + "transitions/reconcile/", {}, format="json")
    assert r.json()["state"] == "reconciled"
    error(as_user(staff.accountant).post(url + "settle/", body, format="json"), 409,
          "payroll_state")  # fmt: skip


def test_results_before_the_payroll_is_sent_are_refused_with_409(staff, communes, world):
    pk = generate(staff, communes.a, "2024-06").json()["id"]
    line = payroll_lines(Payroll.objects.get(pk=pk)).first()
    assert line is not None
    body = {"paid": [{"line": line.pk, "paid_on": "2024-06-10"}]}
    r = as_user(staff.accountant).post(f"{BASE}/payrolls/{pk}/results/", body, format="json")
    error(r, 409, "payroll_state")
    assert line.state == LineState.LISTED


def _csv(rows: list[tuple[int, str, str, str]]) -> SimpleUploadedFile:
    text = "Mã dòng,Kết quả,Ngày chi,Lý do\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows)
    return SimpleUploadedFile("ket-qua.csv", text.encode(), "text/csv")


def test_a_results_file_is_imported_or_refused_with_its_rows(staff, communes, world):
    payroll = _sent(staff, communes)
    url = f"{BASE}/payrolls/{payroll.pk}/results/"
    ids = list(payroll_lines(payroll).order_by("pk").values_list("pk", flat=True))
    bad = _csv([(ids[0], "Đã chi", "10/06/2024", ""), (999_999_999, "Đã chi", "10/06/2024", "")])
    r = as_user(staff.accountant).post(url, {"file": bad}, format="multipart")
    body = error(r, 400, "import_errors")
    assert body["rows"] and body["import"] == PaymentResultImport.objects.get().pk
    assert payroll_lines(payroll).filter(state="paid").count() == 0
    good = _csv([(i, "Đã chi", "10/06/2024", "") for i in ids])
    r = as_user(staff.accountant).post(url, {"file": good}, format="multipart")
    assert r.status_code == 201, r.json()
    assert (r.json()["result_import"]["paid"], r.json()["payroll"]["paid_count"]) == (3, 3)
    assert list(PaymentResultImport.objects.values_list("outcome", flat=True)) == [
        "imported", "refused"
    ]  # fmt: skip


def test_a_dossiers_documents_are_uploaded_through_the_api_before_it_is_submitted(
    staff, communes, people, rates
):
    from cases.demo.base import PDF
    from cases.models import DocumentRequirement

    DocumentRequirement.objects.create(
        process="allowance", program="bao_tro_xa_hoi", kind="giay_xac_nhan_kt",
        label="Giấy xác nhận khuyết tật",
    )  # fmt: skip
    body = {
        "commune": communes.a.code,
        "applicant": people.a[0].pk,
        "regime": "bao_tro_xa_hoi",
        "category": rates.cat["nkt_nang"].pk,
        "requested_start_month": "2024-03",
    }
    case = as_user(staff.officer).post(f"{BASE}/dossiers/", body, format="json").json()
    url = f"{BASE}/dossiers/{case['id']}/"
    assert [(d["kind"], d["present"]) for d in case["required_documents"]] == [
        ("giay_xac_nhan_kt", False)
    ]
    error(as_user(staff.officer).post(url + "transitions/submit/", {}, format="json"), 400,
          "documents_missing")  # fmt: skip
    upload = SimpleUploadedFile("xac-nhan.pdf", PDF, "application/pdf")
    document = {"kind": "giay_xac_nhan_kt", "file": upload}
    r = as_user(staff.officer).post(url + "documents/", document, format="multipart")
    assert r.status_code == 201, r.json()
    r = as_user(staff.officer).post(url + "transitions/submit/", {}, format="json")
    assert r.json()["state"] == "submitted"
    assert r.json()["required_documents"][0]["present"] is True
