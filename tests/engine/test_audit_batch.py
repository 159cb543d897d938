"""`bulk_transition(audit="batch")`: one audit event for the rows a bulk action
moved, the SHA-256 of their ids in it, the rows stamped with its id in the one
UPDATE that moves them, the check of the event against its rows, the batch
read in Vietnamese, and a row's history answered from its stamps.

The stamp path runs on a table made for these tests (a payroll line's shape:
state, commune, one stamp per step), registered for the test only: no model
of the product has stamps yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_fsm import FSMField, transition

from cases.gifts.models import GiftRecipient, GiftRecipientState
from workflows import audit, audit_batch, engine, registry
from workflows.audit_check import audit_verify_and_notify
from workflows.audit_presenter import EventPresenter
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope

from .test_bulk_transition import gift_rows, many_gift_rows, on_list, states

G = GiftRecipientState
OFFICER = (Role.COMMUNE_OFFICER,)
LINE_LABEL = "workflows.testpayline"


def _line_model() -> type[models.Model]:
    class TestPayLine(models.Model):
        commune_id = models.IntegerField()
        amount = models.BigIntegerField(default=2_055_000)
        state = FSMField(default="generated", max_length=20)
        approved_event = models.ForeignKey(
            AuditEvent, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
            related_name="+",
        )  # fmt: skip
        paid_event = models.ForeignKey(
            AuditEvent, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
            related_name="+",
        )  # fmt: skip

        class Meta:
            app_label = "workflows"

        @transition(field=state, source="generated", target="approved")
        def approve(self) -> None:
            pass

        @transition(field=state, source="approved", target="paid")
        def pay(self) -> None:
            pass

    return TestPayLine


@pytest.fixture
def Line(db: None) -> Iterator[Any]:
    """The test table, created in the test's transaction (gone at its rollback),
    its model known to the app registry and its rows' labels to the engine
    while the test runs."""
    model = _line_model()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    registry.register_rows(
        LINE_LABEL,
        registry.RowLabels(
            states={"generated": "Đã lập", "approved": "Đã duyệt", "paid": "Đã chi trả"},
            transitions={"approve": "Duyệt cùng bảng lương", "pay": "Chi trả"},
            batch={"approve": "Đã duyệt %(count)s dòng cùng bảng lương"},
        ),
    )
    yield model
    registry._rows.pop(LINE_LABEL, None)
    apps.all_models["workflows"].pop("testpayline", None)
    apps.clear_cache()


def lines(Line: Any, commune: Any, n: int) -> list[int]:
    made = Line.objects.bulk_create(Line(commune_id=commune.pk) for _ in range(n))
    return [r.pk for r in made]


def approve(Line: Any, ids: list[int], actor: Any, **kwargs: Any) -> engine.BulkResult:
    forget_scope(actor)
    return engine.bulk_transition(
        Line.objects.filter(pk__in=ids),
        "approve",
        actor=actor,
        allowed_roles=OFFICER,
        audit="batch",
        stamp="approved_event",
        parent=("cases.giftlist", "77"),
        **kwargs,
    )


# --- one event for the batch -------------------------------------------------------


def test_a_batch_of_gift_rows_writes_one_event_with_the_count_states_and_digest_of_its_rows(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    listed = [r.pk for r in gift_rows(communes.a, 4)]
    delivered = [r.pk for r in gift_rows(communes.a, 1, state=G.DELIVERED)]
    gift_list = on_list(communes.a)["gift_list"]

    with CaptureQueriesContext(connection) as ctx:
        result = engine.bulk_transition(
            GiftRecipient.objects.filter(pk__in=listed + delivered),
            "approve",
            actor=users.officer,
            reason="Danh sách Tết",
            data={"list": "tet-2025"},
            allowed_roles=OFFICER,
            audit="batch",
            parent=("cases.giftlist", gift_list.pk),
        )

    assert (result.count, result.events, result.moved) == (4, 1, [])
    assert result.refused == dict.fromkeys(delivered, "wrong_state")
    assert set(states(listed).values()) == {G.APPROVED}
    event = AuditEvent.objects.get(event=audit_batch.BATCH_EVENT)
    assert event == result.event
    assert (event.object_type, event.object_id, event.commune_id, event.chain) == (
        "cases.giftlist",
        str(gift_list.pk),
        communes.a.pk,
        f"commune:{communes.a.pk}",
    )
    assert (event.actor_id, event.actor_role, event.transition) == (
        users.officer.pk,
        Role.COMMUNE_OFFICER,
        "approve",
    )
    assert (event.from_state, event.to_state, event.reason) == (
        G.LISTED,
        G.APPROVED,
        "Danh sách Tết",
    )
    assert event.data == {
        "list": "tet-2025",
        "batch": {
            "model": "cases.giftrecipient",
            "count": 4,
            "from_states": {G.LISTED: 4},
            "sha256": audit_batch.batch_digest(G.APPROVED, listed),
            "stamp": "",
        },
    }
    assert not AuditEvent.objects.filter(object_type="cases.giftrecipient").exists()
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum("UPDATE cases_giftrecipient" in s for s in sql) == 1
    assert not any(s.startswith("COPY") for s in sql)
    assert audit.verify().ok
    # Without a stamp the rows cannot be found again: checked only as an event.
    assert audit_batch.verify_batch(event) == audit_batch.BatchCheck(True, False, 4, 0)


def test_a_batch_costs_the_same_queries_for_10_and_1000_rows(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    def run(ids: list[int]) -> int:
        forget_scope(users.officer)
        with CaptureQueriesContext(connection) as ctx:
            engine.bulk_transition(
                GiftRecipient.objects.filter(pk__in=ids),
                "approve",
                actor=users.officer,
                allowed_roles=OFFICER,
                audit="batch",
            )
        return len(ctx.captured_queries)

    assert run(many_gift_rows(communes.a, 10)) == run(many_gift_rows(communes.a, 1000))
    assert AuditEvent.objects.filter(event=audit_batch.BATCH_EVENT).count() == 2


def test_rows_of_several_communes_go_to_the_district_chain_unless_a_commune_is_named(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = [r.pk for r in gift_rows(communes.a, 2) + gift_rows(communes.b, 1)]
    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=ids),
        "approve",
        actor=users.specialist,
        allowed_roles=(Role.DISTRICT_SPECIALIST,),
        audit="batch",
    )
    assert result.event is not None and result.event.chain == "system"
    assert result.event.object_type == "cases.giftrecipient"
    more = [r.pk for r in gift_rows(communes.b, 2)]
    named = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=more),
        "approve",
        actor=users.specialist,
        allowed_roles=(Role.DISTRICT_SPECIALIST,),
        audit="batch",
        commune_id=communes.a.pk,
    )
    assert named.event is not None and named.event.chain == f"commune:{communes.a.pk}"
    assert audit.verify().ok


def test_a_batch_that_moves_nothing_writes_no_event_and_bad_options_are_refused(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = [r.pk for r in gift_rows(communes.a, 2)]
    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=ids),
        "approve",
        actor=users.officer_b,
        allowed_roles=OFFICER,
        audit="batch",
    )
    assert (result.count, result.events, result.event) == (0, 0, None)
    assert result.refused == dict.fromkeys(ids, "not_permitted")
    assert not AuditEvent.objects.filter(event=audit_batch.BATCH_EVENT).exists()
    queryset = GiftRecipient.objects.filter(pk__in=ids)
    wrongs: list[dict[str, Any]] = [
        {"audit": "each"},
        {"stamp": "person"},
        {"audit": "batch", "stamp": "person"},
    ]
    for wrong in wrongs:
        with pytest.raises(ValueError):
            engine.bulk_transition(
                queryset, "approve", actor=users.officer, allowed_roles=OFFICER, **wrong
            )
    with pytest.raises(ValueError):
        engine.bulk_transition(
            queryset, "approve", actor=users.officer, allowed_roles=OFFICER, audit="batch",
            data={"batch": 1},
        )  # fmt: skip


# --- stamps: which rows a batch moved, checked ------------------------------------


def test_every_moved_row_is_stamped_with_the_batch_event_in_the_one_update(
    Line: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = lines(Line, communes.a, 6)
    theirs = lines(Line, communes.b, 2)

    with CaptureQueriesContext(connection) as ctx:
        result = approve(Line, ids + theirs, users.officer)

    event = result.event
    assert event is not None and result.count == 6
    assert result.refused == dict.fromkeys(theirs, "not_permitted")
    stamped = dict(Line.objects.values_list("pk", "approved_event_id"))
    assert {pk: stamped[pk] for pk in ids} == dict.fromkeys(ids, event.pk)
    assert {pk: stamped[pk] for pk in theirs} == dict.fromkeys(theirs, None)
    assert event.data["batch"]["sha256"] == audit_batch.batch_digest("approved", ids)
    assert event.data["batch"]["stamp"] == "approved_event"
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum(f'UPDATE {Line._meta.db_table}' in s for s in sql) == 1  # fmt: skip
    assert audit_batch.verify_batch(event) == audit_batch.BatchCheck(True, True, 6, 6)
    assert audit_verify_and_notify().ok


def test_the_stamp_path_costs_the_same_queries_for_10_and_500_rows(
    Line: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    def run(n: int) -> int:
        ids = lines(Line, communes.a, n)
        with CaptureQueriesContext(connection) as ctx:
            assert approve(Line, ids, users.officer).count == n
        return len(ctx.captured_queries)

    assert run(10) == run(500)


def _tampered(Line: Any, event: AuditEvent) -> audit_batch.BatchCheck:
    return audit_batch.verify_batch(AuditEvent.objects.get(pk=event.pk), model=Line)


def test_a_changed_cleared_or_added_stamp_and_a_deleted_row_are_detected(
    Line: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = lines(Line, communes.a, 5)
    spare = lines(Line, communes.a, 1)
    event = approve(Line, ids, users.officer).event
    assert event is not None
    other = approve(Line, spare, users.officer).event
    assert other is not None
    table = Line._meta.db_table

    def sql(statement: str, params: list[Any]) -> None:
        with connection.cursor() as cur:
            cur.execute(statement.format(T=table), params)

    # A stamp moved to another batch: both batches' rows changed.
    sql("UPDATE {T} SET approved_event_id = %s WHERE id = %s", [other.pk, ids[0]])
    assert _tampered(Line, event) == audit_batch.BatchCheck(False, True, 5, 4, "rows changed")
    assert not _tampered(Line, other).ok
    sql("UPDATE {T} SET approved_event_id = %s WHERE id = %s", [event.pk, ids[0]])
    assert _tampered(Line, event).ok and _tampered(Line, other).ok
    # A row that was not in the batch, stamped as if it had been.
    sql("UPDATE {T} SET approved_event_id = %s WHERE id = %s", [event.pk, spare[0]])
    assert _tampered(Line, event) == audit_batch.BatchCheck(False, True, 5, 6, "rows changed")
    sql("UPDATE {T} SET approved_event_id = %s WHERE id = %s", [other.pk, spare[0]])
    # A stamp cleared, then a row deleted.
    sql("UPDATE {T} SET approved_event_id = NULL WHERE id = %s", [ids[1]])
    assert not _tampered(Line, event).ok
    sql("UPDATE {T} SET approved_event_id = %s WHERE id = %s", [event.pk, ids[1]])
    assert _tampered(Line, event).ok
    sql("DELETE FROM {T} WHERE id = %s", [ids[2]])
    assert _tampered(Line, event) == audit_batch.BatchCheck(False, True, 5, 4, "rows changed")

    # The tamper check (page, API, command, scheduler) finds it and names the event.
    verdict = audit_verify_and_notify()
    assert not verdict.ok and verdict.event_id == event.pk
    assert verdict.problem == (
        f"chain commune:{communes.a.pk} seq {event.seq}: the rows this batch moved were "
        "changed (5 recorded, 4 stamped now)"
    )
    assert verdict.notified >= 0 and verdict.alert is not None


def test_a_row_already_stamped_for_the_step_is_refused_so_the_batches_stay_checkable(
    Line: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = lines(Line, communes.a, 3)
    first = approve(Line, ids, users.officer).event
    # A row put back to its earlier state (say, by a correction) keeps its stamp.
    Line.objects.filter(pk=ids[0]).update(state="generated")

    again = approve(Line, ids, users.officer2)

    assert again.refused == {
        ids[0]: "already_stamped",
        ids[1]: "wrong_state",
        ids[2]: "wrong_state",
    }
    assert again.event is None
    assert first is not None and audit_batch.verify_batch(first, model=Line).ok


def test_separation_of_duties_reads_the_stamps_and_the_history_answers_who_did_each_step(
    Line: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = lines(Line, communes.a, 4)
    approved = approve(Line, ids, users.officer).event

    def pay(actor: Any) -> engine.BulkResult:
        forget_scope(actor)
        return engine.bulk_transition(
            Line.objects.filter(pk__in=ids),
            "pay",
            actor=actor,
            allowed_roles=OFFICER,
            not_by_actors_of=("approve",),
            audit="batch",
            stamp="paid_event",
        )

    refused = pay(users.officer)
    assert refused.refused == dict.fromkeys(ids, "separation_of_duties")
    paid = pay(users.officer2)
    assert paid.count == 4 and paid.event is not None

    history = audit_batch.row_history(Line.objects.get(pk=ids[2]))

    assert [(e.transition, e.actor_username, e.actor_role, e.to_state) for e in history] == [
        ("approve", "officer_a", Role.COMMUNE_OFFICER, "approved"),
        ("pay", "officer_a2", Role.COMMUNE_OFFICER, "paid"),
    ]
    assert [e.pk for e in history] == [approved.pk, paid.event.pk]  # type: ignore[union-attr]
    assert history[0].occurred_at <= history[1].occurred_at


def test_the_history_of_a_row_moved_one_event_each_is_its_own_events(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    row = gift_rows(communes.a, 1)[0]
    engine.bulk_transition(
        GiftRecipient.objects.filter(pk=row.pk), "approve", actor=users.officer,
        allowed_roles=OFFICER,
    )  # fmt: skip
    engine.bulk_transition(
        GiftRecipient.objects.filter(pk=row.pk),
        "deliver",
        values={"delivered_on": dt.date(2024, 2, 5)},
        actor=users.officer2,
        allowed_roles=OFFICER,
    )
    history = audit_batch.row_history(GiftRecipient.objects.get(pk=row.pk))
    assert [(e.transition, e.actor_username) for e in history] == [
        ("approve", "officer_a"),
        ("deliver", "officer_a2"),
    ]


def test_the_digest_in_sql_is_the_digest_in_python(db: None) -> None:
    ids = [12, 3, 1_000_000, 45]
    values = ", ".join(f"({i})" for i in ids)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {audit_batch.digest_sql('v.id')} FROM (VALUES {values}) v(id)", ["paid"]
        )
        assert cur.fetchone()[0] == audit_batch.batch_digest("paid", ids)
        cur.execute(
            f"SELECT {audit_batch.digest_sql('v.id')} FROM (VALUES (1)) v(id) WHERE false", ["x"]
        )
        assert cur.fetchone()[0] == audit_batch.batch_digest("x", [])


# --- the batch as people read it ---------------------------------------------------


def test_a_batch_reads_in_vietnamese_with_the_rows_step_and_count(
    Line: Any, users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    event = audit.new_event(
        actor=users.head,
        actor_role=Role.OFFICE_HEAD,
        object_type="cases.giftlist",
        object_id="77",
        event=audit_batch.BATCH_EVENT,
        transition="approve",
        from_state="",
        to_state="approved",
        data={
            "batch": {
                "model": LINE_LABEL,
                "count": 1234,
                "from_states": {"generated": 1200, "paid": 34},
                "sha256": "ab" * 32,
                "stamp": "approved_event",
            }
        },
    )
    with translation.override("vi"):
        row = EventPresenter(None).row(event)
    assert row.event_label == "Chuyển nhiều dòng cùng lúc"
    assert (row.transition_label, row.to_label) == ("Duyệt cùng bảng lương", "Đã duyệt")
    assert row.details == [
        ("", "Đã duyệt 1.234 dòng cùng bảng lương"),
        ("Từ trạng thái", "Đã lập: 1.200; Đã chi trả: 34"),
        ("Mã kiểm tra SHA-256", "ab" * 32),
    ]
    assert row.object_label.endswith("#77")


def test_a_gift_batch_reads_with_the_rows_transition_label_and_count(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = [r.pk for r in gift_rows(communes.a, 3)]
    gift_list = on_list(communes.a)["gift_list"]
    engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=ids), "approve", actor=users.officer,
        allowed_roles=OFFICER, audit="batch", parent=("cases.giftlist", gift_list.pk),
    )  # fmt: skip
    event = AuditEvent.objects.select_related("case", "commune").get(event=audit_batch.BATCH_EVENT)
    with translation.override("vi"):
        row = EventPresenter(users.auditor).row(event)
    assert row.transition_label == "Được phê duyệt cùng danh sách"
    assert row.details[0] == ("", "Được phê duyệt cùng danh sách: 3 dòng")
    assert row.commune == communes.a.name
