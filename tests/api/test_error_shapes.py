"""Every error under /api/ is JSON {code, message, fields} in the request's
language (finding 5: 500s were HTML pages, a POST to an unknown API path
answered Django's English "CSRF verification failed" page, an out-of-range
page said "Invalid page." in English); pages elsewhere stay Vietnamese HTML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from tests.conftest import sign_in
from workflows.api_errors import csrf_failure

pytestmark = pytest.mark.django_db

# (language, message) pairs the API must answer with, from the catalogue.
NOT_FOUND = {"vi": "Không tìm thấy.", "en": "Not found."}
NO_PAGE = {"vi": "Trang kết quả này không tồn tại.", "en": "This page of results does not exist."}
SERVER = {
    "vi": "Máy chủ gặp lỗi. Vui lòng thử lại; nếu lỗi vẫn lặp lại, hãy báo cho quản trị viên.",
    "en": "Something went wrong on the server. Please try again; if it keeps happening, "
    "tell the administrator.",
}
PARSE = {
    "vi": "Không đọc được nội dung yêu cầu: không phải JSON hoặc dữ liệu biểu mẫu hợp lệ.",
    "en": "The request body could not be read: it is not valid JSON or form data.",
}
CSRF = {
    "vi": "Mã bảo mật (CSRF) của yêu cầu bị thiếu hoặc không đúng. Hãy tải lại trang và thử lại.",
    "en": "The security token (CSRF) of this request is missing or wrong. Reload the page and "
    "try again.",
}
LANGUAGES = ["vi", "en"]


def api_as(user: Any, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) >= {"code", "message", "fields"} and body["code"] == code, body
    return body


@contextmanager
def database_fails_on(table: str) -> Iterator[None]:
    """Every query touching `table` fails as if the server had gone away."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if f'"{table}"' in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_api_path_is_a_json_404_for_any_method(users, language, method):
    # An API client sends no CSRF token: before, a POST got Django's HTML CSRF page.
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    body = error(getattr(client, method)("/api/v1/no-such-endpoint/"), 404, "not_found")
    assert body["message"] == NOT_FOUND[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_path_under_api_outside_v1_is_a_json_404(users, language):
    body = error(api_as(None, language).get("/api/no-such-thing/"), 404, "not_found")
    assert body["message"] == NOT_FOUND[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_case_of_another_commune_is_a_json_404(make_case, users, language):
    case = make_case("draft")
    r = api_as(users.officer_b, language).get(f"/api/v1/cases/{case.pk}/")
    assert error(r, 404, "not_found")["message"] == NOT_FOUND[language]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["999", "0", "abc"])
def test_a_page_out_of_range_is_a_json_404_in_the_language(users, language, page):
    r = api_as(users.officer, language).get("/api/v1/communes/", {"page": page})
    assert error(r, 404, "not_found")["message"] == NO_PAGE[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_method_not_allowed_is_a_json_405_in_the_language(users, language):
    body = error(api_as(users.officer, language).put("/api/v1/housing/"), 405, "method_not_allowed")
    expected = {"vi": "Phương thức “PUT” không được chấp nhận.", "en": 'Method "PUT" not allowed.'}
    assert body["message"] == expected[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_server_error_under_the_api_is_json_500(users, language):
    with database_fails_on("cases_administrativeunit"):
        r = api_as(users.officer, language).get("/api/v1/communes/")
    assert error(r, 500, "server_error")["message"] == SERVER[language]


def test_a_server_error_on_a_page_is_a_vietnamese_html_500(users):
    client = Client(raise_request_exception=False)
    sign_in(client, users.officer)
    with database_fails_on("cases_case"):
        r = client.get("/cases/")
    assert r.status_code == 500 and r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert 'lang="vi"' in html and SERVER["vi"] in html and "Traceback" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_malformed_json_is_a_400_parse_error_in_the_language(users, language):
    r = api_as(users.officer, language).post(
        "/api/v1/housing/", data="{not json", content_type="application/json"
    )
    assert error(r, 400, "parse_error")["message"] == PARSE[language]


def test_an_unsupported_media_type_is_a_json_415(make_case, users):
    case = make_case("submitted")
    r = api_as(users.leader, "vi").post(
        f"/api/v1/cases/{case.pk}/transitions/verify/", data="x", content_type="text/plain"
    )
    body = error(r, 415, "unsupported_media_type")
    assert "text/plain" in body["message"] and "Unsupported" not in body["message"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_field_error_is_in_the_language(users, language):
    r = api_as(users.officer, language).get("/api/v1/housing/", {"state": "bogus"})
    body = error(r, 400, "invalid")
    expected = {
        "vi": "“bogus” không phải là một lựa chọn hợp lệ.",
        "en": '"bogus" is not a valid choice.',
    }
    assert body["fields"]["state"] == [expected[language]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_session_call_without_csrf_token_is_a_json_403_csrf_failed(users, language):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    sign_in(client, users.officer)
    body = error(client.post("/api/v1/housing/", {}), 403, "csrf_failed")
    assert body["message"] == CSRF[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_csrf_failure_view_answers_json_under_api(language):
    from django.utils import translation

    request = RequestFactory().post("/api/v1/anything/")
    with translation.override(language):
        body = error(csrf_failure(request, "CSRF cookie not set."), 403, "csrf_failed")
    assert body["message"] == CSRF[language]


def test_a_page_post_without_csrf_token_gets_the_vietnamese_csrf_page(make_case, users):
    case = make_case("submitted")
    client = Client(enforce_csrf_checks=True)
    sign_in(client, users.leader)
    r = client.post(f"/cases/{case.pk}/transitions/verify/", {"expected_state": "submitted"})
    assert r.status_code == 403 and r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert 'lang="vi"' in html and CSRF["vi"] in html and "CSRF verification failed" not in html


def test_an_unknown_page_is_the_vietnamese_404_page(users):
    client = Client()
    sign_in(client, users.officer)
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and r["Content-Type"].startswith("text/html")
    assert "Không tìm thấy" in r.content.decode()
