"""Authentication, role-less accounts, and DRF's own errors in our error shape."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.factories import UserFactory

from .conftest import assert_error, case_url

pytestmark = pytest.mark.django_db

ROLE_ENDPOINTS = [
    "/api/v1/communes/",
    "/api/v1/people/",
    "/api/v1/housing/",
    "/api/v1/tasks/",
    "/api/v1/tasks/?scope=queue",
]


def test_token_for_good_credentials_then_token_auth_works(users):
    client = APIClient()
    r = client.post(
        "/api/v1/auth/token/", {"username": "officer_a", "password": PASSWORD}, format="json"
    )
    assert r.status_code == 200
    token = r.json()["token"]
    assert r.json()["expiry"]  # tokens expire (tests/security/test_tokens.py)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.get("/api/v1/communes/")
    assert r.status_code == 200
    assert [c["code"] for c in r.json()["results"]] == ["00448"]


def test_token_again_returns_a_new_token(users):
    client = APIClient()
    body = {"username": "leader_a", "password": PASSWORD}
    first = client.post("/api/v1/auth/token/", body, format="json").json()["token"]
    second = client.post("/api/v1/auth/token/", body, format="json").json()["token"]
    assert first != second


def test_token_with_wrong_password_is_400_in_error_shape(users):
    r = APIClient().post(
        "/api/v1/auth/token/", {"username": "officer_a", "password": "nope"}, format="json"
    )
    assert_error(r, 400, "invalid", "non_field_errors")
    assert "token" not in r.json()


def test_token_without_fields_names_the_missing_fields(users):
    r = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert_error(r, 400, "invalid", "username", "password")


def test_token_for_inactive_user_is_refused(users):
    users.officer.is_active = False
    users.officer.save()
    r = APIClient().post(
        "/api/v1/auth/token/", {"username": "officer_a", "password": PASSWORD}, format="json"
    )
    assert_error(r, 400, "invalid", "non_field_errors")


def test_session_authentication_works_too(users):
    client = APIClient()
    # The lockout (django-axes) checks every authentication against its request.
    assert client.login(request=HttpRequest(), username="officer_a", password=PASSWORD)
    r = client.get("/api/v1/housing/")
    assert r.status_code == 200


@pytest.mark.parametrize("url", ROLE_ENDPOINTS)
def test_anonymous_gets_401_in_error_shape(url, users):
    assert_error(APIClient().get(url), 401, "not_authenticated")


def test_bad_token_gets_401_authentication_failed(users):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get("/api/v1/housing/"), 401, "authentication_failed")


@pytest.mark.parametrize("url", ROLE_ENDPOINTS)
def test_user_without_role_gets_403_everywhere(url, api, users):
    nobody = UserFactory(username="nobody")
    assert_error(api(nobody).get(url), 403, "not_permitted")


def test_user_without_role_gets_403_not_404_on_a_case(api, users, make_case):
    case = make_case()
    nobody = UserFactory(username="nobody")
    assert_error(api(nobody).get(case_url(case)), 403, "not_permitted")
    r = api(nobody).post(case_url(case, "transitions/submit/"), {}, format="json")
    assert_error(r, 403, "not_permitted")


def test_admin_role_alone_gives_no_api_access(api, users):
    # Administrators configure the system; they act on no case.
    assert_error(api(users.admin).get("/api/v1/housing/"), 403, "not_permitted")


def test_user_without_role_can_still_get_a_token(users):
    UserFactory(username="nobody")
    r = APIClient().post(
        "/api/v1/auth/token/", {"username": "nobody", "password": PASSWORD}, format="json"
    )
    assert r.status_code == 200


def test_wrong_method_is_405_in_error_shape(api, users, make_case):
    case = make_case()
    assert_error(api(users.officer).delete(case_url(case)), 405, "method_not_allowed")


def test_malformed_json_is_400_parse_error(api, users, make_case):
    case = make_case()
    r = api(users.officer).post(
        case_url(case, "transitions/submit/"), data="{not json", content_type="application/json"
    )
    assert_error(r, 400, "parse_error")


def test_unsupported_media_type_is_415_in_error_shape(api, users, make_case):
    case = make_case()
    r = api(users.officer).post(
        case_url(case, "transitions/submit/"), data="x=1", content_type="text/plain"
    )
    assert_error(r, 415, "unsupported_media_type")


def test_a_json_list_body_is_400(api, users, make_case):
    case = make_case()
    r = api(users.officer).post(case_url(case, "transitions/submit/"), [1, 2], format="json")
    assert_error(r, 400, "invalid")


def test_unknown_api_url_is_404_in_error_shape(api, users):
    assert_error(api(users.officer).get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(api(users.officer).get("/api/v1/cases/abc/"), 404, "not_found")


def test_schema_endpoint_and_docs_page_answer_200(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/v1/cases/{id}/transitions/{name}/" in r.content
    assert client.get("/api/docs/").status_code == 200


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/communes/",
        "/api/v1/people/",
        "/api/v1/people/{id}/",
        "/api/v1/housing/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/documents/",
        "/api/v1/cases/{id}/transitions/{name}/",
        "/api/v1/cases/{id}/audit/",
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/claim/",
    ]:
        assert f"{path}:" in text, path
