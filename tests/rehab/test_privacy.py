"""What the rest of the system must not tell about drug-rehab cases: people
registered only for one stay out of the general registry (until registered
for something else), and reminders and escalations of rehab steps reach
rehab staff only, linking to the rehab page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from cases.selectors import people_for_user
from cases.services import person_create
from notifications.models import Notification
from tests.conftest import PASSWORD
from workflows.calendar import add_working_days
from workflows.exceptions import InvalidData
from workflows.models import AuditEvent, TaskDeadline
from workflows.reminders import reminders_sweep

from .helpers import go, make_referral, person, travel

pytestmark = pytest.mark.django_db


def test_a_person_registered_for_rehab_stays_out_of_the_general_registry(
    communes, users, rehab_users
):
    subject = person(rehab_users.police, communes.a, name="Đỗ Văn Kín")
    assert subject.rehab_only
    assert AuditEvent.objects.filter(event="rehab_person_create", object_id=str(subject.pk))
    for user in [users.officer, users.leader, users.specialist, users.auditor]:
        assert not people_for_user(user).filter(pk=subject.pk).exists()
    client = Client()
    assert client.login(request=HttpRequest(), username="officer_a", password=PASSWORD)
    listing = client.get(reverse("api-people"), {"q": subject.national_id})
    assert listing.status_code == 200 and "Đỗ Văn Kín" not in listing.content.decode()
    assert client.get(reverse("api-person", args=[subject.pk])).status_code == 404


def test_registering_the_same_person_for_another_process_makes_a_separate_record(
    communes, users, rehab_users
):
    subject = person(rehab_users.police, communes.a, name="Đỗ Văn Kín")
    # The officer registers them as if new: no "already registered" that would
    # reveal the rehab case, and nothing of the rehab record is shared or changed.
    general = person_create(
        actor=users.officer,
        full_name="Đỗ Văn Kín",
        date_of_birth=subject.date_of_birth,
        sex=subject.sex,
        national_id=subject.national_id,
        commune=communes.a,
        address="Xóm Mới",
        categories=["ho_ngheo"],
    )
    assert general.pk != subject.pk and not general.rehab_only
    assert general.address == "Xóm Mới" and general.categories == ["ho_ngheo"]
    subject.refresh_from_db()
    assert subject.rehab_only and subject.address == "Thôn Đoài" and subject.categories == []
    assert people_for_user(users.officer).filter(pk=general.pk).exists()
    assert not people_for_user(users.officer).filter(pk=subject.pk).exists()
    # A typo in the general registry cannot rename the rehab record either.
    with pytest.raises(InvalidData):
        person_create(
            actor=users.officer,
            full_name="X Y",
            date_of_birth=subject.date_of_birth,
            sex=subject.sex,
            national_id=subject.national_id,
            commune=communes.a,
        )
    subject.refresh_from_db()
    assert subject.full_name == "Đỗ Văn Kín"


def test_rehab_tasks_escalate_to_district_rehab_staff_only(communes, users, rehab_users):
    filed = dt.date(2025, 6, 2)  # a Monday on the 2025 route
    with travel(filed) as clock:
        case = make_referral(clock, rehab_users, communes.a)
        deadline = TaskDeadline.objects.get(task__process_id=case.flow_process_id)
        assert deadline.step == "police_compile"
        go(clock, add_working_days(deadline.due_on, 3))
        Notification.objects.all().delete()
        counts = reminders_sweep()
    assert counts["escalated"] == 1
    notes = list(Notification.objects.filter(case_id=case.pk))
    recipients = {n.recipient.username for n in notes}
    assert "district_rehab" in recipients and "district_rehab2" in recipients
    assert recipients <= {"police_a", "district_rehab", "district_rehab2"}
    assert {n.url for n in notes} == {reverse("rehab_detail", args=[case.pk])}
