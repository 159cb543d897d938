"""The task tables (inbox, queue) name every process's object the same way:
its name, its commune and a link to its page, read through the process
registry (`workflows.artifacts.task_objects`), never a branch per process,
in a fixed number of queries whatever the number and kinds of tasks."""

from __future__ import annotations

import datetime as dt
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
from cases.allowances.models import AllowanceCategory
from cases.gifts import services as gifts
from cases.gifts.models import Campaign
from cases.housing.models import HousingState
from cases.rehab.models import RehabSetting
from cases.rehab.services import voluntary_create
from tests.factories import PersonFactory, open_task_copies
from tests.rehab.helpers import person, referral_filed_today
from workflows import flows, registry

pytestmark = pytest.mark.django_db

MARCH = dt.date(2024, 3, 1)


def _row(html: str, url: str) -> str:
    """The table row holding the link to `url`."""
    at = html.index(f'href="{url}"')
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


def _queue(client_for: Any, user: Any) -> str:
    response = client_for(user).get(reverse("queue"))
    assert response.status_code == 200
    return response.content.decode()


def _mixed(users: SimpleNamespace, communes: SimpleNamespace, make_case: Any) -> list[Any]:
    """A housing case, a gift list, an allowance dossier, a payroll and a
    recuperation list of commune a, each with its first task in the queue of
    commune a's officers."""
    reference.seed(apps, None)  # the shipped allowance rates
    campaign = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    applicant: Any = PersonFactory(commune=communes.a, full_name="Lê Thị Trợ Cấp")
    return [
        make_case(HousingState.DRAFT, documents=False),
        gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a),
        allowances.allowance_case_create(
            actor=users.officer,
            commune=communes.a,
            applicant=applicant,
            regime="nguoi_co_cong",
            category=AllowanceCategory.objects.get(code="than_nhan_1_liet_si"),
            requested_start_month=MARCH,
        ),
        allowances.payroll_generate(actor=users.officer, commune=communes.a, month=MARCH),
        recup.recuperation_list_open(actor=users.officer, commune=communes.a, year=2024),
    ]


def test_a_task_of_each_registered_process_shows_its_name_commune_and_link(
    users, rehab_users, communes, make_case, client_for
):
    objects = _mixed(users, communes, make_case)
    objects.append(referral_filed_today(communes.a, rehab_users.police))
    objects.append(
        voluntary_create(
            actor=rehab_users.rehab,
            commune=communes.a,
            applicant=person(rehab_users.rehab, communes.a, name="Phạm Văn Tự Nguyện"),
            setting=RehabSetting.HOME,
        )
    )
    html = "".join(
        _queue(client_for, user) for user in (users.officer, rehab_users.rehab, rehab_users.police)
    )
    shown = set()
    for obj in objects:
        spec = registry.spec_for(obj)
        row = _row(html, reverse(spec.detail_url, args=[obj.pk]))
        assert obj.reference in row, spec.code  # its name
        assert str(obj.commune) in row, spec.code
        assert spec.state_label(obj.state) in row, spec.code
        # A case's row names its applicant; any other object's, its kind.
        who = obj.applicant.full_name if spec.is_case else str(spec.label)
        assert who in row, spec.code
        shown.add(spec.code)
    flowing = {code for code in registry.all_specs() if registry.has_flow(code)}
    assert shown == flowing


def test_a_gift_lists_task_is_named_by_its_campaign_and_commune(
    users, communes, make_case, client_for
):
    gift_list = _mixed(users, communes, make_case)[1]
    row = _row(_queue(client_for, users.officer), f"/gift-lists/{gift_list.pk}/")
    assert "Tết Giáp Thìn 2024 · Phù Lỗ" in row
    assert str(registry.spec_for(gift_list).label) in row


def _copies(n: int) -> None:
    """n more open tasks like each open one (same process, role and commune)."""
    for template in Task.objects.filter(status="NEW", flow_task_type="HUMAN"):
        open_task_copies(template, n, [MARCH + dt.timedelta(days=7)])


def _queries(client: Any, name: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name))
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def test_the_task_pages_read_as_many_queries_for_5_tasks_as_for_25_of_five_processes(
    users, communes, make_case, client_for
):
    objects = _mixed(users, communes, make_case)
    client = client_for(users.officer)
    few, html = _queries(client, "queue")
    assert html.count('data-testid="task-object"') == 5
    _copies(4)  # 25 tasks: a whole page, five of each process
    many, html = _queries(client, "queue")
    assert html.count('data-testid="task-object"') == 25
    assert many == few
    # session, user, scope, count, ids, tasks, calendar, what the tasks are
    # about (one statement), duplicate flags (rules, flags), unread, communes
    assert many <= 12
    for task in Task.objects.filter(status="NEW", flow_task_type="HUMAN"):
        flows.task_claim(task, users.officer)
    inbox, html = _queries(client, "inbox")
    assert inbox == few
    for obj in objects:
        assert _row(html, reverse(registry.spec_for(obj).detail_url, args=[obj.pk]))
