"""The staff mapping of a reorganisation: which officer of which former unit
serves which new commune. Read from the office's file (roles as it writes
them, every bad row said at once, nothing written then); the dry run counts
the grants the run makes; a former unit with rows carries only what they
say, one without carries every holder to its successor."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command

from cases.demo.base import seed_units
from cases.housing.models import HousingState
from cases.models import AdministrativeUnit
from cases.reorganization.models import StaffAssignment
from cases.reorganization.plan import reorganization_plan
from cases.reorganization.run import reorganize
from cases.reorganization.staff import load_staff, read_staff
from tests.reorganization.mappings import EFFECTIVE, MERGE, load
from workflows import flows
from workflows.exceptions import InvalidData
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope, scope_for

pytestmark = pytest.mark.django_db
STAFF_HEADER = "Tên đăng nhập,Vai trò,Mã ĐVHC cũ,Mã ĐVHC mới\n"


def staff(text: str) -> None:
    load_staff(read_staff("staff.csv", (STAFF_HEADER + text).encode()), effective=EFFECTIVE)


def new_unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code, valid_from=EFFECTIVE)


def roles_in(user: Any, unit: AdministrativeUnit) -> set[str]:
    forget_scope(user)
    return set(scope_for(user).roles_in(unit.pk))


def test_roles_are_read_as_the_office_writes_them() -> None:
    rows = read_staff(
        "staff.csv",
        (
            STAFF_HEADER + "officer_a,Cán bộ LĐTBXH xã,448,00382\n"
            "leader_a,,00448,00433\n"
            "officer_b,commune_officer,00382,00382\n"
        ).encode(),
    )
    assert [(r.username, r.role, r.old_code, r.new_code) for r in rows] == [
        ("officer_a", Role.COMMUNE_OFFICER, "00448", "00382"),
        ("leader_a", "", "00448", "00433"),
        ("officer_b", Role.COMMUNE_OFFICER, "00382", "00382"),
    ]


def test_every_bad_row_is_said_and_nothing_is_written(users: SimpleNamespace) -> None:
    seed_units()
    load(MERGE)
    with pytest.raises(InvalidData) as bad_file:
        read_staff("staff.csv", (STAFF_HEADER + ",,00448,00433\nofficer_a,Thủ quỹ,1,2\n").encode())
    assert bad_file.value.code == "staff_errors"
    assert [str(e) for e in bad_file.value.fields["rows"]] == [
        "Dòng 2: phải có tên đăng nhập, mã đơn vị cũ và mã đơn vị mới.",
        "Dòng 3: “Thủ quỹ” không phải là vai trò của cấp xã.",
    ]
    with pytest.raises(InvalidData) as bad_rows:
        staff(
            '=HYPERLINK("http://x"),,00448,00433\n'  # a formula is a name, and no one's
            "officer_a,,00400,00433\n"  # Phù Linh is not in this mapping
            "officer_a,,00448,00376\n"  # nor Sóc Sơn among its new units
            "officer_b,,00448,00433\n"  # Minh Trí's officer holds nothing in Phù Lỗ
            "officer_a,Lãnh đạo UBND xã,00448,00433\n"  # nor does Phù Lỗ's officer lead it
            "leader_a,,00448,00433\n"  # good, but not written with the others wrong
        )
    assert bad_rows.value.code == "staff_errors"
    assert [str(e).split(":")[0] for e in bad_rows.value.fields["rows"]] == [
        "Dòng 2", "Dòng 3", "Dòng 4", "Dòng 5", "Dòng 6",
    ]  # fmt: skip
    assert "=HYPERLINK" in str(bad_rows.value.fields["rows"][0])
    assert not StaffAssignment.objects.exists()


def test_the_run_carries_only_what_the_staff_mapping_says(
    users: SimpleNamespace, make_case: Any
) -> None:
    """Phù Lỗ's officer serves Kim Anh (not Nội Bài, its successor); its
    leader is on no row, so serves no new commune, and lets go of the review
    they claimed; Minh Trí has no row: its officer serves Kim Anh, as by
    default. The dry run counted the same grants."""
    seed_units()
    case = make_case(HousingState.SUBMITTED)
    [task] = flows.open_tasks(case)
    flows.task_claim(task, users.leader)
    load(MERGE)
    staff("officer_a,Cán bộ LĐTBXH xã,00448,00382\n")
    staff("officer_a,Cán bộ LĐTBXH xã,00448,00382\n")  # twice: one row still
    assert StaffAssignment.objects.count() == 1
    plan = reorganization_plan(EFFECTIVE)
    planned = sorted(
        (line.former.code, line.successor.code if line.successor else "", line.what, line.count)
        for line in plan.lines
        if line.section == "grants"
    )
    result = reorganize(EFFECTIVE, actor=None)
    noi_bai, kim_anh = new_unit("00433"), new_unit("00382")
    assert roles_in(users.officer, kim_anh) == {Role.COMMUNE_OFFICER}
    assert roles_in(users.officer, noi_bai) == set()
    assert roles_in(users.leader, noi_bai) == roles_in(users.leader, kim_anh) == set()
    assert roles_in(users.officer_b, kim_anh) == {Role.COMMUNE_OFFICER}
    assert planned == [
        ("00382", "00382", "Cán bộ LĐTBXH xã", 1),
        ("00382", "00382", "Lãnh đạo UBND xã", 1),
        ("00448", "00382", "Cán bộ LĐTBXH xã", 1),
    ]
    assert result.grants == 3
    grants = AuditEvent.objects.filter(event="role_grant", data__carried_from__isnull=False)
    assert sorted((e.data["username"], e.data["commune"]) for e in grants) == [
        ("leader_b", "00382"), ("officer_a", "00382"), ("officer_b", "00382"),
    ]  # fmt: skip
    # The claimed review waits in Nội Bài for whoever holds the role there.
    task.refresh_from_db()
    assert (task.owner_id, task.owner_permission_obj_pk) == (None, str(noi_bai.pk))
    # The leader still reads Phù Lỗ's history, and acts nowhere.
    forget_scope(users.leader)
    leader = scope_for(users.leader)
    assert case.commune_id in leader.commune_ids & leader.closed_commune_ids
    assert leader.acting(Role.COMMUNE_LEADER) == frozenset()


def test_the_command_loads_the_staff_mapping_and_a_dry_run_writes_nothing(
    users: SimpleNamespace, tmp_path: Path, capsys: Any
) -> None:
    seed_units()
    mapping, staff_file = tmp_path / "mapping.csv", tmp_path / "staff.csv"
    mapping.write_text(MERGE, encoding="utf-8")
    staff_file.write_text(STAFF_HEADER + "officer_a,,00448,00382\n", encoding="utf-8")
    args = [
        f"--effective={EFFECTIVE}",
        f"--mapping={mapping}",
        "--decision=Nghị quyết 1656/NQ-UBTVQH15",
        f"--staff={staff_file}",
    ]
    call_command("reorganize", *args, "--dry-run")
    out = capsys.readouterr().out
    assert "Phù Lỗ (00448) → Kim Anh (00382)" in out
    assert not StaffAssignment.objects.exists()
    call_command("reorganize", *args)
    assert StaffAssignment.objects.get().former.code == "00448"
    assert roles_in(users.officer, new_unit("00382")) == {Role.COMMUNE_OFFICER}
    assert AdministrativeUnit.objects.get(code="00448", valid_from=None).valid_to == EFFECTIVE
