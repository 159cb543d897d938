"""Two payroll runs at once: one payroll per commune and month, and a person
never paid twice for an entitlement and month, held by the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from cases.allowances import services
from cases.allowances.lines import payroll_lines
from cases.allowances.models import Payroll, PayrollLine
from tests.engine.conftest import run_together

D = dt.date
pytestmark = pytest.mark.django_db(transaction=True)


def test_two_officers_generating_the_same_month_at_once_make_one_payroll_once(
    staff, communes, people, entitle
):
    for p in people.a:
        entitle(p, "nkt_nang", D(2023, 1, 1), arrears_from=D(2024, 3, 1))

    def run(actor):
        return lambda: (
            services.payroll_generate(actor=actor, commune=communes.a, month=D(2024, 5, 1)).pk
        )

    results = run_together(run(staff.officer), run(staff.officer2))
    assert [r[0] for r in results] == ["ok", "ok"], results
    payroll = Payroll.objects.get(commune=communes.a, month=D(2024, 5, 1))
    assert {r[1] for r in results} == {payroll.pk}
    lines = payroll_lines(payroll)
    assert lines.filter(kind="regular").count() == 3
    assert lines.filter(kind="arrears").count() == 6  # March and April for each
    assert payroll.line_count == 9


def test_two_connections_listing_the_same_month_twice_one_is_refused(
    staff, communes, people, entitle
):
    entitle(people.a[0], "nkt_nang", D(2023, 1, 1))
    payroll = services.payroll_generate(
        actor=staff.officer, commune=communes.a, month=D(2024, 5, 1)
    )
    line = PayrollLine.objects.get(payroll=payroll)
    PayrollLine.objects.filter(pk=line.pk).update(state="returned")  # frees the month

    def insert_again():
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                """INSERT INTO allowances_payrollline (month, payroll_id, commune_id,
                   entitlement_id, person_id, regime, category_id, for_month, kind, amount,
                   state, unpaid_reason, note)
                   SELECT month, payroll_id, commune_id, entitlement_id, person_id, regime,
                          category_id, for_month, kind, amount, 'listed', '', ''
                   FROM allowances_payrollline WHERE id = %s""",
                [line.pk],
            )
            cur.execute("SELECT pg_sleep(0.3)")
        return "inserted"

    results = run_together(insert_again, insert_again)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(v for k, v in results if k == "error")
    # The partition's copy of payroll_line_regular_once refused it.
    assert isinstance(error, IntegrityError) and "Key (entitlement_id, month)" in str(error)
    assert payroll_lines(payroll).filter(state="listed").count() == 1
