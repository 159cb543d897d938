"""The audit trail is append-only in the database (a pgtrigger Protect trigger)
and hash-chained per commune; `manage.py verify_audit` finds an edited or a
deleted event, even one changed behind the trigger's back by a superuser."""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from cases.housing.models import HousingState
from workflows import audit
from workflows.models import AuditChainHead, AuditEvent


def verify_audit() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def behind_the_triggers_back(sql: str, params: list[Any]) -> None:
    """As the superuser the tests connect as: triggers off for this transaction only."""
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, params)
        cur.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def chain(make_case: Any, communes: SimpleNamespace) -> list[AuditEvent]:
    """A closed case: its commune's chain holds create, uploads and 7 transitions."""
    make_case(HousingState.CLOSED)
    events = list(AuditEvent.objects.filter(chain=f"commune:{communes.a.pk}").order_by("seq"))
    assert len(events) >= 10
    return events


def test_the_database_refuses_to_update_an_audit_event(chain: list[AuditEvent]) -> None:
    event = chain[3]
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="sửa lại")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE workflows_auditevent SET actor_role = 'x' WHERE id = %s", [event.pk]
            )
    event.refresh_from_db()
    assert event.reason == chain[3].reason and event.actor_role == chain[3].actor_role


def test_the_database_refuses_to_delete_an_audit_event(chain: list[AuditEvent]) -> None:
    event = chain[3]
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM workflows_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_verify_audit_prints_ok_and_exits_0_on_a_clean_chain(chain: list[AuditEvent]) -> None:
    code, out, err = verify_audit()
    total = AuditEvent.objects.count()
    chains = AuditEvent.objects.values("chain").distinct().count()
    assert code == 0
    assert out.strip() == f"OK: {total} events in {chains} chains"
    assert err == ""


def test_verify_audit_is_ok_on_an_empty_trail(db: Any) -> None:
    assert verify_audit()[0] == 0


def test_verify_audit_finds_an_event_edited_behind_the_triggers_back(
    chain: list[AuditEvent],
) -> None:
    victim = chain[5]
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s WHERE id = %s", ["đã sửa", victim.pk]
    )
    assert AuditEvent.objects.get(pk=victim.pk).reason == "đã sửa"

    code, out, err = verify_audit()
    assert code == 1
    assert out == ""
    assert f"seq {victim.seq}" in err and "edited" in err
    assert f"event id {victim.pk}" in err


def test_verify_audit_finds_an_edited_last_event(chain: list[AuditEvent]) -> None:
    victim = chain[-1]
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET data = '{}'::jsonb WHERE id = %s", [victim.pk]
    )
    code, _out, err = verify_audit()
    assert code == 1
    assert f"event id {victim.pk}" in err


def test_verify_audit_finds_an_edit_that_recomputed_the_events_own_hash(
    chain: list[AuditEvent],
) -> None:
    # A forger who recomputes the edited event's hash still breaks the next link.
    victim = AuditEvent.objects.get(pk=chain[4].pk)
    victim.reason = "đã sửa"
    forged = audit.compute_hash(victim)
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s, hash = %s WHERE id = %s",
        ["đã sửa", forged, victim.pk],
    )
    code, _out, err = verify_audit()
    assert code == 1
    assert f"seq {chain[5].seq}" in err and f"event id {chain[5].pk}" in err


def test_verify_audit_finds_an_event_deleted_from_the_middle(chain: list[AuditEvent]) -> None:
    victim, successor = chain[4], chain[5]
    with connection.cursor() as cur:
        # Fire the test transaction's deferred FK checks first: ALTER TABLE refuses
        # to run while trigger events are pending.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("ALTER TABLE workflows_auditevent DISABLE TRIGGER ALL")
        cur.execute("DELETE FROM workflows_auditevent WHERE id = %s", [victim.pk])
        cur.execute("ALTER TABLE workflows_auditevent ENABLE TRIGGER ALL")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
    assert not AuditEvent.objects.filter(pk=victim.pk).exists()

    code, _out, err = verify_audit()
    assert code == 1
    assert f"expected seq {victim.seq}, found {successor.seq}" in err
    assert f"event id {successor.pk}" in err
    # The trigger is back on.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=successor.pk).delete()


def test_verify_audit_finds_the_last_event_of_a_chain_deleted(chain: list[AuditEvent]) -> None:
    victim = chain[-1]
    behind_the_triggers_back("DELETE FROM workflows_auditevent WHERE id = %s", [victim.pk])

    code, _out, err = verify_audit()
    assert code == 1
    assert victim.chain in err
    assert f"seq {victim.seq}" in err


def test_verify_audit_finds_a_chain_whose_events_were_all_deleted(
    chain: list[AuditEvent],
) -> None:
    behind_the_triggers_back("DELETE FROM workflows_auditevent WHERE chain = %s", [chain[0].chain])
    code, _out, err = verify_audit()
    assert code == 1
    assert chain[0].chain in err


def test_every_event_links_to_the_previous_one_and_the_head_holds_the_last(
    chain: list[AuditEvent],
) -> None:
    assert chain[0].prev_hash == audit.GENESIS
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    for prev, ev in zip(chain, chain[1:], strict=False):
        assert ev.prev_hash == prev.hash
        assert audit.compute_hash(ev) == ev.hash
    head = AuditChainHead.objects.get(chain=chain[0].chain)
    assert (head.seq, head.last_hash) == (chain[-1].seq, chain[-1].hash)


@pytest.mark.django_db(transaction=True)
def test_verify_is_not_fooled_by_an_event_appended_while_it_runs(
    make_case: Any, users: SimpleNamespace, communes: SimpleNamespace, monkeypatch: Any
) -> None:
    make_case(HousingState.SUBMITTED)

    def append_from_another_connection() -> None:
        try:
            with transaction.atomic():
                audit.record(actor=users.officer, commune_id=communes.a.pk, event="read")
        finally:
            connections.close_all()

    original = AuditEvent.objects.order_by

    def order_by_after_an_append(*args: Any) -> Any:
        # verify() has read the chain heads; another session commits an event now.
        worker = threading.Thread(target=append_from_another_connection)
        worker.start()
        worker.join()
        return original(*args)

    monkeypatch.setattr(AuditEvent.objects, "order_by", order_by_after_an_append)
    result = audit.verify()
    monkeypatch.undo()
    assert result.ok, result.problem
    assert AuditEvent.objects.filter(event="read").count() == 1
    assert audit.verify().ok
