"""How the explorer reads for people: labels instead of codes (the page and
both exports, from one presenter), filter mistakes shown on the form, the
free-text search, the timeline and activity pages' exports, counts with dots."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.housing import spec as housing
from cases.templatetags.caseflow import count
from workflows import audit
from workflows.audit_explorer import AuditFilters, audit_page
from workflows.audit_presenter import EVENT_LABELS, EXPORT_COLUMNS, OBJECT_LABELS, display_rows
from workflows.permissions import ROLE_LABELS

from .conftest import T0
from .test_pages import client_for, export_dicts, page_ids, xlsx_columns


@pytest.fixture
def approved(trail, users, communes):
    """A housing approval with its form's data, a role grant and a new person."""
    a = communes.a
    t = trail
    t.approve = audit.record(
        occurred_at=T0 + dt.timedelta(days=8),
        actor=users.head,
        actor_role="office_head",
        commune_id=a.pk,
        case_id=t.housing_a.pk,
        event="transition",
        transition="approve",
        from_state="district_reviewed",
        to_state="approved",
        data={"decision_number": "12/QĐ-UBND", "approved_amount": 40000000},
    )
    t.grant = audit.record(
        occurred_at=T0 + dt.timedelta(days=9),
        actor=users.admin,
        actor_role="admin",
        commune_id=a.pk,
        event="role_grant",
        object_type="auth.user",
        object_id=str(users.officer2.pk),
        data={"username": users.officer2.username, "role": "commune_officer", "commune": "x"},
    )
    t.person = audit.record(
        occurred_at=T0 + dt.timedelta(days=10),
        actor=users.officer,
        actor_role="commune_officer",
        commune_id=a.pk,
        event="person_create",
        object_type="cases.person",
        object_id="22070",
        data={"full_name": "Trần Thị Bình"},
    )
    return t


def _row(user: Any, ev: Any) -> Any:
    page = audit_page(user, AuditFilters(), size=200)
    return next(r for r in display_rows(user, page.rows) if r.ev.pk == ev.pk)


def test_rows_read_as_labels_not_codes(approved, users):
    spec = housing.SPEC
    row = _row(users.auditor, approved.approve)
    assert row.action == str(spec.transitions["approve"].label)
    assert row.from_label == spec.state_label("district_reviewed")
    assert row.to_label == spec.state_label("approved")
    assert row.role_label == str(ROLE_LABELS["office_head"])
    assert row.case_ref == "HT-A-0001"
    fields = spec.transitions["approve"].form.base_fields  # type: ignore[union-attr]
    assert (str(fields["decision_number"].label), "12/QĐ-UBND") in row.details
    assert ("40.000.000 đ") in [v for _k, v in row.details]
    assert "{" not in row.data and ": " in row.data

    grant = _row(users.auditor, approved.grant)
    assert grant.action == str(EVENT_LABELS["role_grant"])
    assert grant.object_label == str(OBJECT_LABELS["auth.user"]) % {"id": users.officer2.username}
    assert str(ROLE_LABELS["commune_officer"]) in grant.data
    person = _row(users.auditor, approved.person)
    assert person.object_label == str(OBJECT_LABELS["cases.person"]) % {"id": "22070"}
    # An event without a case or transition: its event label.
    assert _row(users.auditor, approved.system).action == str(EVENT_LABELS["campaign_reconcile"])


def test_page_shows_the_labels(approved, users):
    body = client_for(users.auditor).get(reverse("audit_explorer")).content.decode()
    assert str(housing.SPEC.transitions["approve"].label) in body
    assert housing.SPEC.state_label("approved") in body
    assert str(ROLE_LABELS["office_head"]) in body
    assert "cases.person" not in body and "auth.user" not in body
    assert "&quot;approved_amount&quot;" not in body and '"approved_amount"' not in body
    # The table scrolls inside its card instead of overflowing it.
    assert 'class="table-scroll"' in body
    # The event filter is a select of labels.
    select = re.search(r'<select name="event"[^>]*>(.*?)</select>', body, re.S)
    assert select and str(EVENT_LABELS["role_grant"]) in select[1]
    assert '<option value="role_grant">' in select[1]


def test_exports_have_translated_headers_and_readable_values(approved, users):
    c = client_for(users.auditor)
    text = b"".join(
        c.get(reverse("audit_export"), {"fmt": "csv", "case": "HT-A-0001"}).streaming_content
    ).decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[0] == str(EXPORT_COLUMNS[0][1])
    rows = {int(r["id"]): r for r in export_dicts(text)}
    approve = rows[approved.approve.pk]
    assert approve["transition"] == str(housing.SPEC.transitions["approve"].label)
    assert approve["to_state"] == housing.SPEC.state_label("approved")
    assert approve["actor_role"] == str(ROLE_LABELS["office_head"])
    assert "40.000.000 đ" in approve["data"] and "{" not in approve["data"]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", approve["occurred_at"])

    r = c.get(reverse("audit_export"), {"fmt": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == EXPORT_COLUMNS[0][2]
    header, *data = list(ws.iter_rows(values_only=True))
    col = xlsx_columns(header)
    person = next(x for x in data if x[col["id"]] == approved.person.pk)
    assert isinstance(person[col["occurred_at"]], dt.datetime)
    assert person[col["object"]] == str(OBJECT_LABELS["cases.person"]) % {"id": "22070"}
    assert person[col["event"]] == str(EVENT_LABELS["person_create"])


def test_query_count_with_every_kind_of_row_does_not_grow(approved, users, communes):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c = client_for(users.auditor)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("audit_explorer")).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(30):
        audit.record(
            actor=users.head,
            actor_role="office_head",
            commune_id=communes.a.pk,
            case_id=approved.housing_a.pk,
            event="transition",
            transition="approve",
            from_state="district_reviewed",
            to_state="approved",
            data={"decision_number": f"{i}/QĐ", "approved_amount": 1000000 + i},
        )
        audit.record(
            actor=users.officer,
            actor_role="commune_officer",
            commune_id=communes.a.pk,
            event="person_create",
            object_type="cases.person",
            object_id=str(i),
        )
    assert queries() == before


# --- filter mistakes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2024-13-45"}, "date_from"),
        ({"commune": "999999"}, "commune"),
        ({"commune": "abc"}, "commune"),
        ({"process": "nope"}, "process"),
        ({"event": "nope"}, "event"),
        ({"date_from": "2025-03-05", "date_to": "2025-03-01"}, "date_to"),
        ({"case": "KHONG-CO-9999"}, "case"),
    ],
)
def test_bad_filters_show_the_page_again_with_the_error_on_the_field(trail, users, params, field):
    r = client_for(users.auditor).get(reverse("audit_explorer"), params)
    body = r.content.decode()
    assert r.status_code == 400
    assert 'data-testid="audit-filters"' in body  # the explorer, not an error page
    assert f'data-testid="error-{field}"' in body
    assert page_ids(r) == set()


def test_a_tampered_cursor_shows_the_page_with_a_message(trail, users):
    r = client_for(users.auditor).get(reverse("audit_explorer"), {"cursor": "xyz"})
    body = r.content.decode()
    assert r.status_code == 400 and 'data-testid="audit-filters"' in body
    assert 'data-testid="form-error"' in body


def test_the_api_keeps_its_json_codes_for_bad_filters(users):
    c = client_for(users.auditor)
    bad = c.get(reverse("api-audit-events"), {"date_from": "2024-13-45"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


# --- free text -------------------------------------------------------------------


def test_free_text_matches_user_name_and_a_reference_prefix_ignoring_case(trail, users):
    def found(q: str) -> set[int]:
        page = audit_page(users.auditor, AuditFilters(q=q), size=200)
        return {e.pk for e in page.rows} & {e.pk for e in trail.general}

    assert found("leader_a") == {trail.return_a.pk}
    assert found("LEADER_A") == {trail.return_a.pk}
    assert found("ht-a") == {trail.submit_a.pk, trail.return_a.pk}
    assert found("HT-") == {trail.submit_a.pk, trail.return_a.pk, trail.submit_b.pk}
    body = client_for(users.auditor).get(reverse("audit_explorer")).content.decode()
    assert 'class="muted help"' in body


# --- a case's timeline, a user's activity ---------------------------------------


def _export_links(body: str) -> list[str]:
    from html import unescape

    pattern = r'href="([^"]+)" data-testid="export-(?:csv|xlsx)"'
    return [unescape(u) for u in re.findall(pattern, body)]


def test_case_timeline_exports_its_events_and_hides_meaningless_filters(trail, users):
    c = client_for(users.officer)
    body = c.get(reverse("audit_case", args=[trail.housing_a.pk])).content.decode()
    for name in ("commune", "process", "case"):
        assert f'name="{name}"' not in body
    links = _export_links(body)
    assert len(links) == 2
    csv_link = next(u for u in links if "fmt=csv" in u)
    text = b"".join(c.get(csv_link).streaming_content).decode("utf-8-sig")
    assert {int(r["id"]) for r in export_dicts(text)} == {trail.submit_a.pk, trail.return_a.pk}


def test_user_activity_exports_its_events(trail, users):
    c = client_for(users.auditor)
    body = c.get(reverse("audit_user", args=["officer_a"])).content.decode()
    assert 'name="actor"' not in body and 'name="commune"' in body
    csv_link = next(u for u in _export_links(body) if "fmt=csv" in u)
    text = b"".join(c.get(csv_link).streaming_content).decode("utf-8-sig")
    assert {int(r["id"]) for r in export_dicts(text)} == {trail.submit_a.pk}


# --- numbers ---------------------------------------------------------------------


def test_counts_are_written_with_dots():
    assert count(37430) == "37.430"
    assert count(100000) == "100.000"
    assert count(7) == "7" and count(-1200) == "-1.200" and count(None) == ""


def test_pages_write_counts_with_dots(trail, users):
    body = client_for(users.auditor).get(reverse("audit_explorer")).content.decode()
    assert "100.000" in body and "100000" not in body
