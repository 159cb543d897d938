"""Editing a draft (cases.housing.services.housing_case_update_draft) never touches a
case that has left draft, even through a stale object."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cases.housing.models import HousingCase, HousingState
from cases.housing.services import housing_case_update_draft
from workflows import engine
from workflows.exceptions import NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent


def test_editing_a_draft_saves_the_fields_and_audits_old_and_new_values(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(HousingState.DRAFT)
    housing_case_update_draft(actor=users.officer2, case=case, requested_amount=70_000_000)
    assert HousingCase.objects.get(pk=case.pk).requested_amount == 70_000_000
    event = AuditEvent.objects.get(case_id=case.pk, event="edit")
    assert event.data == {"requested_amount": [80_000_000, 70_000_000]}
    assert event.actor_id == users.officer2.pk


def test_a_submitted_case_cannot_be_edited_even_through_a_stale_object(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(HousingState.DRAFT)
    stale = HousingCase.objects.get(pk=case.pk)  # the edit form was opened on the draft
    engine.transition(case, "submit", actor=users.officer)
    with pytest.raises(TransitionNotAllowed):
        housing_case_update_draft(actor=users.officer2, case=stale, requested_amount=1_000)
    assert HousingCase.objects.get(pk=case.pk).requested_amount == 80_000_000
    assert not AuditEvent.objects.filter(case_id=case.pk, event="edit").exists()


def test_only_an_officer_of_the_commune_may_edit_a_draft(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(HousingState.DRAFT)
    for actor in (users.officer_b, users.leader, users.specialist):
        with pytest.raises(NotPermitted):
            housing_case_update_draft(actor=actor, case=case, description="x")
    assert HousingCase.objects.get(pk=case.pk).description == "Nhà tạm"
