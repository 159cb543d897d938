"""The reusable shape of "one active row per key" (workflows.uniqueness):
the violated constraint is read from the database error, and a violation of
a known constraint becomes the rule's refusal naming the holder."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from cases.housing.models import HousingCase, HousingState
from workflows.exceptions import InvalidData
from workflows.uniqueness import AlreadyHeld, OneActive, refuse_duplicates, violated_constraint

pytestmark = pytest.mark.django_db


def test_a_known_constraint_becomes_the_refusal_with_the_holder_and_others_pass(make_case):
    first, second = make_case(HousingState.DRAFT), make_case(HousingState.DRAFT)
    rule = OneActive(
        "housing_one_open_case_per_person",
        holder=lambda: HousingCase.objects.get(open_applicant=first.applicant),
        refusal=lambda held: AlreadyHeld("đã có", code="held", existing_id=held.pk),
    )
    with pytest.raises(AlreadyHeld) as exc, refuse_duplicates(rule):
        HousingCase.objects.filter(pk=second.pk).update(open_applicant=first.applicant)
    assert (exc.value.code, exc.value.existing_id) == ("held", first.pk)
    assert exc.value.as_dict()["existing_id"] == first.pk
    # The savepoint was rolled back: the database is usable and unchanged.
    assert HousingCase.objects.get(pk=second.pk).open_applicant_id == second.applicant_id

    other = OneActive("some_other_constraint", holder=lambda: None, refusal=InvalidData)
    with pytest.raises(IntegrityError) as raw, refuse_duplicates(other):
        HousingCase.objects.filter(pk=second.pk).update(open_applicant=first.applicant)
    assert violated_constraint(raw.value) == "housing_one_open_case_per_person"
