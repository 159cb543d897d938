"""My tasks (inbox) and the queue, with claim and release."""

from __future__ import annotations

from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.housing.models import HousingState


def _open_task(case):
    return Task.objects.get(process_id=case.flow_process_id, status__in=["NEW", "ASSIGNED"])


def test_queue_lists_the_commune_officer_task_with_a_claim_button(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    response = client_for(users.officer).get(reverse("queue"))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.reference in html
    assert reverse("case_detail", args=[case.pk]) in html
    assert case.applicant.full_name in html
    assert "Phù Lỗ" in html
    assert "Chuẩn bị và nộp hồ sơ" in html  # step name
    assert reverse("task_claim", args=[_open_task(case).pk]) in html


def test_other_commune_officer_does_not_see_the_task(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    html = client_for(users.officer_b).get(reverse("queue")).content.decode()
    assert case.reference not in html


def test_claim_moves_the_task_to_my_inbox_and_release_puts_it_back(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)
    task = _open_task(case)
    client = client_for(users.leader)
    response = client.post(reverse("task_claim", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id == users.leader.pk and task.status == STATUS.ASSIGNED
    inbox = client.get(reverse("inbox")).content.decode()
    assert case.reference in inbox
    assert "Xác nhận (cấp xã)" in inbox
    assert case.reference not in client.get(reverse("queue")).content.decode()

    response = client.post(reverse("task_release", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id is None and task.status == STATUS.NEW


def test_claiming_a_task_someone_already_took_is_a_409(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    task = _open_task(case)
    assert client_for(users.officer).post(reverse("task_claim", args=[task.pk])).status_code == 302
    response = client_for(users.officer2).post(reverse("task_claim", args=[task.pk]))
    assert response.status_code == 409
    assert "đã có người nhận" in response.content.decode()
    task.refresh_from_db()
    assert task.owner_id == users.officer.pk


def test_releasing_someone_elses_task_is_refused(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    task = _open_task(case)
    client_for(users.officer).post(reverse("task_claim", args=[task.pk]))
    response = client_for(users.officer2).post(reverse("task_release", args=[task.pk]))
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.owner_id == users.officer.pk


def test_claiming_another_communes_task_is_404(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    task = _open_task(case)
    response = client_for(users.officer_b).post(reverse("task_claim", args=[task.pk]))
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.owner_id is None


def test_claim_is_post_only(make_case, users, client_for):
    case = make_case(HousingState.DRAFT)
    response = client_for(users.officer).get(reverse("task_claim", args=[_open_task(case).pk]))
    assert response.status_code == 405


def test_district_specialist_sees_tasks_of_every_commune(make_case, users, client_for, communes):
    from tests.factories import PersonFactory

    mine = make_case(HousingState.COMMUNE_VERIFIED)
    other_person = PersonFactory(commune=communes.b)
    from cases.housing.services import housing_case_create
    from tests.conftest import upload_all
    from workflows import engine

    other = housing_case_create(
        actor=users.officer_b,
        commune=communes.b,
        applicant=other_person,
        program="ho_ngheo",
        kind="repair",
        requested_amount=10_000_000,
    )
    upload_all(users.officer_b, other)
    engine.transition(other, "submit", actor=users.officer_b)
    engine.transition(other, "verify", actor=users.leader_b)
    html = client_for(users.specialist).get(reverse("queue")).content.decode()
    assert mine.reference in html and other.reference in html
