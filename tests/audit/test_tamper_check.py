"""The tamper check from the UI: a row altered behind the trigger shows as
broken, and the admins are notified once per broken link."""

from __future__ import annotations

import io
import re
from html import escape, unescape
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from notifications.models import Notification
from tests.conftest import sign_in
from workflows import audit
from workflows.audit_check import NOTIFY_EVENT, audit_verify_and_notify, chain_label
from workflows.models import AuditAlert


def behind_the_triggers_back(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, params)
        cur.execute("SET LOCAL session_replication_role = origin")


def client_for(user: Any) -> Client:
    c = Client()
    sign_in(c, user)
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
    assert f'data-testid="broken-seq">{victim.seq}<' in body
    # The chain by its commune's name, the problem in the UI's language.
    commune = victim.commune.name
    assert f'title="{victim.chain}">{escape(chain_label(victim.chain))}<' in body
    assert commune in chain_label(victim.chain) and "commune:" not in chain_label(victim.chain)
    problem = gettext(audit.CONTENT_EDITED) % {
        "chain": chain_label(victim.chain),
        "seq": victim.seq,
    }
    assert escape(problem) in body
    # A link to the broken event in the explorer, where it is the first row.
    link = re.search(r'href="([^"]+)" data-testid="broken-event-link">#(\d+)', body)
    assert link and int(link[2]) == victim.pk
    url = unescape(link[1])
    shown = client_for(users.auditor).get(url).content.decode()
    rows = re.findall(r'<tr data-event-id="(\d+)" class="([^"]*)"', shown)
    assert int(rows[0][0]) == victim.pk and "focus" in rows[0][1]
    notes = Notification.objects.filter(event=NOTIFY_EVENT)
    assert [n.recipient for n in notes] == [users.admin]
    assert str(victim.pk) in notes[0].body and notes[0].url == url
    assert escape(problem) in escape(notes[0].body) and "commune:" not in notes[0].body
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


def test_every_problem_reads_in_english_for_the_command_and_translated_for_people(trail, users):
    """verify_audit prints the English text (scripts grep it); the page and the
    notice use the msgid through gettext, with the commune's name."""
    behind_the_triggers_back(
        "UPDATE workflows_auditevent SET seq = seq + 100 WHERE id = %s", [trail.return_a.pk]
    )
    result = audit.verify()
    assert not result.ok and result.template == audit.SEQ_GAP
    assert result.problem.startswith(f"chain {trail.return_a.chain}: expected seq")
    named = result.message("Xã Thử")
    assert named == gettext(audit.SEQ_GAP) % {**result.params, "chain": "Xã Thử"}
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert f"BROKEN: {result.problem} (event id {result.event_id})" in err.getvalue()
