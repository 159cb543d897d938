"""A housing case from registration to closed, entirely through the API, with
each step taken by the user whose role it is; the audit endpoint lists it all."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.housing.models import Budget, HousingCase, HousingState
from tests.factories import national_id_for
from workflows.audit import verify
from workflows.models import AuditEvent

from .conftest import pdf

pytestmark = pytest.mark.django_db


def test_housing_case_from_registration_to_closed_through_the_api(
    api, users, config, communes, today
):
    officer, leader = api(users.officer), api(users.leader)
    specialist, head, accountant = api(users.specialist), api(users.head), api(users.accountant)

    # Register the applicant and open the case.
    dob = dt.date(1950, 2, 3)
    r = officer.post(
        "/api/v1/people/",
        {
            "full_name": "Nguyễn Văn Thương",
            "date_of_birth": dob.isoformat(),
            "sex": "M",
            "national_id": national_id_for(dob, "M"),
            "commune": "00448",
            "address": "Thôn Thượng",
            "categories": ["nguoi_co_cong"],
            "merit_subtype": "thuong_binh",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    person_id = r.json()["id"]
    r = officer.post(
        "/api/v1/housing/",
        {
            "commune": "00448",
            "applicant": person_id,
            "program": "nguoi_co_cong",
            "kind": "new_build",
            "requested_amount": 80_000_000,
            "description": "Nhà tạm, tường đất",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    case = r.json()
    cid = case["id"]

    # Upload every required document the case lists.
    for doc in case["required_documents"]:
        r = officer.post(case_url_id(cid, "documents/"), {"kind": doc["kind"], "file": pdf()})
        assert r.status_code == 201, r.json()
    assert all(d["present"] for d in officer.get(case_url_id(cid)).json()["required_documents"])

    paid_on = today.isoformat()
    steps = [
        (officer, "submit", {}, "submitted"),
        (leader, "verify", {"reason": "Đúng đối tượng"}, "commune_verified"),
        (specialist, "review", {"assessed_amount": "80.000.000"}, "district_reviewed"),
        (
            head,
            "approve",
            {
                "decision_number": "45/QĐ-UBND",
                "decision_date": today.isoformat(),
                "approved_amount": 80_000_000,
            },
            "approved",
        ),
        (accountant, "disburse", {"amount": 40_000_000, "paid_on": paid_on}, "partially_disbursed"),
        (officer, "accept_completion", {"accepted_on": paid_on}, "completion_accepted"),
        (accountant, "disburse", {"amount": 40_000_000, "paid_on": paid_on}, "closed"),
    ]
    state = "draft"
    for client, name, body, target in steps:
        # The caller sees this action offered before taking it.
        offered = [t["name"] for t in client.get(case_url_id(cid)).json()["available_transitions"]]
        assert name in offered, (name, offered)
        r = client.post(
            case_url_id(cid, f"transitions/{name}/"),
            {**body, "expected_state": state},
            format="json",
        )
        assert r.status_code == 200, (name, r.json())
        assert r.json()["state"] == target
        state = target

    final = api(users.auditor).get(case_url_id(cid)).json()
    assert final["amounts"]["approved"] == final["amounts"]["disbursed"] == 80_000_000
    assert final["decision_number"] == "45/QĐ-UBND"
    assert [d["amount"] for d in final["disbursements"]] == [40_000_000, 40_000_000]
    assert final["available_transitions"] == []
    db_case = HousingCase.objects.get(pk=cid)
    assert db_case.state == HousingState.CLOSED
    budget = Budget.objects.get(pk=db_case.budget_id)
    assert budget.committed >= 80_000_000 and budget.disbursed >= 80_000_000

    # The audit endpoint lists every step, in order, with who did it.
    events = api(users.auditor).get(case_url_id(cid, "audit/")).json()["results"]
    transitions = [
        (e["transition"], e["actor"], e["from_state"], e["to_state"])
        for e in events
        if e["event"] == "transition"
    ]
    assert transitions == [
        ("submit", "officer_a", "draft", "submitted"),
        ("verify", "leader_a", "submitted", "commune_verified"),
        ("review", "specialist", "commune_verified", "district_reviewed"),
        ("approve", "head", "district_reviewed", "approved"),
        ("disburse", "accountant", "approved", "partially_disbursed"),
        ("accept_completion", "officer_a", "partially_disbursed", "completion_accepted"),
        ("disburse", "accountant", "completion_accepted", "closed"),
    ]
    assert [e["event"] for e in events][:5] == ["create"] + ["document_upload"] * 4
    assert events[2]["reason"] == "" and events[6]["reason"] == "Đúng đối tượng"
    assert events[7]["data"] == {"assessed_amount": 80_000_000}
    # Each event links to the previous one of its chain.
    assert len({e["hash"] for e in events}) == len(events)
    assert AuditEvent.objects.filter(case_id=cid).count() == len(events)
    assert verify().ok


def case_url_id(pk, suffix=""):
    return f"/api/v1/cases/{pk}/{suffix}"
