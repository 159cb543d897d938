from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from workflows.audit import verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chains; exit 1 at the first broken link."

    def handle(self, *args: Any, **opts: Any) -> None:
        result = verify()
        if result.ok:
            self.stdout.write(f"OK: {result.events} events in {result.chains} chains")
            return
        where = f" (event id {result.event_id})" if result.event_id is not None else ""
        self.stderr.write(f"BROKEN: {result.problem}{where}")
        raise SystemExit(1)
