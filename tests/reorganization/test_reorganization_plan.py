"""The dry run of a reorganisation: what would move from each former unit to
its successor, and what cannot be mapped, with nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.core.management import call_command

from cases.demo.base import seed_units
from cases.housing.models import HousingCase, HousingKind, HousingProgram, HousingState
from cases.housing.services import housing_case_create
from cases.models import AdministrativeUnit, Person, PersonAddress, UnitChange
from cases.reorganization.mapping import load_mapping, read_mapping
from cases.reorganization.plan import reorganization_plan
from cases.reorganization.run import reorganize
from notifications.models import Notification
from tests.factories import PersonFactory
from workflows import flows
from workflows.permissions import Role
from workflows.services import role_grant

pytestmark = pytest.mark.django_db
EFFECTIVE = dt.date(2025, 7, 1)
DEMO_FILE = Path("cases/reorganization/data/soc_son_2025_demo.csv")
DECISION = "Nghị quyết 1656/NQ-UBTVQH15"


@pytest.fixture
def work(users: SimpleNamespace, make_case: Any, communes: SimpleNamespace) -> SimpleNamespace:
    """In Phù Lỗ (to Nội Bài): a submitted case whose verify task a leader
    claimed, a draft; in Phù Linh (split by villages): a draft."""
    units = seed_units()
    submitted = make_case(HousingState.SUBMITTED)
    [task] = flows.open_tasks(submitted)
    flows.task_claim(task, users.leader)
    draft = make_case(HousingState.DRAFT)
    officer_linh = role_grant(
        actor=None, username="canbo_phulinh", role=Role.COMMUNE_OFFICER,
        commune_codes=["00400"], password="Phu-Linh-2024!", full_name="Cán bộ Phù Linh",
    )  # fmt: skip
    person = cast(Person, PersonFactory(commune=units["00400"]))
    linh = housing_case_create(
        actor=officer_linh, commune=units["00400"], applicant=person,
        program=HousingProgram.MERIT, kind=HousingKind.NEW_BUILD, requested_amount=1,
    )  # fmt: skip
    return SimpleNamespace(units=units, submitted=submitted, draft=draft, linh=linh)


def load_demo() -> None:
    rows = read_mapping(DEMO_FILE.name, DEMO_FILE.read_bytes())
    load_mapping(rows, effective=EFFECTIVE, decision=DECISION, unverified=True)


def lines_of(plan: Any, code: str) -> set[tuple[str, str, str, str | None, int]]:
    return {
        (x.section, x.what, x.detail, x.successor.code if x.successor else None, x.count)
        for x in plan.lines
        if x.former.code == code
    }


def test_the_plan_says_what_moves_where_and_what_cannot_be_mapped(work: SimpleNamespace) -> None:
    load_demo()
    plan = reorganization_plan(EFFECTIVE)
    unread = Notification.objects.filter(commune_id=work.units["00448"].pk, read_at=None).count()
    expected = {
        ("people", "", "", "00433", Person.objects.filter(commune__code="00448").count()),
        ("open", "Hỗ trợ nhà ở", "Đã nộp", "00433", 1),
        ("open", "Hỗ trợ nhà ở", "Đang soạn", "00433", 1),
        ("tasks", "Hỗ trợ nhà ở", "đã có người nhận", "00433", 1),
        ("tasks", "Hỗ trợ nhà ở", "đang chờ", "00433", 1),  # the draft's prepare task
        ("grants", "Cán bộ LĐTBXH xã", "", "00433", 2),
        ("grants", "Lãnh đạo UBND xã", "", "00433", 1),
        ("notifications", "Thông báo", "", "00433", unread),
    }
    assert lines_of(plan, "00448") == {line for line in expected if line[-1]}
    # Minh Trí's officer and leader go to Kim Anh; Phù Linh is split by
    # villages and its person's village is not on record: not mapped (the
    # person, their case, the case's task). Its officer serves both successors.
    assert ("grants", "Cán bộ LĐTBXH xã", "", "00382", 1) in lines_of(plan, "00382")
    assert {(x.former.code, x.section, x.count) for x in plan.unmapped} == {
        ("00400", "people", 1),
        ("00400", "open", 1),
        ("00400", "tasks", 1),
    }
    assert {x.successor and x.successor.code for x in plan.lines if x.section == "grants"
            and x.former.code == "00400"} == {"00376", "00382"}  # fmt: skip


def test_a_split_unit_sends_each_person_and_their_work_where_their_village_went(
    work: SimpleNamespace,
) -> None:
    load_demo()
    Person.objects.filter(pk=work.linh.applicant_id).update(village="Thôn Tây")
    elsewhere = cast(Person, PersonFactory(commune=work.units["00400"], village="Thôn Đông"))
    plan = reorganization_plan(EFFECTIVE)
    assert not plan.unmapped
    assert ("open", "Hỗ trợ nhà ở", "Đang soạn", "00382", 1) in lines_of(plan, "00400")
    assert ("people", "", "", "00376", 1) in lines_of(plan, "00400")
    result = reorganize(EFFECTIVE, actor=None)
    linh = HousingCase.objects.select_related("commune", "applicant__commune").get(pk=work.linh.pk)
    assert (linh.commune.name, linh.applicant.commune.name) == ("Kim Anh", "Kim Anh")
    elsewhere.refresh_from_db()
    assert elsewhere.commune.name == "Sóc Sơn"
    # Each move is in the person's address history, the former unit named.
    [moved] = PersonAddress.objects.filter(person=elsewhere, reason="reorganization")
    assert moved.previous_commune is not None
    assert (moved.previous_commune.name, moved.commune.name, moved.since) == (
        "Phù Linh", "Sóc Sơn", EFFECTIVE,
    )  # fmt: skip
    phu_linh = AdministrativeUnit.objects.get(pk=work.units["00400"].pk)
    assert phu_linh.valid_to == EFFECTIVE and phu_linh.successor is None
    assert result.people == Person.objects.filter(addresses__reason="reorganization").count()


def test_the_dry_run_writes_nothing(work: SimpleNamespace, capsys: Any) -> None:
    states = dict(HousingCase.objects.values_list("pk", "state"))
    call_command(
        "reorganize", "--effective=2025-07-01", f"--mapping={DEMO_FILE}",
        f"--decision={DECISION}", "--unverified", "--dry-run",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "Phù Lỗ (00448) → Nội Bài (00433)" in out
    assert "Phù Linh (00400): " in out and "Nothing was written (dry run)." in out
    assert not UnitChange.objects.exists()  # the mapping was loaded and rolled back
    assert dict(HousingCase.objects.values_list("pk", "state")) == states


def test_without_a_mapping_nothing_would_move(db: Any, capsys: Any) -> None:
    call_command("reorganize", "--effective=2025-07-01", "--dry-run")
    assert "nothing would move" in capsys.readouterr().out
