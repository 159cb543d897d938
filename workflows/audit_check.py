"""The tamper check: `audit.verify()` turned into a verdict people can read,
and a notice to the administrators the first time a broken link is found.

Used by the tamper-check page, the API, `manage.py verify_audit` and the
scheduler's sweep, so whichever of them finds a broken link first notifies,
and the others do not notify again for the same link (`AuditAlert.key`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.services import notifications_enqueue

from . import audit
from .models import AuditAlert
from .permissions import Role, is_admin, scope_for

NOTIFY_EVENT = "audit_chain_broken"
_WHERE = re.compile(r"^chain (?P<chain>\S+?)(?: seq (?P<seq>\d+))?: ")


@dataclass
class Verdict:
    ok: bool
    events: int
    chains: int
    problem: str = ""
    chain: str = ""
    seq: int | None = None
    event_id: int | None = None
    notified: int = 0  # admins notified by this run (0 when already told)
    alert: AuditAlert | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "chains": self.chains,
            "problem": self.problem,
            "chain": self.chain,
            "seq": self.seq,
            "event_id": self.event_id,
            "notified": self.notified,
        }


def may_verify(user: Any) -> bool:
    """Auditors and the administrators run the tamper check."""
    return Role.AUDITOR in scope_for(user).district_roles or is_admin(user)


def _verdict(result: audit.VerifyResult) -> Verdict:
    v = Verdict(result.ok, result.events, result.chains, result.problem, event_id=result.event_id)
    if not result.ok:
        match = _WHERE.match(result.problem)
        if match:
            v.chain = match["chain"]
            v.seq = int(match["seq"]) if match["seq"] else None
    return v


def _admins() -> Any:
    return get_user_model().objects.filter(groups__name=Role.ADMIN, is_active=True)


def audit_verify_and_notify() -> Verdict:
    """Walk every chain; when one is broken, notify the admins once per broken link.

    Side effects: at most one `AuditAlert` row and one notification per
    active admin for a link not reported before. The walk reads one
    REPEATABLE READ snapshot; the notice is written in its own transaction.
    """
    verdict = _verdict(audit.verify())
    if verdict.ok:
        return verdict
    key = hashlib.sha256(f"{verdict.problem}|{verdict.event_id}".encode()).hexdigest()
    try:
        with transaction.atomic():
            alert = AuditAlert.objects.create(
                key=key,
                chain=verdict.chain,
                seq=verdict.seq,
                event_id=verdict.event_id,
                problem=verdict.problem,
            )
            where = f" (event id {verdict.event_id})" if verdict.event_id is not None else ""
            alert.notified = notifications_enqueue(
                recipients=_admins(),
                event=NOTIFY_EVENT,
                title=_("The audit trail is broken: an event was altered or removed"),
                body=f"{verdict.problem}{where}",
                url=reverse("audit_verify"),
            )
            alert.save(update_fields=["notified"])
    except IntegrityError:  # already reported (by another run, maybe at this moment)
        verdict.alert = AuditAlert.objects.get(key=key)
        return verdict
    verdict.alert = alert
    verdict.notified = alert.notified
    return verdict
