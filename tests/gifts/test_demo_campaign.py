"""The demo's Tết Giáp Thìn 2024 campaign reproduces the office's report
(§2.1) once replayed through the real process, the 27/7/2024 campaign waits
open, the audit chain verifies and seeding again changes nothing.

The demo is seeded once for the module (at the report's real scale, tens of
seconds) inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from viewflow.workflow.models import Process, Task

from cases.demo.gifts import JULY, TET
from cases.demo.seed import seed_demo
from cases.gifts.models import Campaign, CampaignBudget, GiftList, GiftPackage, GiftRecipient
from cases.gifts.selectors import campaign_reconciliation
from cases.models import Person, PersonAddress
from cases.validators import national_id_errors
from notifications.models import Notification
from tests.module_data import checked, written_once
from workflows.audit import verify
from workflows.models import AuditEvent

MILLION = 1_000_000


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    with written_once(django_db_blocker, DEMO_ALLOWANCE_COMMUNES=[]):
        seed_demo()
        checked()
        User = get_user_model()
        yield SimpleNamespace(
            tet=Campaign.objects.get(code=TET),
            july=Campaign.objects.get(code=JULY),
            specialist=User.objects.get(username="chuyenvien"),
            # The district's specialist holds no role since 01/07/2025 (the
            # demo replays the reorganisation): the auditor reads the campaign.
            reader=User.objects.get(username="thanhtra"),
        )


@pytest.fixture
def tet(demo: SimpleNamespace, db: Any) -> SimpleNamespace:
    return demo


def test_tet_reconciliation_shows_the_reports_totals(tet: SimpleNamespace) -> None:
    rec = campaign_reconciliation(tet.reader, tet.tet)
    assert (rec.total.planned, rec.total.planned_amount) == (26_553, 17_120 * MILLION)
    assert (rec.total.delivered, rec.total.delivered_amount) == (26_553, 17_120 * MILLION)
    assert rec.total.returned == rec.total.pending == 0
    by_source: dict[str, list[int]] = {}
    for line in rec.by_source:
        source = line.key.split(":")[0]
        counts = by_source.setdefault(source, [0, 0])
        counts[0] += line.delivered
        counts[1] += line.delivered_amount
    assert by_source == {
        "president": [4_600, 1_740 * MILLION],
        "city": [8_427, 9_627 * MILLION],
        "district": [8_708, 4_354 * MILLION],
        "commune": [2_040, 612 * MILLION],
        "private": [2_778, 787 * MILLION],
    }
    # The communes' own gifts: 4,818 worth 1,399 million, of which 787 million private.
    commune = [by_source["commune"][k] + by_source["private"][k] for k in (0, 1)]
    assert commune == [4_818, 1_399 * MILLION]
    # Both views add up to the same total.
    assert len(rec.by_commune) == 26
    assert sum(c.delivered for c in rec.by_commune) == 26_553
    assert sum(c.delivered_amount for c in rec.by_commune) == 17_120 * MILLION
    assert sum(s.delivered_amount for s in rec.by_source) == 17_120 * MILLION


def test_tet_childrens_gifts_and_budgets_match_the_report(tet: SimpleNamespace) -> None:
    children = GiftRecipient.objects.filter(
        package__campaign=tet.tet, package__code="huyen-tre-em", state="delivered"
    )
    assert children.count() == 130
    assert sum(children.values_list("amount", flat=True)) == 65 * MILLION
    # Signed for by a parent, named, with the relationship.
    assert set(children.values_list("signed_by", flat=True)) == {"proxy"}
    assert not children.filter(proxy_name="").exists()
    budgets = {(b.source, b.donor): b.allocated for b in tet.tet.budgets.all()}
    assert sum(budgets.values()) == 17_120 * MILLION
    assert budgets[("president", "")] == 1_740 * MILLION
    assert sum(a for (s, _d), a in budgets.items() if s == "private") == 787 * MILLION
    assert tet.tet.decision == "QĐ 1583/QĐ-CTN ngày 26/12/2023"


def test_tet_lists_went_through_the_process_at_their_dates(tet: SimpleNamespace) -> None:
    lists = GiftList.objects.filter(campaign=tet.tet)
    assert lists.count() == 26
    assert set(lists.values_list("state", flat=True)) == {"closed"}
    assert tet.tet.reconciled_by == tet.specialist
    assert tet.tet.reconciled_at is not None
    assert tet.tet.reconciled_at.date() == dt.date(2024, 2, 29)
    rows = GiftRecipient.objects.filter(package__campaign=tet.tet)
    assert not rows.filter(delivered_on__isnull=True).exists()
    days = sorted(d for d in rows.values_list("delivered_on", flat=True).distinct() if d)
    assert days == [dt.date(2024, 2, day) for day in range(1, 9)]
    events = AuditEvent.objects.filter(
        object_type="cases.giftlist",
        event="transition",
        object_id__in=[str(pk) for pk in lists.values_list("pk", flat=True)],
    )
    steps = Counter(events.values_list("transition", flat=True))
    assert {s: steps[s] for s in ("submit", "confirm", "review", "approve")} == dict.fromkeys(
        ("submit", "confirm", "review", "approve"), 26
    )
    approvals = events.filter(transition="approve")
    assert {e.occurred_at.date() for e in approvals} == {dt.date(2024, 1, 26)}
    assert set(approvals.values_list("actor_username", flat=True)) == {"truongphong"}
    # Not the Quỹ BTTE campaign's 20 rows (cases.demo_report, the six-month report).
    others = GiftRecipient.objects.exclude(package__campaign=tet.tet).values_list("pk", flat=True)
    row_events = AuditEvent.objects.filter(object_type="cases.giftrecipient").exclude(
        object_id__in=[str(pk) for pk in others]
    )
    assert row_events.filter(transition="approve").count() == 26_553
    assert row_events.filter(transition="deliver").count() == 26_553
    # Every list's viewflow process finished; its replayed bells were removed.
    assert not Task.objects.filter(
        process__in=Process.objects.filter(gift_list__campaign=tet.tet), status="NEW"
    ).exists()
    assert not Notification.objects.filter(url__contains="/gift").exists()


def test_tet_people_are_valid_and_match_their_packages(tet: SimpleNamespace) -> None:
    rows = GiftRecipient.objects.filter(package__campaign=tet.tet).select_related(
        "package", "person"
    )
    # A gift keeps the unit it was delivered in; its person may have moved
    # since with a reorganisation (their address history names the unit).
    lived: dict[int, set[int]] = {}
    for person_id, commune_id in PersonAddress.objects.values_list(
        "person_id", "previous_commune_id"
    ):
        lived.setdefault(person_id, set()).add(commune_id)
    people = {}
    for row in rows.iterator(chunk_size=5000):
        assert row.package.accepts(row.person), (row.package.code, row.person_id)
        assert row.commune_id in {row.person.commune_id, *lived.get(row.person_id, ())}
        people[row.person_id] = row.person
    assert 21_000 < len(people) < 23_000
    for person in people.values():
        assert national_id_errors(person.national_id, person.date_of_birth, person.sex) == []
    # At most one President's gift each.
    president = Counter(
        rows.filter(package__exclusive_group="president").values_list("person_id", flat=True)
    )
    assert max(president.values()) == 1


def test_the_27_7_campaign_is_open_with_packages_and_budgets(tet: SimpleNamespace) -> None:
    july = tet.july
    assert july.name == "Kỷ niệm 27/7/2024"
    assert july.occasion_date == dt.date(2024, 7, 27)
    assert july.reconciled_at is None
    assert not july.lists.exists()
    assert GiftPackage.objects.filter(campaign=july).count() == 4
    budgets = CampaignBudget.objects.filter(campaign=july)
    assert {b.source for b in budgets} == {"president", "city", "district"}
    assert all(b.allocated > 0 for b in budgets)


def test_audit_chain_verifies_and_seeding_again_changes_nothing(tet: SimpleNamespace) -> None:
    assert verify().ok

    def snapshot() -> dict[str, int]:
        return {
            "campaigns": Campaign.objects.count(),
            "packages": GiftPackage.objects.count(),
            "budgets": CampaignBudget.objects.count(),
            "lists": GiftList.objects.count(),
            "rows": GiftRecipient.objects.count(),
            "people": Person.objects.count(),
            "users": get_user_model().objects.count(),
            "processes": Process.objects.count(),
            "tasks": Task.objects.count(),
            "gift events": AuditEvent.objects.filter(object_type__startswith="cases.gift").count(),
            "notifications": Notification.objects.count(),
        }

    before = snapshot()
    with transaction.atomic():
        seed_demo()
        assert snapshot() == before
        transaction.set_rollback(True)
    assert connection.in_atomic_block
