"""The tamper check from the UI: a row altered behind the trigger shows as
broken, and the admins are notified once per broken link."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from workflows.audit_check import NOTIFY_EVENT, audit_verify_and_notify
from workflows.models import AuditAlert


def behind_the_triggers_back(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, params)
        cur.execute("SET LOCAL session_replication_role = origin")


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_clean_trail_shows_ok_with_counts(trail, users):
    r = client_for(users.auditor).post(reverse("audit_verify"))
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="verdict-ok"' in body
    assert not Notification.objects.filter(event=NOTIFY_EVENT).exists()


def test_altered_row_shows_as_broken_and_notifies_admins_once(trail, users):
    victim = trail.return_a
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = %s WHERE id = %s", ["Đã sửa lén", victim.pk]
    )
    r = client_for(users.auditor).post(reverse("audit_verify"))
    body = r.content.decode()
    assert 'data-testid="verdict-broken"' in body
    assert f'data-testid="broken-event">{victim.pk}<' in body
    assert f'data-testid="broken-chain">{victim.chain}<' in body
    assert f'data-testid="broken-seq">{victim.seq}<' in body
    assert "content does not match its hash" in body
    notes = Notification.objects.filter(event=NOTIFY_EVENT)
    assert [n.recipient for n in notes] == [users.admin]
    assert str(victim.pk) in notes[0].body and notes[0].url == reverse("audit_verify")
    # Again from the page, the command and the scheduler: no second notice.
    client_for(users.admin).post(reverse("audit_verify"))
    with pytest.raises(SystemExit):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "audit trail BROKEN" in out.getvalue()
    assert notes.count() == 1 and AuditAlert.objects.count() == 1


def test_a_second_broken_link_is_a_new_notice(trail, users):
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = 'x' WHERE id = %s", [trail.return_a.pk]
    )
    assert audit_verify_and_notify().notified == 1
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET reason = 'y' WHERE id = %s", [trail.submit_a.pk]
    )
    verdict = audit_verify_and_notify()
    assert not verdict.ok and verdict.event_id == trail.submit_a.pk and verdict.notified == 1
    assert Notification.objects.filter(event=NOTIFY_EVENT).count() == 2


def test_only_auditors_and_admins_run_the_check(users):
    assert client_for(users.officer).post(reverse("audit_verify")).status_code == 403
    assert client_for(users.head).get(reverse("audit_verify")).status_code == 403
    assert client_for(users.admin).get(reverse("audit_verify")).status_code == 200
    api = client_for(users.auditor).post(reverse("api-audit-verify"))
    assert api.status_code == 200 and api.json()["ok"] is True
    refused = client_for(users.officer).post(reverse("api-audit-verify"))
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
