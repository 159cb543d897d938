"""Recuperation trips (điều dưỡng phục hồi sức khỏe): who may go in a year
(by the category's cycle, from their last trip), each commune's yearly list
(opened with its process, filled while a draft and within the quota), the
amounts by the standard in force, and the hooks of the list's transitions
(`RECUPERATION_SPEC` in spec.py). State changes go through
`workflows.engine.transition`; the services here change what a draft holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.allowances.models import (
    Recuperation,
    RecuperationList,
    RecuperationListState,
    RecuperationMode,
)

# The rules are read from here too (one module for the pages and the API).
from cases.allowances.recuperation_rules import RATE_MISSING as RATE_MISSING
from cases.allowances.recuperation_rules import QuotaUse as QuotaUse
from cases.allowances.recuperation_rules import eligible_entitlements as eligible_entitlements
from cases.allowances.recuperation_rules import quota_use as quota_use
from cases.allowances.recuperation_rules import recuperation_amounts as recuperation_amounts
from cases.allowances.recuperation_rules import recuperation_eligible as recuperation_eligible
from cases.allowances.recuperation_rules import refusals
from cases.models import AdministrativeUnit
from workflows import audit, flows
from workflows.actors import Reader, User
from workflows.exceptions import InvalidData, NotPermitted, SeparationOfDuties, TransitionNotAllowed
from workflows.formatting import money, number
from workflows.forms import PastDateField
from workflows.models import AuditEvent
from workflows.permissions import Role, get_scoped_or_404, scope_for, scoped
from workflows.specs import refuse

RL = RecuperationListState
MODES = RecuperationMode
OBJECT_TYPE = "allowances.recuperationlist"
# Events by which someone prepared a list: they may not approve it.
PREPARING_EVENTS = ("recuperation_list_create", "recuperation_rows_add", "recuperation_rows_remove")

# Stable codes of the refusals (the API's `code`).
NOT_ELIGIBLE = "recuperation_not_eligible"
QUOTA_EXCEEDED = "recuperation_quota_exceeded"
NO_QUOTA = "recuperation_no_quota"
LIST_STATE = "recuperation_list_state"
LIST_EMPTY = "recuperation_list_empty"


# --- reads ---------------------------------------------------------------------------


def recuperation_list_get(user: Reader, pk: Any) -> RecuperationList:
    """Fetch and authorize in one call: another commune's list is 'not found'."""
    return get_scoped_or_404(RecuperationList.objects.select_related("commune"), user, pk)


def recuperation_rows_for_user(user: Reader, recuperation_list: RecuperationList) -> QuerySet:
    """A list's rows, read through the user's scope again (a row carries its commune)."""
    return scoped(Recuperation.objects.filter(recuperation_list_id=recuperation_list.pk), user)


# --- services ------------------------------------------------------------------------


def _require_officer(actor: User, commune_id: int) -> None:
    if Role.COMMUNE_OFFICER not in scope_for(actor).roles_in(commune_id):
        raise NotPermitted(_("Only an officer of this commune can prepare its recuperation list."))


def _audit(rl: RecuperationList, actor: User, event: str, data: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        actor_role=Role.COMMUNE_OFFICER,
        commune_id=rl.commune_id,
        object_type=OBJECT_TYPE,
        object_id=str(rl.pk),
        event=event,
        data=data,
    )


def _lock_draft(rl: RecuperationList, message: str) -> RecuperationList:
    locked = RecuperationList.objects.select_for_update().get(pk=rl.pk)
    if locked.state != RL.DRAFT:
        raise TransitionNotAllowed(message, code=LIST_STATE)
    return locked


def recuperation_list_open(
    *, actor: User, commune: AdministrativeUnit, year: int
) -> RecuperationList:
    """The commune's list for `year` (opened once, with its viewflow process:
    first task, prepare). Audited when opened."""
    _require_officer(actor, commune.pk)
    if not 2000 <= year <= timezone.localdate().year + 1:
        refuse({"year": [_("Give a year between 2000 and next year.")]})
    with transaction.atomic():
        rl, created = RecuperationList.objects.get_or_create(
            commune=commune, year=year, defaults={"created_by": actor}
        )
        if created:
            flows.process_start(rl)
            _audit(rl, actor, "recuperation_list_create", {"year": year})
    return rl


def recuperation_rows_add(
    *,
    actor: User,
    recuperation_list: RecuperationList,
    choices: Mapping[int, str],
    on: dt.date | None = None,
) -> int:
    """Put people (person id → mode, home or centre) on a draft list, at the
    amount of their mode by the standard in force on `on` (the planned day of
    the trip, default today; recorded again on the day sent). Refuses the
    whole batch when one person may not go (code `recuperation_not_eligible`,
    each person's reason in `people`) or when the quota would be exceeded
    (`recuperation_quota_exceeded`; `recuperation_no_quota` when none is set),
    counted under the quota row's lock. One audit event. Returns the count."""
    rl = recuperation_list
    _require_officer(actor, rl.commune_id)
    wanted = {int(pid): mode for pid, mode in choices.items()}
    if not wanted:
        raise InvalidData(_("Choose the people to add first."), code="no_rows_selected")
    if any(mode not in MODES.values for mode in wanted.values()):
        refuse({"mode": [_("Choose at home or at a centre for each person.")]})
    amounts = recuperation_amounts(on or timezone.localdate())
    with transaction.atomic():
        locked = _lock_draft(rl, _("People can only be added while the list is being prepared."))
        quota = quota_use(locked.commune_id, locked.year, lock=True)
        eligible = {
            e.person_id: e
            for e in eligible_entitlements(commune_id=locked.commune_id, year=locked.year).filter(
                person_id__in=list(wanted)
            )
        }
        refused = [pid for pid in wanted if pid not in eligible]
        if refused:
            people = refusals(locked.commune_id, locked.year, refused)
            raise InvalidData(
                _("Not eligible for recuperation in %(year)s: %(people)s.")
                % {
                    "year": locked.year,
                    "people": "; ".join(f"{p['name']} ({p['message']})" for p in people),
                },
                code=NOT_ELIGIBLE,
                extra={"people": people},
            )
        if quota is None:
            raise no_quota(locked.year)
        if quota.used + len(wanted) > quota.quota:
            raise InvalidData(
                _(
                    "Over the quota: %(area)s may send %(quota)s people in %(year)s, "
                    "%(used)s are listed already, so %(left)s more at most (you chose %(n)s)."
                )
                % {
                    "area": quota.area.name,
                    "quota": number(quota.quota),
                    "year": locked.year,
                    "used": number(quota.used),
                    "left": number(quota.left),
                    "n": number(len(wanted)),
                },
                code=QUOTA_EXCEEDED,
                extra={"quota": quota.quota, "used": quota.used},
            )
        rows = [
            Recuperation(
                recuperation_list=locked,
                commune_id=locked.commune_id,
                person_id=pid,
                entitlement=eligible[pid],
                category_id=eligible[pid].category_id,
                year=locked.year,
                mode=mode,
                amount=amounts[mode],
            )
            for pid, mode in wanted.items()
        ]
        try:
            with transaction.atomic():
                Recuperation.objects.bulk_create(rows)
        except IntegrityError:
            # Someone put one of these people on another commune's list meanwhile.
            raise TransitionNotAllowed(
                _("Someone changed these lists a moment ago. Try again."),
                code="concurrent_change",
            ) from None
        modes = list(wanted.values())
        _audit(
            locked,
            actor,
            "recuperation_rows_add",
            {
                "added": len(rows),
                "home": modes.count(MODES.HOME),
                "centre": modes.count(MODES.CENTRE),
            },
        )
    return len(rows)


def recuperation_rows_remove(
    *, actor: User, recuperation_list: RecuperationList, row_ids: Iterable[int]
) -> int:
    """Take rows off a draft list (one audit event); returns how many."""
    _require_officer(actor, recuperation_list.commune_id)
    ids = list(row_ids)
    if not ids:
        raise InvalidData(_("Select the rows first."), code="no_rows_selected")
    with transaction.atomic():
        locked = _lock_draft(
            recuperation_list, _("People can only be removed while the list is being prepared.")
        )
        removed, _detail = Recuperation.objects.filter(
            recuperation_list_id=locked.pk, pk__in=ids
        ).delete()
        _audit(locked, actor, "recuperation_rows_remove", {"removed": removed})
    return removed


# --- the transitions' hooks (RECUPERATION_SPEC) ----------------------------------------


class RecuperationPaidForm(forms.Form):
    sent_on = PastDateField(label=gettext_lazy("Sent on (the day of the trip)"))


def paid_initial(rl: RecuperationList) -> dict[str, Any]:
    """The day sent, as the form shows it first: today, or the list year's last day."""
    return {"sent_on": min(timezone.localdate(), dt.date(rl.year, 12, 31))}


def no_quota(year: int) -> InvalidData:
    return InvalidData(
        _(
            "No recuperation quota is set for %(year)s for this commune or its "
            "district: ask the administrator to enter it."
        )
        % {"year": year},
        code=NO_QUOTA,
    )


def check_submit(rl: RecuperationList, data: dict[str, Any], actor: User) -> None:
    """Not empty, and still within the quota (a quota lowered since is seen here)."""
    listed = Recuperation.objects.filter(recuperation_list_id=rl.pk).count()
    if not listed:
        raise InvalidData(_("The list is empty: add people first."), code=LIST_EMPTY)
    quota = quota_use(rl.commune_id, rl.year, lock=True)
    if quota is None:
        raise no_quota(rl.year)
    if quota.used > quota.quota:
        raise InvalidData(
            _("The list is over the recuperation quota of %(year)s: remove people first.")
            % {"year": rl.year},
            code=QUOTA_EXCEEDED,
        )


def check_approve(rl: RecuperationList, data: dict[str, Any], actor: User) -> None:
    """Whoever prepared the list (opened it, added or removed people) may not
    approve it, whatever roles they hold."""
    prepared = (
        rl.created_by_id == actor.pk
        or AuditEvent.objects.filter(
            object_type=OBJECT_TYPE,
            object_id=str(rl.pk),
            actor_id=actor.pk,
            event__in=PREPARING_EVENTS,
        ).exists()
    )
    if prepared:
        raise SeparationOfDuties(
            _("Separation of duties: you prepared this list, so another person must approve it.")
        )


def check_record_paid(rl: RecuperationList, data: dict[str, Any], actor: User) -> None:
    sent_on = data["sent_on"]
    if sent_on.year != rl.year:
        refuse({"sent_on": [_("The trips of this list are sent in %(year)s.") % {"year": rl.year}]})


def apply_record_paid(rl: RecuperationList, data: dict[str, Any], actor: User) -> None:
    """Every row sent on that day, at the amount of its mode by the standard
    in force that day (one UPDATE). At-home amounts are paid to the person
    directly; centre amounts to the centre."""
    sent_on = data["sent_on"]
    amounts = recuperation_amounts(sent_on)
    Recuperation.objects.filter(recuperation_list_id=rl.pk).update(
        sent_on=sent_on,
        amount=Case(
            *(When(mode=m, then=Value(a)) for m, a in amounts.items()),
            default=F("amount"),
            output_field=BigIntegerField(),
        ),
    )


EVENT_LABELS = {
    "recuperation_list_create": gettext_lazy("Opened the list"),
    "recuperation_rows_add": gettext_lazy("Added people"),
    "recuperation_rows_remove": gettext_lazy("Removed people"),
}


def describe_event(event: Any) -> list[tuple[str, str]] | None:
    """What a list's own event says beyond its label."""
    data = event.data or {}
    out: list[tuple[str, str]] = []
    if "added" in data:
        out.append(
            (
                "",
                _("%(count)s people added (%(home)s at home, %(centre)s at a centre)")
                % {
                    "count": number(data["added"]),
                    "home": number(data.get("home", 0)),
                    "centre": number(data.get("centre", 0)),
                },
            )
        )
    if "removed" in data:
        out.append(("", _("%(count)s people removed") % {"count": number(data["removed"])}))
    return out


def amounts_note(on: dt.date) -> str:
    """'at home 2.510.100 đ · at a centre 5.020.200 đ' on a day, for the pages."""
    amounts = recuperation_amounts(on)
    return _("at home %(home)s · at a centre %(centre)s") % {
        "home": money(amounts[MODES.HOME]),
        "centre": money(amounts[MODES.CENTRE]),
    }
