"""Procedures by organisation: in a commune of the two-level government (from
01/07/2025) the commune's culture–society division reviews, the chairman
approves and the commune's accountant pays what the district office did; a
case open at the reorganisation follows the commune route from the step it
waits for (the in-flight rule); a district all of whose communes closed is
abolished and the district roles whose work passed to the communes end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from cases.demo.base import seed_units
from cases.housing.models import HousingCase, HousingState
from cases.models import AdministrativeUnit, Person
from cases.reorganization.mapping import load_mapping, read_mapping
from cases.reorganization.run import reorganize
from tests.conftest import _grant, sign_in, upload_all
from tests.factories import PersonFactory
from workflows import flows
from workflows.engine import transition
from workflows.exceptions import NotPermitted
from workflows.models import AuditEvent
from workflows.permissions import Role, role_permission, scope_for
from workflows.registry import all_specs, in_flight_rule, register, route_specs, spec_for
from workflows.specs import InFlight

pytestmark = pytest.mark.django_db
EFFECTIVE = dt.date(2025, 7, 1)
DECISION = "Nghị quyết 1656/NQ-UBTVQH15"
MERGE = (
    "Mã ĐVHC cũ,Tên ĐVHC cũ,Mã ĐVHC mới,Tên ĐVHC mới,Toàn bộ/một phần,Thôn\n"
    "00448,Phù Lỗ,00433,Nội Bài,Toàn bộ,\n"
    "00382,Minh Trí,00382,Kim Anh,Toàn bộ,\n"
)
DEMO_FILE = Path(__file__).resolve().parents[2] / "cases/reorganization/data/soc_son_2025_demo.csv"
TODAY = dt.date.today


def load(text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    load_mapping(read_mapping("mapping.csv", data), effective=EFFECTIVE, decision=DECISION)


def fresh(case: HousingCase) -> HousingCase:
    return HousingCase.objects.get(pk=case.pk)


def noi_bai() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code="00433", valid_from=EFFECTIVE)


@pytest.fixture
def commune_staff(db: Any) -> Any:
    """Nội Bài's culture–society specialist, chairman and accountant (granted
    once the mapping made the commune)."""

    def make() -> SimpleNamespace:
        return SimpleNamespace(
            specialist=_grant("chuyenvien_noibai", Role.COMMUNE_SPECIALIST, ["00433"]),
            chairman=_grant("chutich_noibai", Role.COMMUNE_CHAIRMAN, ["00433"]),
            accountant=_grant("ketoan_noibai", Role.COMMUNE_ACCOUNTANT, ["00433"]),
        )

    return make


def test_a_case_waiting_for_the_district_passes_to_the_commune_at_the_run(
    users: SimpleNamespace, make_case: Any, commune_staff: Any
) -> None:
    seed_units()
    case = make_case(HousingState.COMMUNE_VERIFIED)
    assert spec_for(case).route == ""  # Phù Lỗ is under the district: the district route
    [task] = flows.open_tasks(case)
    assert task.owner_permission == role_permission(Role.DISTRICT_SPECIALIST)
    flows.task_claim(task, users.specialist)

    load(MERGE)
    staff = commune_staff()
    result = reorganize(EFFECTIVE, actor=None)

    case = fresh(case)
    assert case.commune == noi_bai()
    assert spec_for(case).route == "commune"
    [task] = flows.open_tasks(case)
    # The in-flight rule: the step it waits for is the commune's now, unclaimed.
    assert (task.owner_permission, task.owner_permission_obj_pk, task.owner_id) == (
        role_permission(Role.COMMUNE_SPECIALIST),
        str(noi_bai().pk),
        None,
    )
    assert result.tasks >= 1
    # The district specialist no longer acts on it; the commune's staff do,
    # each step by the role that took it over.
    with pytest.raises(NotPermitted):
        transition(case, "review", actor=users.specialist, data={"assessed_amount": 80_000_000})
    flows.task_claim(task, staff.specialist)
    transition(case, "review", actor=staff.specialist, data={"assessed_amount": 80_000_000})
    with pytest.raises(NotPermitted):
        transition(
            fresh(case),
            "approve",
            actor=users.head,
            data={"decision_number": "1/QĐ-UBND", "decision_date": TODAY().isoformat(),
                  "approved_amount": 80_000_000},
        )  # fmt: skip
    transition(
        fresh(case),
        "approve",
        actor=staff.chairman,
        data={"decision_number": "1/QĐ-UBND", "decision_date": TODAY().isoformat(),
              "approved_amount": 80_000_000},
    )  # fmt: skip
    transition(
        fresh(case),
        "disburse",
        actor=staff.accountant,
        data={"amount": 40_000_000, "paid_on": TODAY().isoformat()},
    )
    assert fresh(case).state == HousingState.PARTIALLY_DISBURSED
    roles = dict(
        AuditEvent.objects.filter(case_id=case.pk, event="transition").values_list(
            "transition", "actor_role"
        )
    )
    # The steps done before the date keep who did them.
    assert roles["verify"] == Role.COMMUNE_LEADER
    assert (roles["review"], roles["approve"], roles["disburse"]) == (
        Role.COMMUNE_SPECIALIST,
        Role.COMMUNE_CHAIRMAN,
        Role.COMMUNE_ACCOUNTANT,
    )


def test_a_case_filed_in_a_new_commune_follows_the_commune_route_from_the_start(
    users: SimpleNamespace, config: None, commune_staff: Any
) -> None:
    from cases.housing.services import housing_case_create

    seed_units()
    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    staff = commune_staff()
    officer = _grant("canbo_noibai", Role.COMMUNE_OFFICER, ["00433"])
    leader = _grant("lanhdao_noibai", Role.COMMUNE_LEADER, ["00433"])
    person = cast(Person, PersonFactory(commune=noi_bai()))
    case = housing_case_create(
        actor=officer, commune=noi_bai(), applicant=person, program="nguoi_co_cong",
        kind="new_build", requested_amount=60_000_000, description="Nhà tạm",
    )  # fmt: skip
    upload_all(officer, case)
    transition(case, "submit", actor=officer)
    transition(fresh(case), "verify", actor=leader)
    [task] = flows.open_tasks(fresh(case))
    assert task.owner_permission == role_permission(Role.COMMUNE_SPECIALIST)
    spec = spec_for(fresh(case))
    assert str(spec.acting_role[HousingState.COMMUNE_VERIFIED]) == Role.COMMUNE_SPECIALIST
    titles = {step.name: str(step.title) for step in spec.steps}
    assert titles["review"] == "Thẩm định (Phòng Văn hóa – Xã hội xã)"
    assert titles["approve"] == "Phê duyệt (Chủ tịch UBND xã)"
    # The commune's specialist sees it in the tasks waiting for them.
    assert flows.may_take_task(staff.specialist, task)
    assert not flows.may_take_task(users.specialist, task)


def test_the_district_is_abolished_with_its_last_communes_and_its_roles_end(
    users: SimpleNamespace,
) -> None:
    seed_units()
    load(DEMO_FILE.read_bytes())  # all 26 units of Sóc Sơn into 5 communes
    for user in (users.specialist, users.head, users.accountant, users.auditor):
        assert scope_for(user).district_roles
    result = reorganize(EFFECTIVE, actor=None)
    district = AdministrativeUnit.objects.get(level="district", code="016")
    assert district.valid_to == EFFECTIVE and district in result.closed
    assert result.roles_ended == 4  # specialist, two heads, accountant
    ended = {g.name for g in Group.objects.filter(user__in=[users.head]).distinct()}
    assert Role.OFFICE_HEAD not in ended
    for user in (users.specialist, users.head, users.head2, users.accountant):
        user.refresh_from_db()
        assert not user.groups.filter(name__in=[Role.DISTRICT_SPECIALIST, Role.OFFICE_HEAD,
                                                Role.ACCOUNTANT]).exists()  # fmt: skip
    # Auditors still read everything.
    users.auditor.refresh_from_db()
    assert users.auditor.groups.filter(name=Role.AUDITOR).exists()
    revoked = AuditEvent.objects.filter(event="role_revoke").count()
    assert revoked == 4
    # A second run changes nothing.
    again = reorganize(EFFECTIVE, actor=None)
    assert (again.closed, again.roles_ended) == ([], 0)


def test_each_process_with_more_than_one_route_states_its_in_flight_rule(
    users: SimpleNamespace, rehab_users: SimpleNamespace
) -> None:
    """The district office's processes switch to the commune route at the step
    they wait for (the district's roles end); drug rehab's cases keep the
    version they were filed under. The process page says which."""
    rules = {code: in_flight_rule(code) for code in all_specs()}
    for code in rules:
        assert len(route_specs(code)) == 1 or rules[code] is not None, code
    assert rules["housing"] == rules["payroll"] == rules["gift_list"] == InFlight.SWITCH
    assert rules["rehab_compulsory"] == rules["rehab_voluntary"] == InFlight.CONTINUE
    with pytest.raises(ValueError):  # a devolved process cannot keep the district's route
        register(all_specs()["housing"], flow=None, devolved=all_specs()["housing"])
    housing = Client()
    sign_in(housing, users.officer)
    html = housing.get(reverse("process_diagram", args=["housing"])).content.decode()
    assert "chuyển sang quy trình cấp xã từ bước đang chờ" in html
    rehab = Client()
    sign_in(rehab, rehab_users.police)
    html = rehab.get(reverse("process_diagram", args=["rehab_compulsory"])).content.decode()
    assert "vẫn theo phiên bản áp dụng lúc nộp cho đến khi kết thúc" in html
