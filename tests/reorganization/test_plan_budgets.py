"""The dry run's budgets and quotas: what the open cases of a former unit
commit of each budget (it goes with them: the budget is the office's), and
the recuperation quotas of the year that govern the former unit (a
district's is shared on; a commune's own is not carried). The run leaves the
budgets as they were."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cases.allowances.models import RecuperationQuota
from cases.demo.base import seed_units
from cases.housing.models import Budget, HousingState
from cases.reorganization.plan import COUNTED, reorganization_plan
from cases.reorganization.run import reorganize
from tests.reorganization.mappings import EFFECTIVE, MERGE, load

pytestmark = pytest.mark.django_db


def test_the_dry_run_tells_the_budgets_and_quotas_the_moved_work_draws_on(
    users: SimpleNamespace, make_case: Any, communes: SimpleNamespace
) -> None:
    seed_units()
    approved = make_case(HousingState.APPROVED)
    make_case(HousingState.SUBMITTED)  # commits nothing yet
    closed = make_case(HousingState.CLOSED)  # stays: not counted
    assert approved.budget_id and approved.budget_id == closed.budget_id
    RecuperationQuota.objects.create(area=communes.a.parent, year=2025, quota=900)
    RecuperationQuota.objects.create(area=communes.b, year=2025, quota=40)
    RecuperationQuota.objects.create(area=communes.a.parent, year=2024, quota=900)  # past
    load(MERGE)
    plan = reorganization_plan(EFFECTIVE)
    lines = sorted(
        (x.former.name, x.successor.name if x.successor else "", x.what, x.detail, x.count)
        for x in plan.lines
        if x.section == "budgets"
    )
    budget = str(Budget.objects.get(pk=approved.budget_id))
    amount = f"{approved.approved_amount:,}".replace(",", ".")
    assert lines == [
        (
            "Minh Trí", "Kim Anh", "Chỉ tiêu điều dưỡng năm 2025 của Minh Trí",
            "40 người; không chuyển sang: xã mới được giao chỉ tiêu riêng", 0,
        ),
        (
            "Phù Lỗ", "Nội Bài", "Chỉ tiêu điều dưỡng năm 2025 của Sóc Sơn",
            "900 người; các xã mới hình thành từ đơn vị này dùng chung", 0,
        ),
        ("Phù Lỗ", "Nội Bài", budget, f"đã cam kết {amount} đ, đã chi 0 đ", 1),
        (
            "Thanh Xuân", "Nội Bài", "Chỉ tiêu điều dưỡng năm 2025 của Sóc Sơn",
            "900 người; các xã mới hình thành từ đơn vị này dùng chung", 0,
        ),
    ]  # fmt: skip
    assert "budgets" not in COUNTED  # a budget's line counts items counted where they move
    before = list(Budget.objects.values_list("pk", "allocated", "committed", "disbursed"))
    reorganize(EFFECTIVE, actor=None)
    assert list(Budget.objects.values_list("pk", "allocated", "committed", "disbursed")) == before
