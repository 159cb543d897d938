"""List endpoints issue the same number of queries for 3 rows as for 30."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.housing.models import HousingKind, HousingProgram
from cases.housing.services import housing_case_create
from cases.services import document_upload
from tests.factories import CommuneFactory, PersonFactory
from workflows import flows
from workflows.services import role_grant

from .conftest import pdf

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.json()
    return len(ctx.captured_queries), r.json()


def assert_constant(client, url, add_rows, expected_rows=(3, 30)):
    """Same query count with expected_rows[0] and expected_rows[1] rows listed."""
    add_rows(expected_rows[0])
    client.get(url)  # warm per-process caches (content types)
    small, body = queries(client, url)
    assert len(body["results"]) == expected_rows[0]
    add_rows(expected_rows[1] - expected_rows[0])
    large, body = queries(client, url)
    assert len(body["results"]) == expected_rows[1]
    assert small == large, (url, small, large)
    return large


def new_cases(users, communes, n):
    return [
        housing_case_create(
            actor=users.officer,
            commune=communes.a,
            applicant=PersonFactory(commune=communes.a),
            program=HousingProgram.MERIT,
            kind=HousingKind.REPAIR,
            requested_amount=10_000_000,
        )
        for _ in range(n)
    ]


def test_housing_list_query_count_is_constant(api, users, communes, config):
    n = assert_constant(
        api(users.officer), "/api/v1/housing/", lambda k: new_cases(users, communes, k)
    )
    assert n <= 8


def test_people_list_query_count_is_constant(api, users, communes):
    def add(k):
        PersonFactory.create_batch(k, commune=communes.a)

    assert_constant(api(users.officer), "/api/v1/people/", add)


def test_communes_list_query_count_is_constant(api, users, communes):
    def add(k):
        # The two fixture communes count towards the first three.
        CommuneFactory.create_batch(k - 2 if k == 3 else k)

    assert_constant(api(users.specialist), "/api/v1/communes/", add)


def test_task_queue_query_count_is_constant(api, users, communes, config):
    assert_constant(
        api(users.officer2),
        "/api/v1/tasks/?scope=queue",
        lambda k: new_cases(users, communes, k),
    )


def test_task_inbox_query_count_is_constant(api, users, communes, config):
    def add(k):
        for case in new_cases(users, communes, k):
            task = flows.open_tasks(case)[0]
            flows.task_claim(task, users.officer2)

    assert_constant(api(users.officer2), "/api/v1/tasks/?scope=inbox", add)


def test_case_audit_query_count_is_constant(api, users, communes, config):
    [case] = new_cases(users, communes, 1)

    def add(k):
        for _ in range(k):
            document_upload(actor=users.officer, case=case, kind="anh_hien_trang", upload=pdf())

    # The create event plus uploads: 1 + 2 = 3, then 30.
    assert_constant(
        api(users.auditor),
        f"/api/v1/cases/{case.pk}/audit/",
        lambda k: add(k - 1 if k == 3 else k),
    )


def test_multi_commune_officer_lists_with_the_same_count(api, users, communes, config):
    # Scope with several communes is still computed once per request.
    role_grant(actor=None, username="officer_a", role="commune_officer", commune_codes=["00382"])
    assert_constant(api(users.officer), "/api/v1/housing/", lambda k: new_cases(users, communes, k))
