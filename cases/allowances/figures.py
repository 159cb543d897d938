"""Figures of the allowances for the six-month report and the dashboard,
read through the user's scope: recuperation trips sent against the quota."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from cases.allowances.models import Recuperation, RecuperationQuota
from cases.models import AdministrativeUnit
from workflows.actors import Reader
from workflows.permissions import scope_for, scoped


def recuperation_figures(
    user: Reader,
    start: dt.date,
    end: dt.date,
    *,
    district: AdministrativeUnit | None = None,
) -> dict[str, int]:
    """`{sent, quota}` between `start` and `end` (both included): the trips
    sent on a day in the period in the communes the user sees (of `district`
    only, when given), and the yearly quotas of the years the period touches
    (the report's "450 … đạt 50% chỉ tiêu" compares H1 with the year's quota).

    A district's quota covers its communes; a commune's own quota counts only
    where its district has none that year (no double count). Commune roles
    get their communes' own quotas: a district's quota is not theirs. Three
    queries whatever the data size."""
    communes = scoped(
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE), user, field="id"
    )
    if district is not None:
        communes = communes.filter(parent_id=district.pk)
    sent = Recuperation.objects.filter(
        commune_id__in=communes.values("id"), sent_on__range=(start, end)
    ).count()
    years = range(start.year, end.year + 1)
    unit_filter = Q(area_id__in=communes.values("id"))
    if scope_for(user).sees_all_communes:
        parents = communes.values("parent_id")
        unit_filter |= Q(area_id__in=parents)
    rows = list(
        RecuperationQuota.objects.filter(unit_filter, year__in=list(years)).values_list(
            "year", "area_id", "area__level", "area__parent_id", "quota"
        )
    )
    with_district = {(year, area) for year, area, level, _p, _q in rows if level != "commune"}
    quota = sum(
        q
        for year, _area, level, parent, q in rows
        if level != "commune" or (year, parent) not in with_district
    )
    return {"sent": sent, "quota": quota}
