"""Gift campaigns: services that open, fill and distribute commune lists, and
the reads (scoped) that reconcile a campaign.

State changes of a list go through `workflows.engine.transition` (process
spec `cases/gifts/spec.py`); its rows move with `bulk_transition` only. The
services here change what a list holds while it is being prepared, and record
deliveries and returns (bulk transitions of rows) once it is approved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.gifts.models import (
    Campaign,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    ReturnReason,
    SignedBy,
)
from cases.gifts.selectors import campaign_packages, gift_lists_for_user, packages_for
from cases.gifts.spec import budget_overruns, budgets_checked
from cases.models import AdministrativeUnit, Person
from workflows import audit, flows
from workflows.actors import User
from workflows.engine import BulkResult, bulk_transition, transition
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.permissions import Role, scope_for

L = GiftListState
R = GiftRecipientState
OBJECT_TYPE = "cases.giftlist"


# --- lists ---------------------------------------------------------------------


def _audit_list(gift_list: GiftList, actor: User, event: str, data: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        actor_role=Role.COMMUNE_OFFICER,
        commune_id=gift_list.commune_id,
        object_type=OBJECT_TYPE,
        object_id=str(gift_list.pk),
        event=event,
        data=data,
    )


def require_officer(actor: User, commune_id: int) -> None:
    if Role.COMMUNE_OFFICER not in scope_for(actor).roles_in(commune_id):
        raise NotPermitted(_("Only an officer of this commune can change its gift list."))


def gift_list_lock(gift_list: GiftList, *, state: str, message: str) -> GiftList:
    locked = GiftList.objects.select_for_update().get(pk=gift_list.pk)
    if locked.state != state:
        raise TransitionNotAllowed(message, code="gift_list_state")
    return locked


def gift_list_open(*, actor: User, campaign: Campaign, commune: AdministrativeUnit) -> GiftList:
    """The commune's list for the campaign (opened once, with its process)."""
    require_officer(actor, commune.pk)
    if campaign.reconciled_at is not None:
        raise TransitionNotAllowed(_("This campaign is reconciled and closed."))
    with transaction.atomic():
        gift_list, created = GiftList.objects.get_or_create(
            campaign=campaign, commune=commune, defaults={"created_by": actor}
        )
        if created:
            flows.process_start(gift_list)
            _audit_list(gift_list, actor, "gift_list_create", {"campaign": campaign.code})
    return gift_list


@dataclass
class AddResult:
    added: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def gift_rows_add(
    *,
    actor: User,
    gift_list: GiftList,
    pairs: Iterable[tuple[int, GiftPackage]],
    how: str,
    notes: dict[tuple[int, int], str] | None = None,
    event: str = "gift_rows_add",
    audit_data: dict[str, Any] | None = None,
) -> AddResult:
    """Add (person id, package) rows to a list being prepared, at the package's
    amount. Rows the database would refuse (already in that package, in any
    commune) are counted in `skipped` instead; one audit event for the lot
    (`event`, with `audit_data` beside the counts: the .xlsx import passes its
    own). `notes` gives a row's note by (person id, package id)."""
    require_officer(actor, gift_list.commune_id)
    result = AddResult()
    with transaction.atomic():
        locked = gift_list_lock(
            gift_list,
            state=L.PREPARING,
            message=_("Recipients can only be added while the list is being prepared."),
        )
        wanted = list(pairs)
        taken = set(
            GiftRecipient.objects.filter(
                package_id__in={p.pk for _pid, p in wanted},
                person_id__in={pid for pid, _p in wanted},
            )
            .exclude(state=R.RETURNED)
            .values_list("package_id", "person_id")
        )
        rows = []
        seen: set[tuple[int, int]] = set()
        for person_id, package in wanted:
            key = (package.pk, person_id)
            if key in taken or key in seen:
                result.skipped["already_listed"] = result.skipped.get("already_listed", 0) + 1
                continue
            seen.add(key)
            note = (notes or {}).get((person_id, package.pk), "")
            rows.append((package.pk, person_id, package.amount, note))
        try:
            with transaction.atomic():
                _insert_rows(locked, rows)
        except IntegrityError:
            # Someone listed one of these people in the same package meanwhile.
            raise TransitionNotAllowed(
                _("Someone changed these lists a moment ago. Try again."),
                code="concurrent_change",
            ) from None
        result.added = len(rows)
        data = {"how": how, "added": result.added, **(audit_data or {})}
        _audit_list(locked, actor, event, data)
    return result


def _insert_rows(gift_list: GiftList, rows: list[tuple[int, int, int, str]]) -> None:
    """(package, person, amount, note) rows in one INSERT ... SELECT FROM unnest:
    26,553 rows in a fraction of a second, where bulk_create spends seconds
    building its SQL."""
    if not rows:
        return
    packages, people, amounts, notes = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {GiftRecipient._meta.db_table}
                (gift_list_id, commune_id, package_id, person_id, amount, note, state,
                 created_at, signed_by, proxy_name, proxy_relationship, return_reason)
                SELECT %s, %s, u.package_id, u.person_id, u.amount, u.note, %s, %s, '', '', '', ''
                  FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[])
                       AS u(package_id, person_id, amount, note)""",
            [
                gift_list.pk,
                gift_list.commune_id,
                R.LISTED,
                timezone.now(),
                packages,
                people,
                amounts,
                notes,
            ],
        )


def gift_list_build(*, actor: User, gift_list: GiftList) -> AddResult:
    """Fill a list from the registry: every person of the commune, each in the
    packages the rules give them (one President's gift, the highest)."""
    packages = campaign_packages(gift_list.campaign, gift_list.commune)
    people = Person.objects.filter(commune_id=gift_list.commune_id).only(
        "id", "commune_id", "categories", "merit_subtype"
    )
    pairs = [(p.pk, pkg) for p in people for pkg in packages_for(p, packages)]
    return gift_rows_add(actor=actor, gift_list=gift_list, pairs=pairs, how="registry")


def gift_rows_remove(*, actor: User, gift_list: GiftList, row_ids: Iterable[int]) -> int:
    require_officer(actor, gift_list.commune_id)
    with transaction.atomic():
        locked = gift_list_lock(
            gift_list,
            state=L.PREPARING,
            message=_("Recipients can only be removed while the list is being prepared."),
        )
        removed, _detail = GiftRecipient.objects.filter(
            gift_list_id=locked.pk, pk__in=list(row_ids)
        ).delete()
        _audit_list(locked, actor, "gift_rows_remove", {"removed": removed})
    return removed


def _rows(gift_list: GiftList, row_ids: Iterable[int] | None) -> QuerySet[GiftRecipient]:
    qs = GiftRecipient.objects.filter(gift_list_id=gift_list.pk, state=R.APPROVED)
    return qs if row_ids is None else qs.filter(pk__in=list(row_ids))


def _distribution_lock(actor: User, gift_list: GiftList) -> GiftList:
    require_officer(actor, gift_list.commune_id)
    return gift_list_lock(
        gift_list,
        state=L.APPROVED,
        message=_("Deliveries are recorded once the list is approved, until it is closed."),
    )


def gift_rows_deliver(
    *,
    actor: User,
    gift_list: GiftList,
    row_ids: Iterable[int] | None = None,
    delivered_on: dt.date | None,
    signed_by: str = SignedBy.RECIPIENT,
    proxy_name: str = "",
    proxy_relationship: str = "",
) -> BulkResult:
    """Record gifts as handed over and signed for (all approved rows of the list
    when `row_ids` is None): by the recipient, or by a named proxy with their
    relationship."""
    errors: dict[str, list[str]] = {}
    if delivered_on is None:
        errors["delivered_on"] = [_("Please give the delivery date.")]
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = [_("The date cannot be in the future.")]
    if signed_by not in SignedBy.values:
        errors["signed_by"] = [_("Choose who signed.")]
    if signed_by == SignedBy.PROXY:
        if not proxy_name.strip():
            errors["proxy_name"] = [_("Please give the proxy's name.")]
        if not proxy_relationship.strip():
            errors["proxy_relationship"] = [_("Please give the proxy's relationship.")]
    if errors:
        raise InvalidData(fields=errors)
    assert delivered_on is not None
    values = {
        "delivered_on": delivered_on,
        "signed_by": signed_by,
        "proxy_name": proxy_name.strip() if signed_by == SignedBy.PROXY else "",
        "proxy_relationship": proxy_relationship.strip() if signed_by == SignedBy.PROXY else "",
    }
    with transaction.atomic():
        locked = _distribution_lock(actor, gift_list)
        result = bulk_transition(
            _rows(locked, row_ids),
            "deliver",
            actor=actor,
            allowed_roles={Role.COMMUNE_OFFICER},
            values=values,
            data={**values, "delivered_on": delivered_on.isoformat()},
        )
        # One line on the list's own timeline beside the rows' events.
        _audit_list(
            locked,
            actor,
            "gift_rows_deliver",
            {"delivered": len(result.moved), "delivered_on": delivered_on.isoformat()},
        )
        return result


def gift_rows_return(
    *,
    actor: User,
    gift_list: GiftList,
    row_ids: Iterable[int],
    reason: str,
    note: str = "",
) -> BulkResult:
    """Record gifts not handed over (unclaimed, deceased, moved away)."""
    if reason not in ReturnReason.values:
        raise InvalidData(fields={"reason": [_("Choose why the gift was not delivered.")]})
    with transaction.atomic():
        locked = _distribution_lock(actor, gift_list)
        result = bulk_transition(
            _rows(locked, row_ids),
            "return_unclaimed",
            actor=actor,
            allowed_roles={Role.COMMUNE_OFFICER},
            values={"return_reason": reason, "note": note.strip()[:300]},
            reason=note.strip(),
            data={"return_reason": reason},
        )
        _audit_list(
            locked, actor, "gift_rows_return", {"returned": len(result.moved), "reason": reason}
        )
        return result


def campaign_lists_transition(
    *, actor: User, campaign: Campaign, name: str, state: str, reason: str = ""
) -> list[GiftList]:
    """Fire transition `name` on every list of the campaign in `state` that the
    actor may move (e.g. the office head approves every reviewed list, all
    their rows at once), each through the engine, all in one transaction: one
    refusal and nothing moves. Returns the lists moved."""

    with transaction.atomic():
        lists = list(
            gift_lists_for_user(actor)
            .filter(campaign=campaign, state=state)
            .select_related("campaign", "commune")
            .order_by("commune__name")
        )
        token = None
        if name == "approve" and lists:
            # The budgets, checked once for the whole action (under this transaction).
            problems = budget_overruns(campaign.pk)
            if problems:
                raise InvalidData(" ".join(problems), code="budget_exceeded")
            token = budgets_checked.set(budgets_checked.get() | {campaign.pk})
        try:
            for gift_list in lists:
                transition(gift_list, name, actor=actor, reason=reason, expected_state=state)
        finally:
            if token is not None:
                budgets_checked.reset(token)
    return lists


def campaign_reconcile(*, actor: User, campaign: Campaign) -> Campaign:
    """The district closes the campaign once every list is closed (audited)."""
    if Role.DISTRICT_SPECIALIST not in scope_for(actor).district_roles:
        raise NotPermitted(_("Only the district specialist reconciles a campaign."))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.reconciled_at is not None:
            raise TransitionNotAllowed(_("This campaign is already reconciled."))
        open_lists = locked.lists.exclude(state=L.CLOSED).count()
        if open_lists or not locked.lists.exists():
            raise TransitionNotAllowed(
                _("%(count)s commune lists are not closed yet.") % {"count": open_lists},
                code="lists_open",
            )
        locked.reconciled_at = timezone.now()
        locked.reconciled_by = actor
        locked.save(update_fields=["reconciled_at", "reconciled_by"])
        audit.record(
            actor=actor,
            actor_role=Role.DISTRICT_SPECIALIST,
            object_type="cases.campaign",
            object_id=str(locked.pk),
            event="campaign_reconcile",
            data={"campaign": locked.code},
        )
    return locked
