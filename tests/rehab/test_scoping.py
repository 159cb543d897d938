"""Who sees drug-rehab cases (services and selectors): never the general
processes' readers, only the rehab roles of the case's commune and the
district rehab staff; their notifications and tasks likewise; every read is
logged with its purpose."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.housing.selectors import case_search
from cases.models import Case
from cases.rehab.models import ReferralState, RehabReferral, VoluntaryRehab, VoluntaryState
from cases.rehab.selectors import (
    case_events,
    case_reads,
    mask_national_id,
    may_see_read_log,
    read_log_case_get,
    read_log_cases,
    rehab_case_get,
    rehab_cases_for_user,
    rehab_search,
)
from cases.rehab.services import rehab_export_record, rehab_read_record
from cases.selectors import cases_for_user, task_get, tasks_inbox, tasks_queue
from notifications.models import Notification
from workflows import flows
from workflows.exceptions import InvalidData, NotFound, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent
from workflows.permissions import SENSITIVE_PROCESSES, can_view_case

from .helpers import (
    ON_2022,
    attach_documents,
    go,
    make_referral,
    make_voluntary,
    open_task,
    travel,
)

pytestmark = pytest.mark.django_db
R = ReferralState
V = VoluntaryState


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def world(communes, users, rehab_users, make_case) -> SimpleNamespace:
    """A housing case in commune a (today), and rehab cases: in commune a a
    2022 referral waiting for the district's legality review, a voluntary
    registration waiting for the commune decision and a 2025 referral waiting
    for the police; in commune b a 2022 referral being compiled."""
    ru = rehab_users
    housing = make_case()
    in_b = SimpleNamespace(rehab=ru.rehab_b, police=ru.police_b, district_rehab=ru.district_rehab)
    with travel(ON_2022) as clock:
        review = make_referral(clock, ru, communes.a, state=R.LEGALITY_REVIEW)
        voluntary = make_voluntary(clock, ru, communes.a, state=V.REGISTERED)
        other = make_referral(clock, in_b, communes.b)
        go(clock, dt.date(2025, 3, 3))
        police = make_referral(clock, ru, communes.a)
    return SimpleNamespace(
        housing=housing,
        review=review,
        voluntary=voluntary,
        police=police,
        other=other,
        rehab_a={review.pk, voluntary.pk, police.pk},
        rehab_all={review.pk, voluntary.pk, police.pk, other.pk},
    )


def _general(users: SimpleNamespace) -> list[Any]:
    return [
        users.officer,
        users.officer2,
        users.leader,
        users.officer_b,
        users.leader_b,
        users.specialist,
        users.head,
        users.head2,
        users.accountant,
        users.auditor,
        users.admin,
    ]


def _everyone(users: SimpleNamespace, ru: SimpleNamespace) -> list[Any]:
    return [*_general(users), *vars(ru).values()]


def test_general_lists_never_hold_rehab_cases_for_anyone(world, users, rehab_users):
    names = {c.applicant.full_name for c in [world.review, world.voluntary, world.police]}
    nid = world.police.applicant.national_id
    for user in _everyone(users, rehab_users):
        listed = cases_for_user(user)
        assert not listed.filter(process__in=SENSITIVE_PROCESSES).exists(), user
        assert not listed.filter(pk__in=world.rehab_all).exists(), user
        for q in [*names, nid, ""]:
            found = case_search(user, q=q)
            assert not found.filter(pk__in=world.rehab_all).exists(), (user, q)
        assert not case_search(user, state=R.LEGALITY_REVIEW).exists()
    # The general lists do work: the housing case is there for its readers.
    for user in [users.officer, users.leader, users.specialist, users.head, users.auditor]:
        assert list(cases_for_user(user).values_list("pk", flat=True)) == [world.housing.pk]
    for user in vars(rehab_users).values():
        assert not cases_for_user(user).exists()


def test_rehab_cases_only_for_rehab_roles_of_the_commune_and_the_district(
    world, users, rehab_users
):
    ru = rehab_users

    def seen(user: Any) -> set[int]:
        return set(rehab_cases_for_user(user).values_list("pk", flat=True))

    assert seen(ru.rehab) == world.rehab_a
    assert seen(ru.police) == world.rehab_a
    assert seen(ru.rehab_b) == {world.other.pk}
    assert seen(ru.police_b) == {world.other.pk}
    assert seen(ru.district_rehab) == world.rehab_all
    assert seen(ru.district_rehab2) == world.rehab_all
    for user in _general(users):
        assert seen(user) == set(), user


def test_rehab_case_get_is_not_found_for_everyone_else(world, users, rehab_users):
    ru = rehab_users
    for user in [*_general(users), ru.rehab_b, ru.police_b]:
        for pk in world.rehab_a:
            with pytest.raises(NotFound):
                rehab_case_get(user, pk)
            assert not can_view_case(user, Case.objects.get(pk=pk))
    for user in [ru.rehab, ru.police, ru.district_rehab]:
        assert isinstance(rehab_case_get(user, world.review.pk), RehabReferral)
        assert isinstance(rehab_case_get(user, world.voluntary.pk), VoluntaryRehab)
        assert can_view_case(user, world.police)
    # Not a rehab case, or not a number: "not found" as well.
    for pk in [world.housing.pk, "abc", None, 10**9]:
        with pytest.raises(NotFound):
            rehab_case_get(ru.district_rehab, pk)
    # Rehab staff do not see the general processes either.
    assert not can_view_case(ru.district_rehab, world.housing)


def test_rehab_search(world, users, rehab_users):
    ru = rehab_users
    police = world.police
    assert [c.pk for c in rehab_search(ru.rehab, q=police.applicant.national_id)] == [police.pk]
    assert [c.pk for c in rehab_search(ru.rehab, q=police.reference.lower())] == [police.pk]
    assert [c.pk for c in rehab_search(ru.district_rehab, q=world.other.reference)] == [
        world.other.pk
    ]
    assert not rehab_search(ru.rehab, q=world.other.reference).exists()
    assert {c.pk for c in rehab_search(ru.district_rehab, process="rehab_voluntary")} == {
        world.voluntary.pk
    }
    for user in _general(users):
        assert not rehab_search(user, q=police.applicant.national_id).exists()
    assert mask_national_id(police.applicant.national_id).count("•") == 6
    assert mask_national_id(police.applicant.national_id)[-3:] == police.applicant.national_id[-3:]


def test_rehab_notifications_go_to_rehab_roles_only(world, users, rehab_users):
    ru = rehab_users
    notes = Notification.objects.filter(case_id__in=world.rehab_all)
    assert notes.exists()
    rehab_ids = {u.pk for u in vars(ru).values()}
    assert set(notes.values_list("recipient", flat=True)) <= rehab_ids
    for user in _general(users):
        assert not Notification.objects.filter(recipient=user, case_id__in=world.rehab_all).exists()
    # The 2022 review went to both district rehab staff, not to the district's other roles.
    review_notes = Notification.objects.filter(case_id=world.review.pk, event="task_waiting")
    assert set(review_notes.values_list("recipient", flat=True)) == {
        ru.district_rehab.pk,
        ru.district_rehab2.pk,
    }


def _rehab_tasks(world: SimpleNamespace) -> set[int]:
    processes = Case.objects.filter(pk__in=world.rehab_all).values_list(
        "flow_process_id", flat=True
    )
    return set(Task.objects.filter(process_id__in=processes).values_list("pk", flat=True))


def test_task_queue_shows_rehab_tasks_to_rehab_roles_only(world, users, rehab_users):
    ru = rehab_users
    rehab_tasks = _rehab_tasks(world)
    for user in _general(users):
        queued = set(tasks_queue(user).values_list("pk", flat=True))
        assert not queued & rehab_tasks, user

    def queue(user: Any) -> set[int]:
        return set(tasks_queue(user).values_list("pk", flat=True)) & rehab_tasks

    review, decide = open_task(world.review), open_task(world.voluntary)
    compile_police, compile_b = open_task(world.police), open_task(world.other)
    assert (review.flow_task.name, decide.flow_task.name) == ("legality_review", "decide")
    assert queue(ru.district_rehab) == queue(ru.district_rehab2) == {review.pk}
    assert queue(ru.rehab) == {decide.pk}
    assert queue(ru.police) == {compile_police.pk}
    assert queue(ru.rehab_b) == {compile_b.pk}
    assert queue(ru.police_b) == set()


def test_task_inbox_and_claims_for_rehab_roles_only(world, users, rehab_users):
    ru = rehab_users
    task = open_task(world.police)
    for user in [users.officer, users.leader, users.specialist, ru.rehab, ru.police_b]:
        with pytest.raises(NotPermitted):
            flows.task_claim(task, user)
    flows.task_claim(task, ru.police)
    assert list(tasks_inbox(ru.police).values_list("pk", flat=True)) == [task.pk]
    assert task_get(ru.police, task.pk).pk == task.pk
    # Even a rehab task wrongly handed to a general officer stays out of their inbox.
    Task.objects.filter(pk=task.pk).update(owner=users.officer, status=STATUS.ASSIGNED)
    assert not tasks_inbox(users.officer).filter(pk=task.pk).exists()
    for user in _general(users):
        assert not set(tasks_inbox(user).values_list("pk", flat=True)) & _rehab_tasks(world)
        if user != users.officer:
            with pytest.raises(NotFound):
                task_get(user, task.pk)


def test_reading_a_record_is_logged_with_its_purpose(world, rehab_users):
    ru = rehab_users
    case = rehab_case_get(ru.police, world.police.pk)
    event = rehab_read_record(user=ru.police, case=case, purpose="court", note="  CV 12/TA  ")
    assert event.event == "read"
    assert (event.case_id, event.actor_id, event.actor_role) == (
        case.pk,
        ru.police.pk,
        "commune_police",
    )
    assert event.data == {"purpose": "court", "note": "CV 12/TA", "via": "web"}
    assert event.commune_id == case.commune_id
    district = rehab_read_record(
        user=ru.district_rehab, case=case, purpose="other", note="Thanh tra", via="api"
    )
    assert district.actor_role == "district_rehab"
    assert list(case_reads(case)) == [district, event]
    assert not case_events(case).filter(event="read").exists()
    assert case_events(case).filter(event="create").exists()


@pytest.mark.parametrize(
    ("purpose", "note", "field"),
    [("", "", "purpose"), ("curious", "", "purpose"), ("other", "   ", "purpose_note")],
)
def test_a_read_without_a_purpose_is_refused(world, rehab_users, purpose, note, field):
    ru = rehab_users
    before = AuditEvent.objects.filter(event="read").count()
    with translation.override("en"), pytest.raises(InvalidData) as info:
        rehab_read_record(user=ru.rehab, case=world.review, purpose=purpose, note=note)
    assert info.value.code == "purpose_required"
    assert set(info.value.fields) == {field}
    assert AuditEvent.objects.filter(event="read").count() == before


def test_read_log_is_for_auditors_and_district_rehab(world, users, rehab_users):
    ru = rehab_users
    rehab_read_record(user=ru.rehab, case=world.review, purpose="handling")
    for user in [users.auditor, ru.district_rehab]:
        assert may_see_read_log(user)
        assert set(read_log_cases(user).values_list("pk", flat=True)) == world.rehab_all
        assert read_log_case_get(user, world.review.pk).pk == world.review.pk
    # The auditor sees who read, not the record itself.
    with pytest.raises(NotFound):
        rehab_case_get(users.auditor, world.review.pk)
    for user in [users.officer, users.specialist, users.head, ru.rehab, ru.police]:
        assert not may_see_read_log(user)
        with pytest.raises(NotFound):
            read_log_case_get(user, world.review.pk)


def test_exports_need_their_own_permission_and_are_logged(world, users, rehab_users):
    ru = rehab_users
    for user in [ru.district_rehab2, ru.rehab, users.auditor, users.head]:
        with pytest.raises(NotPermitted):
            rehab_export_record(user=user, rows=3, filters={}, fmt="csv", purpose="reporting")
    with pytest.raises(InvalidData) as info:
        rehab_export_record(user=ru.district_rehab, rows=3, filters={}, fmt="csv", purpose="")
    assert info.value.code == "purpose_required"
    event = rehab_export_record(
        user=ru.district_rehab,
        rows=3,
        filters={"process": "rehab_compulsory", "state": ""},
        fmt="xlsx",
        purpose="reporting",
    )
    assert event.event == "export"
    assert event.data["rows"] == 3 and event.data["filters"] == {"process": "rehab_compulsory"}


def test_only_the_communes_rehab_roles_add_documents_while_compiling(world, users, rehab_users):
    ru = rehab_users
    with travel(dt.date(2025, 3, 3)):
        draft = world.police
        for user in [users.officer, users.specialist, ru.rehab_b, ru.police_b, ru.district_rehab]:
            with pytest.raises(NotPermitted):
                attach_documents(draft, user, kinds=["khac"])
        [doc] = attach_documents(draft, ru.rehab, kinds=["mau_35"])
        assert (doc.case_id, doc.kind, doc.uploaded_by) == (draft.pk, "mau_35", ru.rehab)
    # Past the commune's steps no document is added, by anyone.
    with pytest.raises(TransitionNotAllowed):
        attach_documents(world.review, ru.rehab, kinds=["khac"])
    assert not world.review.documents.filter(kind="khac").exists()
