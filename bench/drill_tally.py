"""The fault drill's tally (bench/drill_faults.py): what was lost, doubled or
failed outside the outage, read from the drill's database and mailbox."""

from __future__ import annotations

import mailbox
import time
from collections import Counter
from pathlib import Path
from typing import Any


def wait_for_emails(timeout: float) -> None:
    from django.db import connections

    from notifications.models import Notification

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = Notification.objects.filter(email_status="pending").count()
        if not pending:
            return
        connections.close_all()
        time.sleep(0.5)
    print(f"# {pending} notifications still pending after {timeout:.0f} s", flush=True)


def report(
    tally: Any,
    faults: Any,
    ids: list[int],
    maildir: Path,
    *,
    steps: list[Any],
    clients: int,
    grace_s: float,
) -> bool:
    from django.db.models import Count

    from cases.housing.models import Disbursement, HousingCase, HousingState
    from notifications.models import Notification
    from workflows.audit import verify
    from workflows.models import AuditEvent

    assert faults.outage is not None
    start, end = faults.outage[0] - 0.5, faults.outage[1] + grace_s
    failed = [a for a in tally.attempts if a.outcome != "200"]
    outside = [a for a in failed if a.ended < start or a.started > end]
    print(f"cases: {len(ids)}, clients: {clients}, steps done: {tally.done_steps}")
    by_outcome = dict(Counter(a.outcome for a in failed))
    print(f"attempts: {len(tally.attempts)}, failed: {len(failed)} {by_outcome}")
    print(f"outage window: {faults.outage[1] - faults.outage[0]:.1f} s (+{grace_s} s grace)")
    print(f"attempts failed outside the outage window: {len(outside)}")
    replays = sum(1 for a in tally.attempts if a.replayed)
    print(f"retries answered with the stored first answer (committed before the fault): {replays}")
    for a in outside[:5]:
        print(f"#   outside: {a}")
    print(f"steps given up: {len(tally.stuck)}")
    for line in tally.stuck[:5]:
        print(f"#   {line}")

    payments = Counter(
        Disbursement.objects.filter(case_id__in=ids).values_list("case_id", flat=True)
    )
    double = sum(1 for n in payments.values() if n > 2)
    print(f"double payments: {double}")

    closed = HousingCase.objects.filter(pk__in=ids, state=HousingState.CLOSED).count()
    lost = len(ids) - closed
    per_case = (
        AuditEvent.objects.filter(case_id__in=ids)
        .exclude(transition="")
        .values("case_id", "transition")
        .annotate(n=Count("id"))
    )
    expected = Counter(name for name, _role, _data in steps)
    duplicated = sum(1 for row in per_case if row["n"] > expected.get(row["transition"], 1))
    print(f"state changes lost: {lost}, duplicated: {duplicated}")

    result = verify()
    audit_ok = result.ok
    print(
        f"verify_audit: {'OK' if audit_ok else 'BROKEN ' + result.problem} "
        f"({result.events} events in {result.chains} chains)"
    )

    emailed = set(Notification.objects.filter(email_status="sent").values_list("pk", flat=True))
    should = set(Notification.objects.exclude(email_status="skipped").values_list("pk", flat=True))
    received: Counter[str] = Counter(
        str(message["Message-ID"]) for message in mailbox.Maildir(str(maildir), create=False)
    )
    received_ids = {
        int(mid.split("notification-")[1].split("@")[0])
        for mid in received
        if "notification-" in mid
    }
    lost_emails = len(should - received_ids)
    duplicated_emails = sum(n - 1 for n in received.values())
    print(
        f"emails: {len(should)} to send, {len(emailed)} marked sent, "
        f"{sum(received.values())} received"
    )
    print(f"emails lost: {lost_emails}, duplicated: {duplicated_emails} (at most {faults.kills})")
    ok = (
        not outside
        and not tally.stuck
        and double == 0
        and lost == 0
        and duplicated == 0
        and audit_ok
        and lost_emails == 0
        and duplicated_emails <= faults.kills
    )
    print(f"drill: {'PASS' if ok else 'FAIL'}")
    return ok
