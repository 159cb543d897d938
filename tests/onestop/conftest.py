"""One-stop fixtures: a frozen clock on Wednesday 07/02/2024, the eve of Tết
Giáp Thìn (holiday 08-14/02/2024), and helpers to move cases on and to write
register lines by hand for the KPI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from cases.housing.models import HousingCase, HousingKind, HousingProgram
from cases.housing.services import housing_case_create
from cases.models import Person
from tests.conftest import sign_in, steps, upload_all
from tests.factories import PersonFactory
from workflows import engine
from workflows.models import OneStopProcedure, OneStopRecord

VN = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVED = dt.date(2024, 2, 7)
# 17 working days after 07/02/2024: Tết closes 08-14/02, so 15/02 is the first.
APPOINTMENT = dt.date(2024, 3, 8)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    """Autouse, so it is frozen before the configuration (budgets of 2024) is seeded."""
    with time_machine.travel(dt.datetime(2024, 2, 7, 9, 0, tzinfo=VN), tick=False) as traveller:
        yield traveller


@pytest.fixture
def on(clock: Any) -> Callable[[dt.date], None]:
    """on(date): the clock moves to 9:00 local time that day."""

    def move(day: dt.date) -> None:
        clock.move_to(dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=VN))

    return move


@pytest.fixture
def advance(users: SimpleNamespace) -> Callable[[HousingCase, str], HousingCase]:
    """advance(case, state): the happy path from the case's state up to `state`."""

    def run(case: HousingCase, state: str) -> HousingCase:
        for _target, name, actor, data in steps(users):
            if case.state == state:
                break
            available = {t.name for t in case.get_available_state_transitions()}  # type: ignore[attr-defined]
            if name not in available:
                continue
            engine.transition(case, name, actor=actor, data=data(case))
            case = HousingCase.objects.get(pk=case.pk)
        assert case.state == state
        return case

    return run


@pytest.fixture
def case_in_b(users: SimpleNamespace, communes: SimpleNamespace, config: None) -> HousingCase:
    """A draft in commune B, its documents uploaded."""
    case = housing_case_create(
        actor=users.officer_b,
        commune=communes.b,
        applicant=cast(Person, PersonFactory(commune=communes.b)),
        program=HousingProgram.MERIT,
        kind=HousingKind.REPAIR,
        requested_amount=10_000_000,
        description="Dột mái",
    )
    upload_all(users.officer_b, case)
    return case


@pytest.fixture
def line() -> Callable[..., OneStopRecord]:
    """line(case, received, appointment, result=None, counted=True): a register
    line written by hand (the KPI tests need dates the engine would take weeks for)."""

    def make(
        case: Any,
        received: dt.date,
        appointment: dt.date,
        result: dt.date | None = None,
        *,
        counted: bool = True,
        due: dt.date | None = None,
    ) -> OneStopRecord:
        return OneStopRecord.objects.create(
            case=case,
            procedure=OneStopProcedure.objects.get(process="housing"),
            process=case.process,
            commune_id=case.commune_id,
            received_on=received,
            working_days=17,
            appointment_on=appointment,
            due_on=due or appointment,
            result_on=result,
            result_state="approved" if result and counted else ("withdrawn" if result else ""),
            counted=counted,
        )

    return make


@pytest.fixture
def client_for(db: Any) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
