"""The live API against its own OpenAPI schema (finding 8), fuzzed with
schemathesis as a commune officer, a district specialist and an auditor
(session sign-in, CSRF token for the POSTs): every answer must be no server
error and must conform to the response the schema documents for its status.

Bounded: a few generated examples per operation, role and kind of path (the
ids of real records, then generated ids), deterministic, no shrinking; the
POSTs write into the throwaway test database like any client would."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import schemathesis
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from viewflow.workflow.models import Task

from tests.conftest import sign_in
from tests.gifts.ui_helpers import advance, built_list, make_campaign, make_poor_people

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("officer", "specialist", "auditor")
# Examples per operation and role: with the ids of real records, then with generated ids.
EXAMPLES = {("get", True): 3, ("post", True): 2, ("get", False): 2, ("post", False): 1}
CHECKS = [not_a_server_error, response_schema_conformance]


def session_for(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a browser signed in as `user` (the session is
    in the database the live server reads), with a CSRF token for POSTs."""
    client = sign_in(Client(), user)
    csrf = secrets.token_hex(16)  # an unmasked 32-character secret, as Django accepts
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
    return cookies, {"X-CSRFToken": csrf, "Accept-Language": "vi"}


def real_ids(world: SimpleNamespace) -> Callable[[str], dict[str, Any] | None]:
    """Path parameters naming records that exist, by path; None when none fits."""
    by_prefix = [
        ("/api/v1/cases/{id}/transitions/", {"id": world.submitted.pk, "name": "verify"}),
        ("/api/v1/cases/", {"id": world.draft.pk}),
        ("/api/v1/people/", {"id": world.draft.applicant_id}),
        ("/api/v1/campaigns/", {"id": world.gift_list.campaign_id}),
        ("/api/v1/gift-lists/{id}/transitions/", {"id": world.gift_list.pk, "name": "close"}),
        ("/api/v1/gift-lists/", {"id": world.gift_list.pk}),
        ("/api/v1/tasks/", {"id": world.task.pk}),
    ]

    def ids(path: str) -> dict[str, Any] | None:
        for prefix, values in by_prefix:
            if path.startswith(prefix):
                return {k: v for k, v in values.items() if "{" + k + "}" in path}
        return None

    return ids


@pytest.fixture
def world(make_case: Any, users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    draft = make_case("draft")
    submitted = make_case("submitted")
    data = make_campaign("fuzz")
    make_poor_people(communes.a, 3)
    gift_list = advance(built_list(users, data.campaign, communes.a), users, "approved")
    task = Task.objects.filter(process_id=submitted.flow_process_id).order_by("-id").first()
    return SimpleNamespace(draft=draft, submitted=submitted, gift_list=gift_list, task=task)


class Fuzz:
    """Calls the live server with generated cases and notes every failure
    (all of them, not only the first) with a curl line to replay it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.calls = 0
        self.failures: list[str] = []

    def run(self, label: str, strategy: Any, examples: int) -> None:
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def call(case: Any) -> None:
            response = case.call(base_url=self.base_url, session=self.http, timeout=30)
            self.calls += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:
                self.failures.append(
                    f"{label} -> {response.status_code}: {str(exc).splitlines()[0][:300]}"
                    f"\n    {case.as_curl_command()}"
                )

        call()


def test_the_live_api_answers_as_its_schema_says(live_server, world, users):
    raw = SchemaGenerator().get_schema(request=None, public=True)
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_dict(raw, config=config)
    ids = real_ids(world)
    fuzz = Fuzz(live_server.url)
    try:
        for role in ROLES:
            cookies, headers = session_for(getattr(users, role))
            for result in schema.get_all_operations():
                operation = result.ok()
                fixed = ids(operation.path)
                for path_parameters in ([fixed] if fixed else []) + [None]:
                    strategy = operation.as_strategy(
                        path_parameters=path_parameters, headers=headers, cookies=cookies
                    )
                    kind = (operation.method.lower(), path_parameters is not None)
                    fuzz.run(f"{role} {operation.label}", strategy, EXAMPLES.get(kind, 1))
    finally:
        # Ends the kept-alive connection, and with it the server thread's database session.
        fuzz.http.close()
    assert fuzz.calls > 200
    assert not fuzz.failures, f"{len(fuzz.failures)} of {fuzz.calls} calls:\n" + "\n".join(
        fuzz.failures
    )
