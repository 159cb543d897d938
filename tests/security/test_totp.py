"""The second factor (TOTP) for the roles that approve or pay money (office
heads, accountants) and for administrators: enrolment with a QR code and
recovery codes, the code asked before any other page (web, Django admin, API
with a session), the `otp` field of the token endpoint, the reset by an
administrator, `manage.py enroll_totp`, and the demo's devices."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cases.accounts.second_factor import requires_second_factor
from tests.conftest import PASSWORD, sign_in, totp_code, totp_device
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def password_login(username: str) -> Client:
    client = Client()
    answer = client.post("/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302 and SESSION_KEY in client.session
    return client


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=name).order_by("seq"))


def code_from_uri(uri: str) -> str:
    import base64

    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_who_needs_a_second_factor(users: SimpleNamespace, rehab_users: SimpleNamespace) -> None:
    needs = {name for name, user in vars(users).items() if requires_second_factor(user)}
    assert needs == {"head", "head2", "accountant", "admin"}
    assert not any(requires_second_factor(u) for u in vars(rehab_users).values())


def test_a_commune_officer_goes_straight_to_work(users: SimpleNamespace) -> None:
    client = password_login("officer_a")
    assert client.get(reverse("inbox")).status_code == 200


def test_an_office_head_without_a_device_is_sent_to_enrolment(users: SimpleNamespace) -> None:
    client = password_login("head")
    answer = client.get(reverse("inbox"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("otp_enrol"))


def test_enrolment_shows_a_qr_code_and_the_secret_then_confirms_with_a_code(
    users: SimpleNamespace,
) -> None:
    client = password_login("accountant")
    page = client.get(reverse("otp_enrol"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Quét mã QR" in html
    device = TOTPDevice.objects.get(user=users.accountant, confirmed=False)
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None
    assert secret.group(1).replace(" ", "") in device.config_url
    assert client.get(reverse("otp_enrol")).content.decode().count(secret.group(1)) == 1  # same

    wrong = client.post(reverse("otp_enrol"), {"code": "000000"})
    assert wrong.status_code == 200 and "không đúng" in wrong.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):  # after the back-off
        done = client.post(reverse("otp_enrol"), {"code": totp_code(device)})
    html = done.content.decode()
    assert done.status_code == 200
    codes = re.findall(r'data-testid="recovery-code">([a-z2-7]+)<', html)
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("inbox")).status_code == 200  # verified in this session
    # Shown once: the enrolment page is gone now that a device is confirmed.
    assert client.get(reverse("otp_enrol")).status_code == 302
    [enrolled] = events("otp_enrol")
    assert enrolled.actor == users.accountant and enrolled.data["username"] == "accountant"


@pytest.mark.parametrize(
    "url", ["/tasks/", "/cases/", "/dashboard/", "/audit/", "/admin/", "/notifications/"]
)
def test_with_a_device_every_page_asks_for_the_code_first(users: SimpleNamespace, url: str) -> None:
    totp_device(users.head)
    totp_device(users.admin)
    for username in ["head", "admin_user"]:
        answer = password_login(username).get(url)
        assert answer.status_code == 302, (username, url)
        assert answer["Location"].startswith(reverse("otp_verify")), (username, url)


def test_the_api_with_a_session_asks_for_the_code_first(users: SimpleNamespace) -> None:
    totp_device(users.accountant)
    answer = password_login("accountant").get("/api/v1/housing/")
    assert answer.status_code == 403
    assert answer.json()["code"] == "second_factor_required"


def test_the_right_code_opens_the_pages_and_is_audited(users: SimpleNamespace) -> None:
    device = totp_device(users.head)
    client = password_login("head")
    page = client.get(reverse("otp_verify"), {"next": "/cases/"})
    assert page.status_code == 200 and "Mã xác thực" in page.content.decode()
    answer = client.post(reverse("otp_verify"), {"code": totp_code(device), "next": "/cases/"})
    assert answer.status_code == 302 and answer["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    [verified] = events("otp_verify")
    assert verified.actor == users.head
    assert verified.data == {"username": "head", "via": "web", "method": "totp"}


def test_a_wrong_code_is_refused_and_audited(users: SimpleNamespace) -> None:
    totp_device(users.head)
    client = password_login("head")
    answer = client.post(reverse("otp_verify"), {"code": "123456"})
    assert answer.status_code == 200 and "không đúng" in answer.content.decode()
    assert client.get("/cases/").status_code == 302
    [failed] = events("otp_verify_failed")
    assert failed.actor == users.head and failed.data == {"username": "head", "via": "web"}


def test_the_next_address_stays_on_this_site(users: SimpleNamespace) -> None:
    device = totp_device(users.head)
    client = password_login("head")
    answer = client.post(
        reverse("otp_verify"), {"code": totp_code(device), "next": "https://evil.example/"}
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("home")


def test_a_recovery_code_works_once(users: SimpleNamespace) -> None:
    client = password_login("accountant")
    client.get(reverse("otp_enrol"))
    device = TOTPDevice.objects.get(user=users.accountant)
    html = client.post(reverse("otp_enrol"), {"code": totp_code(device)}).content.decode()
    recovery = re.findall(r'data-testid="recovery-code">([a-z2-7]+)<', html)[0]

    first = password_login("accountant")
    assert first.post(reverse("otp_verify"), {"code": recovery}).status_code == 302
    assert first.get("/cases/").status_code == 200
    assert events("otp_verify")[-1].data["method"] == "recovery_code"
    again = password_login("accountant")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert again.post(reverse("otp_verify"), {"code": recovery}).status_code == 200
    assert StaticDevice.objects.get(user=users.accountant).token_set.count() == 9


def test_the_administrator_resets_a_second_factor(users: SimpleNamespace) -> None:
    totp_device(users.head)
    admin = sign_in(Client(), users.admin)
    page = admin.get(reverse("security_accounts"), {"q": "head"})
    assert page.status_code == 200 and "Đặt lại xác thực hai lớp" in page.content.decode()
    answer = admin.post(reverse("security_otp_reset", args=[users.head.pk]))
    assert answer.status_code == 302
    assert not TOTPDevice.objects.filter(user=users.head).exists()
    [reset] = events("otp_reset")
    assert reset.actor == users.admin and reset.data == {"username": "head", "devices": 1}
    # Next login: enrolment again.
    after = password_login("head").get("/cases/")
    assert after["Location"].startswith(reverse("otp_enrol"))


def test_only_the_administrator_resets_a_second_factor(users: SimpleNamespace) -> None:
    totp_device(users.head)
    for user in [users.head2, users.accountant, users.officer, users.auditor]:
        answer = sign_in(Client(), user).post(reverse("security_otp_reset", args=[users.head.pk]))
        assert answer.status_code == 403
    assert TOTPDevice.objects.filter(user=users.head).exists()


def test_the_token_endpoint_asks_such_users_for_the_code(users: SimpleNamespace) -> None:
    device = totp_device(users.head)
    api = APIClient()
    body = {"username": "head", "password": PASSWORD}
    missing = api.post(TOKEN_URL, body, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
    assert missing.json()["fields"]["otp"]
    wrong = api.post(TOKEN_URL, {**body, "otp": "000000"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    assert wrong.json()["fields"]["otp"]
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        right = api.post(TOKEN_URL, {**body, "otp": totp_code(device)}, format="json")
    assert right.status_code == 200 and right.json()["token"]
    assert events("otp_verify_failed")[0].data == {"username": "head", "via": "api"}
    # A wrong password never reaches the code (no hint that the password was right).
    bad = api.post(TOKEN_URL, {"username": "head", "password": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_the_token_endpoint_refuses_such_users_without_a_device(users: SimpleNamespace) -> None:
    body = {"username": "accountant", "password": PASSWORD, "otp": "123456"}
    answer = APIClient().post(TOKEN_URL, body, format="json")
    assert answer.status_code == 403 and answer.json()["code"] == "second_factor_not_enrolled"


def test_other_users_need_no_code_for_a_token(users: SimpleNamespace) -> None:
    body = {"username": "specialist", "password": PASSWORD}
    assert APIClient().post(TOKEN_URL, body, format="json").status_code == 200


def test_enroll_totp_prints_an_otpauth_uri_that_works(users: SimpleNamespace) -> None:
    out = io.StringIO()
    call_command("enroll_totp", "head", stdout=out)
    uri = out.getvalue().strip().splitlines()[-1]
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    assert TOTPDevice.objects.get(user=users.head).confirmed
    body = {"username": "head", "password": PASSWORD, "otp": code_from_uri(uri)}
    assert APIClient().post(TOKEN_URL, body, format="json").status_code == 200
    [enrolled] = events("otp_enrol")
    assert enrolled.actor is None and enrolled.data == {"username": "head", "how": "command"}


def test_enroll_totp_replaces_the_old_device(users: SimpleNamespace) -> None:
    old = totp_device(users.head)
    call_command("enroll_totp", "head", stdout=io.StringIO())
    assert list(TOTPDevice.objects.filter(user=users.head)) != [old]
    assert TOTPDevice.objects.filter(user=users.head).count() == 1


def test_enroll_totp_for_an_unknown_user_fails_clearly(db: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("enroll_totp", "nobody", stdout=io.StringIO())


def test_the_demo_users_who_need_it_have_a_device_with_a_known_secret(db: Any) -> None:
    from cases.demo.base import seed_units, seed_users
    from cases.demo.security import seed_second_factors
    from cases.demo.seed import demo_logins_table

    seed_units()
    seed_second_factors(seed_users())
    table = demo_logins_table()
    uris = dict(re.findall(r"(\w+)\s+otpauth: (otpauth://\S+)", table))
    assert set(uris) == {"truongphong", "ketoan", "quantri"}
    body = {"username": "ketoan", "password": "Demo@2024", "otp": code_from_uri(uris["ketoan"])}
    assert APIClient().post(TOKEN_URL, body, format="json").status_code == 200
    seed_second_factors(seed_users())  # seeding again keeps the same secrets
    assert dict(re.findall(r"(\w+)\s+otpauth: (otpauth://\S+)", demo_logins_table())) == uris
