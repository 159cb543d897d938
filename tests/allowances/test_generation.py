"""A commune's payroll for a month: generated set-based from the entitlements
and the rates in force, with arrears for months owed and never paid twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.allowances import services
from cases.allowances.lines import payroll_lines
from cases.allowances.models import AllowanceStandard, Entitlement, LineKind, Payroll
from tests.allowances.helpers import approve, close, full_month, lines_of, pay_all
from tests.factories import PersonFactory
from workflows.engine import transition
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed

D = dt.date
pytestmark = pytest.mark.django_db
REG, ARR, ONE = LineKind.REGULAR, LineKind.ARREARS, LineKind.ONE_OFF


def generate(staff, commune, month):
    return services.payroll_generate(
        actor=staff.officer_for_commune(commune), commune=commune, month=month
    )


def test_each_active_entitlement_gets_its_month_at_the_rate_in_force(
    staff, communes, people, entitle
):
    p1, p2, p3 = people.a
    entitle(p1, "than_nhan_1_liet_si", D(2023, 1, 1))
    entitle(p2, "nkt_nang", D(2023, 1, 1))
    entitle(p3, "thuong_binh", D(2023, 1, 1), degree=35)
    entitle(people.b[0], "than_nhan_1_liet_si", D(2023, 1, 1))  # another commune
    june = generate(staff, communes.a, D(2024, 6, 1))
    assert lines_of(june) == sorted(
        [
            (p1.pk, REG, D(2024, 6, 1), 2_055_000),
            (p2.pk, REG, D(2024, 6, 1), 660_000),
            (p3.pk, REG, D(2024, 6, 1), 1_233_000),
        ]
    )
    assert (june.line_count, june.total_amount) == (3, 2_055_000 + 660_000 + 1_233_000)
    july = generate(staff, communes.a, D(2024, 7, 1))
    assert sorted(a for *_x, a in lines_of(july)) == [750_000, 1_673_400, 2_789_000]


def test_generation_costs_the_same_queries_for_three_people_or_thirty(staff, communes, entitle):
    def run(n: int) -> int:
        for _ in range(n):
            entitle(PersonFactory(commune=communes.a), "nkt_nang", D(2023, 1, 1))
        with CaptureQueriesContext(connection) as ctx:
            generate(staff, communes.a, D(2024, 4, 1))
        return len(ctx.captured_queries)

    run(0)  # opens the payroll and its process
    few = run(3)
    many = run(27)
    assert many == few <= 36
    assert Payroll.objects.get(month=D(2024, 4, 1)).line_count == 30


def test_generation_turns_jit_off_for_its_own_statements_only(staff, communes, entitle):
    entitle(PersonFactory(commune=communes.a), "nkt_nang", D(2023, 1, 1))

    def jit() -> str:
        with connection.cursor() as cur:
            cur.execute("SHOW jit")
            return cur.fetchone()[0]

    before = jit()
    with transaction.atomic():
        generate(staff, communes.a, D(2024, 4, 1))
        assert jit() == before


def test_an_entitlement_ending_or_starting_mid_list_is_paid_only_for_its_months(
    staff, communes, people, entitle
):
    p1, p2, _ = people.a
    e1 = entitle(p1, "nkt_nang", D(2023, 1, 1))
    Entitlement.objects.filter(pk=e1.pk).update(
        end_month=D(2024, 4, 1), state="ended", end_reason="not_eligible"
    )
    entitle(p2, "nkt_nang", D(2024, 6, 1))
    assert [p for p, *_ in lines_of(generate(staff, communes.a, D(2024, 4, 1)))] == [p1.pk]
    assert lines_of(generate(staff, communes.a, D(2024, 5, 1))) == []
    assert [p for p, *_ in lines_of(generate(staff, communes.a, D(2024, 6, 1)))] == [p2.pk]


def test_a_late_decision_is_paid_its_past_months_as_arrears_once(staff, communes, people, entitle):
    p1 = people.a[0]
    entitle(p1, "than_nhan_1_liet_si", D(2024, 3, 1), arrears_from=D(2024, 3, 1))
    may = full_month(communes.a, D(2024, 5, 1), staff)
    assert lines_of(may) == [
        (p1.pk, ARR, D(2024, 3, 1), 2_055_000),
        (p1.pk, ARR, D(2024, 4, 1), 2_055_000),
        (p1.pk, REG, D(2024, 5, 1), 2_055_000),
    ]
    june = generate(staff, communes.a, D(2024, 6, 1))
    assert lines_of(june) == [(p1.pk, REG, D(2024, 6, 1), 2_055_000)]


def test_regenerating_a_draft_gives_the_same_lines_not_twice(staff, communes, people, entitle):
    entitle(people.a[0], "than_nhan_1_liet_si", D(2024, 3, 1), arrears_from=D(2024, 3, 1))
    first = lines_of(generate(staff, communes.a, D(2024, 5, 1)))
    again = generate(staff, communes.a, D(2024, 5, 1))
    assert lines_of(again) == first and again.line_count == 3


def test_a_rate_published_after_the_month_was_paid_is_made_up_as_arrears_next_month(
    staff, communes, people, entitle
):
    # NĐ 77/2024 took effect 01/7/2024 but was applied after July's list was paid.
    row = AllowanceStandard.objects.get(
        regime="nguoi_co_cong", area=None, effective_from=D(2024, 7, 1)
    )
    row.delete()
    p1, p2, _ = people.a
    entitle(p1, "than_nhan_1_liet_si", D(2023, 1, 1))
    entitle(p2, "ba_me_vnah", D(2023, 1, 1))
    july = full_month(communes.a, D(2024, 7, 1), staff)
    assert [a for *_x, a in lines_of(july)] == [2_055_000, 6_165_000 + 2_337_000]
    AllowanceStandard.objects.create(
        regime="nguoi_co_cong",
        effective_from=D(2024, 7, 1),
        amount=2_789_000,
        legal_basis="NĐ 77/2024",
    )
    august = full_month(communes.a, D(2024, 8, 1), staff)
    assert lines_of(august) == [
        (p1.pk, ARR, D(2024, 7, 1), 734_000),
        (p1.pk, REG, D(2024, 8, 1), 2_789_000),
        (p2.pk, ARR, D(2024, 7, 1), 2_202_000),
        (p2.pk, REG, D(2024, 8, 1), 8_367_000 + 2_337_000),
    ]
    september = generate(staff, communes.a, D(2024, 9, 1))
    assert {k for _p, k, *_ in lines_of(september)} == {REG}


def test_an_officer_of_another_commune_cannot_generate_its_payroll(staff, communes):
    with pytest.raises(NotPermitted):
        services.payroll_generate(actor=staff.officer_b, commune=communes.a, month=D(2024, 5, 1))
    with pytest.raises(NotPermitted):
        services.payroll_generate(actor=staff.specialist, commune=communes.a, month=D(2024, 5, 1))


def test_a_submitted_payroll_cannot_be_regenerated(staff, communes, people, entitle):
    entitle(people.a[0], "nkt_nang", D(2023, 1, 1))
    payroll = generate(staff, communes.a, D(2024, 5, 1))
    transition(payroll, "submit", actor=staff.officer)
    with pytest.raises(TransitionNotAllowed):
        generate(staff, communes.a, D(2024, 5, 1))


def test_the_database_refuses_a_second_regular_line_for_the_same_month(
    staff, communes, people, entitle
):
    entitle(people.a[0], "nkt_nang", D(2023, 1, 1))
    payroll = generate(staff, communes.a, D(2024, 5, 1))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """INSERT INTO allowances_payrollline (month, payroll_id, commune_id, entitlement_id,
               person_id, regime, category_id, for_month, kind, amount, state, unpaid_reason, note)
               SELECT month, payroll_id, commune_id, entitlement_id, person_id, regime,
                      category_id, for_month, kind, amount, 'listed', '', ''
               FROM allowances_payrollline WHERE payroll_id = %s""",
            [payroll.pk],
        )


def test_a_month_flows_from_generation_to_closed(staff, communes, people, entitle):
    entitle(people.a[0], "nkt_nang", D(2023, 1, 1))
    entitle(people.a[1], "than_nhan_1_liet_si", D(2023, 1, 1))
    payroll = full_month(communes.a, D(2024, 5, 1), staff)
    assert payroll.state == "closed"
    assert (payroll.paid_count, payroll.paid_amount) == (2, 660_000 + 2_055_000)
    assert set(payroll_lines(payroll).values_list("state", flat=True)) == {"paid"}


def test_a_line_not_paid_and_carried_is_listed_again_next_month_once(
    staff, communes, people, entitle
):
    p1, p2, _ = people.a
    entitle(p1, "nkt_nang", D(2023, 1, 1))
    entitle(p2, "nkt_nang", D(2023, 1, 1))
    may = approve(generate(staff, communes.a, D(2024, 5, 1)), staff)
    line = payroll_lines(may).get(person=p2)
    pay_all(may, staff, unpaid={line.pk: "absent"})
    with pytest.raises(InvalidData) as refused:
        transition(may, "reconcile", actor=staff.accountant)
    assert refused.value.code == "payroll_results_incomplete"
    services.payroll_unpaid_settle(
        actor=staff.accountant, payroll=may, carry=[line.pk], give_back=[]
    )
    close(may, staff)
    june = generate(staff, communes.a, D(2024, 6, 1))
    assert lines_of(june) == sorted(
        [
            (p1.pk, REG, D(2024, 6, 1), 660_000),
            (p2.pk, REG, D(2024, 6, 1), 660_000),
            (p2.pk, REG, D(2024, 5, 1), 660_000),
        ]
    )
    again = generate(staff, communes.a, D(2024, 6, 1))
    assert again.line_count == 3


def test_whoever_generated_the_payroll_may_not_approve_it(staff, communes, people, entitle):
    from workflows.exceptions import SeparationOfDuties
    from workflows.permissions import Role

    entitle(people.a[0], "nkt_nang", D(2023, 1, 1))
    payroll = generate(staff, communes.a, D(2024, 5, 1))
    transition(payroll, "submit", actor=staff.officer2)
    transition(payroll, "review", actor=staff.specialist)
    # The head also holds the officer's role here and generated it again.
    from tests.conftest import _grant

    both = _grant("head", Role.COMMUNE_OFFICER, [communes.a.code])
    Payroll.objects.filter(pk=payroll.pk).update(generated_by=both)
    with pytest.raises(SeparationOfDuties):
        transition(payroll, "approve", actor=both)


def test_the_reviewer_sees_what_changed_since_last_month(staff, communes, people, entitle):
    from cases.allowances.selectors import payroll_differences

    p1, p2, p3 = people.a
    e1 = entitle(p1, "than_nhan_1_liet_si", D(2023, 1, 1))
    entitle(p2, "nkt_nang", D(2023, 1, 1))
    full_month(communes.a, D(2024, 6, 1), staff)
    Entitlement.objects.filter(pk=e1.pk).update(
        end_month=D(2024, 6, 1), state="ended", end_reason="not_eligible"
    )
    entitle(p3, "nkt_nang", D(2024, 6, 1), arrears_from=D(2024, 6, 1))
    july = generate(staff, communes.a, D(2024, 7, 1))
    diff = payroll_differences(july)
    assert diff.previous_month == D(2024, 6, 1)
    assert diff.counts == {"stopped": 1, "changed": 1, "new": 1, "arrears": 1}
    assert [r.person_id for r in diff.rows["stopped"]] == [p1.pk]
    assert (diff.rows["changed"][0].before, diff.rows["changed"][0].after) == (660_000, 750_000)
    assert diff.amounts["arrears"] == 660_000


def test_who_approved_and_who_paid_a_persons_march_line_is_on_record(
    staff, communes, people, entitle
):
    from workflows.audit_batch import BATCH_EVENT, row_history, verify_batch
    from workflows.models import AuditEvent

    p1, p2, _ = people.a
    entitle(p1, "nkt_nang", D(2023, 1, 1))
    entitle(p2, "nkt_nang", D(2023, 1, 1))
    march = full_month(communes.a, D(2024, 3, 1), staff)
    line = payroll_lines(march).get(person=p1)
    steps = [(e.transition, e.actor.username) for e in row_history(line)]
    assert steps == [
        ("approve", staff.head.username),
        ("send", staff.accountant.username),
        ("record_paid", staff.accountant.username),
    ]
    # One event per step for the whole payroll, not one per line.
    batch = AuditEvent.objects.filter(
        object_type="allowances.payroll",
        object_id=str(march.pk),
        transition="approve",
        event=BATCH_EVENT,
    )
    assert batch.count() == 1 and batch.get().pk == line.approved_event_id
    for event in AuditEvent.objects.filter(
        pk__in=[line.approved_event_id, line.sent_event_id, line.result_event_id]
    ):
        assert verify_batch(event).ok
