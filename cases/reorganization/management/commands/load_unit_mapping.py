"""manage.py load_unit_mapping FILE --effective YYYY-MM-DD --decision TEXT
[--unverified] [--dry-run]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.reorganization.cli import command_error, load_file
from workflows.exceptions import InvalidData


class Command(BaseCommand):
    help = (
        "Load the official mapping of former administrative units to new ones (.xlsx or "
        ".csv: old code, old name, new code, new name, whole or part, villages): the new "
        "units and one change per row. Checks every row first; writes nothing when one is "
        "wrong; a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--effective", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--decision", required=True, help="e.g. “Nghị quyết 1656/NQ-UBTVQH15”")
        parser.add_argument(
            "--unverified",
            action="store_true",
            help="mark the mapping as still to be confirmed against the resolution",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                rows, result = load_file(
                    options["file"],
                    effective=options["effective"],
                    decision=options["decision"],
                    unverified=options["unverified"],
                )
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except InvalidData as exc:
            raise command_error(exc) from None
        verb = "would be" if options["dry_run"] else "were"
        new = ", ".join(f"{u.code} {u.name}" for u in result.units_created) or "none"
        self.stdout.write(
            f"{len(rows)} rows read; new units that {verb} created: {new}; changes {verb} "
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        )
