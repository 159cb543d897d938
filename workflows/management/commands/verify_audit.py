from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows.audit_check import audit_verify_and_notify


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chains from each chain's checkpoint on (--full: "
        "every event); exit 1 at the first broken link (the admins are notified once "
        "per broken link)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Walk every event of every chain; the checkpoints are left as they are.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        result = audit_verify_and_notify(incremental=not opts["full"])
        if result.ok:
            since = f" ({result.resumed} from their checkpoint)" if result.resumed else ""
            self.stdout.write(f"OK: {result.events} events in {result.chains} chains{since}")
            return
        where = f" (event id {result.event_id})" if result.event_id is not None else ""
        self.stderr.write(f"BROKEN: {result.problem}{where}")
        if result.notified:
            self.stderr.write(f"{result.notified} admin(s) notified")
        raise SystemExit(1)
