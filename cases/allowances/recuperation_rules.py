"""Who may go on a recuperation trip in a year (by the category's cycle, from
the last trip), the quota that governs a commune's list, and the amount of a
trip on a day (0.9 or 1.8 × the meritorious-service standard in force)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext as _

from cases.allowances.models import (
    Entitlement,
    EntitlementState,
    Recuperation,
    RecuperationMode,
    RecuperationQuota,
    RecuperationRate,
    Regime,
)
from cases.allowances.rates import Standards, round_dong
from cases.models import AdministrativeUnit, Person
from workflows.actors import Reader
from workflows.exceptions import InvalidData
from workflows.formatting import vn_date
from workflows.permissions import scoped

MODES = RecuperationMode
RATE_MISSING = "recuperation_rate_missing"


def eligible_entitlements(*, commune_id: int, year: int) -> QuerySet[Entitlement]:
    """The active meritorious-service entitlements of a commune whose holders
    may go in `year` (one query, no loop over people): their category has a
    cycle (`recuperation_years`), their last trip (any earlier year, any
    commune) is at least that many years back, and they are on no list of
    `year` yet. Annotated with `last_year` (None: never went)."""
    earlier = (
        Recuperation.objects.filter(person_id=OuterRef("person_id"), year__lt=year)
        .order_by("-year")
        .values("year")[:1]
    )
    this_year = Recuperation.objects.filter(person_id=OuterRef("person_id"), year=year)
    return (
        Entitlement.objects.filter(
            commune_id=commune_id,
            regime=Regime.MERIT,
            state=EntitlementState.ACTIVE,
            category__recuperation_years__isnull=False,
            start_month__lte=dt.date(year, 12, 1),
        )
        .annotate(last_year=Subquery(earlier))
        .filter(
            Q(last_year__isnull=True)
            | Q(last_year__lte=Value(year) - F("category__recuperation_years"))
        )
        .exclude(Exists(this_year))
    )


def recuperation_eligible(user: Reader, *, commune_id: int, year: int) -> QuerySet[Entitlement]:
    """The people of a commune who may go in `year`, as the user may see them
    (nothing for another commune), by name."""
    return scoped(eligible_entitlements(commune_id=commune_id, year=year), user).order_by(
        "person__full_name", "person_id"
    )


@dataclass(frozen=True)
class QuotaUse:
    """The quota that governs a commune's list: the commune's own for the
    year, else its district's (counted over all the district's communes and
    what they became)."""

    area: AdministrativeUnit
    quota: int
    used: int

    @property
    def left(self) -> int:
        return max(self.quota - self.used, 0)

    @property
    def shared(self) -> bool:
        return self.area.level != AdministrativeUnit.Level.COMMUNE


def _districts_of(commune_id: int) -> list[int]:
    """The districts above the commune and above the units it was formed
    from by a reorganisation (and theirs): a district's quota for the year
    it was abolished carries to the communes that took its communes over."""
    units = AdministrativeUnit._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"WITH RECURSIVE line AS ({AdministrativeUnit.lineage_sql()}), "
            "back(unit_id) AS (SELECT %s::bigint UNION "
            " SELECT l.predecessor_id FROM back b JOIN line l ON l.successor_id = b.unit_id) "
            f"SELECT DISTINCT d.id FROM back b JOIN {units} u ON u.id = b.unit_id "
            f"JOIN {units} d ON d.id = u.parent_id WHERE d.level = %s ORDER BY d.id",
            [commune_id, AdministrativeUnit.Level.DISTRICT],
        )
        return [row[0] for row in cur.fetchall()]


def _listed_under(district_ids: list[int], year: int) -> int:
    """People on the lists of `year` of the districts' communes and of the
    units a reorganisation formed from them."""
    units = AdministrativeUnit._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"WITH RECURSIVE line AS ({AdministrativeUnit.lineage_sql()}), "
            f"fwd(unit_id) AS (SELECT id FROM {units} WHERE parent_id = ANY(%s) UNION "
            " SELECT l.successor_id FROM fwd f JOIN line l ON l.predecessor_id = f.unit_id) "
            f"SELECT count(*) FROM {Recuperation._meta.db_table} "
            "WHERE year = %s AND commune_id IN (SELECT unit_id FROM fwd)",
            [district_ids, year],
        )
        return int(cur.fetchone()[0])


def quota_use(commune_id: int, year: int, *, lock: bool = False) -> QuotaUse | None:
    """The quota in force for a commune's list of `year` and the people listed
    against it (None: no quota is set). `lock` holds the quota row until the
    transaction ends, so that two officers adding at once are counted one
    after the other (the second counts the first's rows once committed).
    A commune of the two-level government has no district above it: in the
    year of the reorganisation, the quota of the district its former units
    belonged to still governs it, shared with the other communes formed from
    that district's (the quota carries over the date)."""
    districts = _districts_of(commune_id)
    rows = RecuperationQuota.objects.filter(year=year, area_id__in=[commune_id, *districts])
    if lock:
        rows = rows.select_for_update(of=("self",))
    quotas = {q.area_id: q for q in rows.select_related("area").order_by("area_id")}
    own = quotas.pop(commune_id, None)
    if own is not None:
        used = Recuperation.objects.filter(year=year, commune_id=commune_id).count()
        return QuotaUse(own.area, own.quota, used)
    if not quotas:
        return None
    # Communes formed from two districts' answer to both quotas, summed.
    shared = list(quotas.values())
    used = _listed_under([q.area_id for q in shared], year)
    return QuotaUse(shared[0].area, sum(q.quota for q in shared), used)


def recuperation_amounts(on: dt.date) -> dict[str, int]:
    """The amount of a trip by mode on a day: the mode's multiplier in force
    × the meritorious-service standard in force (NĐ 75/2021 Art. 6: 0.9 at
    home, 1.8 at a centre), rounded to the đồng. Two small queries."""
    standard = Standards.load().national(Regime.MERIT, on)
    multipliers: dict[str, Decimal] = {}
    for mode, multiplier in (
        RecuperationRate.objects.filter(effective_from__lte=on)
        .order_by("mode", "-effective_from")
        .values_list("mode", "multiplier")
    ):
        multipliers.setdefault(mode, multiplier)
    missing = [m for m in MODES.values if m not in multipliers]
    if not standard or missing:
        raise InvalidData(
            _(
                "No recuperation rate or meritorious-service standard is in force on "
                "%(date)s: ask the administrator to enter it."
            )
            % {"date": vn_date(on)},
            code=RATE_MISSING,
        )
    return {mode: round_dong(Decimal(standard) * m) for mode, m in multipliers.items()}


def refusals(commune_id: int, year: int, person_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Why each of these people may not go in `year` (only read on a refusal)."""
    ids = list(person_ids)
    held = {
        e.person_id: e
        for e in Entitlement.objects.filter(
            person_id__in=ids,
            commune_id=commune_id,
            regime=Regime.MERIT,
            state=EntitlementState.ACTIVE,
        ).select_related("category", "person")
    }
    last: dict[int, int] = {}
    listed: set[int] = set()
    for person_id, row_year in Recuperation.objects.filter(
        person_id__in=ids, year__lte=year
    ).values_list("person_id", "year"):
        if row_year == year:
            listed.add(person_id)
        else:
            last[person_id] = max(row_year, last.get(person_id, 0))
    names: dict[int, str] = dict(Person.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    out = []
    for pid in ids:
        ent = held.get(pid)
        name = names.get(pid, str(pid))
        if ent is None:
            code, why = (
                "no_active_entitlement",
                _("has no meritorious-service allowance being paid in this commune"),
            )
        elif ent.category.recuperation_years is None:
            code, why = (
                "category_not_eligible",
                _("the category “%(category)s” has no recuperation")
                % {"category": ent.category.name},
            )
        elif pid in listed:
            code, why = (
                "already_listed",
                _("is already on a recuperation list of %(year)s") % {"year": year},
            )
        else:
            every = ent.category.recuperation_years
            code, why = (
                "too_soon",
                _(
                    "went last in %(last)s; this category goes every %(every)s years, "
                    "so next in %(next)s"
                )
                % {"last": last[pid], "every": every, "next": last[pid] + every},
            )
        out.append({"person_id": pid, "name": name, "reason": code, "message": str(why)})
    return out
