"""The commune gift-list process (Tết, 27/7 gift campaigns).

One list per commune and campaign, one viewflow process per list: the commune
officer prepares it (from the registry by the packages' rules, or by importing
an .xlsx file) and submits it, the commune leader confirms, the district
specialist reviews, the office head approves the list — all its rows at once
—, the commune officer records the distribution and the commune leader closes
it; the district then reconciles the campaign. Rows move only in bulk with
the list (`workflows.engine.bulk_transition`), each with its audit row.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.gifts.models import (
    CampaignBudget,
    GiftList,
    GiftListState,
    GiftRecipient,
    GiftRecipientState,
    GiftSource,
    ReturnReason,
    SignedBy,
)
from workflows.actors import User
from workflows.artifacts import phrase
from workflows.audit_labels import document_label
from workflows.devolution import devolve, step_role
from workflows.engine import bulk_transition
from workflows.exceptions import InvalidData, SeparationOfDuties
from workflows.formatting import money, number, vn_date
from workflows.models import AuditEvent
from workflows.permissions import Role
from workflows.registry import RowLabels
from workflows.specs import ProcessSpec, Step, TransitionSpec

L = GiftListState
R = GiftRecipientState
OFFICER = frozenset({Role.COMMUNE_OFFICER})
LEADER = frozenset({Role.COMMUNE_LEADER})
SPECIALIST = frozenset({Role.DISTRICT_SPECIALIST})
HEAD = frozenset({Role.OFFICE_HEAD})
# Events by which someone prepared a list: they may not approve it.
PREPARING_EVENTS = ("gift_list_create", "gift_rows_add", "gift_import", "gift_rows_remove")


def budget_overruns(campaign_id: int) -> list[str]:
    """Sources (and donors) whose listed gifts in the campaign exceed their
    budget, or have none: one message each (two queries)."""
    planned = (
        GiftRecipient.objects.filter(package__campaign_id=campaign_id)
        .exclude(state=R.RETURNED)
        .values("package__source", "package__donor")
        .annotate(total=Sum("amount"))
    )
    budgets = {
        (b.source, b.donor): b.allocated
        for b in CampaignBudget.objects.filter(campaign_id=campaign_id)
    }
    labels = dict(GiftSource.choices)
    problems = []
    for row in planned:
        key = (row["package__source"], row["package__donor"])
        name = f"{labels.get(key[0], key[0])} {key[1]}".strip()
        allocated = budgets.get(key)
        if allocated is None:
            problems.append(str(_("No budget is set for %(source)s.") % {"source": name}))
        elif row["total"] > allocated:
            problems.append(
                str(
                    _("%(source)s: %(planned)s listed, over its budget of %(budget)s.")
                    % {
                        "source": name,
                        "planned": money(row["total"]),
                        "budget": money(allocated),
                    }
                )
            )
    return problems


def check_submit(gift_list: Any, data: dict, actor: User) -> None:

    if not GiftRecipient.objects.filter(gift_list_id=gift_list.pk).exists():
        raise InvalidData(_("The list is empty: add recipients first."), code="gift_list_empty")
    problems = budget_overruns(gift_list.campaign_id)
    if problems:
        raise InvalidData(" ".join(problems), code="budget_exceeded")


# Campaigns whose budgets were checked in the current campaign-wide action
# (approving 26 lists re-adds the whole campaign once, not 26 times).
budgets_checked: ContextVar[frozenset[int]] = ContextVar("budgets_checked", default=frozenset())


def check_approve(gift_list: Any, data: dict, actor: User) -> None:
    """Whoever prepared the list (created it, added, imported or removed rows)
    may not approve it, whatever roles they hold."""

    prepared = (
        gift_list.created_by_id == actor.pk
        or AuditEvent.objects.filter(
            object_type="cases.giftlist",
            object_id=str(gift_list.pk),
            actor_id=actor.pk,
            event__in=PREPARING_EVENTS,
        ).exists()
    )
    if prepared:
        raise SeparationOfDuties(
            _("Separation of duties: you prepared this list, so another person must approve it.")
        )
    if gift_list.campaign_id not in budgets_checked.get():
        check_submit(gift_list, data, actor)


def apply_approve(gift_list: Any, data: dict, actor: User) -> None:
    """Approve every listed row of the list at once (one audit row each)."""

    result = bulk_transition(
        GiftRecipient.objects.filter(gift_list_id=gift_list.pk, state=R.LISTED),
        "approve",
        actor=actor,
        # The head of the office, or the commune chairman in the two-level government.
        allowed_roles={step_role(Role.OFFICE_HEAD, gift_list.commune_id)},
    )
    if result.refused:
        raise InvalidData(
            _("%(count)s rows of the list could not be approved.")
            % {"count": number(len(result.refused))}
        )


def check_record_distribution(gift_list: Any, data: dict, actor: User) -> None:

    waiting = GiftRecipient.objects.filter(gift_list_id=gift_list.pk, state=R.APPROVED).count()
    if waiting:
        raise InvalidData(
            _(
                "%(count)s recipients are neither delivered nor returned yet: record each "
                "of them first."
            )
            % {"count": number(waiting)},
            code="distribution_incomplete",
        )


REVIEWERS = {L.SUBMITTED: LEADER, L.CONFIRMED: SPECIALIST, L.REVIEWED: HEAD}

EVENT_LABELS = {
    "gift_list_create": gettext_lazy("Opened the list"),
    "gift_rows_add": gettext_lazy("Added recipients"),
    "gift_import": gettext_lazy("Imported recipients from a file"),
    "gift_rows_remove": gettext_lazy("Removed recipients"),
    "gift_rows_deliver": gettext_lazy("Recorded gifts as delivered"),
    "gift_rows_return": gettext_lazy("Recorded gifts as not delivered"),
    "export": gettext_lazy("Downloaded a document"),
}
HOW_LABELS = {
    "registry": gettext_lazy("from the registry"),
    "import": gettext_lazy("from a file"),
    "xlsx": gettext_lazy("from a file"),
}


def describe_event(event: Any) -> list[tuple[str, str]] | None:
    """What a list's own event says beyond its label (rows, gifts, documents)."""
    data = event.data or {}
    out: list[tuple[str, str]] = []
    if "added" in data:
        how = HOW_LABELS.get(data.get("how", ""), "")
        text = _("%(count)s rows added") % {"count": number(data["added"])}
        out.append(("", text + (f" ({how})" if how else "")))
    if "removed" in data:
        out.append(("", _("%(count)s rows removed") % {"count": number(data["removed"])}))
    if "delivered" in data:
        out.append(
            (
                "",
                _("%(count)s gifts, handed over on %(date)s")
                % {
                    "count": number(data["delivered"]),
                    "date": vn_date(dt.date.fromisoformat(data["delivered_on"])),
                },
            )
        )
    if "returned" in data:
        out.append(("", _("%(count)s gifts") % {"count": number(data["returned"])}))
    if event.event == "export":
        out.append(("", document_label(str(data.get("document", "")))))
    return out


# The recipients' own steps, as the audit trail names them (rows move in bulk,
# with no spec of their own; registered with the engine in apps.py).
ROW_LABELS = RowLabels(
    states=dict(GiftRecipientState.choices),
    transitions={
        "approve": _("Approved with the list"),
        "deliver": _("Gift handed over"),
        "return_unclaimed": _("Gift not handed over"),
    },
    values={"return_reason": dict(ReturnReason.choices), "signed_by": dict(SignedBy.choices)},
)


def list_reference() -> Any:
    """How a sentence names a list (a reminder): campaign · commune, as `GiftList.reference`."""
    return phrase(
        "%(campaign)s · %(commune)s", campaign=F("campaign__name"), commune=F("commune__name")
    )


T = TransitionSpec
SPEC = ProcessSpec(
    code="gift_list",
    label=_("Commune gift list"),
    model=GiftList,
    states=GiftListState,
    event_labels=EVENT_LABELS,
    event_details=describe_event,
    steps=(
        Step("prepare", (L.PREPARING,), Role.COMMUNE_OFFICER, _("Prepare and submit the list")),
        Step("confirm", (L.SUBMITTED,), Role.COMMUNE_LEADER, _("Confirm the list (commune)")),
        Step("review", (L.CONFIRMED,), Role.DISTRICT_SPECIALIST, _("Review the list (district)")),
        Step("approve", (L.REVIEWED,), Role.OFFICE_HEAD, _("Approve the list")),
        Step("distribute", (L.APPROVED,), Role.COMMUNE_OFFICER, _("Record the distribution")),
        Step("close", (L.DISTRIBUTED,), Role.COMMUNE_LEADER, _("Close the list")),
    ),
    happy_path=(
        L.PREPARING,
        L.SUBMITTED,
        L.CONFIRMED,
        L.REVIEWED,
        L.APPROVED,
        L.DISTRIBUTED,
        L.CLOSED,
    ),
    terminal=frozenset({L.CLOSED}),
    object_type="cases.giftlist",
    detail_url="gift_list_detail",
    reference=list_reference,
    transitions={
        t.name: t
        for t in [
            T("submit", _("Submit the list"), {"*": OFFICER}, check=check_submit),
            T(
                "confirm",
                _("Confirm the list (commune)"),
                {"*": LEADER},
                not_by_actors_of=("submit",),
            ),
            T("review", _("Review the list (district)"), {"*": SPECIALIST}),
            T(
                "approve",
                _("Approve the list"),
                {"*": HEAD},
                not_by_actors_of=("submit", "confirm", "review"),
                check=check_approve,
                apply=apply_approve,
            ),
            T(
                "record_distribution",
                _("Record the distribution as finished"),
                {"*": OFFICER},
                check=check_record_distribution,
            ),
            T("close", _("Close the list"), {"*": LEADER}),
            T("return_for_correction", _("Return for correction"), REVIEWERS, reason_required=True),
        ]
    },
)


# In the two-level government (from 01/07/2025) the commune does the district's steps.
COMMUNE_SPEC = devolve(
    SPEC,
    titles={
        "review": _("Review the list (commune culture–society division)"),
        "approve": _("Approve the list (commune chairman)"),
    },
)
