"""Retries are safe: a POST sent again with the same Idempotency-Key gets the
first answer back (the same status and body; on the web, the same redirect)
and its effect happens once — transitions, payments, uploads, gift
deliveries, bulk moves of lists — and nothing that can fail runs after the
commit (finding 5: a transition committed, its answer failed with a 500, and
the client's retry got 409 concurrent_change)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cases.demo.base import PDF
from cases.gifts.models import GiftList, GiftRecipient
from cases.housing.models import Budget, Disbursement, HousingCase, HousingState
from cases.models import Document
from tests.conftest import sign_in
from tests.factories import national_id_for
from tests.gifts.ui_helpers import advance, built_list, make_campaign, make_poor_people
from workflows.models import AuditEvent, IdempotencyKey

pytestmark = pytest.mark.django_db
S = HousingState


def api_as(user: Any, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    client.force_authenticate(user)
    return client


def web_as(user: Any) -> Client:
    return sign_in(Client(raise_request_exception=False), user)


def send(client: APIClient, url: str, data: Any, key: str | None, fmt: str = "json") -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, data, format=fmt, headers=headers)


def transition_url(case: Any, name: str) -> str:
    return f"/api/v1/cases/{case.pk}/transitions/{name}/"


def moves(case: Any, name: str) -> int:
    return AuditEvent.objects.filter(case_id=case.pk, transition=name).count()


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("anh.pdf", PDF, "application/pdf")


VERIFY = {"expected_state": S.SUBMITTED}


# --- the API -----------------------------------------------------------------------


def test_a_transition_sent_again_with_its_key_answers_as_the_first_time_and_moves_once(
    make_case, users
):
    case = make_case(S.SUBMITTED)
    leader = api_as(users.leader)
    first = send(leader, transition_url(case, "verify"), VERIFY, "verify-1")
    again = send(leader, transition_url(case, "verify"), VERIFY, "verify-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert moves(case, "verify") == 1
    assert HousingCase.objects.get(pk=case.pk).state == S.COMMUNE_VERIFIED


def test_without_a_key_the_same_transition_sent_again_is_a_conflict(make_case, users):
    case = make_case(S.SUBMITTED)
    leader = api_as(users.leader)
    assert send(leader, transition_url(case, "verify"), VERIFY, None).status_code == 200
    again = send(leader, transition_url(case, "verify"), VERIFY, None)
    assert again.status_code == 409 and again.json()["code"] == "concurrent_change"
    assert moves(case, "verify") == 1


def test_a_payment_sent_again_with_its_key_is_recorded_once(make_case, users, today):
    case = make_case(S.APPROVED)
    budget_before = Budget.objects.get(pk=case.budget_id).disbursed
    pay = {"amount": 40_000_000, "paid_on": today.isoformat(), "expected_state": S.APPROVED}
    accountant = api_as(users.accountant)
    first = send(accountant, transition_url(case, "disburse"), pay, "pay-7")
    again = send(accountant, transition_url(case, "disburse"), pay, "pay-7")
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert Disbursement.objects.filter(case_id=case.pk).count() == 1
    assert HousingCase.objects.get(pk=case.pk).disbursed_amount == 40_000_000
    assert Budget.objects.get(pk=case.budget_id).disbursed == budget_before + 40_000_000


def test_an_upload_sent_again_with_its_key_stores_one_document(make_case, users):
    case = make_case(S.DRAFT, documents=False)
    officer = api_as(users.officer)
    url = f"/api/v1/cases/{case.pk}/documents/"
    first = send(officer, url, {"kind": "anh_hien_trang", "file": pdf()}, "up-1", "multipart")
    again = send(officer, url, {"kind": "anh_hien_trang", "file": pdf()}, "up-1", "multipart")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Document.objects.filter(case_id=case.pk).count() == 1


def test_the_same_key_with_other_data_is_refused_with_422(make_case, users):
    case = make_case(S.SUBMITTED)
    leader = api_as(users.leader, "vi")
    assert send(leader, transition_url(case, "verify"), VERIFY, "k").status_code == 200
    other = send(leader, transition_url(case, "verify"), {**VERIFY, "reason": "Khác"}, "k")
    assert other.status_code == 422
    body = other.json()
    assert body["code"] == "idempotency_key_reused" and body["fields"] == {}
    assert "khóa" in body["message"].lower()  # in the request's language
    assert moves(case, "verify") == 1


def test_the_same_key_on_another_endpoint_is_refused_with_422(make_case, users, applicant):
    first, second = make_case(S.SUBMITTED), make_case(S.SUBMITTED)
    leader = api_as(users.leader)
    assert send(leader, transition_url(first, "verify"), VERIFY, "k").status_code == 200
    other = send(leader, transition_url(second, "verify"), VERIFY, "k")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert moves(second, "verify") == 0


def test_keys_belong_to_their_user(make_case, users):
    submitted, draft = make_case(S.SUBMITTED), make_case(S.DRAFT, documents=False)
    r1 = send(api_as(users.leader), transition_url(submitted, "verify"), VERIFY, "shared")
    url = f"/api/v1/cases/{draft.pk}/documents/"
    data = {"kind": "anh_hien_trang", "file": pdf()}
    r2 = send(api_as(users.officer), url, data, "shared", "multipart")
    assert (r1.status_code, r2.status_code) == (200, 201)


def test_a_refused_request_keeps_no_key_so_its_corrected_retry_runs(make_case, users):
    case = make_case(S.COMMUNE_VERIFIED)
    specialist = api_as(users.specialist)
    url = transition_url(case, "review")
    refused = send(specialist, url, {}, "review-1")
    assert refused.status_code == 400 and "assessed_amount" in refused.json()["fields"]
    done = send(specialist, url, {"assessed_amount": 80_000_000}, "review-1")
    assert done.status_code == 200
    assert send(specialist, url, {"assessed_amount": 80_000_000}, "review-1").content == (
        done.content
    )
    assert moves(case, "review") == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "khóa"])
def test_a_malformed_key_is_400_and_nothing_is_done(make_case, users, key):
    case = make_case(S.SUBMITTED)
    r = send(api_as(users.leader), transition_url(case, "verify"), VERIFY, key)
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_invalid"
    assert moves(case, "verify") == 0


def test_a_long_path_with_a_key_is_answered_like_any_other(make_case, users):
    case = make_case(S.SUBMITTED)
    r = send(api_as(users.leader), transition_url(case, "x" * 400), VERIFY, "long")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_a_key_is_forgotten_after_a_day(make_case, users):
    case = make_case(S.SUBMITTED)
    leader = api_as(users.leader)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        assert send(leader, transition_url(case, "verify"), VERIFY, "old").status_code == 200
        clock.shift(dt.timedelta(hours=25))
        again = send(leader, transition_url(case, "verify"), VERIFY, "old")
    assert again.status_code == 409 and "Idempotent-Replayed" not in again
    assert moves(case, "verify") == 1


def test_expired_keys_are_deleted_by_later_writes(make_case, users):
    first, second = make_case(S.SUBMITTED), make_case(S.SUBMITTED)
    leader = api_as(users.leader)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        send(leader, transition_url(first, "verify"), VERIFY, "day-1")
        assert IdempotencyKey.objects.filter(key="day-1").exists()
        clock.shift(dt.timedelta(hours=25))
        send(leader, transition_url(second, "verify"), VERIFY, "day-2")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["day-2"]


# --- gifts and drug rehab through the API -----------------------------------------


@pytest.fixture
def approved_list(users: SimpleNamespace, communes: SimpleNamespace) -> GiftList:
    data = make_campaign("idem")
    make_poor_people(communes.a, 3)
    return advance(built_list(users, data.campaign, communes.a), users, "approved")


def test_gift_deliveries_sent_again_with_their_key_are_recorded_once(approved_list, users, today):
    officer = api_as(users.officer)
    url = f"/api/v1/gift-lists/{approved_list.pk}/deliveries/"
    first = send(officer, url, {"delivered_on": today.isoformat()}, "deliver-all")
    again = send(officer, url, {"delivered_on": today.isoformat()}, "deliver-all")
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert len(first.json()["moved"]) == 3
    delivered = AuditEvent.objects.filter(transition="deliver", event="transition").count()
    assert delivered == 3
    assert GiftRecipient.objects.filter(gift_list=approved_list, state="delivered").count() == 3


def test_a_rehab_transition_sent_again_answers_once_and_logs_one_read(rehab_users, communes):
    from cases.rehab.services import referral_create, rehab_person

    dob = dt.date(1990, 1, 2)
    person = rehab_person(
        actor=rehab_users.police,
        commune=communes.a,
        national_id=national_id_for(dob, "M"),
        full_name="Lê Văn Thử",
        date_of_birth=dob,
        sex="M",
    )
    referral = referral_create(
        actor=rehab_users.police, commune=communes.a, applicant=person, ground="not_registered"
    )
    police = api_as(rehab_users.police)
    url = f"/api/v1/rehab/cases/{referral.pk}/transitions/withdraw/"
    body = {"reason": "Rút hồ sơ", "expected_state": "draft"}
    first = send(police, url, body, "withdraw-1")
    again = send(police, url, body, "withdraw-1")
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert moves(referral, "withdraw") == 1
    assert AuditEvent.objects.filter(case_id=referral.pk, event="read").count() == 1


# --- web forms ---------------------------------------------------------------------

KEY_FIELD = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


def test_the_forms_of_a_case_page_carry_a_new_key_at_each_rendering(make_case, users):
    case = make_case(S.SUBMITTED)
    leader = web_as(users.leader)
    first = KEY_FIELD.findall(leader.get(reverse("case_detail", args=[case.pk])).content.decode())
    second = KEY_FIELD.findall(leader.get(reverse("case_detail", args=[case.pk])).content.decode())
    assert first and second and not set(first) & set(second)


def test_a_transition_form_sent_twice_redirects_the_same_way_and_moves_once(make_case, users):
    case = make_case(S.SUBMITTED)
    leader = web_as(users.leader)
    url = reverse("case_transition", args=[case.pk, "verify"])
    form = {**VERIFY, "idempotency_key": "a" * 32}
    first = leader.post(url, form, follow=True)
    again = leader.post(url, form, follow=True)
    page = reverse("case_detail", args=[case.pk])
    assert first.redirect_chain == again.redirect_chain == [(page, 302)]
    told = [[m.message for m in r.context["messages"]] for r in (first, again)]
    assert len(told[0]) == 1 and told[1] == told[0]
    assert moves(case, "verify") == 1


def test_an_upload_form_sent_twice_stores_one_document(make_case, users):
    case = make_case(S.DRAFT, documents=False)
    officer = web_as(users.officer)
    url = reverse("case_document_upload", args=[case.pk])
    for _ in range(2):
        r = officer.post(url, {"kind": "anh_hien_trang", "file": pdf(), "idempotency_key": "up"})
        assert r.status_code == 302
    assert Document.objects.filter(case_id=case.pk).count() == 1


def test_approving_every_list_of_a_campaign_twice_approves_once(users, communes):
    data = make_campaign("idem-web")
    make_poor_people(communes.a, 2)
    gift_list = advance(built_list(users, data.campaign, communes.a), users, "reviewed")
    head = web_as(users.head)
    url = reverse("campaign_approve_lists", args=[data.campaign.pk])
    responses = [head.post(url, {"idempotency_key": "approve-all"}) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[1]["Idempotent-Replayed"] == "true"
    assert GiftList.objects.get(pk=gift_list.pk).state == "approved"
    assert AuditEvent.objects.filter(transition="approve", object_id=str(gift_list.pk)).count() == 1


def test_a_form_key_sent_with_other_data_shows_the_page_again_with_422(make_case, users):
    case = make_case(S.SUBMITTED)
    leader = web_as(users.leader)
    url = reverse("case_transition", args=[case.pk, "verify"])
    assert leader.post(url, {**VERIFY, "idempotency_key": "b" * 32}).status_code == 302
    other = leader.post(url, {**VERIFY, "reason": "khác", "idempotency_key": "b" * 32})
    assert other.status_code == 422
    assert "khóa" in other.content.decode().lower()
    assert moves(case, "verify") == 1


# --- faults around the commit --------------------------------------------------------


def is_audit_insert(sql: str) -> bool:
    return bool(re.search(r'INSERT INTO "?workflows_auditevent"? ', sql))


@contextmanager
def failing_after_effect(fails: Callable[[str], bool]) -> Iterator[SimpleNamespace]:
    """From the effect's audit event on, every query for which `fails(sql)`
    holds raises a database error (as a dropped connection does). Yields
    whether the effect was reached (`armed`) and the queries refused."""
    seen = SimpleNamespace(armed=False, refused=[])

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if is_audit_insert(sql):
            seen.armed = True
        elif seen.armed and fails(sql):
            seen.refused.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("surface", ["api", "web"])
def test_a_fault_after_the_commit_cannot_spoil_the_answer(make_case, users, surface):
    """Every query after the effect that runs outside the request's transaction
    (that is, after its commit) fails: there is none, so the answer is the
    normal one; its retry gets the same answer and nothing moves twice."""
    case = make_case(S.SUBMITTED)

    def after_commit(sql: str) -> bool:
        return not connection.in_atomic_block

    # Signed in first: signing in writes an audit event of its own.
    api, web = api_as(users.leader), web_as(users.leader)

    def post() -> Any:
        if surface == "api":
            return send(api, transition_url(case, "verify"), VERIFY, "fault")
        url = reverse("case_transition", args=[case.pk, "verify"])
        return web.post(url, {**VERIFY, "idempotency_key": "fault"})

    with failing_after_effect(after_commit) as seen:
        first = post()
    assert seen.armed and seen.refused == [] and first.status_code in (200, 302)
    again = post()
    assert again.status_code == first.status_code and again["Idempotent-Replayed"] == "true"
    assert moves(case, "verify") == 1


def test_a_fault_while_building_the_answer_undoes_the_effect_and_the_retry_does_it_once(
    make_case, users
):
    case = make_case(S.SUBMITTED)
    leader = api_as(users.leader, "vi")
    url = transition_url(case, "verify")
    with failing_after_effect(lambda sql: '"cases_disbursement"' in sql) as seen:
        failed = send(leader, url, VERIFY, "build-1")
    assert seen.armed and seen.refused
    assert failed.status_code == 500 and failed.json()["code"] == "server_error"
    assert moves(case, "verify") == 0
    assert HousingCase.objects.get(pk=case.pk).state == S.SUBMITTED
    retried = send(leader, url, VERIFY, "build-1")
    assert retried.status_code == 200 and retried.json()["state"] == S.COMMUNE_VERIFIED
    assert moves(case, "verify") == 1


# --- the same request twice at once ----------------------------------------------------


class Held:
    """A request run in its own thread (its own database connection), held
    inside its transaction just after its effect until `release()`."""

    def __init__(self, send_request: Callable[[], Any]) -> None:
        self.inside = threading.Event()
        self.go = threading.Event()
        self.response: Any = None
        self.thread = threading.Thread(target=self._run, args=(send_request,))

    def _hold(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if is_audit_insert(sql) and not self.inside.is_set():
            self.inside.set()
            self.go.wait(30)
        return result

    def _run(self, send_request: Callable[[], Any]) -> None:
        try:
            with connection.execute_wrapper(self._hold):
                self.response = send_request()
        finally:
            connection.close()

    def start(self) -> Held:
        self.thread.start()
        assert self.inside.wait(30), "the first request never reached its effect"
        return self


def in_thread(send_request: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(send_request())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def wait_until_blocked(seconds: float = 20) -> None:
    """Until some other session waits on a lock (the second request's claim)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query ILIKE %s",
                ["%workflows_idempotencykey%"],
            )
            if cur.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second request never waited for the first")


@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_twice_at_once_is_done_once(make_case, users):
    case = make_case(S.SUBMITTED)

    def verify() -> Any:
        return send(api_as(users.leader), transition_url(case, "verify"), VERIFY, "twin")

    first = Held(verify).start()
    thread, second = in_thread(verify)
    wait_until_blocked()
    first.go.set()
    first.thread.join(30)
    thread.join(30)
    assert first.response.status_code == second[0].status_code == 200
    assert second[0].content == first.response.content
    assert second[0]["Idempotent-Replayed"] == "true"
    assert moves(case, "verify") == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_that_cannot_wait_gets_409_in_progress_then_the_first_answer(
    make_case, users, settings
):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.3
    case = make_case(S.SUBMITTED)

    def verify() -> Any:
        return send(api_as(users.leader), transition_url(case, "verify"), VERIFY, "slow")

    first = Held(verify).start()
    thread, second = in_thread(verify)
    thread.join(30)
    first.go.set()
    first.thread.join(30)
    assert second[0].status_code == 409
    assert second[0].json()["code"] == "idempotency_in_progress"
    assert first.response.status_code == 200
    later = verify()
    assert later.status_code == 200 and later.content == first.response.content
    assert moves(case, "verify") == 1
