"""Scoped reads of gift campaigns: packages, a commune's lists and rows, and the
campaign's tallies and reconciliation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from cases.gifts.models import (
    Campaign,
    GiftList,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    GiftSource,
)
from cases.models import AdministrativeUnit, Person
from workflows.actors import Reader
from workflows.exceptions import NotFound
from workflows.permissions import get_or_not_found, get_scoped_or_404, scope_for, scoped
from workflows.text import clean_text, fold_search_q, national_id_terms, search_digits

# --- eligibility --------------------------------------------------------------

R = GiftRecipientState


def packages_for(person: Person, packages: Iterable[GiftPackage]) -> list[GiftPackage]:
    """The packages `person` receives: every package whose rules they meet, but
    in an exclusive group (the President's) only the highest amount."""
    chosen: list[GiftPackage] = []
    best: dict[str, GiftPackage] = {}
    for package in packages:
        if not package.accepts(person):
            continue
        group = package.exclusive_group
        if not group:
            chosen.append(package)
        elif group not in best or package.amount > best[group].amount:
            best[group] = package
    return chosen + sorted(best.values(), key=lambda p: p.pk)


def campaign_packages(campaign: Campaign, commune: AdministrativeUnit) -> list[GiftPackage]:
    """The campaign's packages open to a commune: the common ones and its own."""
    return list(
        campaign.packages.filter(Q(commune__isnull=True) | Q(commune=commune)).order_by("id")
    )


# --- scoped reads --------------------------------------------------------------


def campaign_get(user: Reader, pk: Any, *, figures: bool = False) -> Campaign:
    """A campaign belongs to the district: every role reads it (the figures
    shown with it are scoped where they are read). With `figures`, only roles
    of the general processes, the only ones with figures to see."""
    scope = scope_for(user)
    if not (scope.sees_general if figures else scope.has_any_role):
        raise NotFound()
    campaign: Campaign = get_or_not_found(Campaign.objects.all(), pk)
    return campaign


def gift_lists_for_user(user: Reader) -> QuerySet[GiftList]:
    return scoped(GiftList, user)


def gift_list_get(user: Reader, pk: Any) -> GiftList:
    return get_scoped_or_404(GiftList.objects.select_related("campaign", "commune"), user, pk)


def gift_rows_for_user(user: Reader) -> QuerySet[GiftRecipient]:
    return scoped(GiftRecipient, user)


def gift_rows_matching(rows: QuerySet[GiftRecipient], q: str) -> QuerySet[GiftRecipient]:
    """`rows` whose person's national ID starts with the digits of `q` (spaces
    and dots allowed; 11 digits: also the ID with the leading zero a
    spreadsheet dropped) or whose name contains `q`, with or without
    diacritics."""
    q = clean_text(q or "")
    digits = search_digits(q)
    if digits:
        match = Q(person__national_id__startswith=digits)
        for full in national_id_terms(digits) or []:
            match |= Q(person__national_id=full)
        return rows.filter(match)
    return rows.filter(fold_search_q("person__full_name_folded", q)) if q else rows


@dataclass
class Tally:
    """Counts and amounts of one reconciliation line."""

    key: str
    label: str
    planned: int = 0
    planned_amount: int = 0
    delivered: int = 0
    delivered_amount: int = 0
    returned: int = 0
    returned_amount: int = 0

    @property
    def pending(self) -> int:
        return self.planned - self.delivered - self.returned

    @property
    def pending_amount(self) -> int:
        return self.planned_amount - self.delivered_amount - self.returned_amount

    def add(self, other: Tally) -> None:
        for name in (
            "planned",
            "planned_amount",
            "delivered",
            "delivered_amount",
            "returned",
            "returned_amount",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Reconciliation:
    by_source: list[Tally]
    by_commune: list[Tally]
    total: Tally


TALLY = {
    "planned": Count("id"),
    "planned_amount": Sum("amount", default=0),
    "delivered": Count("id", filter=Q(state=R.DELIVERED)),
    "delivered_amount": Sum("amount", filter=Q(state=R.DELIVERED), default=0),
    "returned": Count("id", filter=Q(state=R.RETURNED)),
    "returned_amount": Sum("amount", filter=Q(state=R.RETURNED), default=0),
}


def campaign_reconciliation(user: Reader, campaign: Campaign) -> Reconciliation:
    """Planned / delivered / returned, by funding source (and donor) and by
    commune, over the rows the user may see: both views add up to the same
    total (two grouped queries)."""
    rows = gift_rows_for_user(user).filter(package__campaign=campaign)
    labels = dict(GiftSource.choices)
    by_source = []
    tally = list(TALLY)
    for r in (
        rows.values("package__source", "package__donor")
        .annotate(**TALLY)
        .order_by("package__source", "package__donor")
    ):
        source, donor = r["package__source"], r["package__donor"]
        label = f"{labels.get(source, source)}" + (f" ({donor})" if donor else "")
        by_source.append(
            Tally(key=f"{source}:{donor}", label=label, **{k: r[k] for k in tally})  # type: ignore[literal-required]
        )
    by_commune = []
    for c in rows.values("commune_id", "commune__name").annotate(**TALLY).order_by("commune__name"):
        by_commune.append(
            Tally(key=str(c["commune_id"]), label=c["commune__name"], **{k: c[k] for k in tally})  # type: ignore[literal-required]
        )
    total = Tally(key="total", label=_("Total"))
    for line in by_source:
        total.add(line)
    return Reconciliation(by_source=by_source, by_commune=by_commune, total=total)


def campaign_people_in_several_communes(user: Reader, campaign: Campaign) -> QuerySet[Person]:
    """People on (not returned) rows of the campaign in two or more communes:
    flagged for the district to check."""
    rows = (
        gift_rows_for_user(user)
        .filter(package__campaign=campaign)
        .exclude(state=R.RETURNED)
        .values("person_id")
        .annotate(n=Count("commune_id", distinct=True))
        .filter(n__gt=1)
        .values("person_id")
    )
    return Person.objects.filter(pk__in=rows).order_by("full_name")


def campaign_totals(user: Reader) -> tuple[dict[int, int], dict[int, dict[str, Any]]]:
    """Per campaign: the number of lists and the row tallies (TALLY) the user
    may see — two queries whatever the number of campaigns and rows."""
    lists = {
        r["campaign_id"]: r["n"]
        for r in gift_lists_for_user(user).values("campaign_id").annotate(n=Count("id")).order_by()
    }
    tallies: dict[int, dict[str, Any]] = {
        r["package__campaign_id"]: dict(r)
        for r in gift_rows_for_user(user)
        .values("package__campaign_id")
        .annotate(**TALLY)
        .order_by()
    }
    return lists, tallies
