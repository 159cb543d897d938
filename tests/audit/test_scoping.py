"""Who sees which audit events: auditors everything (rehab redacted), the
general roles their communes and never drug rehab, rehab roles only rehab."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from workflows.audit_explorer import REDACTED, AuditFilters, audit_events_for_user, audit_page
from workflows.audit_presenter import display_rows


def seen(user: Any, trail: SimpleNamespace) -> set[int]:
    ours = {e.pk for e in trail.general + trail.rehab}
    return set(audit_events_for_user(user).values_list("pk", flat=True)) & ours


def ids(events: list[Any]) -> set[int]:
    return {e.pk for e in events}


def test_auditor_sees_every_event(trail, users):
    assert seen(users.auditor, trail) == ids(trail.general + trail.rehab)


def test_commune_officer_sees_only_own_communes_general_events(trail, users):
    assert seen(users.officer, trail) == ids([trail.submit_a, trail.return_a])
    assert seen(users.officer_b, trail) == ids([trail.submit_b])


def test_district_roles_see_every_commune_but_no_rehab_event(trail, users):
    for user in (users.specialist, users.head, users.accountant):
        assert seen(user, trail) == ids(trail.general)


def test_commune_rehab_roles_see_only_rehab_events_of_their_commune(trail, rehab_users):
    expected = ids([trail.rehab_transition, trail.rehab_read, trail.rehab_person])
    assert seen(rehab_users.police, trail) == expected
    assert seen(rehab_users.rehab, trail) == expected
    assert seen(rehab_users.police_b, trail) == set()


def test_district_rehab_sees_every_rehab_event_and_the_exports(trail, rehab_users):
    assert seen(rehab_users.district_rehab, trail) == ids(trail.rehab)


def test_auditor_sees_rehab_events_without_their_reason_or_data(trail, users, rehab_users):
    page = audit_page(users.auditor, AuditFilters(case=trail.rehab_a.reference))
    rows = display_rows(users.auditor, page.rows)
    assert [r.ev.pk for r in rows] == [trail.rehab_read.pk, trail.rehab_transition.pk]
    assert all(r.hidden and r.reason == REDACTED and r.data == REDACTED for r in rows)
    # Rehab staff too: the content is read on the rehab pages (purpose asked,
    # read logged), never through the trail or its exports.
    for user in [rehab_users.police, rehab_users.district_rehab]:
        mine = display_rows(user, [trail.rehab_transition, trail.rehab_person])
        assert all(r.hidden and r.reason == REDACTED and r.data == REDACTED for r in mine)
        assert "heroin" not in str([r.data for r in mine])


def test_general_events_are_not_redacted_for_auditors(trail, users):
    rows = display_rows(
        users.auditor, audit_page(users.auditor, AuditFilters(case="HT-A-0001")).rows
    )
    assert [r.reason for r in rows] == ["Thiếu biên bản nghiệm thu", "Hồ sơ đủ điều kiện"]
