"""API tokens (finding 3): a new token per request, expiring, stored hashed,
revocable by its holder (logout, logout-all) and by the administrator, revoked
by a web logout and by a password change; issuance and revocation audited."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_token, sign_in
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def ttl() -> dt.timedelta:
    value = settings.REST_KNOX["TOKEN_TTL"]
    assert isinstance(value, dt.timedelta)
    return value


def obtain(username: str = "officer_a") -> dict[str, Any]:
    answer = APIClient().post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    body: dict[str, Any] = answer.json()
    return body


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = with_token(token).get("/api/v1/communes/").status_code
    assert status in (200, 401)
    return status == 200


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=name).order_by("seq"))


def test_each_request_gets_a_new_token_with_its_expiry(users: SimpleNamespace) -> None:
    first, second = obtain(), obtain()
    assert first["token"] != second["token"]
    assert works(first["token"]) and works(second["token"])
    expiry = dt.datetime.fromisoformat(first["expiry"])
    expected = timezone.now() + ttl()
    assert abs((expiry - expected).total_seconds()) < 60


def test_tokens_are_stored_hashed(users: SimpleNamespace) -> None:
    token = obtain()["token"]
    [row] = AuthToken.objects.filter(user=users.officer).values()
    assert token not in {str(v) for v in row.values()}
    assert len(row["digest"]) == 128  # SHA-512 of the token


def test_a_token_expires(users: SimpleNamespace) -> None:
    token = obtain()["token"]
    with time_machine.travel(timezone.now() + ttl() - dt.timedelta(minutes=1)):
        assert works(token)
    with time_machine.travel(timezone.now() + ttl() + dt.timedelta(minutes=1)):
        answer = with_token(token).get("/api/v1/communes/")
        assert answer.status_code == 401 and answer.json()["code"] == "authentication_failed"


def test_logout_revokes_the_token_it_was_sent_with(users: SimpleNamespace) -> None:
    kept, dropped = obtain()["token"], obtain()["token"]
    answer = with_token(dropped).post("/api/v1/auth/logout/")
    assert answer.status_code == 204
    assert not works(dropped) and works(kept)
    [revoked] = events("token_revoke")
    assert revoked.actor == users.officer
    assert revoked.data == {"username": "officer_a", "how": "logout", "tokens": 1}


def test_logout_all_revokes_every_token_of_the_caller(users: SimpleNamespace) -> None:
    mine = [obtain()["token"] for _ in range(3)]
    theirs = obtain("leader_a")["token"]
    assert with_token(mine[0]).post("/api/v1/auth/logout-all/").status_code == 204
    assert not any(works(t) for t in mine) and works(theirs)
    assert events("token_revoke")[-1].data == {
        "username": "officer_a",
        "how": "logout_all",
        "tokens": 3,
    }


def test_logout_needs_a_token(users: SimpleNamespace) -> None:
    answer = APIClient().post("/api/v1/auth/logout/")
    assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated"
    session = sign_in(APIClient(), users.officer)
    assert session.post("/api/v1/auth/logout-all/").status_code == 401


def test_a_web_logout_revokes_the_users_tokens(users: SimpleNamespace) -> None:
    token = obtain()["token"]
    other = obtain("leader_a")["token"]
    web = Client()
    web.post("/login/", {"username": "officer_a", "password": PASSWORD})
    assert web.post(reverse("logout")).status_code == 302
    assert not works(token) and works(other)
    [logout] = events("logout")
    assert logout.actor == users.officer and logout.data["tokens"] == 1


def test_a_password_change_on_the_web_revokes_the_users_tokens(users: SimpleNamespace) -> None:
    token = obtain()["token"]
    web = sign_in(Client(), users.officer)
    page = web.get(reverse("password_change"))
    assert page.status_code == 200 and "Đổi mật khẩu" in page.content.decode()
    answer = web.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mới-Hơn-2025!",
            "new_password2": "Mới-Hơn-2025!",
        },
    )
    assert answer.status_code == 302
    assert not works(token)
    assert web.get(reverse("inbox")).status_code == 200  # this session goes on
    [changed] = events("password_change")
    assert changed.actor == users.officer
    assert changed.data == {"username": "officer_a", "tokens": 1}


def test_any_password_change_revokes_the_users_tokens(users: SimpleNamespace) -> None:
    """However it is changed: the admin site, `changepassword`, `grant_role --password`."""
    token = obtain()["token"]
    users.officer.set_password("Khác-Hẳn-2025!")
    users.officer.save()
    assert not works(token)
    token = obtain("leader_a")["token"]
    call_command("grant_role", "leader_a", "commune_leader", "--commune", "00448",
                 "--password", "Lại-Khác-2025!")  # fmt: skip
    assert not works(token)


def test_saving_a_user_without_a_new_password_keeps_the_tokens(users: SimpleNamespace) -> None:
    token = obtain()["token"]
    users.officer.first_name = "Hoa"
    users.officer.save()
    assert works(token)


def test_the_administrator_revokes_anyones_tokens(users: SimpleNamespace) -> None:
    tokens = [obtain()["token"], obtain()["token"]]
    admin = sign_in(Client(), users.admin)
    page = admin.get(reverse("security_accounts"), {"q": "officer_a"})
    html = page.content.decode()
    assert page.status_code == 200 and "Thu hồi mã truy cập API" in html
    answer = admin.post(reverse("security_tokens_revoke", args=[users.officer.pk]))
    assert answer.status_code == 302
    assert not any(works(t) for t in tokens)
    [revoked] = events("token_revoke")
    assert revoked.actor == users.admin
    assert revoked.data == {"username": "officer_a", "how": "administrator", "tokens": 2}


def test_only_the_administrator_revokes_others_tokens(users: SimpleNamespace) -> None:
    token = obtain()["token"]
    for user in [users.head, users.leader, users.auditor]:
        client = sign_in(Client(), user)
        url = reverse("security_tokens_revoke", args=[users.officer.pk])
        assert client.post(url).status_code == 403
        assert client.get(reverse("security_accounts")).status_code == 403
    assert works(token)


def test_issuing_a_token_is_audited(users: SimpleNamespace) -> None:
    obtain()
    [issued] = events("token_issue")
    [login] = events("login")
    assert issued.actor == users.officer == login.actor
    assert issued.data["username"] == "officer_a" and issued.data["expiry"]
    assert login.data == {"username": "officer_a", "via": "api"}


def test_issuing_a_token_clears_the_users_expired_ones(users: SimpleNamespace) -> None:
    old = obtain()["token"]
    later = timezone.now() + ttl() + dt.timedelta(hours=1)
    with time_machine.travel(later):
        obtain()
    assert AuthToken.objects.filter(user=users.officer).count() == 1
    assert not works(old)


def test_a_token_request_reads_one_row_for_authentication(users: SimpleNamespace) -> None:
    token = api_token(users.officer)
    api_token(users.officer)  # a second token of the same user is not read
    client = with_token(token)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/communes/").status_code == 200
    token_reads = [q for q in ctx.captured_queries if "knox_authtoken" in q["sql"]]
    assert len(token_reads) == 1


def test_the_schema_documents_tokens(tmp_path: Any) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ["/api/v1/auth/token/:", "/api/v1/auth/logout/:", "/api/v1/auth/logout-all/:"]:
        assert path in text
    assert "otp:" in text and "expiry:" in text and "'429':" in text
    assert "knoxApiToken" in text
