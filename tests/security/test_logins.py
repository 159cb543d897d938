"""Login protection (finding 3): repeated wrong passwords on the web login, the
Django admin login and the API token endpoint lock the account (from any
address) and the address (for any account) for a cool-off; the right password
is refused meanwhile. Logins, failures, lockouts and their lifting are in the
audit trail; the administrator sees current lockouts and lifts one."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.accounts.models import LoginLockout
from tests.conftest import PASSWORD, sign_in
from workflows import audit
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.20"


@pytest.fixture(autouse=True)
def generous_token_rate(settings: Any) -> None:
    """These tests watch the lockout, not the token endpoint's rate limit."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "1000/minute"},
    }


def web_login(
    username: str, password: str, ip: str = ATTACKER, path: str = "/login/"
) -> SimpleNamespace:
    """The answer to a login form, and whether its client ended up signed in."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post(path, {"username": username, "password": password})
    return SimpleNamespace(
        status_code=response.status_code,
        content=response.content,
        client_signed_in=SESSION_KEY in client.session,
    )


def api_login(username: str, password: str, ip: str = ATTACKER) -> Any:
    return APIClient(REMOTE_ADDR=ip).post(
        TOKEN_URL, {"username": username, "password": password}, format="json"
    )


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=name).order_by("chain", "seq"))


def test_thirty_wrong_passwords_on_the_web_login_lock_the_account(users: SimpleNamespace) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    answers = [web_login("officer_a", f"guess-{i}").status_code for i in range(30)]
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert answers[limit - 1 :] == [429] * (30 - limit + 1)
    right = web_login("officer_a", PASSWORD)
    assert right.status_code == 429 and not right.client_signed_in


def test_the_web_lockout_page_is_vietnamese(users: SimpleNamespace) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        page = web_login("officer_a", f"guess-{i}")
    html = page.content.decode()
    assert page.status_code == 429
    assert 'lang="vi"' in html and "tạm khóa" in html
    assert "Account locked" not in html and "too many login attempts" not in html


def test_thirty_wrong_passwords_on_the_token_endpoint_lock_the_account(
    users: SimpleNamespace,
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    answers = [api_login("officer_a", f"guess-{i}") for i in range(30)]
    assert [a.status_code for a in answers[: limit - 1]] == [400] * (limit - 1)
    assert {a.status_code for a in answers[limit - 1 :]} == {429}
    body = answers[-1].json()
    assert body["code"] == "login_locked" and body["message"] and body["fields"] == {}
    right = api_login("officer_a", PASSWORD)
    assert right.status_code == 429 and "token" not in right.json()
    assert right.json()["code"] == "login_locked"


def test_the_django_admin_login_is_protected_too(users: SimpleNamespace) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login("admin_user", f"guess-{i}", path="/admin/login/")
    right = web_login("admin_user", PASSWORD, path="/admin/login/")
    assert right.status_code == 429 and not right.client_signed_in


def test_an_account_locked_from_one_address_is_locked_from_every_address(
    users: SimpleNamespace,
) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login("officer_a", f"guess-{i}", ip=ATTACKER)
    assert web_login("officer_a", PASSWORD, ip=OFFICE).status_code == 429
    assert api_login("officer_a", PASSWORD, ip=OFFICE).status_code == 429
    # Other accounts are not affected, from the attacker's address either.
    assert web_login("leader_a", PASSWORD, ip=ATTACKER).client_signed_in


def test_many_failures_from_one_address_lock_that_address(users: SimpleNamespace) -> None:
    # Spread over many accounts, so that no account reaches its own limit.
    per_account = settings.AXES_FAILURE_LIMIT - 1
    names = [f"nobody{i}" for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT // per_account + 1)]
    for name in names:
        for i in range(per_account):
            web_login(name, f"guess-{i}", ip=ATTACKER)
    assert web_login("leader_a", PASSWORD, ip=ATTACKER).status_code == 429
    assert web_login("leader_a", PASSWORD, ip=OFFICE).client_signed_in
    assert LoginLockout.objects.filter(kind="address", value=ATTACKER).exists()


def test_an_office_sharing_one_address_survives_a_few_typos(users: SimpleNamespace) -> None:
    """Below the address limit, typos of several colleagues lock nobody."""
    for name in ["officer_a", "leader_a", "officer_b"]:
        for i in range(settings.AXES_FAILURE_LIMIT - 1):
            web_login(name, f"typo-{i}", ip=OFFICE)
    assert web_login("officer_a", PASSWORD, ip=OFFICE).client_signed_in


def test_the_lockout_ends_by_itself_after_the_cool_off(users: SimpleNamespace) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(settings.AXES_FAILURE_LIMIT):
            web_login("officer_a", f"guess-{i}")
        assert web_login("officer_a", PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=5)):
        assert web_login("officer_a", PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=5)):
        assert web_login("officer_a", PASSWORD).client_signed_in
    [unlock] = events("login_unlock")
    assert unlock.actor is None and unlock.data == {
        "username": "officer_a",
        "how": "cool_off",
    }


def test_logins_failures_and_lockouts_are_in_the_audit_trail(users: SimpleNamespace) -> None:
    web_login("officer_a", "typo", ip=OFFICE)
    assert web_login("officer_a", PASSWORD, ip=OFFICE).client_signed_in
    for i in range(settings.AXES_FAILURE_LIMIT):
        api_login("leader_a", f"guess-{i}")
    api_login("leader_a", PASSWORD)  # refused: locked

    [login] = events("login")
    assert login.actor == users.officer and login.ip == OFFICE
    assert login.data == {"username": "officer_a", "via": "web"}
    failures = events("login_failed")
    assert [(e.data["username"], e.data["via"], e.data["refused"]) for e in failures] == [
        ("officer_a", "web", False),
        *[("leader_a", "api", False)] * settings.AXES_FAILURE_LIMIT,
        ("leader_a", "api", True),  # the right password, refused by the lockout
    ]
    assert all(e.actor is None for e in failures)
    [lockout] = events("login_lockout")
    assert lockout.data["username"] == "leader_a" and lockout.ip == ATTACKER
    assert lockout.seq > failures[-2].seq  # after the failure that caused it
    assert audit.verify().ok


def test_audit_events_of_logins_read_in_vietnamese(users: SimpleNamespace) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login("officer_a", f"guess-{i}")
    page = sign_in(Client(), users.auditor).get(reverse("audit_explorer"))
    html = page.content.decode()
    assert "Đăng nhập không thành công" in html and "Tạm khóa đăng nhập" in html
    assert ">login_failed<" not in html and ">login_lockout<" not in html  # no raw code shown


def test_the_administrator_sees_current_lockouts_and_lifts_one(users: SimpleNamespace) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login("officer_a", f"guess-{i}")
    admin = sign_in(Client(), users.admin)
    page = admin.get(reverse("security_lockouts"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "officer_a" in html and "Gỡ khóa" in html and "Unlock" not in html
    lockout = LoginLockout.objects.get(kind="account", value="officer_a", lifted_at=None)

    answer = admin.post(reverse("security_lockout_lift"), {"lockout": lockout.pk})
    assert answer.status_code == 302
    assert web_login("officer_a", PASSWORD).client_signed_in
    lockout.refresh_from_db()
    assert lockout.lifted_at is not None and lockout.lifted_by == users.admin
    [unlock] = events("login_unlock")
    assert unlock.actor == users.admin
    assert unlock.data == {"username": "officer_a", "how": "administrator"}
    after = admin.get(reverse("security_lockouts")).content.decode()
    assert 'data-testid="no-lockouts"' in after  # listed among the ended ones now


def test_only_the_administrator_may_see_or_lift_lockouts(users: SimpleNamespace) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login("officer_a", f"guess-{i}")
    lockout = LoginLockout.objects.get(kind="account", value="officer_a")
    for user in [users.officer, users.head, users.auditor, users.specialist]:
        client = sign_in(Client(), user)
        assert client.get(reverse("security_lockouts")).status_code == 403
        lift = client.post(reverse("security_lockout_lift"), {"lockout": lockout.pk})
        assert lift.status_code == 403
    assert web_login("officer_a", PASSWORD).status_code == 429
    assert Client().get(reverse("security_lockouts")).status_code == 302  # to the login page


def test_lifting_needs_a_post_with_the_csrf_token(users: SimpleNamespace) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login("officer_a", f"guess-{i}")
    lockout = LoginLockout.objects.get(kind="account", value="officer_a")
    admin = sign_in(Client(enforce_csrf_checks=True), users.admin)
    assert admin.post(reverse("security_lockout_lift"), {"lockout": lockout.pk}).status_code == 403
    assert admin.get(reverse("security_lockout_lift")).status_code == 405
    assert web_login("officer_a", PASSWORD).status_code == 429


def test_the_administrators_menu_links_the_security_pages(users: SimpleNamespace) -> None:
    html = sign_in(Client(), users.admin).get(reverse("security_lockouts")).content.decode()
    assert f'href="{reverse("security_lockouts")}"' in html
    assert f'href="{reverse("security_accounts")}"' in html
    officer_page = sign_in(Client(), users.officer).get(reverse("inbox")).content.decode()
    assert reverse("security_lockouts") not in officer_page


def test_the_token_endpoint_is_rate_limited(users: SimpleNamespace, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "3/minute"},
    }
    answers = [api_login("officer_a", PASSWORD, ip=OFFICE) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "throttled"
    # Counted per address: another office is not slowed down.
    assert api_login("leader_a", PASSWORD, ip=ATTACKER).status_code == 200
