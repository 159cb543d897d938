"""A household already supported under a program within the period its rule
sets is refused, with the rule's legal basis; the rules are data with
effective dates, seeded from domain.md (unverified where it says so)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.housing.models import HousingCase, HousingProgram, HousingState, HousingSupportRule
from cases.housing.services import housing_case_create, housing_case_update_draft
from workflows import engine
from workflows.uniqueness import AlreadyHeld

from .conftest import as_older_data_left_it

S = HousingState
P = HousingProgram
pytestmark = pytest.mark.django_db


def create(users, person, program=P.MERIT):
    return housing_case_create(
        actor=users.officer,
        commune=person.commune,
        applicant=person,
        program=program,
        kind="repair",
        requested_amount=20_000_000,
    )


def decided_years_ago(case, years):
    day = timezone.localdate().replace(year=timezone.localdate().year - years)
    HousingCase.objects.filter(pk=case.pk).update(decision_date=day)


def test_the_seeded_rules_say_once_only_and_mark_what_is_not_verified(communes):
    rules = {(r.program, r.effective_from): r for r in HousingSupportRule.objects.all()}
    merit_2024 = rules[(P.MERIT, dt.date(2024, 11, 22))]
    assert merit_2024.period_years is None and merit_2024.verified
    assert "QĐ 21/2024/QĐ-TTg" in merit_2024.legal_basis
    assert not rules[(P.MERIT, dt.date(2013, 6, 15))].verified
    assert not rules[(P.POOR, dt.date(2024, 1, 1))].verified
    assert not rules[(P.NEAR_POOR, dt.date(2024, 1, 1))].verified
    assert HousingSupportRule.in_force(P.MERIT, dt.date(2020, 1, 1)).legal_basis == (
        "QĐ 22/2013/QĐ-TTg"
    )
    assert HousingSupportRule.in_force(P.POOR, dt.date(2023, 12, 31)) is None


def test_a_person_supported_under_a_once_only_program_is_refused_with_the_reason(make_case, users):
    closed = make_case(S.CLOSED)
    with pytest.raises(AlreadyHeld) as exc:
        create(users, closed.applicant)
    err = exc.value
    assert (err.code, err.existing_id) == ("housing_already_supported", closed.pk)
    message = str(err.message)
    assert closed.reference in message and "123/QĐ-UBND" in message
    assert "mỗi hộ chỉ được hỗ trợ một lần" in message and "QĐ 21/2024/QĐ-TTg" in message


def test_another_member_of_a_supported_household_is_refused(make_case, users, member):
    closed = make_case(S.CLOSED, person=member("Lê Văn Bố"))
    with pytest.raises(AlreadyHeld) as exc:
        create(users, member("Lê Thị Con"))
    assert exc.value.existing_id == closed.pk
    assert str(exc.value.message).startswith("Hộ gia đình của Lê Thị Con đã được hỗ trợ")


def test_support_under_another_program_does_not_count(make_case, users):
    closed = make_case(S.CLOSED)
    assert create(users, closed.applicant, program=P.POOR).state == S.DRAFT


def test_rejected_withdrawn_or_cancelled_cases_supported_nobody(make_case, users):
    for state, name, actor in [
        (S.SUBMITTED, "withdraw", users.officer),
        (S.COMMUNE_VERIFIED, "reject", users.specialist),
        (S.APPROVED, "cancel", users.head),
    ]:
        case = make_case(state)
        engine.transition(case, name, actor=actor, reason="Lý do thử.")
        assert create(users, case.applicant).state == S.DRAFT


def test_a_period_rule_refuses_within_the_period_and_allows_after_it(make_case, users):
    HousingSupportRule.objects.create(
        program=P.MERIT,
        effective_from=timezone.localdate() - dt.timedelta(days=1),
        period_years=5,
        legal_basis="Quy định thử",
    )
    recent, old = make_case(S.CLOSED), make_case(S.CLOSED)
    decided_years_ago(recent, 4)
    decided_years_ago(old, 5)
    with pytest.raises(AlreadyHeld) as exc:
        create(users, recent.applicant)
    assert "nhiều nhất một lần trong 5 năm" in str(exc.value.message)
    assert "Quy định thử" in str(exc.value.message)
    assert create(users, old.applicant).state == S.DRAFT


def test_a_program_without_a_rule_in_force_refuses_nothing(make_case, users):
    closed = make_case(S.CLOSED)
    HousingSupportRule.objects.filter(program=P.MERIT).delete()
    assert create(users, closed.applicant).state == S.DRAFT


def test_submit_checks_the_rule_in_force_on_the_filing_day(make_case, users):
    supported = make_case(S.CLOSED)
    draft = as_older_data_left_it(make_case(S.DRAFT), supported.applicant)
    with pytest.raises(AlreadyHeld) as exc:
        engine.transition(draft, "submit", actor=users.officer)
    assert (exc.value.code, exc.value.existing_id) == ("housing_already_supported", supported.pk)
    assert HousingCase.objects.get(pk=draft.pk).state == S.DRAFT


def test_changing_a_drafts_program_to_one_already_received_is_refused(make_case, users):
    supported = make_case(S.CLOSED)
    HousingCase.objects.filter(pk=supported.pk).update(program=P.POOR)
    draft = create(users, supported.applicant, program=P.MERIT)
    with pytest.raises(AlreadyHeld) as exc:
        housing_case_update_draft(actor=users.officer, case=draft, program=P.POOR)
    assert exc.value.code == "housing_already_supported"
    assert HousingCase.objects.get(pk=draft.pk).program == P.MERIT


def test_the_api_answers_the_code_and_the_supported_case(api, make_case, users):
    closed = make_case(S.CLOSED)
    body = {
        "commune": closed.commune.code,
        "applicant": closed.applicant_id,
        "program": P.MERIT,
        "kind": "repair",
        "requested_amount": 20_000_000,
    }
    r = api(users.officer).post("/api/v1/housing/", body, format="json")
    assert r.status_code == 400, r.json()
    assert (r.json()["code"], r.json()["existing_id"]) == ("housing_already_supported", closed.pk)
