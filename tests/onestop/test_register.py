"""The one-stop register: receipt and appointment in working days, result,
late or on time, the clock restarting after a return, and Mẫu 04 letters."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.housing.models import HousingCase, HousingState
from workflows import engine
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.models import ApologyLetter, AuditEvent, OneStopProcedure, OneStopRecord
from workflows.onestop import (
    DUE_SOON,
    LATE,
    ON_TIME,
    OVERDUE,
    PAUSED,
    PENDING,
    VOID,
    apology_issue,
    record_status,
)

from .conftest import APPOINTMENT, RECEIVED

pytestmark = pytest.mark.django_db
S = HousingState


def test_housing_is_a_one_stop_procedure_of_17_working_days():
    procedure = OneStopProcedure.objects.get(process="housing")
    assert procedure.working_days == 17
    assert procedure.effective_from <= RECEIVED


def test_a_draft_is_not_yet_received(make_case):
    case = make_case(S.DRAFT)
    assert not OneStopRecord.objects.filter(case_id=case.pk).exists()


def test_submission_is_the_receipt_and_the_appointment_skips_tet(make_case):
    case = make_case(S.SUBMITTED)
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.received_on == RECEIVED
    assert record.working_days == 17
    assert record.appointment_on == APPOINTMENT == dt.date(2024, 3, 8)
    assert record.due_on == APPOINTMENT
    assert record.result_on is None and record.is_late is None
    assert record.commune_id == case.commune_id and record.process == "housing"


def test_the_limit_in_force_on_the_day_of_receipt_applies(make_case, on):
    OneStopProcedure.objects.create(
        process="housing", name="Hỗ trợ nhà ở (mới)", working_days=5, effective_from=RECEIVED
    )
    case = make_case(S.SUBMITTED)
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.working_days == 5
    assert record.appointment_on == dt.date(2024, 2, 21)  # 15, 16, 19, 20, 21 February


def test_approval_on_the_appointment_day_is_on_time(make_case, advance, on):
    case = make_case(S.SUBMITTED)
    on(APPOINTMENT)
    advance(case, S.APPROVED)
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.result_on == APPOINTMENT
    assert record.result_state == S.APPROVED
    assert record.is_late is False
    assert record_status(record, S.APPROVED).status == ON_TIME


def test_approval_the_next_working_day_is_late(make_case, advance, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 11))
    advance(case, S.APPROVED)
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.is_late is True
    assert record_status(record, S.APPROVED).status == LATE


def test_later_steps_do_not_move_the_result_date(make_case, advance, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 1))
    case = advance(case, S.APPROVED)
    on(dt.date(2024, 3, 20))
    advance(case, S.PARTIALLY_DISBURSED)
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.result_on == dt.date(2024, 3, 1) and record.result_state == S.APPROVED


def test_a_refusal_is_a_result(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 2, 20))
    engine.transition(case, "reject", actor=users.leader, reason="Không đủ điều kiện")
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert (record.result_on, record.result_state, record.counted) == (
        dt.date(2024, 2, 20),
        S.REJECTED,
        True,
    )


def test_a_withdrawn_dossier_is_not_counted(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 2, 20))
    engine.transition(case, "withdraw", actor=users.officer, reason="Người dân rút hồ sơ")
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.counted is False and record.result_state == S.WITHDRAWN
    assert record_status(record, S.WITHDRAWN).status == VOID


def test_return_pauses_and_resubmission_restarts_the_clock(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 2, 20))
    engine.transition(case, "return_for_correction", actor=users.leader, reason="Thiếu giấy tờ")
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record_status(record, S.RETURNED).status == PAUSED
    on(dt.date(2024, 2, 26))
    engine.transition(HousingCase.objects.get(pk=case.pk), "submit", actor=users.officer)
    record.refresh_from_db()
    assert record.received_on == dt.date(2024, 2, 26)
    assert record.appointment_on == dt.date(2024, 3, 20)  # 17 working days, no holiday
    assert OneStopRecord.objects.filter(case_id=case.pk).count() == 1


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (dt.date(2024, 3, 6), PENDING),
        (dt.date(2024, 3, 7), DUE_SOON),  # one working day before the appointment
        (APPOINTMENT, DUE_SOON),
        (dt.date(2024, 3, 11), OVERDUE),
    ],
)
def test_status_against_the_appointment(make_case, today, status):
    case = make_case(S.SUBMITTED)
    state = record_status(OneStopRecord.objects.get(case_id=case.pk), case.state, today=today)
    assert state.status == status
    assert state.needs_apology is (status in (DUE_SOON, OVERDUE))


def test_the_prompt_starts_one_working_day_before_across_a_weekend(make_case, line):
    case = make_case(S.DRAFT)
    # Appointment Monday 18/03/2024: the working day before is Friday 15/03.
    record = line(case, dt.date(2024, 2, 20), dt.date(2024, 3, 18))
    assert record_status(record, S.SUBMITTED, today=dt.date(2024, 3, 14)).status == PENDING
    assert record_status(record, S.SUBMITTED, today=dt.date(2024, 3, 15)).status == DUE_SOON
    assert record_status(record, S.SUBMITTED, today=dt.date(2024, 3, 16)).status == DUE_SOON


# --- Mẫu 04 -----------------------------------------------------------------------


def test_mau_04_moves_the_appointment_in_force_and_is_audited(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    letter = apology_issue(
        case, actor=users.leader, new_due_on=dt.date(2024, 3, 15), reason="Chờ xác minh thực địa"
    )
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.appointment_on == APPOINTMENT  # the receipt's date stays
    assert record.due_on == dt.date(2024, 3, 15)
    assert (letter.issued_on, letter.previous_due_on, letter.issued_by) == (
        dt.date(2024, 3, 7),
        APPOINTMENT,
        users.leader,
    )
    event = AuditEvent.objects.get(case_id=case.pk, event="onestop_apology")
    assert event.actor_role == "commune_leader"
    assert event.reason == "Chờ xác minh thực địa"
    assert event.data == {"previous_due_on": "2024-03-08", "new_due_on": "2024-03-15"}


def test_a_result_after_the_receipt_date_is_late_even_with_mau_04(make_case, users, advance, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    apology_issue(case, actor=users.officer, new_due_on=dt.date(2024, 3, 15), reason="Chậm")
    on(dt.date(2024, 3, 14))
    advance(HousingCase.objects.get(pk=case.pk), S.APPROVED)
    record = OneStopRecord.objects.get(case_id=case.pk)
    assert record.is_late is True and record.result_on < record.due_on


@pytest.mark.parametrize(
    ("new_due_on", "reason", "field"),
    [
        (APPOINTMENT, "Chậm", "new_due_on"),  # not after the appointment in force
        (dt.date(2024, 3, 9), "Chậm", "new_due_on"),  # a Saturday
        (None, "Chậm", "new_due_on"),
        (dt.date(2024, 3, 15), "   ", "reason"),
    ],
)
def test_mau_04_refuses_bad_input_and_writes_nothing(
    make_case, users, on, new_due_on, reason, field
):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 7))
    with pytest.raises(InvalidData) as err:
        apology_issue(case, actor=users.leader, new_due_on=new_due_on, reason=reason)
    assert field in err.value.fields
    assert not ApologyLetter.objects.exists()
    assert OneStopRecord.objects.get(case_id=case.pk).due_on == APPOINTMENT
    assert not AuditEvent.objects.filter(event="onestop_apology").exists()


def test_a_new_appointment_in_the_past_is_refused(make_case, users, on):
    case = make_case(S.SUBMITTED)
    on(dt.date(2024, 3, 20))  # already past the appointment
    with pytest.raises(InvalidData) as err:
        apology_issue(case, actor=users.leader, new_due_on=dt.date(2024, 3, 19), reason="Chậm")
    assert "20/03/2024" in err.value.fields["new_due_on"][0]


@pytest.mark.parametrize("who", ["officer_b", "leader_b", "accountant", "head", "auditor"])
def test_only_those_responsible_issue_mau_04(make_case, users, on, who):
    case = make_case(S.SUBMITTED)  # waiting for the commune A leader
    with pytest.raises(NotPermitted):
        apology_issue(
            case, actor=getattr(users, who), new_due_on=dt.date(2024, 3, 15), reason="Chậm"
        )
    assert not ApologyLetter.objects.exists()


def test_the_district_step_answers_for_its_delay(make_case, users):
    case = make_case(S.COMMUNE_VERIFIED)  # waiting for the district specialist
    apology_issue(case, actor=users.specialist, new_due_on=dt.date(2024, 3, 15), reason="Chậm")
    with pytest.raises(NotPermitted):
        apology_issue(case, actor=users.leader, new_due_on=dt.date(2024, 3, 20), reason="Chậm")


def test_no_mau_04_after_the_result(make_case, users, on):
    case = make_case(S.APPROVED)
    with pytest.raises(TransitionNotAllowed) as err:
        apology_issue(case, actor=users.officer, new_due_on=dt.date(2024, 3, 15), reason="x")
    assert err.value.code == "one_stop_result_returned"


def test_no_mau_04_for_a_case_outside_the_register(make_case, users):
    case = make_case(S.DRAFT)
    with pytest.raises(TransitionNotAllowed) as err:
        apology_issue(case, actor=users.officer, new_due_on=dt.date(2024, 3, 15), reason="x")
    assert err.value.code == "not_one_stop"
