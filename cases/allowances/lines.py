"""Moving a payroll's lines with the payroll (one set-based statement each
step, `workflows.engine.bulk_transition`) and reading what they add up to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, F, Lookup, Q, QuerySet, Sum
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
) -> BulkResult:
    """Move the payroll's lines through `name` in one statement, with ONE
    audit event about the payroll (its digest names the lines moved) stamped
    on each line; with `strict`, any line refused refuses the whole step."""
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
    return result


def totals_refresh(payroll: Payroll) -> None:
    """Keep the payroll's counts and sums (list pages read them): one query."""
    agg = payroll_lines(payroll).aggregate(
        n=Count("id"),
        total=Sum("amount"),
        paid_n=Count("id", filter=_paid()),
        paid=Sum("amount", filter=_paid()),
    )
    Payroll.objects.filter(pk=payroll.pk).update(
        line_count=agg["n"] or 0,
        total_amount=agg["total"] or 0,
        paid_count=agg["paid_n"] or 0,
        paid_amount=agg["paid"] or 0,
    )


def _paid() -> Q:
    return Q(state=LN.PAID)


def state_counts(payroll: Payroll) -> dict[str, int]:
    rows = payroll_lines(payroll).values("state").annotate(n=Count("id")).order_by()
    return {r["state"]: r["n"] for r in rows}
