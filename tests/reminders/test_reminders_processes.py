"""Reminders for the tasks of every process the engine knows, not only cases
and gift lists: a commune's payroll and its recuperation list remind the role
holders of that commune and link to their own page, found through what each
process registered (never named by the engine)."""

from __future__ import annotations

import datetime as dt
import inspect
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Task

from cases.allowances import recuperation as recup
from cases.allowances import reference
from cases.allowances import services as allowances
from cases.allowances.models import AllowanceCategory, Entitlement, Payroll, RecuperationList
from cases.gifts import services as gifts
from cases.gifts.models import Campaign, GiftList
from cases.housing.models import HousingState
from notifications.models import Notification
from tests.factories import PersonFactory, open_task_copies
from workflows import flows, reminders
from workflows.engine import transition
from workflows.models import ReminderSent, TaskDeadline
from workflows.reminders import reminders_sweep

pytestmark = pytest.mark.django_db

# Monday 04/03/2024: no holiday within two weeks either side.
TODAY = dt.date(2024, 3, 4)
FRIDAY = dt.date(2024, 3, 1)  # 1 working day past: overdue, not yet escalated
WEDNESDAY = dt.date(2024, 2, 28)  # 3 working days past: overdue and escalated
MARCH = dt.date(2024, 3, 1)


def _due(obj: Any, due_on: dt.date) -> Task:
    [task] = flows.open_tasks(obj)
    TaskDeadline.objects.update_or_create(
        task=task,
        defaults={
            "process": "any",
            "step": task.flow_task.name,
            "started_on": due_on - dt.timedelta(days=10),
            "working_days": 5,
            "due_on": due_on,
        },
    )
    return task


def _notes(event: str) -> list[tuple[str, str, int | None, int | None, str]]:
    """(recipient, url, commune, case, title) of each notification of the event."""
    return sorted(
        Notification.objects.filter(event=event).values_list(
            "recipient__username", "url", "commune_id", "case_id", "title"
        )
    )


@pytest.fixture
def payroll(users: SimpleNamespace, communes: SimpleNamespace) -> Payroll:
    """Commune a's March 2024 payroll, waiting for its officers (prepare)."""
    return allowances.payroll_generate(actor=users.officer, commune=communes.a, month=MARCH)


@pytest.fixture
def payroll_b(users: SimpleNamespace, communes: SimpleNamespace) -> Payroll:
    return allowances.payroll_generate(actor=users.officer_b, commune=communes.b, month=MARCH)


@pytest.fixture
def recuperation_list(users: SimpleNamespace, communes: SimpleNamespace) -> RecuperationList:
    """Commune a's recuperation list for 2024, waiting for its officers (prepare)."""
    return recup.recuperation_list_open(actor=users.officer, commune=communes.a, year=2024)


@pytest.fixture
def gift_list(users: SimpleNamespace, communes: SimpleNamespace) -> GiftList:
    campaign = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    return gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)


def test_an_overdue_payroll_task_reminds_the_officers_of_its_commune_with_a_link_to_the_payroll(
    payroll, communes
):
    _due(payroll, FRIDAY)
    counts = reminders_sweep(today=TODAY)
    assert (counts["overdue"], counts["escalated"], counts["notifications"]) == (1, 0, 2)
    url = reverse("payroll_detail", args=[payroll.pk])
    title = "Hồ sơ Bảng lương tháng 03/2024 · Phù Lỗ đã quá hạn: hạn xử lý là ngày 01/03/2024"
    assert _notes("reminder_overdue") == [
        ("officer_a", url, communes.a.pk, None, title),
        ("officer_a2", url, communes.a.pk, None, title),
    ]


def test_a_payroll_task_long_overdue_escalates_to_the_leader_of_its_commune(payroll, communes):
    _due(payroll, WEDNESDAY)
    counts = reminders_sweep(today=TODAY)
    assert (counts["overdue"], counts["escalated"]) == (1, 1)
    [(leader, url, commune, case, title)] = _notes("escalation")
    assert (leader, url, commune, case) == (
        "leader_a",
        reverse("payroll_detail", args=[payroll.pk]),
        communes.a.pk,
        None,
    )
    assert (
        title == "Báo cáo cấp trên: hồ sơ Bảng lương tháng 03/2024 · Phù Lỗ quá hạn từ 28/02/2024"
    )


def test_a_payroll_under_district_review_reminds_the_specialist(users, communes):
    reference.seed(apps, None)  # the shipped rates
    category = AllowanceCategory.objects.get(code="than_nhan_1_liet_si")
    Entitlement.objects.create(
        person=PersonFactory(commune=communes.a),
        regime=category.regime,
        category=category,
        commune=communes.a,
        start_month=dt.date(2024, 1, 1),
        decision_number="QĐ 1/2024",
        decision_date=dt.date(2024, 1, 1),
    )
    payroll = allowances.payroll_generate(actor=users.officer, commune=communes.a, month=MARCH)
    transition(payroll, "submit", actor=users.officer)
    _due(payroll, TODAY)
    counts = reminders_sweep(today=TODAY)
    assert counts["due"] == 1
    assert [(n[0], n[1], n[2]) for n in _notes("reminder_due")] == [
        ("specialist", reverse("payroll_detail", args=[payroll.pk]), communes.a.pk)
    ]


def test_an_overdue_recuperation_list_reminds_the_officers_of_its_commune_with_a_link_to_it(
    recuperation_list, communes
):
    _due(recuperation_list, FRIDAY)
    counts = reminders_sweep(today=TODAY)
    assert (counts["overdue"], counts["notifications"]) == (1, 2)
    url = reverse("recuperation_list_detail", args=[recuperation_list.pk])
    title = "Hồ sơ Danh sách điều dưỡng năm 2024 · Phù Lỗ đã quá hạn: hạn xử lý là ngày 01/03/2024"
    assert _notes("reminder_overdue") == [
        ("officer_a", url, communes.a.pk, None, title),
        ("officer_a2", url, communes.a.pk, None, title),
    ]


def test_another_communes_payroll_reminds_only_its_own_holders(payroll, payroll_b, users, communes):
    _due(payroll, WEDNESDAY)
    _due(payroll_b, WEDNESDAY)
    reminders_sweep(today=TODAY)
    by_recipient: dict[str, set[str]] = {}
    for username, url in Notification.objects.values_list("recipient__username", "url"):
        by_recipient.setdefault(username, set()).add(url)
    a_url = reverse("payroll_detail", args=[payroll.pk])
    b_url = reverse("payroll_detail", args=[payroll_b.pk])
    assert by_recipient == {
        "officer_a": {a_url},
        "officer_a2": {a_url},
        "leader_a": {a_url},
        "officer_b": {b_url},
        "leader_b": {b_url},
    }
    assert set(Notification.objects.filter(url=b_url).values_list("commune_id", flat=True)) == {
        communes.b.pk
    }


def test_one_sweep_links_each_kind_of_task_to_its_own_page(
    make_case, payroll, recuperation_list, gift_list, communes
):
    case = make_case(HousingState.DRAFT)
    for obj in (case, payroll, recuperation_list, gift_list):
        _due(obj, FRIDAY)
    counts = reminders_sweep(today=TODAY)
    assert (counts["overdue"], counts["notifications"]) == (4, 8)
    seen = {
        (url, case_id, commune_id, title)
        for url, case_id, commune_id, title in Notification.objects.filter(
            recipient__username="officer_a"
        ).values_list("url", "case_id", "commune_id", "title")
    }
    assert seen == {
        (
            f"/cases/{case.pk}/",
            case.pk,
            communes.a.pk,
            f"Hồ sơ {case.reference} đã quá hạn: hạn xử lý là ngày 01/03/2024",
        ),
        (
            reverse("payroll_detail", args=[payroll.pk]),
            None,
            communes.a.pk,
            "Hồ sơ Bảng lương tháng 03/2024 · Phù Lỗ đã quá hạn: hạn xử lý là ngày 01/03/2024",
        ),
        (
            reverse("recuperation_list_detail", args=[recuperation_list.pk]),
            None,
            communes.a.pk,
            "Hồ sơ Danh sách điều dưỡng năm 2024 · Phù Lỗ đã quá hạn: hạn xử lý là ngày 01/03/2024",
        ),
        (
            f"/gift-lists/{gift_list.pk}/",
            None,
            communes.a.pk,
            "Hồ sơ Tết Giáp Thìn 2024 · Phù Lỗ đã quá hạn: hạn xử lý là ngày 01/03/2024",
        ),
    }


def test_the_query_count_does_not_depend_on_the_number_or_kind_of_tasks(
    make_case, payroll, recuperation_list
):
    templates = [_due(obj, FRIDAY) for obj in (make_case(), payroll, recuperation_list)]
    reminders_sweep(today=TODAY)  # warm the content-type cache
    sizes = []
    copies = 0
    for n in (1, 10):
        ReminderSent.objects.all().delete()
        for template in templates:
            open_task_copies(template, n, [FRIDAY])
        copies += n
        with CaptureQueriesContext(connection) as ctx:
            counts = reminders_sweep(today=TODAY)
        assert counts["overdue"] == 3 * (1 + copies)
        sizes.append(len(ctx))
    assert sizes[0] == sizes[1]


def test_the_sweep_names_no_process_table_or_page():
    source = inspect.getsource(reminders)
    for name in ("cases_case", "cases_giftlist", "gift_list_detail", "rehab_detail", "payroll"):
        assert name not in source, name
