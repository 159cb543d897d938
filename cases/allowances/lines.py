"""Moving a payroll's lines with the payroll (one set-based statement each
step, `workflows.engine.bulk_transition`) and reading what they add up to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, F, Lookup, QuerySet, Sum
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext as _

from cases.allowances.models import LineState, Payroll, PayrollLine
from workflows.actors import User
from workflows.engine import BulkResult, bulk_transition
from workflows.exceptions import InvalidData
from workflows.formatting import number

LN = LineState


def payroll_lines(payroll: Payroll) -> QuerySet[PayrollLine]:
    """The payroll's lines (its month's partition only)."""
    return PayrollLine.objects.filter(month=payroll.month, payroll_id=payroll.pk)


class _AnyOf(Lookup):  # type: ignore[type-arg]
    """`column = ANY(%s::bigint[])`, the ids as ONE parameter: the array's
    text, written at C speed ("{1,2,3}"), where `pk__in` makes a
    placeholder per id (100,000 of them for Django and the driver to expand
    and for PostgreSQL to parse) and a list is adapted id by id."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return "{" + ",".join(map(str, map(int, self.rhs))) + "}"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]


def payroll_lines_among(payroll: Payroll, ids: Iterable[int]) -> QuerySet[PayrollLine]:
    """The payroll's lines whose ids are in `ids` (any number of them)."""
    return payroll_lines(payroll).filter(_AnyOf(F("pk"), ids))


# Which stamp of a line holds the event of each of its steps.
STAMPS = {
    "approve": "approved_event",
    "send": "sent_event",
    "record_paid": "result_event",
    "record_unpaid": "result_event",
    "carry": "settled_event",
    "return_unpaid": "settled_event",
}


def move_lines(
    payroll: Payroll,
    queryset: QuerySet[PayrollLine],
    name: str,
    *,
    actor: User,
    roles: Iterable[str],
    values: dict[str, Any] | None = None,
    strict: bool = True,
    refresh: bool = True,
) -> BulkResult:
    """Move the payroll's lines through `name` in one statement, with ONE
    audit event about the payroll (its digest names the lines moved) stamped
    on each line; with `strict`, any line refused refuses the whole step.
    With `refresh`, the payroll's totals are kept after it (a caller moving
    several groups in a row refreshes them once at its end)."""
    result = bulk_transition(
        queryset,
        name,
        actor=actor,
        allowed_roles=roles,
        values=values,
        audit="batch",
        parent=("allowances.payroll", payroll.pk),
        commune_id=payroll.commune_id,
        stamp=STAMPS[name],
        same={"month": payroll.month},
    )
    if strict and result.refused:
        raise InvalidData(
            _("%(count)s lines of the payroll could not be moved.")
            % {"count": number(len(result.refused))},
            code="payroll_lines_refused",
        )
    if refresh and result.count:
        totals_refresh(payroll)
    return result


def totals_refresh(payroll: Payroll) -> None:
    """Keep the payroll's counts and sums, and its lines and amounts by kind
    and by state (list pages and the payroll page read them): one query."""
    rows = (
        payroll_lines(payroll).values("kind", "state").annotate(n=Count("id"), amount=Sum("amount"))
    )
    tallies: dict[str, dict[str, list[int]]] = {"kind": {}, "state": {}}
    for r in rows.order_by():
        for axis in ("kind", "state"):
            cell = tallies[axis].setdefault(r[axis], [0, 0])
            cell[0] += r["n"]
            cell[1] += r["amount"] or 0
    every = [sum(c[i] for c in tallies["kind"].values()) for i in (0, 1)]
    paid = tallies["state"].get(LN.PAID, [0, 0])
    Payroll.objects.filter(pk=payroll.pk).update(
        line_count=every[0],
        total_amount=every[1],
        paid_count=paid[0],
        paid_amount=paid[1],
        tallies=tallies,
    )


def state_counts(payroll: Payroll) -> dict[str, int]:
    """Lines by state, as `totals_refresh` last kept them."""
    return {state: n for state, (n, _amount) in payroll.tallies.get("state", {}).items()}
