"""Every housing transition through `workflows.engine.transition`: who may fire
it, from which state, with which data, and what it writes (state, one audit
row, outbox rows for the next actors, the next viewflow task) or, when
refused, that it writes nothing at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.housing.flow import HousingFlow
from cases.housing.models import Budget, Disbursement, HousingCase, HousingProgram, HousingState
from notifications.models import Notification
from workflows import engine
from workflows.exceptions import (
    ConcurrentChange,
    InvalidData,
    NotPermitted,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from workflows.models import AuditEvent
from workflows.permissions import Role

from .conftest import Snapshot, open_human_tasks

S = HousingState
TODAY = timezone.localdate()

# Who holds each role in commune a (tests/conftest.py `users`).
HOLDERS: dict[str, set[str]] = {
    Role.COMMUNE_OFFICER: {"officer", "officer2"},
    Role.COMMUNE_LEADER: {"leader"},
    Role.DISTRICT_SPECIALIST: {"specialist"},
    Role.OFFICE_HEAD: {"head", "head2"},
    Role.ACCOUNTANT: {"accountant"},
}
ALL_USERS = [
    "officer",
    "officer2",
    "leader",
    "officer_b",
    "leader_b",
    "specialist",
    "head",
    "head2",
    "accountant",
    "auditor",
    "admin",
]


def approve_data(amount: int = 80_000_000) -> dict[str, Any]:
    return {
        "decision_number": "15/QĐ-UBND",
        "decision_date": TODAY.isoformat(),
        "approved_amount": amount,
    }


def pay(amount: int) -> dict[str, Any]:
    return {"amount": amount, "paid_on": TODAY.isoformat()}


@dataclass(frozen=True)
class Move:
    """One transition from one state, fired by the right role."""

    id: str
    source: str
    name: str
    actor: str
    role: str
    target: str
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    audit_data: dict[str, Any] = field(default_factory=dict)
    next_role: str | None = None  # None: the process ends, the creator is told
    next_task: str | None = None


MOVES = [
    Move("submit", S.DRAFT, "submit", "officer", Role.COMMUNE_OFFICER, S.SUBMITTED,
         next_role=Role.COMMUNE_LEADER, next_task="verify"),
    Move("verify", S.SUBMITTED, "verify", "leader", Role.COMMUNE_LEADER, S.COMMUNE_VERIFIED,
         next_role=Role.DISTRICT_SPECIALIST, next_task="review"),
    Move("review", S.COMMUNE_VERIFIED, "review", "specialist", Role.DISTRICT_SPECIALIST,
         S.DISTRICT_REVIEWED, data={"assessed_amount": "75.000.000"},
         audit_data={"assessed_amount": 75_000_000},
         next_role=Role.OFFICE_HEAD, next_task="approve"),
    Move("approve", S.DISTRICT_REVIEWED, "approve", "head", Role.OFFICE_HEAD, S.APPROVED,
         data=approve_data(), audit_data={**approve_data(), "funding_source": ""},
         next_role=Role.ACCOUNTANT, next_task="disburse_advance"),
    Move("disburse_first_tranche", S.APPROVED, "disburse", "accountant", Role.ACCOUNTANT,
         S.PARTIALLY_DISBURSED, data=pay(30_000_000), audit_data=pay(30_000_000),
         next_role=Role.COMMUNE_OFFICER, next_task="accept_completion"),
    Move("accept_completion", S.PARTIALLY_DISBURSED, "accept_completion", "officer2",
         Role.COMMUNE_OFFICER, S.COMPLETION_ACCEPTED, data={"accepted_on": TODAY.isoformat()},
         audit_data={"accepted_on": TODAY.isoformat()},
         next_role=Role.ACCOUNTANT, next_task="disburse_final"),
    Move("disburse_final_tranche", S.COMPLETION_ACCEPTED, "disburse", "accountant",
         Role.ACCOUNTANT, S.CLOSED, data=pay(40_000_000), audit_data=pay(40_000_000)),
    Move("return_by_leader", S.SUBMITTED, "return_for_correction", "leader",
         Role.COMMUNE_LEADER, S.RETURNED, reason="Thiếu chữ ký",
         next_role=Role.COMMUNE_OFFICER, next_task="prepare"),
    Move("return_by_specialist", S.COMMUNE_VERIFIED, "return_for_correction", "specialist",
         Role.DISTRICT_SPECIALIST, S.RETURNED, reason="Ảnh mờ",
         next_role=Role.COMMUNE_OFFICER, next_task="prepare"),
    Move("return_by_head", S.DISTRICT_REVIEWED, "return_for_correction", "head",
         Role.OFFICE_HEAD, S.RETURNED, reason="Sai số tiền",
         next_role=Role.COMMUNE_OFFICER, next_task="prepare"),
    Move("reject_by_leader", S.SUBMITTED, "reject", "leader", Role.COMMUNE_LEADER,
         S.REJECTED, reason="Không thuộc diện"),
    Move("reject_by_specialist", S.COMMUNE_VERIFIED, "reject", "specialist",
         Role.DISTRICT_SPECIALIST, S.REJECTED, reason="Đã được hỗ trợ năm 2022"),
    Move("reject_by_head", S.DISTRICT_REVIEWED, "reject", "head", Role.OFFICE_HEAD,
         S.REJECTED, reason="Không đủ điều kiện"),
    Move("withdraw_draft", S.DRAFT, "withdraw", "officer2", Role.COMMUNE_OFFICER,
         S.WITHDRAWN, reason="Hộ dân rút đơn"),
    Move("withdraw_under_review", S.DISTRICT_REVIEWED, "withdraw", "officer2",
         Role.COMMUNE_OFFICER, S.WITHDRAWN, reason="Hộ dân rút đơn"),
    Move("cancel_approved", S.APPROVED, "cancel", "head2", Role.OFFICE_HEAD, S.CANCELLED,
         reason="Hộ chuyển đi nơi khác"),
    Move("cancel_partially_disbursed", S.PARTIALLY_DISBURSED, "cancel", "head2",
         Role.OFFICE_HEAD, S.CANCELLED, reason="Không thi công"),
    Move("cancel_completion_accepted", S.COMPLETION_ACCEPTED, "cancel", "head2",
         Role.OFFICE_HEAD, S.CANCELLED, reason="Sai đối tượng"),
]  # fmt: skip

# For every transition, a state it cannot be fired from and a user who holds
# the right role (the 409 must come before any other check).
WRONG_STATE = [
    ("submit", S.SUBMITTED, "officer"),
    ("submit", S.APPROVED, "officer"),
    ("verify", S.DRAFT, "leader"),
    ("verify", S.COMMUNE_VERIFIED, "leader"),
    ("review", S.SUBMITTED, "specialist"),
    ("approve", S.COMMUNE_VERIFIED, "head"),
    ("approve", S.APPROVED, "head"),
    ("disburse", S.DISTRICT_REVIEWED, "accountant"),
    ("disburse", S.PARTIALLY_DISBURSED, "accountant"),
    ("disburse", S.CLOSED, "accountant"),
    ("accept_completion", S.APPROVED, "officer"),
    ("return_for_correction", S.DRAFT, "leader"),
    ("return_for_correction", S.APPROVED, "head"),
    ("reject", S.APPROVED, "head"),
    ("withdraw", S.APPROVED, "officer"),
    ("cancel", S.DISTRICT_REVIEWED, "head"),
    ("cancel", S.CLOSED, "head"),
]


def fire(case: HousingCase, name: str, actor: Any, **kwargs: Any) -> AuditEvent:
    return engine.transition(HousingCase.objects.get(pk=case.pk), name, actor=actor, **kwargs)


def refresh(case: HousingCase) -> HousingCase:
    return HousingCase.objects.get(pk=case.pk)


def assert_wrote_nothing(case: HousingCase, before: Snapshot) -> None:
    after = Snapshot.take(case)
    assert after == before


# --- the right role succeeds -------------------------------------------------------


@pytest.mark.parametrize("move", MOVES, ids=[m.id for m in MOVES])
def test_the_right_role_moves_the_case_and_records_audit_outbox_and_next_task(
    move: Move, make_case: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    case = make_case(move.source)
    actor = getattr(users, move.actor)
    before = Snapshot.take(case)
    previous_task = open_human_tasks(case)[0]

    event = fire(case, move.name, actor, data=dict(move.data), reason=move.reason)

    case = refresh(case)
    assert case.state == move.target
    # Exactly one audit row, carrying who, as whom, from, to, why and what.
    new_events = AuditEvent.objects.exclude(id__in=before.audit_ids)
    assert list(new_events) == [event]
    assert (event.actor_id, event.actor_username, event.actor_role) == (
        actor.pk,
        actor.username,
        move.role,
    )
    assert (event.case_id, event.commune_id, event.event, event.transition) == (
        case.pk,
        communes.a.pk,
        "transition",
        move.name,
    )
    assert (event.from_state, event.to_state, event.reason) == (
        move.source,
        move.target,
        move.reason,
    )
    assert event.data == move.audit_data
    assert event.chain == f"commune:{communes.a.pk}"
    # Outbox: the next role's users (of commune a only), never the actor;
    # at the end of the process, the officer who filed the case.
    outbox = Notification.objects.exclude(id__in=before.outbox_ids)
    if move.next_role:
        expected = HOLDERS[move.next_role] - {move.actor}
        assert {n.event for n in outbox} == {"task_waiting"}
    else:
        expected = {"officer"} - {move.actor}
        assert {n.event for n in outbox} <= {"case_finished"}
    assert {n.recipient_id for n in outbox} == {getattr(users, k).pk for k in expected}
    assert len(outbox) == len(expected)
    assert all(n.case_id == case.pk and n.commune_id == communes.a.pk for n in outbox)
    # Viewflow: the task the actor completed, and the next one open for the next role.
    previous_task.refresh_from_db()
    assert (previous_task.status, previous_task.owner_id) == (STATUS.DONE, actor.pk)
    tasks = open_human_tasks(case)
    if move.next_task:
        assert len(tasks) == 1
        task = tasks[0]
        assert task.flow_task == getattr(HousingFlow, move.next_task)
        assert task.status == STATUS.NEW and task.owner_id is None
        assert task.owner_permission == f"cases.role_{move.next_role}"
        assert task.owner_permission_obj_pk == str(communes.a.pk)
    else:
        assert tasks == []
        process = case.flow_process
        assert process is not None
        process.refresh_from_db()
        assert process.status == STATUS.DONE


def test_the_actor_is_never_notified_even_when_they_hold_the_next_role(
    make_case: Any, officer_leader: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    fire(case, "submit", officer_leader)
    recipients = set(
        Notification.objects.filter(case_id=case.pk, event="task_waiting").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"leader_a"}


# --- the wrong role, the other commune, the wrong state -----------------------------


@pytest.mark.parametrize("move", MOVES, ids=[m.id for m in MOVES])
def test_every_other_role_and_the_other_communes_users_are_refused_without_a_trace(
    move: Move, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(move.source)
    before = Snapshot.take(case)
    refused = [u for u in ALL_USERS if u not in HOLDERS[move.role]]
    assert "officer_b" in refused and "leader_b" in refused
    for username in refused:
        with pytest.raises(NotPermitted) as exc:
            fire(case, move.name, getattr(users, username), data=move.data, reason="x")
        assert exc.value.status == 403
        assert exc.value.code == "not_permitted", username
        assert_wrote_nothing(case, before)


def test_an_officer_of_another_commune_cannot_submit_a_case(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    before = Snapshot.take(case)
    with pytest.raises(NotPermitted):
        fire(case, "submit", users.officer_b)
    assert_wrote_nothing(case, before)


def test_a_leader_of_another_commune_cannot_verify_a_case(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.SUBMITTED)
    before = Snapshot.take(case)
    with pytest.raises(NotPermitted):
        fire(case, "verify", users.leader_b)
    assert_wrote_nothing(case, before)


@pytest.mark.parametrize(
    ("name", "state", "actor"), WRONG_STATE, ids=[f"{n}-from-{s}" for n, s, _a in WRONG_STATE]
)
def test_a_transition_from_the_wrong_state_is_a_conflict_and_writes_nothing(
    name: str, state: str, actor: str, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(state)
    before = Snapshot.take(case)
    with pytest.raises(TransitionNotAllowed) as exc:
        fire(case, name, getattr(users, actor), data={}, reason="x")
    assert exc.value.status == 409
    assert_wrote_nothing(case, before)


def test_an_unknown_transition_is_a_conflict(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.DRAFT)
    with pytest.raises(TransitionNotAllowed):
        fire(case, "delete_everything", users.officer)


def test_a_stale_form_is_a_concurrent_change(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.COMMUNE_VERIFIED)
    before = Snapshot.take(case)
    with pytest.raises(ConcurrentChange) as exc:
        fire(case, "return_for_correction", users.leader, reason="x", expected_state=S.SUBMITTED)
    assert (exc.value.status, exc.value.code) == (409, "concurrent_change")
    assert_wrote_nothing(case, before)


# --- separation of duties ------------------------------------------------------------


def test_the_submitter_cannot_verify_the_case_even_holding_the_leader_role(
    make_case: Any, officer_leader: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DRAFT)
    fire(case, "submit", officer_leader)
    before = Snapshot.take(case)
    with pytest.raises(SeparationOfDuties) as exc:
        fire(case, "verify", officer_leader)
    assert (exc.value.status, exc.value.code) == (403, "separation_of_duties")
    assert_wrote_nothing(case, before)
    # Another leader of the commune may.
    fire(case, "verify", users.leader)
    assert refresh(case).state == S.COMMUNE_VERIFIED


def test_the_reviewer_cannot_approve_the_case(
    make_case: Any, specialist_head: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.COMMUNE_VERIFIED)
    fire(case, "review", specialist_head, data={"assessed_amount": 80_000_000})
    before = Snapshot.take(case)
    with pytest.raises(SeparationOfDuties):
        fire(case, "approve", specialist_head, data=approve_data())
    assert_wrote_nothing(case, before)
    fire(case, "approve", users.head, data=approve_data())
    assert refresh(case).state == S.APPROVED


def test_the_approver_cannot_disburse(
    make_case: Any, head_accountant: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DISTRICT_REVIEWED)
    fire(case, "approve", head_accountant, data=approve_data())
    before = Snapshot.take(case)
    with pytest.raises(SeparationOfDuties):
        fire(case, "disburse", head_accountant, data=pay(10_000_000))
    assert_wrote_nothing(case, before)
    fire(case, "disburse", users.accountant, data=pay(10_000_000))
    assert refresh(case).state == S.PARTIALLY_DISBURSED


def test_separation_of_duties_is_checked_before_the_data(
    make_case: Any, specialist_head: Any
) -> None:
    case = make_case(S.COMMUNE_VERIFIED)
    fire(case, "review", specialist_head, data={"assessed_amount": 80_000_000})
    with pytest.raises(SeparationOfDuties):
        fire(case, "approve", specialist_head, data={})


# --- data and conditions -----------------------------------------------------------


def test_an_assessed_amount_over_the_cap_is_refused_with_a_field_error(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.COMMUNE_VERIFIED)
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, "review", users.specialist, data={"assessed_amount": 80_000_001})
    assert exc.value.status == 400
    assert list(exc.value.fields) == ["assessed_amount"]
    assert "80.000.000" in exc.value.fields["assessed_amount"][0]
    assert_wrote_nothing(case, before)


def test_an_approved_amount_over_the_cap_is_refused_with_a_field_error(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DISTRICT_REVIEWED)
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, "approve", users.head, data=approve_data(80_000_001))
    assert list(exc.value.fields) == ["approved_amount"]
    assert_wrote_nothing(case, before)


def test_the_cap_depends_on_program_and_kind(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(
        S.COMMUNE_VERIFIED, program=HousingProgram.POOR, kind="repair", requested_amount=1
    )
    with pytest.raises(InvalidData) as exc:
        fire(case, "review", users.specialist, data={"assessed_amount": 30_000_001})
    assert "30.000.000" in exc.value.fields["assessed_amount"][0]
    # Over the requested 1 đ: the review must say why (tests/housing_duplicates).
    data = {"assessed_amount": 30_000_000, "over_request_reason": "Giá vật liệu tăng."}
    fire(case, "review", users.specialist, data=data)
    assert refresh(case).assessed_amount == 30_000_000


def test_missing_or_malformed_data_gives_field_errors(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DISTRICT_REVIEWED)
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(
            case,
            "approve",
            users.head,
            data={"approved_amount": "mười triệu", "decision_date": "2099-01-01"},
        )
    assert set(exc.value.fields) == {"decision_number", "decision_date", "approved_amount"}
    assert_wrote_nothing(case, before)


def test_approval_is_refused_when_the_budget_is_exhausted_and_the_budget_is_untouched(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DISTRICT_REVIEWED)
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=TODAY.year)
    Budget.objects.filter(pk=budget.pk).update(committed=budget.allocated - 79_999_999)
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, "approve", users.head, data=approve_data(80_000_000))
    assert (exc.value.status, exc.value.code) == (400, "budget_exhausted")
    assert "79.999.999" in exc.value.fields["approved_amount"][0]
    assert_wrote_nothing(case, before)
    budget.refresh_from_db()
    assert budget.committed == budget.allocated - 79_999_999
    # What still fits is approved and reserved.
    fire(case, "approve", users.head, data=approve_data(79_999_999))
    budget.refresh_from_db()
    assert budget.committed == budget.allocated
    assert refresh(case).budget_id == budget.pk


def test_approval_reserves_the_amount_on_the_budget_of_the_decision_year(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.DISTRICT_REVIEWED)
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=TODAY.year)
    fire(case, "approve", users.head, data=approve_data(70_000_000))
    committed = budget.committed
    budget.refresh_from_db()
    assert budget.committed == committed + 70_000_000
    case = refresh(case)
    assert (case.approved_amount, case.decision_number, case.budget_id) == (
        70_000_000,
        "15/QĐ-UBND",
        budget.pk,
    )


def test_submit_with_missing_documents_lists_the_missing_ones(
    make_case: Any, users: SimpleNamespace
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.demo.base import DOCUMENTS, PDF
    from cases.services import document_upload

    case = make_case(S.DRAFT, documents=False)
    document_upload(
        actor=users.officer,
        case=case,
        kind=DOCUMENTS[0][0],
        upload=SimpleUploadedFile("don.pdf", PDF),
    )
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, "submit", users.officer)
    message = exc.value.fields["documents"][0]
    for _kind, label in DOCUMENTS[1:]:
        assert label in message
    assert DOCUMENTS[0][1] not in message
    assert_wrote_nothing(case, before)


@pytest.mark.parametrize(
    ("name", "state", "actor"),
    [
        ("return_for_correction", S.SUBMITTED, "leader"),
        ("reject", S.COMMUNE_VERIFIED, "specialist"),
        ("withdraw", S.DRAFT, "officer"),
        ("cancel", S.APPROVED, "head"),
    ],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required_to_return_reject_withdraw_or_cancel(
    name: str, state: str, actor: str, reason: str, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(state)
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, name, getattr(users, actor), reason=reason)
    assert list(exc.value.fields) == ["reason"]
    assert_wrote_nothing(case, before)


@pytest.mark.parametrize("amount", [80_000_000, 80_000_001])
def test_the_first_tranche_must_be_less_than_the_approved_amount(
    amount: int, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.APPROVED)
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, "disburse", users.accountant, data=pay(amount))
    assert list(exc.value.fields) == ["amount"]
    assert_wrote_nothing(case, before)


def test_a_payment_cannot_predate_the_decision(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.APPROVED)
    before = Snapshot.take(case)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidData) as exc:
        fire(case, "disburse", users.accountant, data={"amount": 1, "paid_on": yesterday})
    assert list(exc.value.fields) == ["paid_on"]
    assert_wrote_nothing(case, before)


@pytest.mark.parametrize("amount", [39_999_999, 40_000_001])
def test_the_final_tranche_must_equal_the_rest(
    amount: int, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.COMPLETION_ACCEPTED)  # 80m approved, 40m paid
    before = Snapshot.take(case)
    with pytest.raises(InvalidData) as exc:
        fire(case, "disburse", users.accountant, data=pay(amount))
    assert "40.000.000" in exc.value.fields["amount"][0]
    assert_wrote_nothing(case, before)


def test_payments_are_recorded_and_the_final_one_closes_the_case(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.CLOSED)
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=TODAY.year)
    assert list(Disbursement.objects.filter(case=case).values_list("amount", flat=True)) == [
        40_000_000,
        40_000_000,
    ]
    assert (budget.committed, budget.disbursed) == (80_000_000, 80_000_000)
    assert refresh(case).disbursed_amount == 80_000_000


@pytest.mark.parametrize(
    ("state", "paid"),
    [(S.APPROVED, 0), (S.PARTIALLY_DISBURSED, 40_000_000), (S.COMPLETION_ACCEPTED, 40_000_000)],
)
def test_cancelling_releases_exactly_the_unspent_amount_to_the_budget(
    state: str, paid: int, make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(state)
    budget = Budget.objects.get(program=HousingProgram.MERIT, year=TODAY.year)
    assert (budget.committed, budget.disbursed) == (80_000_000, paid)
    fire(case, "cancel", users.head2, reason="Hộ chuyển đi")
    budget.refresh_from_db()
    assert (budget.committed, budget.disbursed) == (paid, paid)
    assert refresh(case).state == S.CANCELLED
    assert Disbursement.objects.filter(case=case).count() == (1 if paid else 0)


def test_a_returned_case_can_be_submitted_again_and_a_new_prepare_task_opens(
    make_case: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    case = make_case(S.COMMUNE_VERIFIED)
    fire(case, "return_for_correction", users.specialist, reason="Bổ sung ảnh")
    [prepare] = open_human_tasks(case)
    assert prepare.flow_task == HousingFlow.prepare
    assert prepare.owner_permission == "cases.role_commune_officer"
    assert prepare.owner_permission_obj_pk == str(communes.a.pk)
    first_prepare = Task.objects.filter(
        process_id=refresh(case).flow_process_id, flow_task=HousingFlow.prepare
    ).order_by("id")[0]
    assert prepare.pk != first_prepare.pk

    fire(case, "submit", users.officer2)
    assert refresh(case).state == S.SUBMITTED
    [verify] = open_human_tasks(case)
    assert verify.flow_task == HousingFlow.verify
    prepare.refresh_from_db()
    assert (prepare.status, prepare.owner_id) == (STATUS.DONE, users.officer2.pk)
    # The whole story is in the audit trail, in order.
    assert list(
        AuditEvent.objects.filter(case_id=case.pk, event="transition")
        .order_by("seq")
        .values_list("transition", flat=True)
    ) == ["submit", "verify", "return_for_correction", "submit"]


def test_a_claimed_task_is_completed_by_whoever_fires_the_transition(
    make_case: Any, users: SimpleNamespace
) -> None:
    from workflows.flows import task_claim

    case = make_case(S.DRAFT)
    [task] = open_human_tasks(case)
    task_claim(task, users.officer2)
    fire(case, "submit", users.officer)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.DONE, users.officer.pk)


def test_a_deactivated_officer_can_no_longer_act(make_case: Any, users: SimpleNamespace) -> None:
    case = make_case(S.DRAFT)
    users.officer.is_active = False
    users.officer.save(update_fields=["is_active"])
    before = Snapshot.take(case)
    with pytest.raises(NotPermitted):
        fire(case, "submit", users.officer)
    assert_wrote_nothing(case, before)


def test_completion_cannot_be_accepted_before_the_first_payment(
    make_case: Any, users: SimpleNamespace
) -> None:
    case = make_case(S.PARTIALLY_DISBURSED)  # paid today
    before = Snapshot.take(case)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidData) as exc:
        fire(case, "accept_completion", users.officer, data={"accepted_on": yesterday})
    assert list(exc.value.fields) == ["accepted_on"]
    assert_wrote_nothing(case, before)


def test_the_separation_of_duties_message_names_the_step_not_its_api_name(
    make_case: Any, officer_leader: Any
) -> None:
    from django.utils import translation

    case = make_case(S.DRAFT)
    fire(case, "submit", officer_leader)
    with translation.override("en"), pytest.raises(SeparationOfDuties) as exc:
        fire(case, "verify", officer_leader)
    assert "“Submit”" in str(exc.value.message)


def test_the_audit_row_carries_the_request_id_and_client_ip(
    make_case: Any, users: SimpleNamespace
) -> None:
    from workflows import context

    case = make_case(S.DRAFT)
    token = context.bind("req-42", "203.0.113.7")
    try:
        event = fire(case, "submit", users.officer)
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert (event.request_id, event.ip) == ("req-42", "203.0.113.7")
