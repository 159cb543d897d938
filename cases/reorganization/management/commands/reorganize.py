"""manage.py reorganize --effective YYYY-MM-DD [--mapping FILE --decision TEXT
[--unverified]] [--staff FILE] [--dry-run] [--payroll-in-flight]"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.reorganization.cli import command_error, load_file, load_staff_file
from cases.reorganization.plan import COUNTED, SECTIONS, Plan, reorganization_plan
from cases.reorganization.run import RunResult, reorganize
from workflows.exceptions import InvalidData
from workflows.formatting import vn_date


class Command(BaseCommand):
    help = (
        "The reorganisation of administrative units in force from a date: with --dry-run, "
        "what would move from each former unit to its successor (open work by process and "
        "state, open tasks, budgets and quotas, commune roles, unread notifications) and "
        "what cannot be mapped, "
        "without writing. Without --dry-run, carries it across in one transaction and closes "
        "the former units (a second run changes nothing). --mapping loads the official "
        "mapping first, --staff the staff mapping (who of which former unit serves which new "
        "commune; by default everyone serves each successor), both rolled back with a dry run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--effective", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--mapping", type=Path, help="the official mapping (.xlsx/.csv)")
        parser.add_argument("--decision", default="", help="the decision the mapping comes from")
        parser.add_argument("--unverified", action="store_true")
        parser.add_argument(
            "--staff",
            type=Path,
            help="the staff mapping (.xlsx/.csv: username, role, old code, new code)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--payroll-in-flight",
            action="store_true",
            help="move payrolls sent for payment and not reconciled yet (refused otherwise)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        effective: dt.date = options["effective"]
        dry_run = options["dry_run"]
        try:
            with transaction.atomic():
                if options["mapping"]:
                    load_file(
                        options["mapping"],
                        effective=effective,
                        decision=options["decision"],
                        unverified=options["unverified"],
                    )
                if options["staff"]:
                    load_staff_file(options["staff"], effective=effective)
                if dry_run:
                    output = report(reorganization_plan(effective))
                    transaction.set_rollback(True)
                else:
                    output = run_report(
                        reorganize(
                            effective,
                            actor=None,
                            payroll_in_flight=options["payroll_in_flight"],
                        )
                    )
        except InvalidData as exc:
            raise command_error(exc) from None
        self.stdout.write(output)


def run_report(result: RunResult) -> str:
    if not result.closed:
        return "Nothing to move: every former unit of this mapping is already closed."
    moved = ", ".join(f"{label} {n}" for label, n in sorted(result.moved.items())) or "none"
    return "\n".join(
        [
            f"Moved: {moved}; rows that follow their list {result.rows}; people "
            f"{result.people}; unread notifications {result.notifications}; roles carried "
            f"{result.grants}; open tasks moved {result.tasks}; district roles ended "
            f"{result.roles_ended}.",
            f"Closed {len(result.closed)} former units; {result.events} audit events written.",
        ]
    )


def report(plan: Plan) -> str:
    if not plan.changes:
        return f"No mapping is loaded for {vn_date(plan.effective)}: nothing would move."
    unverified = any(c.unverified for c in plan.changes)
    out = [
        f"Reorganisation from {vn_date(plan.effective)}: {len(plan.changes)} changes"
        + (" (mapping still to be confirmed)" if unverified else ""),
    ]
    current = None
    for line in plan.lines:
        if line.successor is None:
            continue
        key = (line.former.pk, line.successor.pk)
        if key != current:
            current = key
            out.append(
                f"{line.former.name} ({line.former.code}) → "
                f"{line.successor.name} ({line.successor.code})"
            )
        out.append(f"  {line.text}: {line.count}")
    if plan.unmapped:
        out.append(
            "Cannot be mapped (unit split by villages; the person's village is not on record "
            "or not in the mapping, or a list of the unit is still open):"
        )
        for line in plan.unmapped:
            out.append(f"  {line.former.name} ({line.former.code}): {line.text}: {line.count}")
    totals = ", ".join(f"{SECTIONS[s]} {plan.total(s)}" for s in COUNTED)
    out.append(f"Totals: {totals}; cannot be mapped {sum(x.count for x in plan.unmapped)}")
    out.append("Nothing was written (dry run).")
    return "\n".join(out)
