"""The drug-rehab REST API (/api/v1/rehab/): 404 for every role without rehab
access, masked IDs in the list, the purpose and the logged read (via api),
filing with field errors, transitions, check-ins, the read log for auditors,
exports with their own permission; and no rehab case through the other
endpoints of the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, Person
from cases.rehab.models import ReferralState, RehabCase, VoluntaryState
from cases.rehab.selectors import mask_national_id
from tests.api.conftest import assert_error
from tests.conftest import api_token
from tests.factories import national_id_for
from workflows.models import AuditEvent
from workflows.permissions import forget_scope

from .helpers import PDF, iso, make_referral, make_voluntary, person, travel

pytestmark = pytest.mark.django_db
R, V = ReferralState, VoluntaryState
ON = dt.date(2025, 6, 2)  # a Monday on the 2025 route: the head of police files
API = "/api/v1/rehab"
GENERAL = ["officer", "leader", "specialist", "head", "accountant", "auditor"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def clock(db: Any) -> Iterator[Any]:
    with travel(ON) as traveller:
        yield traveller


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """api(user) -> a client sending its token; every request authenticates afresh."""

    def make(user: Any) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    return make


@pytest.fixture
def cases(clock: Any, communes: Any, users: Any, rehab_users: Any) -> SimpleNamespace:
    """A referral and a voluntary case in commune a, a referral in commune b."""
    ru = rehab_users
    ru_b = SimpleNamespace(**{**vars(ru), "police": ru.police_b, "rehab": ru.rehab_b})
    return SimpleNamespace(
        referral=make_referral(clock, ru, communes.a),
        voluntary=make_voluntary(
            clock, ru, communes.a, applicant=person(ru.rehab, communes.a, name="Lê Thị Tự")
        ),
        referral_b=make_referral(
            clock,
            ru_b,
            communes.b,
            applicant=person(ru.police_b, communes.b, name="Phạm Văn Bê"),
        ),
    )


def reads(case: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case_id=case.pk, event="read").order_by("id"))


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event="export", object_type="cases.rehabcase"))


def refs(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["reference"] for row in response.json()["results"])


def referral_body(commune: Any, **overrides: Any) -> dict[str, Any]:
    born = overrides.pop("born", dt.date(1992, 3, 4))
    body = {
        "national_id": national_id_for(born, "M"),
        "full_name": "Đỗ Văn Mới",
        "date_of_birth": iso(born),
        "sex": "M",
        "address": "Thôn Đông",
        "commune": commune.code,
        "ground": "not_registered",
        "violation_record_number": "27/BB",
        "violation_on": iso(ON),
    }
    body.update(overrides)
    return body


def voluntary_body(commune: Any, **overrides: Any) -> dict[str, Any]:
    body = referral_body(commune, full_name="Vũ Thị Tình", **overrides)
    for key in ("ground", "violation_record_number", "violation_on"):
        body.pop(key, None)
    body.setdefault("setting", "home")
    body.setdefault("estimated_cost", 10_000_000)
    return body


# --- the list -------------------------------------------------------------------------


def test_list_is_scoped_masks_national_ids_and_logs_no_read(api, cases, rehab_users):
    ru = rehab_users
    r = api(ru.rehab).get(f"{API}/cases/")
    assert refs(r) == sorted([cases.referral.reference, cases.voluntary.reference])
    body = r.json()
    assert body["count"] == 2 and {"next", "previous"} <= set(body)
    row = next(x for x in body["results"] if x["reference"] == cases.referral.reference)
    nid = cases.referral.applicant.national_id
    assert row["applicant"] == {"full_name": "Trần Văn Thử", "national_id": mask_national_id(nid)}
    assert row["process"] == "rehab_compulsory" and row["state"] == "draft"
    assert row["commune"] == "00448" and row["version"] == "2025" and row["state_label"]
    assert nid not in r.content.decode()
    assert nid[:3] + "•" * 6 + nid[-3:] in r.content.decode()

    assert refs(api(ru.police_b).get(f"{API}/cases/")) == [cases.referral_b.reference]
    assert len(refs(api(ru.district_rehab2).get(f"{API}/cases/"))) == 3
    assert not AuditEvent.objects.filter(event="read").exists()


def test_list_filters(api, cases, rehab_users):
    client = api(rehab_users.district_rehab)
    url = f"{API}/cases/"
    assert refs(client.get(url, {"process": "rehab_voluntary"})) == [cases.voluntary.reference]
    assert refs(client.get(url, {"commune": "00382"})) == [cases.referral_b.reference]
    assert len(refs(client.get(url, {"state": "draft"}))) == 3
    assert refs(client.get(url, {"state": "registered"})) == []
    nid = cases.voluntary.applicant.national_id
    assert refs(client.get(url, {"q": nid})) == [cases.voluntary.reference]
    assert refs(client.get(url, {"q": "Bê"})) == [cases.referral_b.reference]
    assert refs(client.get(url, {"q": cases.referral.reference.lower()})) == [
        cases.referral.reference
    ]
    assert_error(client.get(url, {"state": "nonsense"}), 400, "invalid", "state")
    assert_error(client.get(url, {"process": "housing"}), 400, "invalid", "process")


# --- 404 for everyone without rehab access ---------------------------------------------


@pytest.mark.parametrize("role", GENERAL)
def test_every_general_role_gets_404_on_every_rehab_endpoint(api, cases, users, communes, role):
    client = api(getattr(users, role))
    pk = cases.referral.pk
    before = AuditEvent.objects.count(), Case.objects.count(), Person.objects.count()
    answers = [
        client.get(f"{API}/cases/"),
        client.get(f"{API}/cases/", {"q": cases.referral.applicant.national_id}),
        client.get(f"{API}/cases/{pk}/", {"purpose": "supervision"}),
        client.get(f"{API}/cases/{pk}/"),
        client.post(f"{API}/referrals/", referral_body(communes.a), format="json"),
        client.post(f"{API}/voluntary/", voluntary_body(communes.a), format="json"),
        client.post(f"{API}/cases/{pk}/transitions/withdraw/", {"reason": "x"}, format="json"),
        client.post(
            f"{API}/cases/{cases.voluntary.pk}/checkins/",
            {"checked_on": iso(ON), "result": "stable"},
            format="json",
        ),
        client.get(f"{API}/export/", {"purpose": "reporting", "format": "csv"}),
        client.get(f"{API}/export/", {"purpose": "reporting", "format": "json"}),
    ]
    if role != "auditor":  # auditors see the read log (below)
        answers.append(client.get(f"{API}/cases/{pk}/reads/"))
    for r in answers:
        assert r["Content-Type"].startswith("application/json")
        body = assert_error(r, 404, "not_found")
        assert cases.referral.reference not in str(body)
    assert (AuditEvent.objects.count(), Case.objects.count(), Person.objects.count()) == before
    assert reload_state(cases.referral) == R.DRAFT


def reload_state(case: Any) -> str:
    return RehabCase.objects.get(pk=case.pk).state


def test_another_communes_rehab_officer_and_police_get_404(api, cases, rehab_users):
    for user in (rehab_users.rehab_b, rehab_users.police_b):
        client = api(user)
        for pk in (cases.referral.pk, cases.voluntary.pk):
            assert_error(
                client.get(f"{API}/cases/{pk}/", {"purpose": "handling"}), 404, "not_found"
            )
            r = client.post(f"{API}/cases/{pk}/transitions/withdraw/", {}, format="json")
            assert_error(r, 404, "not_found")
            r = client.post(f"{API}/cases/{pk}/checkins/", {"result": "stable"}, format="json")
            assert_error(r, 404, "not_found")
            assert_error(client.get(f"{API}/cases/{pk}/reads/"), 404, "not_found")
        assert cases.referral.reference not in refs(client.get(f"{API}/cases/"))
    assert not AuditEvent.objects.filter(event="read").exists()


def test_unknown_case_is_404(api, cases, rehab_users):
    client = api(rehab_users.district_rehab)
    assert_error(client.get(f"{API}/cases/999999/", {"purpose": "handling"}), 404, "not_found")
    assert_error(client.get(f"{API}/cases/999999/reads/"), 404, "not_found")


# --- reading a case ---------------------------------------------------------------------


def test_reading_needs_a_purpose_and_is_logged_via_api(api, cases, rehab_users):
    case = cases.referral
    client = api(rehab_users.police)
    url = f"{API}/cases/{case.pk}/"
    nid = case.applicant.national_id

    for params, field in [
        ({}, "purpose"),
        ({"purpose": "curiosity"}, "purpose"),
        ({"purpose": "other"}, "purpose_note"),
        ({"purpose": "other", "purpose_note": "  "}, "purpose_note"),
    ]:
        r = client.get(url, params)
        assert_error(r, 400, "purpose_required", field)
        assert nid not in r.content.decode() and "Trần Văn Thử" not in r.content.decode()
    assert reads(case) == []

    r = client.get(url, {"purpose": "court"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["reference"] == case.reference and body["state"] == "draft"
    assert body["applicant"]["national_id"] == nid
    assert body["applicant"]["full_name"] == "Trần Văn Thử"
    assert body["applicant"]["date_of_birth"] == "1990-04-10"
    assert body["procedure_version"]["code"] == "2025" and body["route"] == "2025"
    assert body["referral"]["ground"] == "not_registered"
    assert body["referral"]["violation_record_number"] == "27/BB"
    assert body["voluntary"] is None
    assert body["commune"]["code"] == "00448"
    assert "notify" in [t["name"] for t in body["available_transitions"]]
    assert all(d["present"] for d in body["required_documents"] if d["required"])
    assert body["documents"] and body["checkins"] == []
    events = [e["event"] for e in body["history"]]
    assert events[0] == "create" and "read" not in events  # reads are in the read log
    [read] = reads(case)
    assert read.actor == rehab_users.police and read.actor_role == "commune_police"
    assert read.data == {"purpose": "court", "note": "", "via": "api"}

    r = client.get(url, {"purpose": "other", "purpose_note": "Hồ sơ khiếu nại"})
    assert r.status_code == 200
    assert reads(case)[-1].data == {"purpose": "other", "note": "Hồ sơ khiếu nại", "via": "api"}

    # District rehab staff read every commune's cases; voluntary cases have their fields.
    r = api(rehab_users.district_rehab2).get(
        f"{API}/cases/{cases.voluntary.pk}/", {"purpose": "supervision"}
    )
    assert r.status_code == 200
    assert r.json()["referral"] is None and r.json()["voluntary"]["setting"] == "home"
    assert reads(cases.voluntary)[-1].data["via"] == "api"
    assert reads(cases.voluntary)[-1].actor_role == "district_rehab"


# --- filing ---------------------------------------------------------------------------


def test_referral_filed_by_the_head_of_police(api, clock, communes, users, rehab_users):
    r = api(rehab_users.police).post(f"{API}/referrals/", referral_body(communes.a), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["reference"].startswith("CNBB-2025-")
    assert body["process"] == "rehab_compulsory" and body["state"] == "draft"
    assert body["applicant"]["full_name"] == "Đỗ Văn Mới"
    assert body["referral"]["violation_on"] == iso(ON)
    case = RehabCase.objects.get(pk=body["id"])
    assert (
        case.created_by == rehab_users.police
        and case.applicant.national_id == (body["applicant"]["national_id"])
    )
    # The answer carries the full record: a read, for handling the case.
    [read] = reads(case)
    assert read.data == {"purpose": "handling", "note": "", "via": "api"}


def test_referral_refused_to_who_does_not_file_it_and_nothing_is_left(
    api, clock, communes, rehab_users
):
    people = Person.objects.count()
    # 2025 route: the rehab officer no longer files; another commune's police; district staff.
    for user in (rehab_users.rehab, rehab_users.police_b, rehab_users.district_rehab):
        r = api(user).post(f"{API}/referrals/", referral_body(communes.a), format="json")
        assert_error(r, 403, "not_permitted")
    assert Person.objects.count() == people  # the person lookup was rolled back
    assert not RehabCase.objects.exists()


def test_referral_field_errors(api, clock, communes, rehab_users):
    client = api(rehab_users.police)
    url = f"{API}/referrals/"
    r = client.post(url, referral_body(communes.a, national_id="123"), format="json")
    assert_error(r, 400, "invalid", "national_id")
    # A valid ID for another birth date does not match the date of birth.
    other = national_id_for(dt.date(1975, 1, 1), "M")
    r = client.post(url, referral_body(communes.a, national_id=other), format="json")
    assert_error(r, 400, "invalid", "national_id")
    r = client.post(url, {"commune": communes.a.code}, format="json")
    assert_error(r, 400, "invalid", "national_id", "full_name", "date_of_birth", "sex", "ground")
    r = client.post(url, referral_body(communes.a, ground="because"), format="json")
    assert_error(r, 400, "invalid", "ground")
    r = client.post(url, referral_body(communes.a, date_of_birth="1990-02-30"), format="json")
    assert_error(r, 400, "invalid", "date_of_birth")

    child = referral_body(communes.a, born=dt.date(2015, 1, 1))
    body = assert_error(client.post(url, child, format="json"), 400, "under_minimum_age")
    assert body["fields"]["date_of_birth"]
    # Ages 12 to under 18: relapse is not a ground.
    minor = referral_body(communes.a, born=dt.date(2010, 1, 1), ground="relapse")
    assert_error(client.post(url, minor, format="json"), 400, "invalid", "ground")
    assert not RehabCase.objects.exists()
    assert not Person.objects.exists()  # nothing kept from refused filings


def test_voluntary_registered_by_the_commune_rehab_officer(api, clock, communes, rehab_users):
    url = f"{API}/voluntary/"
    r = api(rehab_users.rehab).post(url, voluntary_body(communes.a), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["reference"].startswith("CNTN-2025-") and body["process"] == "rehab_voluntary"
    assert body["voluntary"]["setting"] == "home"
    assert body["voluntary"]["estimated_cost"] == 10_000_000
    assert reads(RehabCase.objects.get(pk=body["id"]))[0].data["via"] == "api"

    for user in (rehab_users.police, rehab_users.rehab_b, rehab_users.district_rehab):
        r = api(user).post(url, voluntary_body(communes.a), format="json")
        assert_error(r, 403, "not_permitted")
    client = api(rehab_users.rehab)
    r = client.post(url, voluntary_body(communes.a, setting="facility"), format="json")
    assert_error(r, 400, "invalid", "facility_name")
    r = client.post(url, voluntary_body(communes.a, estimated_cost=-1), format="json")
    assert_error(r, 400, "invalid", "estimated_cost")
    r = client.post(url, voluntary_body(communes.a, born=dt.date(2016, 5, 5)), format="json")
    assert_error(r, 400, "under_minimum_age", "date_of_birth")
    assert RehabCase.objects.count() == 1


# --- transitions and check-ins -----------------------------------------------------------


def test_transition_like_the_case_api(api, cases, rehab_users):
    case = cases.referral
    url = f"{API}/cases/{case.pk}/transitions/notify/"
    data = {"notified_on": iso(ON), "pending_management": "family", "expected_state": "draft"}

    assert_error(
        api(rehab_users.district_rehab).post(url, data, format="json"), 403, "not_permitted"
    )
    r = api(rehab_users.police).post(url, {"pending_management": "family"}, format="json")
    assert_error(r, 400, "invalid", "notified_on")
    r = api(rehab_users.police).post(url, ["not", "an", "object"], format="json")
    assert_error(r, 400, "invalid")
    assert reload_state(case) == R.DRAFT and reads(case) == []

    r = api(rehab_users.police).post(url, data, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["state"] == "notified" and body["referral"]["notified_on"] == iso(ON)
    assert body["referral"]["reading_until"]
    assert body["history"][-1]["transition"] == "notify"
    assert reads(case)[-1].data == {"purpose": "handling", "note": "", "via": "api"}

    assert_error(api(rehab_users.police).post(url, data, format="json"), 409, "concurrent_change")
    data.pop("expected_state")
    assert_error(api(rehab_users.police).post(url, data, format="json"), 409, "invalid_transition")
    r = api(rehab_users.police).post(f"{API}/cases/{case.pk}/transitions/fly/", {}, format="json")
    assert_error(r, 409, "invalid_transition")


def test_checkins_during_post_rehab(api, clock, communes, rehab_users):
    ru = rehab_users
    case = make_voluntary(clock, ru, communes.a, state=V.POST_REHAB)
    url = f"{API}/cases/{case.pk}/checkins/"
    today = iso(case.post_rehab_from)

    r = api(ru.rehab).post(url, {"checked_on": today, "result": "stable"}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["result"] == "stable" and r.json()["recorded_by"] == "rehab_a"
    assert r.json()["checked_on"] == today
    r = api(ru.police).post(
        url, {"checked_on": today, "result": "absent", "note": "Vắng"}, format="json"
    )
    assert r.status_code == 201
    assert list(case.checkins.values_list("result", flat=True)) == ["stable", "absent"]
    assert AuditEvent.objects.filter(case_id=case.pk, event="checkin").count() == 2

    body = {"checked_on": today, "result": "stable"}
    assert_error(api(ru.district_rehab).post(url, body, format="json"), 403, "not_permitted")
    r = api(ru.rehab).post(url, {"checked_on": "2999-01-01", "result": "maybe"}, format="json")
    assert_error(r, 400, "invalid", "checked_on", "result")
    r = api(ru.rehab).post(url, {"checked_on": "01/01/2025"}, format="json")
    assert_error(r, 400, "invalid", "checked_on")

    draft = make_voluntary(
        clock, ru, communes.a, applicant=person(ru.rehab, communes.a, name="Ngô Văn Nháp")
    )
    r = api(ru.rehab).post(f"{API}/cases/{draft.pk}/checkins/", body, format="json")
    assert_error(r, 409, "not_in_post_rehab")


# --- who read this record --------------------------------------------------------------------


def test_read_log_for_auditors_and_district_rehab_only(api, cases, users, rehab_users):
    case = cases.referral
    api(rehab_users.police).get(f"{API}/cases/{case.pk}/", {"purpose": "court"})
    api(rehab_users.district_rehab).get(
        f"{API}/cases/{case.pk}/", {"purpose": "other", "purpose_note": "Thanh tra"}
    )
    for user in (users.auditor, rehab_users.district_rehab2):
        r = api(user).get(f"{API}/cases/{case.pk}/reads/")
        assert r.status_code == 200, r.json()
        rows = r.json()["results"]
        assert [x["reader"] for x in rows] == ["district_rehab", "police_a"]  # newest first
        assert rows[1]["purpose"] == "court" and rows[1]["reader_role"] == "commune_police"
        assert rows[0]["purpose"] == "other" and rows[0]["note"] == "Thanh tra"
        assert {x["via"] for x in rows} == {"api"} and {x["case"] for x in rows} == {case.reference}
        text = r.content.decode()
        assert case.applicant.national_id not in text and "Trần Văn Thử" not in text
    # The auditor's look at the log is not itself a read of the record.
    assert len(reads(case)) == 2

    for user in (rehab_users.police, rehab_users.rehab, users.officer, users.head):
        assert_error(api(user).get(f"{API}/cases/{case.pk}/reads/"), 404, "not_found")


# --- exports -------------------------------------------------------------------------------


def test_export_needs_its_permission_and_a_purpose_and_is_logged(api, cases, rehab_users):
    ru = rehab_users
    url = f"{API}/export/"
    for user in (ru.district_rehab2, ru.police, ru.rehab):
        r = api(user).get(url, {"purpose": "reporting", "format": "csv"})
        assert_error(r, 403, "not_permitted")
    client = api(ru.district_rehab)
    assert_error(client.get(url, {"format": "csv"}), 400, "purpose_required", "purpose")
    assert_error(client.get(url, {"purpose": "other", "format": "json"}), 400, "purpose_required")
    assert_error(
        client.get(url, {"purpose": "reporting", "format": "xml"}), 400, "invalid", "format"
    )
    assert exports() == []

    r = client.get(url, {"purpose": "reporting", "format": "csv", "process": "rehab_compulsory"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 3  # header and the two referrals
    assert cases.referral.applicant.national_id in {row[5] for row in rows}  # in full
    [event] = exports()
    assert event.actor == ru.district_rehab
    assert event.data["format"] == "csv" and event.data["rows"] == 2
    assert event.data["purpose"] == "reporting"
    assert event.data["filters"] == {"process": "rehab_compulsory"}

    r = client.get(url, {"purpose": "court", "format": "json", "commune": "00448"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["count"] == 2
    assert {x["reference"] for x in body["results"]} == {
        cases.referral.reference,
        cases.voluntary.reference,
    }
    assert cases.voluntary.applicant.national_id in {x["national_id"] for x in body["results"]}
    assert len(exports()) == 2 and exports()[-1].data["filters"] == {"commune": "00448"}


def test_a_commune_user_with_the_export_permission_exports_their_commune_only(
    api, cases, rehab_users
):
    user = rehab_users.rehab_b
    user.user_permissions.add(Permission.objects.get(codename="export_rehab"))
    forget_scope(user)
    r = api(user).get(f"{API}/export/", {"purpose": "handling", "format": "json"})
    assert r.status_code == 200, r.json()
    assert [x["reference"] for x in r.json()["results"]] == [cases.referral_b.reference]


# --- the rest of the API never shows a rehab case ----------------------------------------------


def test_the_general_endpoints_do_not_reveal_rehab_cases(api, cases, users, rehab_users):
    case = cases.referral
    [task] = Task.objects.filter(process_id=case.flow_process_id, status=STATUS.NEW)
    everyone = [getattr(users, r) for r in GENERAL] + [
        rehab_users.police,
        rehab_users.district_rehab,
    ]
    for user in everyone:
        client = api(user)
        for url in (f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/audit/"):
            assert_error(client.get(url), 404, "not_found")
        r = client.post(
            f"/api/v1/cases/{case.pk}/transitions/withdraw/", {"reason": "x"}, format="json"
        )
        assert_error(r, 404, "not_found")
        r = client.post(
            f"/api/v1/cases/{case.pk}/documents/", {"kind": "x", "file": io.BytesIO(PDF)}
        )
        assert_error(r, 404, "not_found")
        r = client.post(f"/api/v1/cases/{case.pk}/apology-letters/", {}, format="json")
        assert_error(r, 404, "not_found")
        housing = client.get("/api/v1/housing/")
        assert housing.status_code == 200 and case.reference not in housing.content.decode()
    for user in [getattr(users, r) for r in GENERAL]:
        client = api(user)
        for scope in ("inbox", "queue"):
            r = client.get("/api/v1/tasks/", {"scope": scope})
            assert r.status_code == 200 and case.reference not in r.content.decode()
        assert_error(client.post(f"/api/v1/tasks/{task.pk}/claim/"), 404, "not_found")
        person_id = case.applicant_id
        r = client.get(f"/api/v1/people/{person_id}/")
        assert case.reference not in r.content.decode()
    assert reload_state(case) == R.DRAFT
    # The rehab task is in the queue of whom it is for (head of police of commune a).
    r = api(rehab_users.police).get("/api/v1/tasks/", {"scope": "queue"})
    assert case.reference in r.content.decode()


def test_an_account_without_case_roles_is_refused_as_elsewhere_in_the_api(api, cases, users):
    # The admin role is no case role: 403 not_permitted, as on every endpoint (HasRole).
    r = api(users.admin).get(f"{API}/cases/{cases.referral.pk}/", {"purpose": "handling"})
    assert_error(r, 403, "not_permitted")
    assert reads(cases.referral) == []


def test_schema_documents_the_rehab_endpoints(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    for path in [
        "/api/v1/rehab/cases/",
        "/api/v1/rehab/cases/{id}/",
        "/api/v1/rehab/cases/{id}/transitions/{name}/",
        "/api/v1/rehab/cases/{id}/checkins/",
        "/api/v1/rehab/cases/{id}/reads/",
        "/api/v1/rehab/referrals/",
        "/api/v1/rehab/voluntary/",
        "/api/v1/rehab/export/",
    ]:
        assert f"{path}:".encode() in r.content, path
