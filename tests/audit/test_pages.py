"""The explorer's web pages and API: scoping as seen from outside, query
counts that do not grow with the trail, and the exports read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import sign_in
from workflows import audit
from workflows.models import AuditEvent
from workflows.registry import spec_for

from .conftest import T0


def client_for(user: Any) -> Client:
    c = Client()
    sign_in(c, user)
    return c


def export_dicts(text: str) -> list[dict[str, str]]:
    """The CSV export's rows keyed by column key (the headers are translated)."""
    from workflows.audit_presenter import EXPORT_COLUMNS

    keys = {str(label): key for key, label, _width in EXPORT_COLUMNS}
    reader = csv.reader(io.StringIO(text))
    header = [keys[h] for h in next(reader)]
    return [dict(zip(header, row, strict=True)) for row in reader]


def xlsx_columns(header: Any) -> dict[str, int]:
    from workflows.audit_presenter import EXPORT_COLUMNS

    keys = {str(label): key for key, label, _width in EXPORT_COLUMNS}
    return {keys[name]: i for i, name in enumerate(header)}


def page_ids(response: Any) -> set[int]:
    import re

    return {int(i) for i in re.findall(r'data-event-id="(\d+)"', response.content.decode())}


def test_officer_page_shows_own_commune_only(trail, users):
    r = client_for(users.officer).get(reverse("audit_explorer"))
    assert r.status_code == 200
    shown = page_ids(r)
    assert {trail.submit_a.pk, trail.return_a.pk} <= shown
    assert not shown & {e.pk for e in [trail.submit_b, trail.system, *trail.rehab]}


def test_auditor_page_shows_rehab_events_redacted(trail, users):
    r = client_for(users.auditor).get(reverse("audit_explorer"), {"q": "CN-A-0001"})
    body = r.content.decode()
    assert page_ids(r) == {trail.rehab_transition.pk, trail.rehab_read.pk}
    assert "Nghiện ma túy" not in body and "heroin" not in body
    assert "—" in body


def test_case_timeline_and_user_activity(trail, users):
    c = client_for(users.officer)
    r = c.get(reverse("audit_case", args=[trail.housing_a.pk]))
    assert r.status_code == 200 and page_ids(r) == {trail.submit_a.pk, trail.return_a.pk}
    assert c.get(reverse("audit_case", args=[trail.housing_b.pk])).status_code == 404
    assert c.get(reverse("audit_case", args=[trail.rehab_a.pk])).status_code == 404
    # A user's activity is for auditors and administrators (tests/security/test_leaks.py).
    assert c.get(reverse("audit_user", args=["leader_a"])).status_code == 404
    auditor = client_for(users.auditor)
    assert page_ids(auditor.get(reverse("audit_user", args=["leader_a"]))) == {trail.return_a.pk}
    assert page_ids(auditor.get(reverse("audit_user", args=["officer_b"]))) == {trail.submit_b.pk}


def _events(n: int, commune_id: int, actor: Any) -> None:
    audit.append(
        [
            audit.new_event(
                actor=actor,
                actor_role="commune_officer",
                commune_id=commune_id,
                event="edit",
                reason=f"sửa {i}",
                occurred_at=T0 + dt.timedelta(minutes=i),
            )
            for i in range(n)
        ]
    )


def _queries(user: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(user)
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(reverse("audit_explorer")).status_code == 200
    return len(ctx.captured_queries)


def test_explorer_query_count_does_not_depend_on_the_number_of_events(
    users, communes, django_assert_num_queries
):
    _events(5, communes.a.pk, users.officer)
    few = {name: _queries(getattr(users, name)) for name in ("officer", "auditor")}
    _events(200, communes.a.pk, users.officer)
    for name, n in few.items():
        c = client_for(getattr(users, name))
        with django_assert_num_queries(n):
            r = c.get(reverse("audit_explorer"))
        assert r.status_code == 200 and len(page_ids(r)) == 50


def test_next_and_previous_links_walk_the_pages(users, communes):
    _events(120, communes.a.pk, users.officer)
    c = client_for(users.officer)
    seen: list[int] = []
    url = reverse("audit_explorer") + "?event=edit"
    while url:
        r = c.get(url)
        seen += sorted(page_ids(r), reverse=True)
        import re

        m = re.search(r'href="\?([^"]+)" rel="next"', r.content.decode())
        url = reverse("audit_explorer") + "?" + m.group(1).replace("&amp;", "&") if m else ""
    assert len(seen) == len(set(seen)) == 120


def test_csv_export_holds_the_filtered_events_and_is_logged(trail, users):
    r = client_for(users.auditor).get(reverse("audit_export"), {"fmt": "csv", "q": "CN-A-0001"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = export_dicts(text)
    assert [int(x["id"]) for x in rows] == [trail.rehab_read.pk, trail.rehab_transition.pk]
    assert {x["reason"] for x in rows} == {"—"} and {x["data"] for x in rows} == {"—"}
    notify = spec_for(trail.rehab_a).transitions["notify"].label
    assert rows[1]["case"] == "CN-A-0001" and rows[1]["transition"] == str(notify)
    logged = AuditEvent.objects.get(event="audit_export")
    assert logged.actor == users.auditor and logged.data["filters"] == {"q": "CN-A-0001"}


def test_xlsx_export_of_an_officer_holds_only_their_commune(trail, users):
    r = client_for(users.officer).get(reverse("audit_export"), {"fmt": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    header, *data = list(ws.iter_rows(values_only=True))
    col = xlsx_columns(header)
    ids = {row[col["id"]] for row in data}
    assert {trail.submit_a.pk, trail.return_a.pk} <= ids
    assert not ids & {e.pk for e in [trail.submit_b, trail.system, *trail.rehab]}
    reasons = {row[col["reason"]] for row in data if row[col["id"]] == trail.return_a.pk}
    assert reasons == {"Thiếu biên bản nghiệm thu"}


def test_export_stops_at_the_cap_and_says_so(users, communes):
    from cases.audit_export import audit_export_response
    from workflows.audit_explorer import AuditFilters

    _events(7, communes.a.pk, users.officer)
    r = audit_export_response(users.officer, AuditFilters(event="edit"), "csv", cap=5)
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 5 + 1 and "5" in rows[-1][0] and len(rows[-1]) == 1


# --- API ----------------------------------------------------------------------


def test_api_pages_with_cursor_and_redacts_for_auditors(trail, users):
    c = client_for(users.auditor)
    r = c.get(reverse("api-audit-events"), {"case": "CN-A-0001", "page_size": 1})
    body = r.json()
    assert r.status_code == 200 and body["results"][0]["id"] == trail.rehab_read.pk
    assert body["results"][0]["reason"] == "—" and body["results"][0]["data"] is None
    assert body["results"][0]["redacted"] is True
    r2 = c.get(
        reverse("api-audit-events"),
        {"case": "CN-A-0001", "page_size": 1, "cursor": body["next"]},
    ).json()
    assert [e["id"] for e in r2["results"]] == [trail.rehab_transition.pk]
    assert r2["next"] is None and r2["previous"]


def test_api_scopes_an_officer_and_answers_stable_error_codes(trail, users):
    c = client_for(users.officer)
    body = c.get(reverse("api-audit-events"), {"commune": "00382"}).json()
    assert body["results"] == []
    bad = c.get(reverse("api-audit-events"), {"cursor": "xyz"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
    unknown = c.get(reverse("api-audit-events"), {"commune": "99999"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid"


def test_api_export_csv(trail, users):
    r = client_for(users.specialist).get(reverse("api-audit-export"), {"format": "csv"})
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    ids = {int(row["id"]) for row in export_dicts(text)}
    assert {e.pk for e in trail.general} <= ids and not ids & {e.pk for e in trail.rehab}
