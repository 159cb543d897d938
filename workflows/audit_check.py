"""The tamper check: `audit.verify()` turned into a verdict people can read,
and a notice to the administrators the first time a broken link is found.

Used by the tamper-check page, the API, `manage.py verify_audit` and the
scheduler's sweep, so whichever of them finds a broken link first notifies,
and the others do not notify again for the same link (`AuditAlert.key`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows import audit, audit_batch
from workflows.actors import Reader
from workflows.audit_explorer import Cursor
from workflows.models import AuditAlert, AuditEvent
from workflows.outbox import outbox
from workflows.permissions import Role, is_admin, scope_for
from workflows.registry_models import unit_model

NOTIFY_EVENT = "audit_chain_broken"


@dataclass
class Verdict:
    ok: bool
    events: int
    chains: int
    problem: str = ""  # English (command output, alert key)
    chain: str = ""
    seq: int | None = None
    event_id: int | None = None
    notified: int = 0  # admins notified by this run (0 when already told)
    resumed: int = 0  # chains an incremental check read from their checkpoint on
    alert: AuditAlert | None = None
    message: str = ""  # the problem in the active language, the chain named for people
    chain_label: str = ""  # "Xã Phù Lỗ" for "commune:27"
    url: str = ""  # the broken event (or its chain) in the explorer

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "chains": self.chains,
            "problem": self.problem,
            "message": self.message,
            "chain": self.chain,
            "chain_label": self.chain_label,
            "seq": self.seq,
            "event_id": self.event_id,
            "url": self.url,
            "notified": self.notified,
        }


def may_verify(user: Reader) -> bool:
    """Auditors and the administrators run the tamper check."""
    return Role.AUDITOR in scope_for(user).district_roles or is_admin(user)


def _commune_id(chain: str) -> int | None:
    prefix = "commune:"
    if chain.startswith(prefix) and chain[len(prefix) :].isdigit():
        return int(chain[len(prefix) :])
    return None


def chain_label(chain: str) -> str:
    """A chain as people know it: the commune's name, or the district-wide chain."""

    if chain == "system":
        return _("the district-wide chain")
    pk = _commune_id(chain)
    name = (
        unit_model().objects.filter(pk=pk).values_list("name", flat=True).first()
        if pk is not None
        else None
    )
    return _("the chain of %(commune)s") % {"commune": name} if name else chain


def explorer_url(chain: str, event_id: int | None) -> str:
    """The explorer opened at the broken event (first row, highlighted), or
    at its commune's newest events when no event is named."""

    query: dict[str, Any] = {}
    pk = _commune_id(chain)
    if pk is not None:
        query["commune"] = pk
    if event_id is not None:
        when = AuditEvent.objects.filter(pk=event_id).values_list("occurred_at", flat=True).first()
        if when is not None:
            # Just after the event in newest-first order: the page starts with it.
            query["cursor"] = Cursor(when, event_id + 1).encode()
            query["focus"] = event_id
    url = reverse("audit_explorer")
    return f"{url}?{urlencode(query)}" if query else url


def _verdict(result: audit.VerifyResult) -> Verdict:
    v = Verdict(result.ok, result.events, result.chains, result.problem, event_id=result.event_id)
    v.resumed = result.resumed
    if not result.ok:
        v.chain = result.chain
        v.seq = result.seq
        v.chain_label = chain_label(v.chain)
        v.message = result.message(v.chain_label)
        v.url = explorer_url(v.chain, v.event_id)
    return v


def _admins() -> Any:
    return get_user_model().objects.filter(groups__name=Role.ADMIN, is_active=True)


def audit_verify_and_notify(*, incremental: bool = False) -> Verdict:
    """Walk every chain (`incremental`: from each chain's checkpoint on); when
    one is broken, notify the admins once per broken link.

    Every batch event read is then checked against the rows stamped with it
    (`audit_batch.verify_batch`, one query each). Side effects: at most one
    `AuditAlert` row and one notification per active admin for a link not
    reported before. The walk reads one
    REPEATABLE READ snapshot; the notice is written in its own transaction.
    """
    result = audit.verify(incremental=incremental)
    # The batch events just read, against the rows stamped with them.
    verdict = _verdict(audit_batch.check_walked(result))
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
            if verdict.event_id is not None:
                body = _("%(problem)s (event id %(id)s). Open the event in the audit trail.") % {
                    "problem": verdict.message,
                    "id": verdict.event_id,
                }
            else:
                body = _("%(problem)s. Open the audit trail to see the chain.") % {
                    "problem": verdict.message
                }
            alert.notified = outbox().enqueue(
                recipients=_admins(),
                event=NOTIFY_EVENT,
                title=_("The audit trail is broken: an event was altered or removed"),
                body=body,
                url=verdict.url,
            )
            alert.save(update_fields=["notified"])
    except IntegrityError:  # already reported (by another run, maybe at this moment)
        verdict.alert = AuditAlert.objects.get(key=key)
        return verdict
    verdict.alert = alert
    verdict.notified = alert.notified
    return verdict
