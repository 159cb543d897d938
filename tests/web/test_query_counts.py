"""List, inbox, queue and case pages read a constant number of queries."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Task

from cases.demo.base import PDF
from cases.housing.models import HousingState
from cases.housing.services import housing_case_create
from cases.services import document_upload
from tests.factories import PersonFactory
from workflows import flows


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _drafts(users, applicant, n):
    # One open housing case per person: each draft has its own applicant.
    people = [applicant] if not applicant.cases.exists() else []
    people += [PersonFactory(commune=applicant.commune) for _ in range(n - len(people))]
    return [
        housing_case_create(
            actor=users.officer,
            commune=applicant.commune,
            applicant=people[i],
            program="ho_ngheo",
            kind="repair",
            requested_amount=10_000_000 + i,
        )
        for i in range(n)
    ]


def test_case_list_uses_the_same_queries_for_3_and_30_cases(users, config, applicant, client_for):
    client = client_for(users.officer)
    _drafts(users, applicant, 3)
    few = _queries(client, reverse("case_list"))
    filtered_few = _queries(client, reverse("case_list"), q="Nguyễn", state="draft")
    _drafts(users, applicant, 27)
    assert _queries(client, reverse("case_list")) == few
    assert _queries(client, reverse("case_list"), q="Nguyễn", state="draft") == filtered_few
    assert few <= 12


def test_case_list_for_a_district_role_stays_within_budget(users, config, applicant, client_for):
    _drafts(users, applicant, 30)
    assert _queries(client_for(users.specialist), reverse("case_list")) <= 12


def test_queue_and_inbox_use_the_same_queries_for_3_and_30_tasks(
    users, config, applicant, client_for
):
    client = client_for(users.officer)

    def claim_all():
        for task in Task.objects.filter(status="NEW", owner__isnull=True, flow_task_type="HUMAN"):
            flows.task_claim(task, users.officer)

    _drafts(users, applicant, 3)
    queue_few = _queries(client, reverse("queue"))
    claim_all()
    inbox_few = _queries(client, reverse("inbox"))
    _drafts(users, applicant, 27)
    assert _queries(client, reverse("queue")) == queue_few
    claim_all()
    assert _queries(client, reverse("inbox")) == inbox_few
    assert max(queue_few, inbox_few) <= 12


def test_case_page_uses_the_same_queries_for_3_and_30_events(make_case, users, client_for):
    case = make_case(HousingState.DRAFT, documents=False)
    client = client_for(users.officer)
    url = reverse("case_detail", args=[case.pk])

    def upload(n):
        for i in range(n):
            document_upload(
                actor=users.officer,
                case=case,
                kind=["don_de_nghi", "anh_hien_trang"][i % 2],
                upload=SimpleUploadedFile(f"f{i}.pdf", PDF, "application/pdf"),
            )

    upload(2)  # create + 2 uploads = 3 events
    few = _queries(client, url)
    upload(27)  # 30 events, 29 documents
    assert _queries(client, url) == few
    assert few <= 15


def test_case_page_with_payments_is_constant_too(make_case, users, client_for):
    closed = make_case(HousingState.CLOSED)
    partial = make_case(HousingState.PARTIALLY_DISBURSED)
    client = client_for(users.auditor)
    assert _queries(client, reverse("case_detail", args=[closed.pk])) == _queries(
        client, reverse("case_detail", args=[partial.pk])
    )
