"""Dates are typed as dd/mm/yyyy everywhere: the audit explorer included, and
no page offers the browser's date picker (its format follows the browser's
locale, not the office's)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from workflows import audit

ROOT = Path(__file__).resolve().parents[2]
DATE_MESSAGE_VI = "Nhập ngày hợp lệ theo dạng dd/mm/yyyy, ví dụ 25/12/1960."
DATE_PICKER = re.compile(r"""type\s*=\s*["']?date\b|["']type["']\s*:\s*["']date["']""")


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def event_ids(response: Any) -> set[int]:
    return {int(i) for i in re.findall(r'data-event-id="(\d+)"', response.content.decode())}


def test_the_audit_explorer_takes_dates_as_dd_mm_yyyy(
    client_for: Any, users: Any, communes: Any
) -> None:
    def record(day: dt.date) -> Any:
        return audit.record(
            occurred_at=at(day),
            actor=users.officer,
            commune_id=communes.a.pk,
            event="edit",
            reason="Sửa địa chỉ",
        )

    before, inside, after = (
        record(dt.date(2025, 2, 27)),
        record(dt.date(2025, 3, 3)),
        record(dt.date(2025, 3, 10)),
    )
    response = client_for(users.officer).get(
        reverse("audit_explorer"), {"date_from": "01/03/2025", "date_to": "5/3/2025"}
    )
    assert response.status_code == 200
    shown = event_ids(response)
    assert inside.pk in shown and not shown & {before.pk, after.pk}
    html = response.content.decode()
    field = re.search(r'<input[^>]*name="date_from"[^>]*>', html)
    assert field is not None
    assert 'type="text"' in field.group(0) and 'value="01/03/2025"' in field.group(0)
    assert 'placeholder="dd/mm/yyyy"' in field.group(0)


def test_the_audit_explorer_explains_a_bad_date_as_every_form_does(
    client_for: Any, users: Any
) -> None:
    response = client_for(users.officer).get(reverse("audit_explorer"), {"date_from": "2025-13-01"})
    assert DATE_MESSAGE_VI in response.content.decode()


def test_no_template_or_form_offers_the_browser_date_picker() -> None:
    sources = [
        *ROOT.glob("templates/**/*.html"),
        *ROOT.glob("cases/**/*.html"),
        *ROOT.glob("cases/**/*.py"),
        *ROOT.glob("workflows/**/*.py"),
        *ROOT.glob("notifications/**/*.py"),
        *ROOT.glob("static/js/*.js"),
    ]
    assert len(sources) > 100
    pickers = [str(p.relative_to(ROOT)) for p in sources if DATE_PICKER.search(p.read_text())]
    assert pickers == []
