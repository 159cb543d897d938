"""The flows moved from `workflows/flows.py` into the process packages, and
viewflow stores a flow's import path in every process and task row: the data
migrations `housing|gifts|rehab 0001_flow_reference` rewrite those paths. Rows
are built at the state before them on the real database; forward, only the
references change and they resolve to the code's flows and nodes; back, they
are the old ones again."""

from __future__ import annotations

import datetime as dt
import io
from importlib import import_module
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from viewflow.workflow.fields import get_flow_ref, import_flow_by_ref, import_task_by_ref
from viewflow.workflow.models import Process, Task
from viewflow.workflow.token import Token

from cases.gifts.flow import GiftListFlow
from cases.gifts.models import GiftList
from cases.housing.flow import HousingFlow
from cases.housing.models import HousingCase
from cases.rehab.flow import RehabReferralFlow, VoluntaryRehabFlow
from cases.rehab.models import RehabReferral, VoluntaryRehab
from workflows import audit

# The state the restructure starts from: the three process apps at zero.
BEFORE = [
    ("cases", "0011_person_registries"),
    ("workflows", "0012_audit_explorer_indexes"),
    ("viewflow", "0015_task_scheduled"),
    ("housing", None),
    ("gifts", None),
    ("rehab", None),
]
FLOW_REFERENCE_MIGRATIONS = {
    ("housing", "0001_flow_reference"),
    ("gifts", "0001_flow_reference"),
    ("rehab", "0001_flow_reference"),
}
MOVED = {
    "workflows/flows.HousingFlow": "housing/flow.HousingFlow",
    "workflows/flows.GiftListFlow": "gifts/flow.GiftListFlow",
    "workflows/flows.RehabReferralFlow": "rehab/flow.RehabReferralFlow",
    "workflows/flows.VoluntaryRehabFlow": "rehab/flow.VoluntaryRehabFlow",
}
FLOWS = {
    "housing/flow.HousingFlow": HousingFlow,
    "gifts/flow.GiftListFlow": GiftListFlow,
    "rehab/flow.RehabReferralFlow": RehabReferralFlow,
    "rehab/flow.VoluntaryRehabFlow": VoluntaryRehabFlow,
}
# Reference tables created after BEFORE and filled by their own migration.
SEEDED = {
    "cases_housingsupportrule",
    # The allowances' shipped rates (migrations allowances 0002, 0004).
    "allowances_allowancestandard",
    "allowances_allowancecategory",
    "allowances_categoryrate",
    "allowances_oneoffrule",
    "allowances_recuperationrate",
}
# No migration names this flow, though its path starts like a moved one's: it stays put.
BYSTANDER = "workflows/flows.HousingFlowV0"


def latest() -> list[tuple[str, str]]:
    return sorted(MigrationLoader(connection).graph.leaf_nodes())


def applied() -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def flow_refs() -> dict[int, str]:
    """viewflow_process.flow_class as stored: the model field would import it."""
    with connection.cursor() as cur:
        cur.execute("SELECT id, flow_class FROM viewflow_process")
        return dict(cur.fetchall())


def task_refs() -> dict[int, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT id, flow_task FROM viewflow_task")
        return dict(cur.fetchall())


def snapshot() -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every model's table, by primary key, as the database returns it."""
    out = {}
    with connection.cursor() as cur:
        tables = connection.introspection.django_table_names(only_existing=True)
        for table in sorted(tables):
            keys = connection.introspection.get_primary_key_columns(cur, table)
            assert keys, f"{table} has no primary key"
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            names = [c.name for c in cur.description]
            rows = (dict(zip(names, row, strict=True)) for row in cur.fetchall())
            out[table] = {tuple(r[k] for k in keys): r for r in rows}
    return out


def old_columns(
    after: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
    before: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """`after` with each row cut to the columns its table had in `before`."""
    out = {}
    for table, rows in after.items():
        old = next(iter(before.get(table, {}).values()), None)
        if old is None:
            out[table] = rows
        else:
            out[table] = {pk: {k: row[k] for k in old} for pk, row in rows.items()}
    return out


def with_references_moved(
    before: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """`before` as the move should leave it: only the two reference columns differ."""
    after = {table: {pk: dict(row) for pk, row in rows.items()} for table, rows in before.items()}
    for row in after["viewflow_process"].values():
        row["flow_class"] = MOVED.get(row["flow_class"], row["flow_class"])
    for row in after["viewflow_task"].values():
        flow, _, node = row["flow_task"].rpartition(".")
        row["flow_task"] = f"{MOVED.get(flow, flow)}.{node}"
    return after


@pytest.fixture
def old_state(migrator: Any) -> Any:
    """The database migrated back to BEFORE, and its project state.

    The test database is at the latest migrations, so stepping back unapplies
    just the restructure's four. (`apply_initial_migration` would drop every
    table and replay all the project's migrations, some 20 s per test, and its
    plan, cut after the last target in the full plan, would include the three
    0001_flow_reference, which sort before workflows 0012.)
    """
    migrator.apply_tested_migration(BEFORE)
    # The state at BEFORE itself (the migrator's answer carries later models' fields).
    state = MigrationLoader(connection).project_state([(a, m) for a, m in BEFORE if m])
    done = applied()
    assert not done & FLOW_REFERENCE_MIGRATIONS
    assert ("workflows", "0013_procedure_version_routes_from_processes") not in done
    assert {key for key in BEFORE if key[1]} <= done
    # A transactional test before this one may have flushed the seeded procedure
    # versions; the seeding migration's own function puts them back (get_or_create).
    import_module("cases.migrations.0009_rehab_reference_data").seed(state.apps, None)
    return state


def build_old_rows(apps: Any) -> SimpleNamespace:
    """A case, a gift list and two rehab cases with their processes and tasks as
    the old code stored them, one bystander process, and four chained audit events.

    Written through the historical models (the factories build today's models,
    which need today's schema), so the rows are what the old schema held.
    """
    get = apps.get_model
    User = get("auth", "User")
    ContentType = get("contenttypes", "ContentType")
    Unit = get("cases", "AdministrativeUnit")
    Person = get("cases", "Person")
    Process_ = get("viewflow", "Process")
    Task_ = get("viewflow", "Task")
    Version = get("workflows", "ProcedureVersion")
    ns = SimpleNamespace(tasks={})

    officer = User.objects.create(username="officer_a", password="!")
    leader = User.objects.create(username="leader_a", password="!")
    commune = Unit.objects.create(code="00448", name="Phù Lỗ", level="commune", kind="xa")
    ns.commune = commune.pk

    def person(full_name: str, national_id: str, born: dt.date, sex: str) -> Any:
        return Person.objects.create(
            full_name=full_name,
            date_of_birth=born,
            sex=sex,
            national_id=national_id,
            commune=commune,
            address="Thôn Đoài",
        )

    def process(flow: str, artifact_model: str, tasks: list[tuple[str, str, str]]) -> Any:
        ct, _ = ContentType.objects.get_or_create(app_label="cases", model=artifact_model)
        proc = Process_.objects.create(flow_class=flow, status="NEW", artifact_content_type=ct)
        for node, task_type, status in tasks:
            task = Task_.objects.create(
                process=proc,
                flow_task=f"{flow}.{node}",
                flow_task_type=task_type,
                status=status,
                token=Token("start"),
                owner=officer if status == "DONE" and task_type == "HUMAN" else None,
            )
            ns.tasks[(flow, node)] = task.pk
        return proc

    def attach(proc: Any, artifact: Any) -> None:
        Process_.objects.filter(pk=proc.pk).update(artifact_object_id=artifact.pk)
        type(artifact).objects.filter(pk=artifact.pk).update(flow_process=proc)

    done = "DONE"
    housing_process = process(
        "workflows/flows.HousingFlow",
        "case",
        [
            ("start", "START", done),
            ("prepare", "HUMAN", done),
            ("verify", "HUMAN", done),
            ("disburse_advance", "HUMAN", done),
            ("route", "SWITCH", done),
            ("accept_completion", "HUMAN", "NEW"),
        ],
    )
    housing = get("cases", "HousingCase").objects.create(
        reference="NO-2026-0001",
        process="housing",
        state="partially_disbursed",
        commune=commune,
        created_by=officer,
        applicant=person("Nguyễn Văn An", "001050000001", dt.date(1950, 5, 1), "M"),
        program="nguoi_co_cong",
        kind="new_build",
        requested_amount=80_000_000,
        assessed_amount=80_000_000,
        approved_amount=80_000_000,
        disbursed_amount=40_000_000,
        decision_number="123/QĐ-UBND",
        decision_date=dt.date(2026, 3, 2),
    )
    attach(housing_process, housing)

    gift_process = process(
        "workflows/flows.GiftListFlow",
        "giftlist",
        [("start", "START", done), ("prepare", "HUMAN", done), ("confirm", "HUMAN", "NEW")],
    )
    campaign = get("cases", "Campaign").objects.create(
        code="tet-2026", name="Quà Tết Bính Ngọ", year=2026, occasion_date=dt.date(2026, 2, 17)
    )
    gift_list = get("cases", "GiftList").objects.create(
        campaign=campaign, commune=commune, created_by=officer, state="submitted"
    )
    attach(gift_process, gift_list)

    referral_process = process(
        "workflows/flows.RehabReferralFlow",
        "rehabcase",
        [
            ("start", "START", done),
            ("police_file", "HUMAN", done),
            ("police_court_decision", "HUMAN", "NEW"),
        ],
    )
    referral = get("cases", "RehabReferral").objects.create(
        reference="CN-2026-0001",
        process="rehab_compulsory",
        state="filed",
        route="2025",
        commune=commune,
        created_by=officer,
        applicant=person("Trần Văn Bình", "001090000002", dt.date(1990, 7, 9), "M"),
        procedure_version=Version.objects.get(procedure="rehab_compulsory", code="2025"),
        ground="not_registered",
    )
    attach(referral_process, referral)

    voluntary_process = process(
        "workflows/flows.VoluntaryRehabFlow",
        "rehabcase",
        [("start", "START", done), ("register", "HUMAN", done), ("decide", "HUMAN", "NEW")],
    )
    voluntary = get("cases", "VoluntaryRehab").objects.create(
        reference="TN-2026-0001",
        process="rehab_voluntary",
        state="registered",
        route="voluntary",
        commune=commune,
        created_by=officer,
        applicant=person("Lê Thị Cúc", "001195000003", dt.date(1995, 1, 20), "F"),
        procedure_version=Version.objects.get(procedure="rehab_voluntary"),
        setting="home",
    )
    attach(voluntary_process, voluntary)

    ns.bystander = process(BYSTANDER, "case", [("verify", "HUMAN", "NEW")]).pk
    ns.processes = {
        housing_process.pk: "workflows/flows.HousingFlow",
        gift_process.pk: "workflows/flows.GiftListFlow",
        referral_process.pk: "workflows/flows.RehabReferralFlow",
        voluntary_process.pk: "workflows/flows.VoluntaryRehabFlow",
        ns.bystander: BYSTANDER,
    }
    ns.housing_process = housing_process.pk
    ns.housing, ns.gift_list, ns.referral, ns.voluntary = (
        housing.pk,
        gift_list.pk,
        referral.pk,
        voluntary.pk,
    )
    write_audit_chain(
        apps, commune=commune, officer=officer, leader=leader, housing=housing, gift_list=gift_list
    )
    return ns


def write_audit_chain(
    apps: Any, *, commune: Any, officer: Any, leader: Any, housing: Any, gift_list: Any
) -> None:
    """Four events in two chains, linked and hashed as `workflows.audit.append`
    does (its `compute_hash` reads only plain attributes, so it hashes the
    historical model's instances too)."""
    AuditEvent = apps.get_model("workflows", "AuditEvent")
    Head = apps.get_model("workflows", "AuditChainHead")
    heads: dict[str, Any] = {}
    at = dt.datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=dt.UTC)
    events = [
        dict(actor=officer, commune=commune, case=housing, event="create", to_state="draft"),
        dict(
            actor=leader,
            actor_role="commune_leader",
            commune=commune,
            case=housing,
            event="transition",
            transition="verify",
            from_state="submitted",
            to_state="commune_verified",
            data={"ghi_chu": "Hồ sơ đủ", "amount": 80_000_000},
            ip="10.0.0.5",
            request_id="req-1",
        ),
        dict(
            actor=officer,
            commune=commune,
            object_type="giftlist",
            object_id=str(gift_list.pk),
            event="transition",
            transition="submit",
            from_state="preparing",
            to_state="submitted",
        ),
        dict(actor=None, event="role_grant", data={"role": "commune_officer", "user": "officer_a"}),
    ]
    for seconds, fields in enumerate(events):
        c = fields.get("commune")
        ev = AuditEvent(
            occurred_at=at + dt.timedelta(seconds=seconds),
            actor_username=fields["actor"].username if fields["actor"] else "",
            **{"object_id": str(fields["case"].pk) if "case" in fields else "", **fields},
        )
        ev.data = audit.jsonable(ev.data)
        ev.chain = audit.chain_for(c.pk if c else None)
        head = heads.setdefault(ev.chain, Head(chain=ev.chain, seq=0, last_hash=audit.GENESIS))
        ev.seq, ev.prev_hash = head.seq + 1, head.last_hash
        ev.hash = audit.compute_hash(ev)
        ev.save()
        head.seq, head.last_hash = ev.seq, ev.hash
    for head in heads.values():
        head.save()


def flow_of(obj: Any) -> Any:
    """The flow class viewflow reads from the object's process row."""
    assert obj.flow_process is not None
    return obj.flow_process.flow_class


def verify_audit_output() -> str:
    out = io.StringIO()
    call_command("verify_audit", "--full", stdout=out)
    return out.getvalue().strip()


def test_migrating_forward_points_every_process_and_task_at_the_flows_new_package(
    old_state: Any, migrator: Any
) -> None:
    rows = build_old_rows(old_state.apps)
    # The chain written above is a sound one, so "still sound" below means something.
    assert verify_audit_output() == "OK: 4 events in 2 chains"
    before = snapshot()

    migrator.apply_tested_migration(latest())

    assert applied() >= set(latest())
    # Columns that later migrations add (generated search columns, flags) are
    # theirs to test: the rows are compared on the columns they had.
    after = old_columns(snapshot(), before)
    # No row lost or added; tables that later migrations create start empty,
    # but for reference data that a migration seeds.
    assert {t: len(r) for t, r in after.items() if t in before} == {
        t: len(r) for t, r in before.items()
    }
    assert {t: len(r) for t, r in after.items() if t not in before.keys() | SEEDED} == {
        t: 0 for t in after if t not in before.keys() | SEEDED
    }
    assert all(after[t] for t in SEEDED)
    assert flow_refs() == {pk: MOVED.get(old, old) for pk, old in rows.processes.items()}
    tasks = task_refs()
    assert tasks[rows.tasks[("workflows/flows.HousingFlow", "disburse_advance")]] == (
        "housing/flow.HousingFlow.disburse_advance"
    )
    assert tasks[rows.tasks[("workflows/flows.RehabReferralFlow", "police_court_decision")]] == (
        "rehab/flow.RehabReferralFlow.police_court_decision"
    )
    assert tasks[rows.tasks[(BYSTANDER, "verify")]] == f"{BYSTANDER}.verify"
    assert after["workflows_auditevent"] == before["workflows_auditevent"]
    assert after["workflows_auditchainhead"] == before["workflows_auditchainhead"]
    # Every row of every table as it was, but for the moved references.
    assert {t: rows for t, rows in after.items() if t in before} == with_references_moved(before)

    # The new references are exactly what viewflow writes for the code's flows...
    assert {get_flow_ref(flow) for flow in FLOWS.values()} == set(MOVED.values())
    # ...and each one imports its flow, each task its node.
    for pk, ref in flow_refs().items():
        if pk != rows.bystander:
            assert import_flow_by_ref(ref) is FLOWS[ref]
    for (old_flow, node), pk in rows.tasks.items():
        if old_flow != BYSTANDER:
            flow = FLOWS[MOVED[old_flow]]
            assert import_task_by_ref(tasks[pk]) is flow.instance.node(node)
            assert Task.objects.get(pk=pk).flow_task is flow.instance.node(node)
    assert Process.objects.get(pk=rows.bystander).flow_class is None  # unknown, as before

    # Today's models read the migrated rows: states kept, processes resolved.
    housing = HousingCase.objects.get(pk=rows.housing)
    gift_list = GiftList.objects.get(pk=rows.gift_list)
    referral = RehabReferral.objects.get(pk=rows.referral)
    voluntary = VoluntaryRehab.objects.get(pk=rows.voluntary)
    assert (housing.state, flow_of(housing)) == ("partially_disbursed", HousingFlow)
    assert (gift_list.state, flow_of(gift_list)) == ("submitted", GiftListFlow)
    assert (referral.state, flow_of(referral)) == ("filed", RehabReferralFlow)
    assert (voluntary.state, flow_of(voluntary)) == ("registered", VoluntaryRehabFlow)
    open_task = Task.objects.get(process=housing.flow_process, status="NEW")
    assert open_task.flow_task is HousingFlow.instance.node("accept_completion")

    result = audit.verify()
    assert (result.ok, result.events, result.chains) == (True, 4, 2), result.problem
    assert verify_audit_output() == "OK: 4 events in 2 chains"


def test_migrating_back_restores_the_workflows_references_and_nothing_else_changes(
    old_state: Any, migrator: Any
) -> None:
    rows = build_old_rows(old_state.apps)
    before = snapshot()
    migrator.apply_tested_migration(latest())
    assert flow_refs()[rows.housing_process] == "housing/flow.HousingFlow"  # it did move

    migrator.apply_tested_migration(BEFORE)

    assert not applied() & FLOW_REFERENCE_MIGRATIONS
    assert flow_refs() == rows.processes
    tasks = task_refs()
    assert tasks[rows.tasks[("workflows/flows.HousingFlow", "disburse_advance")]] == (
        "workflows/flows.HousingFlow.disburse_advance"
    )
    assert {ref.rpartition(".")[0] for ref in tasks.values()} == set(rows.processes.values())
    # The round trip leaves the database as it found it, row for row.
    assert snapshot() == before
    assert verify_audit_output() == "OK: 4 events in 2 chains"


@pytest.mark.django_db(transaction=True)
def test_an_ordinary_test_after_the_migration_tests_finds_the_latest_schema(
    make_case: Any,
) -> None:
    """Runs after the two above (pytest-django runs transactional tests after
    the others, in file order): their teardown migrated the database forward
    again (django-test-migrations' reset) before flushing it, so a case built
    through the real services stores today's flow paths."""
    assert applied() >= set(latest())
    case = make_case("submitted")
    assert flow_refs()[case.flow_process_id] == "housing/flow.HousingFlow"
    assert {ref.rpartition(".")[0] for ref in task_refs().values()} == {"housing/flow.HousingFlow"}
