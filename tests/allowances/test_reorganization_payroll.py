"""The reorganisation run and a payroll in flight: a payroll sent for payment
and not reconciled stops the run (nothing moved), unless it is allowed; then
the payroll and its lines go to the successor."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from cases.allowances import services as allowances
from cases.allowances.lines import payroll_lines
from cases.allowances.models import LineState, PayrollState
from cases.demo.base import seed_units
from cases.reorganization.mapping import load_mapping, read_mapping
from cases.reorganization.plan import reorganization_plan
from cases.reorganization.run import reorganize
from tests.allowances.helpers import approve, pay_all
from tests.conftest import _grant
from workflows.engine import transition
from workflows.exceptions import InvalidData, NotPermitted
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope

pytestmark = pytest.mark.django_db
EFFECTIVE = dt.date(2025, 7, 1)
MAPPING = (
    "Mã ĐVHC cũ,Tên ĐVHC cũ,Mã ĐVHC mới,Tên ĐVHC mới,Toàn bộ/một phần,Thôn\n"
    "00448,Phù Lỗ,00433,Nội Bài,Toàn bộ,\n"
)


def test_a_payroll_sent_for_payment_stops_the_run_unless_allowed(
    staff: SimpleNamespace, people: SimpleNamespace, entitle: Any, communes: SimpleNamespace
) -> None:
    seed_units()
    entitle(people.a[0], "than_nhan_1_liet_si", dt.date(2025, 1, 1))
    payroll = allowances.payroll_generate(
        actor=staff.officer, commune=communes.a, month=dt.date(2025, 6, 1)
    )
    transition(approve(payroll, staff), "send", actor=staff.accountant)
    rows = read_mapping("mapping.csv", MAPPING.encode())
    load_mapping(rows, effective=EFFECTIVE, decision="Nghị quyết 1656/NQ-UBTVQH15")
    # The dry run counts the payroll's lines with it.
    plan = reorganization_plan(EFFECTIVE)
    lines = [x for x in plan.lines if x.section == "rows"]
    assert [(x.what, x.successor and x.successor.name, x.count) for x in lines] == [
        ("dòng bảng lương", "Nội Bài", payroll.line_count)
    ]
    with pytest.raises(InvalidData) as exc:
        reorganize(EFFECTIVE, actor=None)
    assert exc.value.code == "reorganization_payroll_in_flight"
    assert exc.value.fields["payrolls"] == ["Phù Lỗ 06/2025"]
    result = reorganize(EFFECTIVE, actor=None, payroll_in_flight=True)
    payroll.refresh_from_db()
    assert payroll.commune.name == "Nội Bài"
    assert {line.commune_id for line in payroll_lines(payroll)} == {payroll.commune_id}
    assert result.rows == payroll.line_count


def test_a_payroll_moved_to_a_new_commune_is_finished_by_its_own_staff(
    staff: SimpleNamespace, people: SimpleNamespace, entitle: Any, communes: SimpleNamespace
) -> None:
    """The month generated before the date, in Phù Lỗ, goes on in Nội Bài:
    its culture–society specialist reviews, its chairman approves, its
    accountant sends it and records what was paid (every line moved by the
    commune's roles); the district's staff can no longer act on it."""
    seed_units()
    entitle(people.a[0], "than_nhan_1_liet_si", dt.date(2025, 1, 1))
    payroll = allowances.payroll_generate(
        actor=staff.officer, commune=communes.a, month=dt.date(2025, 6, 1)
    )
    load_mapping(
        read_mapping("mapping.csv", MAPPING.encode()),
        effective=EFFECTIVE,
        decision="Nghị quyết 1656/NQ-UBTVQH15",
    )
    reorganize(EFFECTIVE, actor=None)
    payroll.refresh_from_db()
    noi_bai = SimpleNamespace(
        officer_for=lambda _p: staff.officer,  # Phù Lỗ's officer serves Nội Bài now
        specialist=_grant("chuyenvien_noibai", Role.COMMUNE_SPECIALIST, ["00433"]),
        head=_grant("chutich_noibai", Role.COMMUNE_CHAIRMAN, ["00433"]),
        accountant=_grant("ketoan_noibai", Role.COMMUNE_ACCOUNTANT, ["00433"]),
    )
    forget_scope(staff.officer)  # their scope, read before the run, is this request's no more
    transition(payroll, "submit", actor=staff.officer)
    with pytest.raises(NotPermitted):
        transition(payroll, "review", actor=staff.specialist)
    transition(payroll, "review", actor=noi_bai.specialist)
    transition(payroll, "approve", actor=noi_bai.head)
    payroll = pay_all(payroll, noi_bai)
    assert payroll.state == PayrollState.SENT
    assert set(payroll_lines(payroll).values_list("state", flat=True)) == {LineState.PAID}
    roles = set(
        AuditEvent.objects.filter(object_id=str(payroll.pk), object_type="allowances.payroll")
        .exclude(actor_role="")
        .values_list("actor_role", flat=True)
    )
    assert {Role.COMMUNE_SPECIALIST, Role.COMMUNE_CHAIRMAN, Role.COMMUNE_ACCOUNTANT} <= roles
    assert not roles & {Role.DISTRICT_SPECIALIST, Role.OFFICE_HEAD, Role.ACCOUNTANT}
