"""The reorganisation run: open work of every kind goes to the successor
with an audit event each, history stays, the former unit closes, whoever
acted there can act on the same work in the new commune; a second run
changes nothing; a split unit or a payroll in flight stops the run with
nothing moved."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from cases.demo.base import seed_units
from cases.housing.models import HousingCase, HousingKind, HousingProgram, HousingState
from cases.housing.services import housing_case_create
from cases.models import AdministrativeUnit, Person
from cases.reorganization.plan import reorganization_plan
from cases.reorganization.run import CLOSED_EVENT, MOVED_EVENT, reorganize
from cases.selectors import cases_for_user
from notifications.models import Notification
from tests.conftest import sign_in
from tests.factories import PersonFactory
from tests.reorganization.mappings import DECISION, EFFECTIVE, MERGE, load
from workflows import flows
from workflows.audit import verify
from workflows.audit_presenter import EventPresenter
from workflows.engine import transition
from workflows.exceptions import InvalidData, NotPermitted
from workflows.models import AuditEvent
from workflows.permissions import forget_scope, may_create_case, scope_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(users: SimpleNamespace, make_case: Any) -> SimpleNamespace:
    """In Phù Lỗ: a submitted case whose verify task the leader claimed, a
    draft, a closed case; an unread notification."""
    units = seed_units()
    submitted = make_case(HousingState.SUBMITTED)
    [task] = flows.open_tasks(submitted)
    flows.task_claim(task, users.leader)
    draft = make_case(HousingState.DRAFT)
    closed = make_case(HousingState.CLOSED)
    unread = Notification.objects.filter(commune_id=units["00448"].pk, read_at=None).count()
    return SimpleNamespace(
        units=units, submitted=submitted, draft=draft, closed=closed, task=task, unread=unread
    )


def commune_of(case: HousingCase) -> str:
    return HousingCase.objects.get(pk=case.pk).commune.name


def test_open_work_goes_to_the_successor_and_history_stays(
    work: SimpleNamespace, users: SimpleNamespace
) -> None:
    load(MERGE)
    plan = reorganization_plan(EFFECTIVE)
    result = reorganize(EFFECTIVE, actor=None)
    noi_bai = AdministrativeUnit.objects.get(code="00433", valid_from=EFFECTIVE)
    assert commune_of(work.submitted) == commune_of(work.draft) == "Nội Bài"
    assert commune_of(work.closed) == "Phù Lỗ"  # closed work keeps its unit
    # The dry run said the same, object for object.
    planned = sum(x.count for x in plan.lines if x.section == "open")
    assert sum(result.moved.values()) == planned == 2
    assert result.notifications == work.unread
    assert not Person.objects.filter(commune=work.units["00448"]).exists()
    # The former units are closed into their successors.
    phu_lo = AdministrativeUnit.objects.get(pk=work.units["00448"].pk)
    assert (phu_lo.valid_to, phu_lo.successor) == (EFFECTIVE, noi_bai)
    # One event per moved case, in the new commune's chain, naming the case.
    moved = AuditEvent.objects.filter(event=MOVED_EVENT).order_by("case_id")
    assert len(moved) == 2 and {e.case_id for e in moved} == {work.submitted.pk, work.draft.pk}
    assert {(e.commune_id, e.data["from"]["name"], e.data["to"]["name"]) for e in moved} == {
        (noi_bai.pk, "Phù Lỗ", "Nội Bài")
    }
    closing = AuditEvent.objects.get(event=CLOSED_EVENT, commune_id=phu_lo.pk)
    assert closing.data["successor"] == {"code": "00433", "name": "Nội Bài"}
    assert verify().ok
    # Whoever acted in Phù Lỗ acts in Nội Bài: the leader's claimed task is theirs still.
    forget_scope(users.leader)
    assert noi_bai.pk in scope_for(users.leader).commune_ids
    transition(work.submitted, "verify", actor=users.leader)
    assert HousingCase.objects.get(pk=work.submitted.pk).state == HousingState.COMMUNE_VERIFIED


def test_a_second_run_changes_nothing(work: SimpleNamespace) -> None:
    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    events = AuditEvent.objects.count()
    again = reorganize(EFFECTIVE, actor=None)
    assert (again.closed, sum(again.moved.values()), again.events) == ([], 0, 0)
    assert AuditEvent.objects.count() == events


def test_a_unit_split_by_villages_stops_the_run_with_nothing_moved(
    work: SimpleNamespace, users: SimpleNamespace
) -> None:
    load(
        MERGE
        + "00400,Phù Linh,00433,Nội Bài,Một phần,Thôn Đông\n"
        + "00400,Phù Linh,00382,Kim Anh,Một phần,Thôn Tây\n"
    )
    PersonFactory(commune=work.units["00400"])
    with pytest.raises(InvalidData) as exc:
        reorganize(EFFECTIVE, actor=None)
    assert exc.value.code == "reorganization_unmapped"
    assert exc.value.fields["units"] == ["Phù Linh: 1 người, 0 việc đang mở"]
    assert commune_of(work.submitted) == "Phù Lỗ"
    assert not AdministrativeUnit.objects.exclude(valid_to=None).exists()
    assert not AuditEvent.objects.filter(event=MOVED_EVENT).exists()


def test_the_command_runs_and_reports(work: SimpleNamespace, tmp_path: Any, capsys: Any) -> None:
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(MERGE, encoding="utf-8")
    with pytest.raises(CommandError, match="Chưa có bảng sắp xếp"):
        call_command("reorganize", "--effective=2025-07-01")
    args = ["--effective=2025-07-01", f"--mapping={mapping}", f"--decision={DECISION}"]
    call_command("reorganize", *args)
    out = capsys.readouterr().out
    assert "Moved: Hỗ trợ nhà ở 2;" in out and "Closed 3 former units" in out
    call_command("reorganize", "--effective=2025-07-01")
    assert "Nothing to move" in capsys.readouterr().out


def test_the_trail_reads_the_move_and_the_closing_in_vietnamese(work: SimpleNamespace) -> None:
    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    presenter = EventPresenter(None)
    moved = presenter.row(AuditEvent.objects.filter(event=MOVED_EVENT).earliest("id"))
    assert moved.event_label == "Chuyển sang đơn vị hành chính mới"
    assert dict(moved.details) == {
        "Từ đơn vị": "Phù Lỗ (00448)",
        "Sang đơn vị": "Nội Bài (00433)",
        "Quyết định": DECISION,
        "Có hiệu lực từ": "01/07/2025",
    }
    closing = presenter.row(AuditEvent.objects.filter(event=CLOSED_EVENT).earliest("id"))
    assert closing.event_label == "Đơn vị hành chính kết thúc do sắp xếp"
    assert dict(closing.details)["Đơn vị kế thừa"] == "Nội Bài (00433)"


def test_the_former_unit_is_read_not_acted_in(work: SimpleNamespace, users: Any) -> None:
    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    noi_bai = AdministrativeUnit.objects.get(code="00433", valid_from=EFFECTIVE)
    phu_lo = work.units["00448"]
    forget_scope(users.officer)
    scope = scope_for(users.officer)
    # Phù Lỗ's history: still read (its closed case), but no role acts there.
    assert work.closed.pk in set(cases_for_user(users.officer).values_list("pk", flat=True))
    assert scope.roles_in(phu_lo.pk) == set() and "commune_officer" in scope.roles_in(noi_bai.pk)
    assert not may_create_case(users.officer, phu_lo.pk)
    person = cast(Person, PersonFactory(commune=noi_bai))
    with pytest.raises(NotPermitted):
        housing_case_create(
            actor=users.officer, commune=phu_lo, applicant=person,
            program=HousingProgram.MERIT, kind=HousingKind.NEW_BUILD, requested_amount=1,
        )  # fmt: skip


def test_a_failure_mid_way_leaves_nothing_moved(work: SimpleNamespace) -> None:
    """The database refuses to move Minh Trí's people (a trigger made for the
    test), after Phù Lỗ's work was carried: the whole run is undone."""
    load(MERGE)
    minh_tri = work.units["00382"]
    assert work.units["00448"].pk < minh_tri.pk  # the run carries Phù Lỗ first
    PersonFactory(commune=minh_tri)
    events = AuditEvent.objects.count()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE FUNCTION refuse_move() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql"
        )
        cur.execute(
            "CREATE TRIGGER refuse_move BEFORE UPDATE OF commune_id ON cases_person FOR EACH "
            f"ROW WHEN (OLD.commune_id = {int(minh_tri.pk)}) EXECUTE FUNCTION refuse_move()"
        )
    with pytest.raises(Exception, match="refused for the test"):
        reorganize(EFFECTIVE, actor=None)
    assert commune_of(work.submitted) == commune_of(work.draft) == "Phù Lỗ"
    assert Person.objects.filter(commune=work.units["00448"]).exists()
    assert not AdministrativeUnit.objects.exclude(valid_to=None).exists()
    assert AuditEvent.objects.count() == events


def test_the_administrator_reads_the_dry_run_and_runs_it_from_the_page(
    work: SimpleNamespace, users: SimpleNamespace
) -> None:
    load(MERGE)
    client = sign_in(Client(), users.admin)
    page = client.get("/administration/reorganization/", {"effective": "01/07/2025"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Phù Lỗ (00448)" in html and "Nội Bài (00433)" in html
    assert "Những gì sẽ chuyển (chạy thử)" in html
    unconfirmed = client.post("/administration/reorganization/", {"effective": "01/07/2025"})
    assert unconfirmed.status_code == 400 and commune_of(work.draft) == "Phù Lỗ"
    done = client.post(
        "/administration/reorganization/", {"effective": "01/07/2025", "confirm": "on"}
    )
    assert done.status_code == 200 and "3 đơn vị cũ đã kết thúc." in done.content.decode()
    assert commune_of(work.draft) == "Nội Bài"
    again = client.get("/administration/reorganization/", {"effective": "01/07/2025"})
    assert "đã thực hiện xong" in again.content.decode()
