"""Fixtures of the Vietnamese-UI tests: the authorization matrix's world,
lived in through the pages, so that the audit trail, the timelines and the
histories hold every kind of event."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from cases.housing.models import HousingKind, HousingProgram
from cases.housing.services import housing_case_update_draft
from tests.authz.test_authorization_matrix import RULES, client_for
from tests.authz.test_authorization_matrix import world as world  # the fixture


def _act(w: SimpleNamespace, people: SimpleNamespace, name: str, who: str, index: int = 0) -> None:
    """Fire the matrix's request `name` (its `index`th rule) as `who`, for real."""
    rule = RULES[name][index]
    client = client_for(who, people, api_call=False)
    url = reverse(name, kwargs=rule.kwargs(w))
    if rule.method == "GET":
        response = client.get(url + rule.query)
    else:
        response = client.post(url, data=rule.data(w) or {})
    assert response.status_code < 500, f"{name} as {who}: {response.status_code}"


@pytest.fixture
def lived_in(
    world: SimpleNamespace,
    users: SimpleNamespace,
    rehab_users: SimpleNamespace,
    settings: Any,
    tmp_path: Any,
) -> SimpleNamespace:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    people = SimpleNamespace(**vars(users), **vars(rehab_users))
    housing_case_update_draft(
        actor=users.officer,
        case=world.draft,
        program=HousingProgram.POOR,
        kind=HousingKind.REPAIR,
        requested_amount=30_000_000,
    )
    for name, who in [
        ("case_transition", "leader"),
        ("case_document_upload", "officer"),
        ("case_apology", "officer"),
        ("gift_list_import", "officer"),
        ("gift_list_transition", "leader"),
        ("gift_list_deliver", "officer"),
        ("gift_list_signature_xlsx", "officer"),
        ("campaign_reconciliation_docx", "specialist"),
        ("report_six_month_docx", "head"),
        ("audit_export", "auditor"),
        ("rehab_open", "police"),
        ("rehab_document_upload", "police"),
        ("rehab_export", "district_rehab"),
        ("security_lockout_lift", "admin"),
    ]:
        _act(world, people, name, who, index=1 if name in ("gift_list_import",) else 0)
    _act(world, people, "gift_list_return", "officer")
    return people
