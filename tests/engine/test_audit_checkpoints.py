"""The tamper check goes on from where it stopped: a checkpoint per chain (the
event verified last, its seq and hash), so a run reads the new events, not the
whole trail (issue 14: tens of millions of events a year). A full walk
(`verify_audit --full`) still reads everything."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.housing.models import HousingState
from tests.engine.test_audit_trail import behind_the_triggers_back, verify_audit
from workflows import audit
from workflows.models import AuditChainHead, AuditCheckpoint, AuditEvent


def full() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", "--full", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def heads() -> dict[str, tuple[int, str]]:
    return {h.chain: (h.seq, h.last_hash) for h in AuditChainHead.objects.exclude(seq=0)}


def checkpoints() -> dict[str, tuple[int, str]]:
    return {c.chain: (c.seq, c.hash) for c in AuditCheckpoint.objects.all()}


@pytest.fixture
def trail(make_case: Any, communes: SimpleNamespace) -> SimpleNamespace:
    """A closed case in commune a, then a clean incremental check."""
    make_case(HousingState.CLOSED)
    total = AuditEvent.objects.count()
    code, out, _err = verify_audit()
    assert code == 0 and out.strip().startswith(f"OK: {total} events in ")
    return SimpleNamespace(total=total, chain=f"commune:{communes.a.pk}")


def test_a_clean_check_leaves_a_checkpoint_at_the_end_of_each_chain(trail) -> None:
    assert checkpoints() == heads()
    assert AuditCheckpoint.objects.get(chain=trail.chain).verified_at is not None


def test_the_next_check_reads_only_the_new_events_and_one_per_chain(
    trail, make_case, communes, users
) -> None:
    chains = len(checkpoints())
    assert (
        verify_audit()[1].strip()
        == f"OK: {chains} events in {chains} chains ({chains} from their checkpoint)"
    )
    for _ in range(3):
        audit.record(actor=users.officer, commune_id=communes.a.pk, event="read")
    result = audit.verify(incremental=True)
    assert result.ok and (result.events, result.resumed) == (chains + 3, chains)
    assert checkpoints() == heads()
    # The full walk reads everything, and leaves the checkpoints alone.
    before = checkpoints()
    code, out, _err = full()
    assert code == 0 and out.strip().startswith(f"OK: {trail.total + 3} events in ")
    assert checkpoints() == before


def test_the_checks_cost_follows_the_new_events_not_the_trail(trail, communes, users) -> None:
    """One query per chain whatever the trail's length, each reading its new rows."""
    for _ in range(40):
        audit.record(actor=users.officer, commune_id=communes.a.pk, event="read")
    audit.verify(incremental=True)
    with CaptureQueriesContext(connection) as ctx:
        result = audit.verify(incremental=True)
    assert result.events == len(checkpoints())
    chains = AuditChainHead.objects.count()
    assert len(ctx.captured_queries) <= chains + 6


def test_an_event_edited_after_the_checkpoint_is_found(trail, communes, users) -> None:
    new = audit.record(actor=users.officer, commune_id=communes.a.pk, event="read")
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s WHERE id = %s", ["đã sửa", new.pk]
    )
    code, _out, err = verify_audit()
    assert code == 1 and f"event id {new.pk}" in err and "edited" in err


def test_the_checkpoint_event_edited_or_deleted_is_found(trail) -> None:
    seq, _hash = checkpoints()[trail.chain]
    last = AuditEvent.objects.get(chain=trail.chain, seq=seq)
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET data = '{}'::jsonb WHERE id = %s", [last.pk]
    )
    code, _out, err = verify_audit()
    assert code == 1 and f"event id {last.pk}" in err


def test_the_checkpoint_event_replaced_with_a_recomputed_hash_is_found(trail) -> None:
    seq, _hash = checkpoints()[trail.chain]
    last = AuditEvent.objects.get(chain=trail.chain, seq=seq)
    last.reason = "đã sửa"
    forged = audit.compute_hash(last)
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s, hash = %s WHERE id = %s",
        ["đã sửa", forged, last.pk],
    )
    code, _out, err = verify_audit()
    assert code == 1 and "verified last" in err and f"seq {seq}" in err


def test_an_edit_before_the_checkpoint_is_left_to_the_full_walk(trail) -> None:
    """The trade-off, stated: the incremental check trusts what it verified."""
    old = AuditEvent.objects.filter(chain=trail.chain).order_by("seq")[2]
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s WHERE id = %s", ["đã sửa", old.pk]
    )
    assert verify_audit()[0] == 0
    code, _out, err = full()
    assert code == 1 and f"event id {old.pk}" in err


def test_a_broken_check_does_not_move_the_checkpoints(trail, communes, users) -> None:
    before = checkpoints()
    new = audit.record(actor=users.officer, commune_id=communes.a.pk, event="read")
    audit.record(actor=users.officer, commune_id=communes.a.pk, event="read")
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s WHERE id = %s", ["đã sửa", new.pk]
    )
    assert verify_audit()[0] == 1
    assert checkpoints() == before


def test_a_chain_emptied_behind_its_checkpoint_is_found(trail) -> None:
    behind_the_triggers_back("DELETE FROM workflows_auditevent WHERE chain = %s", [trail.chain])
    code, _out, err = verify_audit()
    assert code == 1 and trail.chain in err
