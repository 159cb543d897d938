"""The email channel: a notification (or a day of them) as a Vietnamese email
with absolute links to the cases, and who must not be emailed at all."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import Notification, NotificationPreference
from workflows.actors import User
from workflows.formatting import display_name, vn_date


def email_language() -> str:
    """Emails are Vietnamese (the office's language) whatever the UI language
    of the person whose act caused them."""
    return str(getattr(settings, "NOTIFICATIONS_EMAIL_LANGUAGE", "vi"))


def case_link(note: Notification) -> str:
    return settings.SITE_URL.rstrip("/") + (note.url or "/")


def _message_id(key: str) -> str:
    host = urlsplit(settings.SITE_URL).hostname or socket.getfqdn()
    return f"<{key}@{host}>"


def skip_reason(note: Notification, pref: NotificationPreference | None) -> str:
    """Why this notification gets no email ("" when it does). Recorded in
    last_error so an admin can see why a row was skipped."""
    if not note.recipient.email:
        return "no email address"
    if pref is not None and not pref.email_enabled:
        return "email turned off by the user"
    if pref is not None and note.event in (pref.muted_events or []):
        return "event muted by the user"
    return ""


def build_message(note: Notification) -> EmailMessage:
    """One notification as a Vietnamese email with the absolute link to the case."""
    with translation.override(email_language()):
        subject = _("[Social affairs] %(title)s") % {"title": note.title}
        lines = [
            _("Dear %(name)s,") % {"name": display_name(note.recipient)},
            "",
            note.title,
        ]
        if note.body:
            lines.append(note.body)
        lines += [
            "",
            _("Open the case: %(link)s") % {"link": case_link(note)},
            "",
            "-- ",
            _("You receive this email because of your notification settings."),
        ]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        to=[note.recipient.email],
        headers={"Message-ID": _message_id(f"notification-{note.pk}")},
    )


def build_digest(user: User, notes: list[Notification]) -> EmailMessage:
    """The day's notifications of one user in one email, one link per item."""
    with translation.override(email_language()):
        day = vn_date(timezone.localdate())
        subject = _("[Social affairs] %(count)d notifications, %(date)s") % {
            "count": len(notes),
            "date": day,
        }
        lines = [
            _("Dear %(name)s,") % {"name": display_name(user)},
            "",
            _("What happened since the last summary:"),
            "",
        ]
        for note in notes:
            when = timezone.localtime(note.created_at).strftime("%d/%m/%Y %H:%M")
            lines += [f"- {when}  {note.title}", f"  {case_link(note)}"]
        lines += [
            "",
            "-- ",
            _("You receive this email because of your notification settings."),
        ]
    ids = "-".join(str(n.pk) for n in notes[:5])
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        to=[user.email],
        headers={"Message-ID": _message_id(f"digest-{user.pk}-{ids}")},
    )
