"""Taking a payroll through its month, as the people of the office do."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from cases.allowances import services
from cases.allowances.lines import payroll_lines
from cases.allowances.models import LineState, Payroll
from workflows.engine import transition


def lines_of(payroll: Payroll) -> list[tuple[int, str, dt.date, int]]:
    """(person, kind, for month, amount) of every line, sorted."""
    return sorted(payroll_lines(payroll).values_list("person_id", "kind", "for_month", "amount"))


def approve(payroll: Payroll, users: SimpleNamespace) -> Payroll:
    transition(payroll, "submit", actor=users.officer_for(payroll))
    transition(payroll, "review", actor=users.specialist)
    transition(payroll, "approve", actor=users.head)
    payroll.refresh_from_db()
    return payroll


def pay_all(
    payroll: Payroll, users: SimpleNamespace, *, unpaid: dict[int, str] | None = None
) -> Payroll:
    """Send, record every line paid on the 10th (but `unpaid`: line id → reason)."""
    transition(payroll, "send", actor=users.accountant)
    unpaid = unpaid or {}
    ids = list(payroll_lines(payroll).filter(state=LineState.SENT).values_list("pk", flat=True))
    paid_on = payroll.month.replace(day=10)
    services.payroll_results_record(
        actor=users.accountant,
        payroll=payroll,
        paid={i: paid_on for i in ids if i not in unpaid},
        unpaid=unpaid,
    )
    payroll.refresh_from_db()
    return payroll


def close(payroll: Payroll, users: SimpleNamespace) -> Payroll:
    transition(payroll, "reconcile", actor=users.accountant)
    transition(payroll, "close", actor=users.head)
    payroll.refresh_from_db()
    return payroll


def full_month(commune: Any, month: dt.date, users: SimpleNamespace) -> Payroll:
    payroll = services.payroll_generate(
        actor=users.officer_for_commune(commune), commune=commune, month=month
    )
    return close(pay_all(approve(payroll, users), users), users)
