"""The audit export reads events as plain values and each spec's labels once,
for speed (cases/audit_export.py). Its rows must be exactly what the explorer's
presenter and `export_cells` make of the same events, model instances and all:
labels, redactions, details, times."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from cases.audit_export import _rows
from tests.audit.conftest import trail  # noqa: F401  (the fixture)
from workflows import audit
from workflows.audit_explorer import EXPORT_CAP, AuditFilters, export_events
from workflows.audit_presenter import EventPresenter, export_cells

pytestmark = pytest.mark.django_db


def reference_rows(user: Any) -> list[list[Any]]:
    presenter = EventPresenter(user)
    rows = []
    for ev in export_events(user, AuditFilters(), EXPORT_CAP):
        cells = export_cells(presenter.row(ev))
        cells[1] = cells[1].replace(tzinfo=None)
        rows.append(cells)
    return rows


@pytest.mark.parametrize("language", ["vi", "en"])
def test_export_rows_are_the_presenters_for_every_viewer(trail, users, rehab_users, language):  # noqa: F811
    audit.record(
        actor=users.officer, actor_role="commune_officer,commune_leader", event="role_grant",
        object_type="auth.user", object_id="7", data={"username": "x", "role": "auditor"},
    )  # fmt: skip
    with translation.override(language):
        for user in (users.auditor, users.officer, users.specialist, rehab_users.district_rehab):
            expected = reference_rows(user)
            assert expected, "the trail is empty for this viewer"
            assert list(_rows(user, AuditFilters(), EXPORT_CAP)) == expected
