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
from cases.demo.base import seed_units
from cases.reorganization.mapping import load_mapping, read_mapping
from cases.reorganization.plan import reorganization_plan
from cases.reorganization.run import reorganize
from tests.allowances.helpers import approve
from workflows.engine import transition
from workflows.exceptions import InvalidData

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
