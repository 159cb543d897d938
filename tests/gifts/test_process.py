"""The gift-list process: eligibility and priority, building a list, the
list's steps through the engine (rows approved in bulk, one audit row each),
separation of duties, budgets, deliveries and returns, no double payment,
commune scoping, the district's flags and the reconciliation."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from viewflow.workflow.models import Task

from cases.gifts import services as gifts
from cases.gifts.models import (
    Campaign,
    CampaignBudget,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    SignedBy,
)
from cases.gifts.selectors import (
    campaign_people_in_several_communes,
    campaign_reconciliation,
    gift_list_get,
    gift_rows_for_user,
)
from cases.models import Category, MeritSubtype, Person
from tests.engine.conftest import grant, run_together
from tests.factories import PersonFactory
from workflows import audit, engine, flows
from workflows.exceptions import (
    InvalidData,
    NotFound,
    NotPermitted,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from workflows.models import AuditEvent
from workflows.permissions import Role

pytestmark = pytest.mark.django_db
L, R = GiftListState, GiftRecipientState
M = MeritSubtype
DAY = dt.date(2024, 2, 5)


@pytest.fixture
def campaign(communes: SimpleNamespace) -> SimpleNamespace:
    c = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )

    def package(code: str, source: str, amount: int, **kw: Any) -> GiftPackage:
        return GiftPackage.objects.create(
            campaign=c, code=code, name=code, source=source, amount=amount, **kw
        )

    ns = SimpleNamespace(
        campaign=c,
        p600=package(
            "ctn-600",
            "president",
            600_000,
            categories=[Category.MERIT],
            merit_subtypes=[M.HERO, M.HEROIC_MOTHER, M.ACTIVIST_PRE_1945],
            exclusive_group="president",
        ),
        p300=package(
            "ctn-300",
            "president",
            300_000,
            categories=[Category.MERIT],
            merit_subtypes=[M.WAR_INVALID, M.MARTYR_RELATIVE, M.HERO],
            exclusive_group="president",
        ),
        poor=package("tp-ngheo", "city", 1_000_000, categories=[Category.POOR]),
        own_a=package("xa-a", "commune", 300_000, commune=communes.a),
    )
    for source, amount in [("president", 10**9), ("city", 10**9), ("commune", 10**9)]:
        CampaignBudget.objects.create(campaign=c, source=source, allocated=amount)
    return ns


def person(commune: Any, categories: list[str], subtype: str = "") -> Person:
    made: Any = PersonFactory(commune=commune, categories=categories, merit_subtype=subtype)
    return made


@pytest.fixture
def people_a(communes: SimpleNamespace) -> SimpleNamespace:
    a = communes.a
    return SimpleNamespace(
        hero=person(a, [Category.MERIT], M.HERO),  # 600k and 300k: gets 600k only
        invalid=person(a, [Category.MERIT], M.WAR_INVALID),  # 300k
        poor=person(a, [Category.POOR]),
        nobody=person(a, [Category.NEAR_POOR]),  # only the commune's own gift
    )


def test_one_presidents_gift_at_the_highest_level(campaign, people_a, communes):
    packages = gifts.campaign_packages(campaign.campaign, communes.a)
    codes = lambda p: sorted(x.code for x in gifts.packages_for(p, packages))  # noqa: E731
    assert codes(people_a.hero) == ["ctn-600", "xa-a"]
    assert codes(people_a.invalid) == ["ctn-300", "xa-a"]
    assert codes(people_a.poor) == ["tp-ngheo", "xa-a"]
    assert codes(people_a.nobody) == ["xa-a"]
    # Another commune does not get commune A's own gift.
    assert "xa-a" not in [p.code for p in gifts.campaign_packages(campaign.campaign, communes.b)]


@pytest.fixture
def built(campaign, people_a, users, communes) -> GiftList:
    gift_list = gifts.gift_list_open(
        actor=users.officer, campaign=campaign.campaign, commune=communes.a
    )
    result = gifts.gift_list_build(actor=users.officer, gift_list=gift_list)
    assert result.added == 7
    return gift_list


def test_building_from_the_registry_lists_each_person_in_their_packages(built, people_a):
    rows = GiftRecipient.objects.filter(gift_list=built)
    assert sorted(rows.filter(person=people_a.hero).values_list("amount", flat=True)) == [
        300_000,
        600_000,
    ]
    assert set(rows.values_list("state", flat=True)) == {R.LISTED}
    assert AuditEvent.objects.filter(
        object_type="cases.giftlist", object_id=str(built.pk), event="gift_rows_add"
    ).exists()
    # Building again adds nobody twice.
    again = gifts.gift_list_build(actor=built.created_by, gift_list=built)
    assert again.added == 0 and again.skipped == {"already_listed": 7}


def test_the_list_has_its_own_process_waiting_for_the_commune_officer(built):
    [task] = flows.open_tasks(built)
    assert task.owner_permission == "cases.role_commune_officer"
    assert task.owner_permission_obj_pk == str(built.commune_id)


def walk(gift_list: GiftList, users: SimpleNamespace, until: str) -> GiftList:
    steps = [
        ("submit", users.officer, L.SUBMITTED),
        ("confirm", users.leader, L.CONFIRMED),
        ("review", users.specialist, L.REVIEWED),
        ("approve", users.head, L.APPROVED),
    ]
    for name, actor, state in steps:
        engine.transition(gift_list, name, actor=actor)
        gift_list = GiftList.objects.get(pk=gift_list.pk)
        assert gift_list.state == state
        if state == until:
            break
    return gift_list


def test_the_whole_process_from_preparation_to_reconciliation(built, users, campaign):
    approved = walk(built, users, L.APPROVED)
    rows = GiftRecipient.objects.filter(gift_list=approved)
    assert set(rows.values_list("state", flat=True)) == {R.APPROVED}
    approvals = AuditEvent.objects.filter(object_type="cases.giftrecipient", transition="approve")
    assert sorted(int(i) for i in approvals.values_list("object_id", flat=True)) == sorted(
        rows.values_list("pk", flat=True)
    )
    assert set(approvals.values_list("actor_role", flat=True)) == {Role.OFFICE_HEAD}
    # The district's task is done; the officer now records the distribution.
    [task] = flows.open_tasks(approved)
    assert task.owner_permission == "cases.role_commune_officer"

    hero_rows = rows.filter(person__merit_subtype=M.HERO)
    gifts.gift_rows_deliver(
        actor=users.officer,
        gift_list=approved,
        row_ids=hero_rows.values_list("pk", flat=True),
        delivered_on=DAY,
        signed_by=SignedBy.PROXY,
        proxy_name="Nguyễn Văn Con",
        proxy_relationship="con trai",
    )
    poor_row = rows.get(person__categories__contains=[Category.POOR], package=campaign.poor)
    gifts.gift_rows_return(
        actor=users.officer, gift_list=approved, row_ids=[poor_row.pk], reason="moved"
    )
    with pytest.raises(InvalidData) as err:
        engine.transition(approved, "record_distribution", actor=users.officer)
    assert err.value.code == "distribution_incomplete"
    result = gifts.gift_rows_deliver(actor=users.officer, gift_list=approved, delivered_on=DAY)
    assert len(result.moved) == 4 and result.refused == {}
    assert rows.filter(state=R.DELIVERED).count() == 6
    proxy = rows.filter(signed_by=SignedBy.PROXY).first()
    assert (proxy.proxy_name, proxy.proxy_relationship, proxy.delivered_on) == (
        "Nguyễn Văn Con",
        "con trai",
        DAY,
    )
    assert rows.get(pk=poor_row.pk).return_reason == "moved"

    engine.transition(approved, "record_distribution", actor=users.officer)
    with pytest.raises(TransitionNotAllowed):  # not every list is closed yet
        gifts.campaign_reconcile(actor=users.specialist, campaign=campaign.campaign)
    engine.transition(approved, "close", actor=users.leader)
    assert GiftList.objects.get(pk=approved.pk).state == L.CLOSED
    assert flows.open_tasks(approved) == []
    done = gifts.campaign_reconcile(actor=users.specialist, campaign=campaign.campaign)
    assert done.reconciled_at is not None

    rec = campaign_reconciliation(users.head, campaign.campaign)
    assert (rec.total.planned, rec.total.delivered, rec.total.returned, rec.total.pending) == (
        7,
        6,
        1,
        0,
    )
    assert rec.total.planned_amount == 600_000 + 300_000 + 1_000_000 + 4 * 300_000
    assert rec.total.returned_amount == 1_000_000
    assert sum(t.planned_amount for t in rec.by_commune) == rec.total.planned_amount
    assert {t.label for t in rec.by_source} == {"Chủ tịch nước", "Thành phố", "Xã"} or len(
        rec.by_source
    ) == 3
    assert audit.verify().ok


def test_whoever_prepared_the_list_cannot_approve_it(campaign, people_a, users, communes):
    grant("officer_head", Role.COMMUNE_OFFICER, [communes.a.code])
    both = grant("officer_head", Role.OFFICE_HEAD)
    gift_list = gifts.gift_list_open(actor=both, campaign=campaign.campaign, commune=communes.a)
    gifts.gift_list_build(actor=both, gift_list=gift_list)
    engine.transition(gift_list, "submit", actor=users.officer)
    engine.transition(gift_list, "confirm", actor=users.leader)
    engine.transition(gift_list, "review", actor=users.specialist)
    with pytest.raises(SeparationOfDuties):
        engine.transition(gift_list, "approve", actor=both)
    assert set(GiftRecipient.objects.values_list("state", flat=True)) == {R.LISTED}
    engine.transition(gift_list, "approve", actor=users.head)


def test_an_empty_list_cannot_be_submitted(campaign, users, communes):
    gift_list = gifts.gift_list_open(
        actor=users.officer, campaign=campaign.campaign, commune=communes.a
    )
    with pytest.raises(InvalidData) as err:
        engine.transition(gift_list, "submit", actor=users.officer)
    assert err.value.code == "gift_list_empty"


def test_a_list_over_its_sources_budget_cannot_be_submitted(built, users, campaign):
    CampaignBudget.objects.filter(campaign=campaign.campaign, source="city").update(
        allocated=999_999
    )
    with pytest.raises(InvalidData) as err:
        engine.transition(built, "submit", actor=users.officer)
    assert err.value.code == "budget_exceeded"
    assert "Thành phố" in str(err.value.message) or "City" in str(err.value.message)
    assert GiftList.objects.get(pk=built.pk).state == L.PREPARING


def test_only_the_communes_officer_changes_its_list(built, users, campaign, communes):
    for who in (users.leader, users.officer_b, users.specialist):
        with pytest.raises(NotPermitted):
            gifts.gift_list_build(actor=who, gift_list=built)
    with pytest.raises(NotPermitted):
        gifts.gift_list_open(actor=users.officer_b, campaign=campaign.campaign, commune=communes.a)


def test_rows_change_only_while_preparing_and_deliveries_only_once_approved(built, users):
    submitted = walk(built, users, L.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        gifts.gift_list_build(actor=users.officer, gift_list=submitted)
    with pytest.raises(TransitionNotAllowed):
        gifts.gift_rows_deliver(actor=users.officer, gift_list=submitted, delivered_on=DAY)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"delivered_on": None}, "delivered_on"),
        ({"delivered_on": dt.date(2999, 1, 1)}, "delivered_on"),
        ({"delivered_on": DAY, "signed_by": "proxy"}, "proxy_name"),
        ({"delivered_on": DAY, "signed_by": "proxy", "proxy_name": "A"}, "proxy_relationship"),
    ],
)
def test_bad_delivery_data_is_refused_and_nothing_moves(built, users, kwargs, field):
    approved = walk(built, users, L.APPROVED)
    with pytest.raises(InvalidData) as err:
        gifts.gift_rows_deliver(actor=users.officer, gift_list=approved, **kwargs)
    assert field in err.value.fields
    assert not GiftRecipient.objects.filter(state=R.DELIVERED).exists()


def test_a_return_needs_a_reason(built, users):
    approved = walk(built, users, L.APPROVED)
    row = GiftRecipient.objects.filter(gift_list=approved).first()
    with pytest.raises(InvalidData):
        gifts.gift_rows_return(actor=users.officer, gift_list=approved, row_ids=[row.pk], reason="")


def test_the_database_refuses_a_second_row_for_the_same_package_and_person(
    built, people_a, campaign, users, communes
):
    other = gifts.gift_list_open(
        actor=users.officer_b, campaign=campaign.campaign, commune=communes.b
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftRecipient.objects.create(
            gift_list=other,
            package=campaign.poor,
            commune=communes.b,
            person=people_a.poor,
            amount=1_000_000,
        )


def test_a_returned_gift_frees_the_person_for_another_list(
    built, people_a, campaign, users, communes
):
    approved = walk(built, users, L.APPROVED)
    row = GiftRecipient.objects.get(gift_list=approved, person=people_a.poor, package=campaign.poor)
    gifts.gift_rows_return(
        actor=users.officer, gift_list=approved, row_ids=[row.pk], reason="moved"
    )
    other = gifts.gift_list_open(
        actor=users.officer_b, campaign=campaign.campaign, commune=communes.b
    )
    added = gifts.gift_rows_add(
        actor=users.officer_b,
        gift_list=other,
        pairs=[(people_a.poor.pk, campaign.poor)],
        how="manual",
    )
    assert added.added == 1


def test_someone_listed_in_two_communes_is_flagged_for_the_district(
    built, people_a, campaign, users, communes
):
    other = gifts.gift_list_open(
        actor=users.officer_b, campaign=campaign.campaign, commune=communes.b
    )
    # In B for the commune gift (a different package): allowed, but flagged.
    own_b = GiftPackage.objects.create(
        campaign=campaign.campaign, code="xa-b", name="xa-b", source="commune", amount=200_000
    )
    gifts.gift_rows_add(
        actor=users.officer_b, gift_list=other, pairs=[(people_a.hero.pk, own_b)], how="manual"
    )
    assert list(campaign_people_in_several_communes(users.specialist, campaign.campaign)) == [
        people_a.hero
    ]


@pytest.mark.django_db(transaction=True)
def test_two_officers_delivering_at_once_pay_each_gift_once(communes, users, config):
    # transaction=True: the fixtures above are rebuilt here without the wrapping transaction.
    c = Campaign.objects.create(code="t", name="t", year=2024, occasion_date=dt.date(2024, 2, 10))
    pkg = GiftPackage.objects.create(
        campaign=c, code="p", name="p", source="district", amount=500_000
    )
    CampaignBudget.objects.create(campaign=c, source="district", allocated=10**9)
    officer2 = users.officer2
    gift_list = gifts.gift_list_open(actor=users.officer, campaign=c, commune=communes.a)
    ids = [PersonFactory(commune=communes.a).pk for _ in range(60)]
    gifts.gift_rows_add(
        actor=users.officer, gift_list=gift_list, pairs=[(i, pkg) for i in ids], how="t"
    )
    gift_list = walk(gift_list, users, L.APPROVED)

    def deliver(actor: Any) -> Any:
        return lambda: gifts.gift_rows_deliver(actor=actor, gift_list=gift_list, delivered_on=DAY)

    results = run_together(deliver(users.officer), deliver(officer2))
    assert [kind for kind, _r in results] == ["ok", "ok"], results
    first, second = (r for _k, r in results)
    assert not set(first.moved) & set(second.moved)
    assert len(first.moved) + len(second.moved) == 60
    delivered = AuditEvent.objects.filter(object_type="cases.giftrecipient", transition="deliver")
    assert delivered.count() == 60
    assert delivered.values("object_id").distinct().count() == 60
    assert audit.verify().ok


def test_lists_and_rows_are_commune_scoped(built, users):
    assert gift_list_get(users.officer, built.pk) == built
    assert gift_list_get(users.auditor, built.pk) == built
    with pytest.raises(NotFound):
        gift_list_get(users.officer_b, built.pk)
    assert not gift_rows_for_user(users.officer_b).filter(gift_list=built).exists()
    assert not gifts.gift_lists_for_user(users.admin).exists()


def test_the_head_approves_every_reviewed_list_in_one_action(campaign, people_a, users, communes):
    lists = []
    for commune, officer in ((communes.a, users.officer), (communes.b, users.officer_b)):
        PersonFactory(commune=commune, categories=[Category.POOR])
        gift_list = gifts.gift_list_open(actor=officer, campaign=campaign.campaign, commune=commune)
        gifts.gift_list_build(actor=officer, gift_list=gift_list)
        lists.append(gift_list)
    engine.transition(lists[0], "submit", actor=users.officer)
    engine.transition(lists[0], "confirm", actor=users.leader)
    engine.transition(lists[1], "submit", actor=users.officer_b)
    engine.transition(lists[1], "confirm", actor=users.leader_b)
    reviewed = gifts.campaign_lists_transition(
        actor=users.specialist, campaign=campaign.campaign, name="review", state=L.CONFIRMED
    )
    assert len(reviewed) == 2
    approved = gifts.campaign_lists_transition(
        actor=users.head, campaign=campaign.campaign, name="approve", state=L.REVIEWED
    )
    assert {g.pk for g in approved} == {g.pk for g in lists}
    assert set(GiftRecipient.objects.values_list("state", flat=True)) == {R.APPROVED}
    assert Task.objects.filter(flow_task_type="HUMAN", status="NEW").count() == 2


def test_list_steps_have_deadlines_and_reminders_link_to_the_list(built, users):
    from notifications.models import Notification
    from workflows.models import TaskDeadline
    from workflows.reminders import reminders_sweep

    [task] = flows.open_tasks(built)
    deadline = TaskDeadline.objects.get(task=task)
    assert (deadline.process, deadline.step, deadline.working_days) == ("gift_list", "prepare", 10)
    reminders_sweep(today=deadline.due_on)
    notes = Notification.objects.filter(event="reminder_due")
    assert sorted(n.recipient.username for n in notes) == ["officer_a", "officer_a2"]
    note = notes.first()
    assert note.url == f"/gift-lists/{built.pk}/"
    assert "Tết Giáp Thìn 2024 · Phù Lỗ" in note.title
    assert note.commune_id == built.commune_id and note.case_id is None


def test_the_list_process_has_its_picture(client, users):
    client.force_login(users.officer)
    page = client.get("/processes/gift_list/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Danh sách quà của xã" in html and "Phê duyệt danh sách" in html


def test_a_list_confirmed_before_the_reorganisation_is_approved_by_the_new_commune(
    built, users, communes
):
    """Phù Lỗ's list, confirmed by its leader before 01/07/2025, goes to Nội
    Bài with its rows; Nội Bài's culture–society specialist reviews it and its
    chairman approves it, every row with it; the district's staff cannot."""
    from cases.demo.base import seed_units
    from cases.reorganization.mapping import load_mapping, read_mapping
    from cases.reorganization.run import reorganize
    from workflows.permissions import forget_scope

    engine.transition(built, "submit", actor=users.officer)
    engine.transition(built, "confirm", actor=users.leader)
    seed_units()
    mapping = (
        "Mã ĐVHC cũ,Tên ĐVHC cũ,Mã ĐVHC mới,Tên ĐVHC mới,Toàn bộ/một phần,Thôn\n"
        "00448,Phù Lỗ,00433,Nội Bài,Toàn bộ,\n"
    )
    load_mapping(
        read_mapping("m.csv", mapping.encode()), effective=dt.date(2025, 7, 1), decision="NQ 1656"
    )
    result = reorganize(dt.date(2025, 7, 1), actor=None)
    built.refresh_from_db()
    assert built.commune.name == "Nội Bài"
    rows = GiftRecipient.objects.filter(gift_list=built)
    assert set(rows.values_list("commune_id", flat=True)) == {built.commune_id}
    assert result.rows == rows.count()
    specialist = grant("chuyenvien_noibai", Role.COMMUNE_SPECIALIST, ["00433"])
    chairman = grant("chutich_noibai", Role.COMMUNE_CHAIRMAN, ["00433"])
    forget_scope(users.specialist)
    with pytest.raises(NotPermitted):
        engine.transition(built, "review", actor=users.specialist)
    engine.transition(built, "review", actor=specialist)
    with pytest.raises(NotPermitted):
        engine.transition(GiftList.objects.get(pk=built.pk), "approve", actor=users.head)
    engine.transition(GiftList.objects.get(pk=built.pk), "approve", actor=chairman)
    assert set(rows.values_list("state", flat=True)) == {R.APPROVED}
