"""What the payroll page reads without working it out again: the lines'
order by the name they were listed with, the totals by kind and state kept
with every move of the lines, and the differences from last month worked
out when the lines are generated (and again when last month's lines are
carried or generated again)."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.allowances import services
from cases.allowances.lines import payroll_lines, state_counts
from cases.allowances.models import LineState, Payroll, UnpaidReason
from cases.allowances.selectors import lines_by_name, payroll_differences
from tests.allowances.helpers import approve, pay_all
from tests.factories import PersonFactory

D = dt.date
JUNE, JULY = D(2024, 6, 1), D(2024, 7, 1)
pytestmark = pytest.mark.django_db


def generate(staff, commune, month) -> Payroll:
    return services.payroll_generate(
        actor=staff.officer_for_commune(commune), commune=commune, month=month
    )


def test_lines_are_listed_in_vietnamese_name_order_as_generated(staff, communes, entitle):
    for name in ("Đặng Văn Dũng", "Bùi Thị An", "Dương Văn Bình", "Ân Thị Hoa"):
        entitle(PersonFactory(commune=communes.a, full_name=name), "nkt_nang", D(2024, 1, 1))
    june = generate(staff, communes.a, JUNE)
    listed = [line.listed_name for line in lines_by_name(payroll_lines(june))]
    # Vietnamese order: Ân after An-words, D before Đ.
    assert listed == ["Ân Thị Hoa", "Bùi Thị An", "Dương Văn Bình", "Đặng Văn Dũng"]


def test_the_totals_by_kind_and_state_follow_every_move_of_the_lines(staff, communes, entitle):
    for _ in range(3):
        entitle(PersonFactory(commune=communes.a), "nkt_nang", D(2024, 1, 1))
    june = generate(staff, communes.a, JUNE)
    assert june.tallies["kind"] == {"regular": [3, 3 * 660_000]}
    assert state_counts(june) == {LineState.LISTED: 3}
    june = approve(june, staff)
    assert state_counts(june) == {LineState.APPROVED: 3}
    unpaid = payroll_lines(june).order_by("pk").values_list("pk", flat=True).first()
    june = pay_all(june, staff, unpaid={unpaid: UnpaidReason.NOT_COLLECTED})
    assert state_counts(june) == {LineState.PAID: 2, LineState.UNPAID: 1}
    assert (june.paid_count, june.paid_amount) == (2, 2 * 660_000)
    assert june.tallies["state"][LineState.UNPAID] == [1, 660_000]


def test_july_compares_itself_with_june_again_when_junes_line_is_carried(staff, communes, entitle):
    people = [PersonFactory(commune=communes.a) for _ in range(2)]
    for person in people:
        entitle(person, "nkt_nang", D(2024, 1, 1))
    june = approve(generate(staff, communes.a, JUNE), staff)
    june_line = payroll_lines(june).get(person=people[0])
    june = pay_all(june, staff, unpaid={june_line.pk: UnpaidReason.NOT_COLLECTED})
    july = generate(staff, communes.a, JULY)
    # July 2024 raised the rates (NĐ 77/2024): both amounts changed.
    assert july.change_totals == {"changed": [2, 2 * (750_000 - 660_000)]}
    assert july.compared_month == JUNE

    # June's line not paid is carried to a later month: June no longer pays
    # that person, so July pays them anew.
    services.payroll_unpaid_settle(
        actor=staff.accountant, payroll=june, carry=[june_line.pk], give_back=[]
    )
    july.refresh_from_db()
    assert july.change_totals == {"changed": [1, 90_000], "new": [1, 750_000]}
    assert [r.person_id for r in payroll_differences(july).rows["new"]] == [people[0].pk]


def test_generating_june_again_refreshes_julys_differences(staff, communes, entitle):
    entitle(PersonFactory(commune=communes.a), "nkt_nang", D(2024, 1, 1))
    generate(staff, communes.a, JUNE)
    # A decision paid from June, made after June's draft was generated.
    later = PersonFactory(commune=communes.a)
    entitle(later, "nkt_nang", JUNE)
    july = generate(staff, communes.a, JULY)
    assert july.change_totals == {"changed": [1, 90_000], "new": [1, 750_000]}
    # June's draft generated again: it pays the new person too.
    generate(staff, communes.a, JUNE)
    july.refresh_from_db()
    assert july.change_totals == {"changed": [2, 2 * 90_000]}
