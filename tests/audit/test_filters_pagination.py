"""The explorer's filters and its keyset pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from workflows import audit
from workflows.audit_explorer import AuditFilters, Cursor, audit_page, audit_search
from workflows.exceptions import InvalidData

from .conftest import T0


def found(user: Any, trail: Any, **filters: Any) -> list[int]:
    ours = {e.pk for e in trail.general + trail.rehab}
    page = audit_page(user, AuditFilters(**filters), size=200)
    return [e.pk for e in page.rows if e.pk in ours]


def test_filter_by_date_range_is_inclusive_of_both_days(trail, users):
    day = (T0 + dt.timedelta(days=1)).date()
    got = found(users.auditor, trail, date_from=day, date_to=day + dt.timedelta(days=1))
    assert got == [trail.return_a.pk, trail.submit_b.pk]


def test_filter_by_commune(trail, users, communes):
    assert found(users.auditor, trail, commune=communes.b.pk) == [trail.submit_b.pk]


def test_filter_by_actor_user_name_ignores_case(trail, users):
    assert found(users.auditor, trail, actor="LEADER_A") == [trail.return_a.pk]


def test_filter_by_process(trail, users):
    assert found(users.auditor, trail, process="rehab_compulsory") == [
        trail.rehab_read.pk,
        trail.rehab_transition.pk,
    ]


def test_filter_by_case_reference_or_id(trail, users):
    by_ref = found(users.auditor, trail, case="HT-A-0001")
    assert by_ref == [trail.return_a.pk, trail.submit_a.pk]
    assert found(users.auditor, trail, case=str(trail.housing_a.pk)) == by_ref


def test_filter_by_event_type(trail, users):
    assert found(users.auditor, trail, event="read") == [trail.rehab_read.pk]


def test_free_text_matches_reason_transition_or_reference(trail, users):
    assert found(users.auditor, trail, q="biên bản") == [trail.return_a.pk]
    assert found(users.auditor, trail, q="return") == [trail.return_a.pk]
    assert found(users.auditor, trail, q="HT-B-0001") == [trail.submit_b.pk]


def test_filters_never_widen_the_scope(trail, users, communes):
    assert found(users.officer, trail, commune=communes.b.pk) == []
    assert found(users.officer, trail, process="rehab_compulsory") == []
    assert found(users.specialist, trail, q="ma túy") == []


def test_a_forged_cursor_is_a_400_not_a_crash(users, communes):
    with pytest.raises(InvalidData) as exc:
        audit_page(users.auditor, AuditFilters(), "not-a-cursor")
    assert exc.value.code == "invalid_cursor"


def _fill(n: int, commune_id: int, actor: Any, at: dt.datetime) -> None:
    # Bursts of events of the very same microsecond test the id tie-break.
    events = [
        audit.new_event(
            actor=actor,
            commune_id=commune_id,
            event="edit",
            occurred_at=at + dt.timedelta(seconds=i // 3),
        )
        for i in range(n)
    ]
    audit.append(events)


def _walk(user: Any, filters: AuditFilters, size: int) -> list[int]:
    out, cursor = [], ""
    while True:
        page = audit_page(user, filters, cursor, size=size)
        out += [e.pk for e in page.rows]
        if not page.next:
            return out
        cursor = page.next


def test_keyset_pages_have_no_duplicates_and_no_gaps(users, communes):
    _fill(47, communes.a.pk, users.officer, T0)
    filters = AuditFilters(event="edit")
    walked = _walk(users.officer, filters, size=10)
    expected = list(
        audit_search(users.officer, filters)
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)
    )
    assert walked == expected and len(walked) == 47


def test_previous_cursor_returns_the_page_before(users, communes):
    _fill(30, communes.a.pk, users.officer, T0)
    filters = AuditFilters(event="edit")
    first = audit_page(users.officer, filters, size=10)
    second = audit_page(users.officer, filters, first.next or "", size=10)
    back = audit_page(users.officer, filters, second.previous or "", size=10)
    assert [e.pk for e in back.rows] == [e.pk for e in first.rows]
    assert back.previous is None  # nothing newer than the first page


def test_pages_are_stable_when_events_are_appended_meanwhile(users, communes):
    _fill(25, communes.a.pk, users.officer, T0)
    filters = AuditFilters(event="edit")
    first = audit_page(users.officer, filters, size=10)
    # New events arrive (newer than all): the next pages continue where we were.
    _fill(5, communes.a.pk, users.officer, timezone.now())
    rest = []
    cursor = first.next or ""
    while cursor:
        page = audit_page(users.officer, filters, cursor, size=10)
        rest += [e.pk for e in page.rows]
        cursor = page.next or ""
    seen = [e.pk for e in first.rows] + rest
    assert len(seen) == len(set(seen)) == 25


def test_cursor_round_trips_and_is_opaque():
    c = Cursor(timezone.now(), 42, after=False)
    token = c.encode()
    # Opaque: encoded, not the JSON it carries (base64 text may contain any digits).
    assert not set(token) & set('{}":, ')
    assert Cursor.decode(token) == c
