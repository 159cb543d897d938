"""The OpenAPI schema matches what the API does (finding 8): it documents
the 404s and the other errors in the error shape, the API refuses the empty
`format=`/`scope=`/`state=` the schema forbids, every format a `format`
parameter offers is documented with its media type, and parameters carry
their bounds. (tests/api/test_schemathesis.py fuzzes the live API against it.)"""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"
MEDIA = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def is_error(response: dict[str, Any]) -> bool:
    return response["content"]["application/json"]["schema"].get("$ref") == ERROR_REF


def test_every_operation_on_a_record_documents_404_in_the_error_shape(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, op in operations(schema)
        if "{" in path and not ("404" in op["responses"] and is_error(op["responses"]["404"]))
    ]
    assert not missing, missing


def test_paginated_lists_document_404_and_pages_from_1(schema):
    paged = [
        (path, op)
        for path, method, op in operations(schema)
        if any(p["name"] == "page" for p in op.get("parameters", []))
    ]
    assert len(paged) >= 8
    for path, op in paged:
        page = next(p for p in op["parameters"] if p["name"] == "page")
        assert page["schema"]["minimum"] == 1, path
        assert "404" in op["responses"], path


def test_signed_in_operations_document_401_and_403(schema):
    for path, method, op in operations(schema):
        if op.get("security"):
            assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"


def test_operations_taking_an_idempotency_key_document_409_and_422(schema):
    keyed = [
        (path, op)
        for path, method, op in operations(schema)
        if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    ]
    paths = {path for path, _op in keyed}
    assert {
        "/api/v1/cases/{id}/transitions/{name}/",
        "/api/v1/cases/{id}/documents/",
        "/api/v1/gift-lists/{id}/transitions/{name}/",
        "/api/v1/gift-lists/{id}/deliveries/",
        "/api/v1/rehab/cases/{id}/transitions/{name}/",
    } <= paths
    for path, op in keyed:
        assert is_error(op["responses"]["409"]) and is_error(op["responses"]["422"]), path
        header = next(p for p in op["parameters"] if p["name"] == "Idempotency-Key")
        assert header["in"] == "header" and header["schema"]["pattern"] == "^[!-~]{1,255}$"


def test_every_format_a_parameter_offers_is_documented_with_its_media_type(schema):
    checked = 0
    for path, _method, op in operations(schema):
        fmt = next((p for p in op.get("parameters", []) if p["name"] == "format"), None)
        if fmt is None:
            continue
        documented = {
            media
            for status in ("200", "202")
            for media in op["responses"].get(status, {}).get("content", {})
        }
        for value in fmt["schema"]["enum"]:
            assert MEDIA[value] in documented, f"{path}: {value} is not documented"
            checked += 1
        assert fmt["schema"]["minLength"] == 1
    assert checked >= 9  # audit export, signature list, rehab export, six-month report


EMPTY = [
    ("officer", "/api/v1/tasks/", "scope"),
    ("officer", "/api/v1/housing/", "state"),
    ("officer", "/api/v1/housing/", "program"),
    ("officer", "/api/v1/gift-lists/", "state"),
    ("officer", "/api/v1/gift-lists/", "campaign"),
    ("officer", "/api/v1/people/", "national_id"),
    ("officer", "/api/v1/one-stop/kpi/", "process"),
    ("auditor", "/api/v1/audit/events/", "process"),
    ("auditor", "/api/v1/audit/events/export/", "format"),
    ("specialist", "/api/v1/reports/six-month/", "format"),
    ("district_rehab", "/api/v1/rehab/cases/", "state"),
    ("district_rehab", "/api/v1/rehab/export/", "format"),
]


@pytest.mark.parametrize(("who", "url", "name"), EMPTY)
def test_an_empty_value_the_schema_forbids_is_refused_with_400(users, rehab_users, who, url, name):
    user = getattr(users, who, None) or getattr(rehab_users, who)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_authenticate(user)
    r = client.get(url, {name: ""})
    assert r.status_code == 400, r.content[:200]
    body = r.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {name: ["Trường này không được bỏ trống."]}


def test_an_empty_format_of_a_signature_list_is_refused_with_400(users):
    client = APIClient()
    client.force_authenticate(users.officer)
    r = client.get("/api/v1/gift-lists/1/signature-list/", {"format": ""})
    assert r.status_code == 400 and r.json()["fields"].keys() == {"format"}


def test_a_blank_grouping_still_means_totals_only(users):
    client = APIClient()
    client.force_authenticate(users.officer)
    r = client.get("/api/v1/one-stop/kpi/", {"by": ""})
    assert r.status_code == 200 and r.json()["by"] == []
