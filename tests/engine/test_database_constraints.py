"""What the database itself refuses, whatever the Python code does: an
over-committed budget, paying more than approved, two people with one
national ID; and the clear error the service gives for the duplicate."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.housing.models import Budget, HousingCase, HousingProgram, HousingState
from cases.models import Person
from cases.services import person_create
from workflows.exceptions import InvalidData, NotPermitted
from workflows.models import AuditEvent

from ..factories import PersonFactory, national_id_for


def test_a_budget_cannot_commit_more_than_it_was_allocated(config: None) -> None:
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=timezone.localdate().year)
    with pytest.raises(IntegrityError, match="budget_not_overcommitted"), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(committed=F("allocated") + 1)
    budget.refresh_from_db()
    assert budget.committed == 0


def test_a_budget_cannot_go_below_zero_committed(config: None) -> None:
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=timezone.localdate().year)
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(committed=-1)


def test_a_budget_cannot_pay_out_more_than_it_committed(config: None) -> None:
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=timezone.localdate().year)
    Budget.objects.filter(pk=budget.pk).update(committed=10)
    with pytest.raises(IntegrityError, match="budget_disbursed_within_committed"):
        with transaction.atomic():
            Budget.objects.filter(pk=budget.pk).update(disbursed=11)


def test_a_housing_case_cannot_be_paid_more_than_approved(make_case: Any) -> None:
    case = make_case(HousingState.PARTIALLY_DISBURSED)
    with pytest.raises(IntegrityError, match="housing_disbursed_within_approved"):
        with transaction.atomic():
            HousingCase.objects.filter(pk=case.pk).update(disbursed_amount=F("approved_amount") + 1)
    assert HousingCase.objects.get(pk=case.pk).disbursed_amount == 40_000_000


def test_a_housing_case_cannot_be_paid_anything_before_an_amount_is_approved(
    make_case: Any,
) -> None:
    case = make_case(HousingState.DISTRICT_REVIEWED)
    assert case.approved_amount is None
    with pytest.raises(IntegrityError, match="housing_disbursed_within_approved"):
        with transaction.atomic():
            HousingCase.objects.filter(pk=case.pk).update(disbursed_amount=1)


def test_a_second_person_with_the_same_national_id_is_refused_by_the_database(
    communes: SimpleNamespace,
) -> None:
    first: Any = PersonFactory(commune=communes.a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            full_name="Bản sao",
            date_of_birth=first.date_of_birth,
            sex=first.sex,
            national_id=first.national_id,
            commune=communes.b,
        )
    assert Person.objects.filter(national_id=first.national_id).count() == 1


def _register(actor: Any, commune: Any, national_id: str, name: str = "Đỗ Văn Hải") -> Person:
    return person_create(
        actor=actor,
        full_name=name,
        date_of_birth=dt.date(1975, 4, 30),
        sex="M",
        national_id=national_id,
        commune=commune,
        categories=["ho_ngheo"],
    )


def test_registering_a_person_writes_the_row_and_an_audit_event(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    nid = national_id_for(dt.date(1975, 4, 30), "M")
    person = _register(users.officer, communes.a, nid)
    event = AuditEvent.objects.get(event="person_create")
    assert (event.object_id, event.actor_id, event.commune_id) == (
        str(person.pk),
        users.officer.pk,
        communes.a.pk,
    )
    assert event.data["national_id"] == nid


def test_a_duplicate_national_id_points_to_the_existing_record_when_the_caller_may_see_it(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    nid = national_id_for(dt.date(1975, 4, 30), "M")
    existing = _register(users.officer, communes.a, nid)
    for actor in (users.officer2, users.specialist):
        with pytest.raises(InvalidData) as exc:
            _register(actor, communes.a, nid, name="Người khác")
        err = exc.value
        assert (err.status, err.code) == (400, "duplicate_national_id")
        assert err.extra["existing_id"] == existing.pk
        assert str(existing.pk) in err.fields["national_id"][0]
        assert existing.full_name in str(err.message)
    assert Person.objects.filter(national_id=nid).count() == 1


def test_a_duplicate_national_id_from_another_commune_does_not_reveal_the_record(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    nid = national_id_for(dt.date(1975, 4, 30), "M")
    existing = _register(users.officer, communes.a, nid)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidData) as exc:
        _register(users.officer_b, communes.b, nid, name="Người khác")
    err = exc.value
    assert err.code == "duplicate_national_id"
    assert err.extra["existing_id"] is None
    message = err.fields["national_id"][0]
    assert existing.full_name not in message and str(existing.pk) not in message
    assert Person.objects.filter(national_id=nid).count() == 1
    assert AuditEvent.objects.count() == events


def test_a_national_id_that_does_not_fit_the_person_is_refused_with_a_field_error(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    nid = national_id_for(dt.date(1975, 4, 30), "F")  # coded as a woman
    with pytest.raises(InvalidData) as exc:
        _register(users.officer, communes.a, nid)
    assert list(exc.value.fields) == ["national_id"]
    assert not Person.objects.exists()


def test_only_officers_of_the_commune_and_district_specialists_register_people(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    nid = national_id_for(dt.date(1975, 4, 30), "M")
    for actor in (users.leader, users.officer_b, users.head, users.auditor, users.admin):
        with pytest.raises(NotPermitted):
            _register(actor, communes.a, nid)
    assert not Person.objects.exists()
