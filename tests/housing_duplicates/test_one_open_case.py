"""At most one open housing case per person and per household: refused at
creation (service, API, page) and at submit with a message naming and linking
to the open case, held by the database, and a lost race is the same refusal."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases.housing.models import HousingCase, HousingState
from cases.housing.services import housing_case_create
from tests.api.conftest import assert_error, case_url
from tests.conftest import api_token, sign_in
from tests.engine.conftest import run_together
from tests.factories import PersonFactory
from workflows import engine, flows
from workflows.models import AuditEvent
from workflows.uniqueness import AlreadyHeld, violated_constraint

from .conftest import as_older_data_left_it

S = HousingState
pytestmark = pytest.mark.django_db


def create(users: SimpleNamespace, person: Any, **kw: Any) -> HousingCase:
    return housing_case_create(
        actor=kw.pop("actor", users.officer),
        commune=person.commune,
        applicant=person,
        program=kw.pop("program", "ho_ngheo"),
        kind="repair",
        requested_amount=20_000_000,
    )


def test_a_second_case_for_a_person_with_an_open_case_is_refused_naming_the_first(
    users, config, applicant
):
    first = create(users, applicant)
    cases_before = HousingCase.objects.count()
    with pytest.raises(AlreadyHeld) as exc:
        create(users, applicant, program="nguoi_co_cong")
    err = exc.value
    assert (err.status, err.code, err.existing_id) == (400, "housing_open_case_exists", first.pk)
    assert first.reference in str(err.message) and applicant.full_name in str(err.message)
    assert err.link == {
        "url": reverse("case_detail", args=[first.pk]),
        "text": f"Mở hồ sơ {first.reference}",
    }
    assert err.as_dict()["existing_reference"] == first.reference
    assert HousingCase.objects.count() == cases_before


def test_each_state_but_the_four_ends_counts_as_open(make_case, users):
    case = make_case(S.APPROVED)
    with pytest.raises(AlreadyHeld):
        create(users, case.applicant)
    engine.transition(case, "cancel", actor=users.head, reason="Hộ chuyển đi nơi khác.")
    case.refresh_from_db()
    assert (case.open_applicant_id, case.open_household_id) == (None, None)
    # A cancelled case supported nobody: the same program may open a new case.
    assert create(users, case.applicant, program="nguoi_co_cong").state == S.DRAFT


def test_a_withdrawn_case_frees_the_person_for_a_new_case(users, config, applicant):
    first = create(users, applicant)
    engine.transition(first, "withdraw", actor=users.officer, reason="Nhập nhầm chương trình.")
    second = create(users, applicant, program="nguoi_co_cong")
    assert HousingCase.objects.get(pk=second.pk).open_applicant_id == applicant.pk


def test_another_member_of_the_household_is_refused_too(users, config, member, household):
    father, son = member("Trần Văn Cha"), member("Trần Văn Con")
    first = create(users, father)
    assert (first.household_id, first.open_household_id) == (household.pk, household.pk)
    with pytest.raises(AlreadyHeld) as exc:
        create(users, son)
    assert exc.value.existing_id == first.pk
    assert "Hộ gia đình của Trần Văn Con" in str(exc.value.message)
    assert "Trần Văn Cha" in str(exc.value.message)


def test_the_case_of_another_commune_is_not_named(users, config, communes):
    person = PersonFactory(commune=communes.b)
    theirs = create(users, person, actor=users.officer_b)
    # The person has moved to commune a since (the registry follows them).
    person.commune = communes.a
    person.save(update_fields=["commune"])
    with pytest.raises(AlreadyHeld) as exc:
        create(users, person)
    assert exc.value.existing_id is None and exc.value.link is None
    assert theirs.reference not in str(exc.value.message)
    assert "xã khác" in str(exc.value.message)


def test_the_api_answers_a_stable_code_with_the_existing_case_id(api, users, config, applicant):
    first = create(users, applicant)
    body = {
        "commune": applicant.commune.code,
        "applicant": applicant.pk,
        "program": "nguoi_co_cong",
        "kind": "repair",
        "requested_amount": 20_000_000,
    }
    r = api(users.officer, language="vi").post("/api/v1/housing/", body, format="json")
    data = assert_error(r, 400, "housing_open_case_exists")
    assert (data["existing_id"], data["existing_reference"]) == (first.pk, first.reference)
    assert first.reference in data["message"] and "<a" not in data["message"]


def test_the_new_case_page_shows_the_refusal_with_a_link_to_the_open_case(
    users, config, applicant, client
):
    first = create(users, applicant)
    sign_in(client, users.officer)
    response = client.post(
        reverse("case_create"),
        {
            "commune": applicant.commune.pk,
            "national_id": applicant.national_id,
            "program": "nguoi_co_cong",
            "kind": "repair",
            "requested_amount": "20.000.000",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{applicant.full_name} đã có hồ sơ hỗ trợ nhà ở đang mở: {first.reference}" in html
    link = f'href="{reverse("case_detail", args=[first.pk])}" data-testid="error-link"'
    assert link in html and f"Mở hồ sơ {first.reference}" in html


def test_submitting_a_second_open_case_left_by_older_data_is_refused(make_case, users):
    first = make_case(S.SUBMITTED)
    second = as_older_data_left_it(make_case(S.DRAFT), first.applicant)
    events = AuditEvent.objects.count()
    with pytest.raises(AlreadyHeld) as exc:
        engine.transition(second, "submit", actor=users.officer)
    assert (exc.value.code, exc.value.existing_id) == ("housing_open_case_exists", first.pk)
    assert HousingCase.objects.get(pk=second.pk).state == S.DRAFT
    assert AuditEvent.objects.count() == events


def test_submitting_through_the_api_names_the_open_case(api, make_case, users):
    first = make_case(S.SUBMITTED)
    second = as_older_data_left_it(make_case(S.DRAFT), first.applicant)
    r = api(users.officer).post(case_url(second, "transitions/submit/"), {}, format="json")
    data = assert_error(r, 400, "housing_open_case_exists")
    assert data["existing_id"] == first.pk


def test_the_submit_button_page_links_to_the_open_case(make_case, users, client):
    first = make_case(S.SUBMITTED)
    second = as_older_data_left_it(make_case(S.DRAFT), first.applicant)
    sign_in(client, users.officer)
    response = client.post(reverse("case_transition", args=[second.pk, "submit"]))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'href="{reverse("case_detail", args=[first.pk])}" data-testid="error-link"' in html


def test_the_database_refuses_a_second_open_place_for_a_person(make_case):
    first, second = make_case(S.DRAFT), make_case(S.DRAFT)
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        HousingCase.objects.filter(pk=second.pk).update(open_applicant=first.applicant)
    assert violated_constraint(exc.value) == "housing_one_open_case_per_person"


def test_the_database_refuses_a_second_open_place_for_a_household(make_case, member, household):
    first, second = make_case(S.DRAFT, person=member("A")), make_case(S.DRAFT)
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        HousingCase.objects.filter(pk=second.pk).update(open_household=household)
    assert violated_constraint(exc.value) == "housing_one_open_case_per_household"
    # Ended cases hold no place: any number of them may name the household.
    HousingCase.objects.filter(pk__in=[first.pk, second.pk]).update(household=household)


@pytest.fixture
def slow_creation(monkeypatch: Any) -> None:
    """The first creator holds its transaction open 0.5 s after its INSERT, so
    the second one checks while the first case is not yet committed."""
    original = flows.process_start

    def slow(case: Any) -> Any:
        result = original(case)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(flows, "process_start", slow)


@pytest.mark.django_db(transaction=True)
def test_two_officers_opening_a_case_for_one_person_at_once_one_wins_the_other_is_told(
    users, config, applicant, slow_creation
):
    """Both pass the check (neither sees the other's uncommitted case); the
    database's constraint makes the later INSERT fail, and the service turns
    that into the same refusal, naming the winner's case, not a 500."""

    def call(actor: Any, program: str) -> Any:
        return lambda: housing_case_create(
            actor=actor,
            commune=applicant.commune,
            applicant=applicant,
            program=program,
            kind="repair",
            requested_amount=20_000_000,
        )

    results = run_together(
        call(users.officer, "ho_ngheo"), call(users.officer2, "nguoi_co_cong"), stagger=0.1
    )
    wins = [r for kind, r in results if kind == "ok"]
    losses = [r for kind, r in results if kind == "error"]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], AlreadyHeld), losses[0]
    assert (losses[0].code, losses[0].existing_id) == ("housing_open_case_exists", wins[0].pk)
    assert isinstance(losses[0].__cause__, IntegrityError)  # it was the database that refused
    assert list(HousingCase.objects.values_list("pk", flat=True)) == [wins[0].pk]


@pytest.mark.django_db(transaction=True)
def test_a_lost_race_through_the_api_is_a_400_with_the_code_not_a_500(
    users, config, applicant, slow_creation
):
    from rest_framework.test import APIClient

    tokens = [api_token(users.officer), api_token(users.officer2)]

    def post(token: str, program: str) -> Any:
        def call() -> Any:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            body = {
                "commune": applicant.commune.code,
                "applicant": applicant.pk,
                "program": program,
                "kind": "repair",
                "requested_amount": 20_000_000,
            }
            return client.post("/api/v1/housing/", body, format="json")

        return call

    results = run_together(
        post(tokens[0], "ho_ngheo"), post(tokens[1], "nguoi_co_cong"), stagger=0.1
    )
    statuses = sorted(r.status_code for kind, r in results if kind == "ok")
    assert statuses == [201, 400], results
    [refused] = [r for _kind, r in results if r.status_code == 400]
    assert refused.json()["code"] == "housing_open_case_exists"
    assert refused.json()["existing_id"] == HousingCase.objects.get().pk


def test_the_case_holding_the_places_is_submitted_and_the_one_older_data_left_is_not(
    make_case, users, monkeypatch
):
    """The holder of a person's open place needs no lookup at submit (the
    database keeps the place); the case older data left open beside it holds
    none, and is refused at its own submit."""
    holder = make_case(S.DRAFT)
    assert holder.open_applicant_id == holder.applicant_id
    other = as_older_data_left_it(make_case(S.DRAFT), holder.applicant)
    from cases.housing import duplicates

    looked_up: list[Any] = []
    real = duplicates.open_case_of

    def noted(**kw: Any) -> Any:
        looked_up.append(kw)
        return real(**kw)

    monkeypatch.setattr(duplicates, "open_case_of", noted)
    engine.transition(holder, "submit", actor=users.officer)
    assert HousingCase.objects.get(pk=holder.pk).state == S.SUBMITTED
    assert looked_up == []
    with pytest.raises(AlreadyHeld) as exc:
        engine.transition(other, "submit", actor=users.officer)
    assert exc.value.existing_id == holder.pk
