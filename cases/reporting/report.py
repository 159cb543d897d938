"""The six-month report (báo cáo 6 tháng) of a district office, computed from
the data: the figures of the office's 2024 report (`../shared/seed/`) that the
system holds, each by one aggregate query (ten queries whatever the size of
the district), and the report's body as blocks that the page preview, the
.docx and the JSON answer all render.

What counts, and why:
- **Gifts**: rows of every campaign delivered in the period (`delivered_on`),
  in the district's communes, by funding source (State President, City,
  District, Commune, private donations). "Given by the communes" (the seed's
  4.818 suất) are the gifts of the commune's own budget and the private ones
  the communes raise (xã hội hoá), plus any package reserved for one commune.
- **Children's gifts**: rows of packages whose eligible categories include
  "child in special circumstances" (`tre_em_hcdb`): the data says who a
  package is for, so no flag is needed. A campaign all of whose packages are
  for children (e.g. the Quỹ BTTE's gifts to workers' children) belongs to
  §2.3 (children) and not to §2.1 (the occasion's gifts); children's packages
  inside an occasion campaign (the district's Tết gifts to 130 children) are
  reported in §2.1, as the seed report does.
- **Housing support**: cases whose approval decision is dated in the period
  (`decision_date`) and still in force (approved, being paid, accepted or
  closed; not cancelled), by program and kind, with the approved amounts.
- **Drug rehab**: referrals filed with the court in the period (`filed_on`)
  and voluntary rehab approved in the period (`decision_date`). Only the two
  district counts leave this module: no name, no commune breakdown.
- **One-stop**: dossiers whose result came in the period and count in the
  on-time rate (`workflows.models.OneStopRecord`), on time = result on or
  before the receipt's appointment date (as `workflows.onestop.onestop_kpi`).

- **Allowances and recuperation** (§2.2): payroll lines paid on a day in
  the period, by regime (people and amount), and recuperation trips sent in
  the period against the year's quota: `cases.reporting.report_allowances`.

Which communes: the district's and those that took them over after a
reorganisation (`cases.reporting.units.district_area`), so the report of a
period spanning 01/07/2025 counts the work of the former communes and of the
new ones. The per-commune lines follow the user's `grouping`: the units in
force at the period's end (a former commune's figures under its successor)
or the unit each figure was recorded in; the totals are the same either way.

Plans issued, trainings: the system holds no data on them yet, so they are
editable text whose defaults take the seed report's wording with "…" where
its figures were.

Who may read it: the office head, district specialists and auditors (district
roles of the general processes); the .docx (the office's own document) is
drafted by the office head and the specialists only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cases.gifts.models import Campaign, GiftPackage, GiftRecipient, GiftRecipientState, GiftSource
from cases.housing.models import (
    APPROVED_OPEN,
    HousingCase,
    HousingKind,
    HousingProgram,
    HousingState,
)
from cases.models import AdministrativeUnit, Category
from cases.rehab.models import RehabReferral, VoluntaryRehab
from cases.reporting.report_allowances import allowance_figures
from cases.reporting.report_data import (
    SOURCE_ORDER,
    CampaignFigures,
    CommuneRow,
    HousingFigures,
    OneStopFigures,
    ReportData,
    Tally,
)
from cases.reporting.units import Grouping, Line, UnitMap, district_area
from workflows import formatting
from workflows.actors import Reader
from workflows.exceptions import NotFound, NotPermitted
from workflows.models import OneStopRecord
from workflows.permissions import Role, get_or_not_found, scope_for

READ_ROLES = frozenset({Role.OFFICE_HEAD, Role.DISTRICT_SPECIALIST, Role.AUDITOR})
DRAFT_ROLES = frozenset({Role.OFFICE_HEAD, Role.DISTRICT_SPECIALIST})
CHILD = Category.CHILD_SPECIAL
# Housing cases that hold an approval in force (a cancelled one does not).
DECIDED_STATES = [*APPROVED_OPEN, HousingState.CLOSED]
COMMUNE_LEVEL_SOURCES = (GiftSource.COMMUNE, GiftSource.PRIVATE)
# The documents are Vietnamese administrative papers whatever the UI language.
SOURCE_TEXT: dict[str, str] = {
    GiftSource.PRESIDENT: "quà của Chủ tịch nước",
    GiftSource.CITY: "quà của Thành phố",
    GiftSource.DISTRICT: "quà của huyện",
    GiftSource.COMMUNE: "quà của xã, thị trấn",
    GiftSource.PRIVATE: "quà xã hội hoá",
}
SOURCE_LABEL_VI: dict[str, str] = {
    GiftSource.PRESIDENT: "Chủ tịch nước",
    GiftSource.CITY: "Thành phố",
    GiftSource.DISTRICT: "Huyện",
    GiftSource.COMMUNE: "Xã, thị trấn",
    GiftSource.PRIVATE: "Xã hội hoá",
}
PROGRAM_LABEL_VI: dict[str, str] = {
    HousingProgram.MERIT: "Người có công",
    HousingProgram.POOR: "Hộ nghèo",
    HousingProgram.NEAR_POOR: "Hộ cận nghèo",
}
KIND_LABEL_VI: dict[str, str] = {HousingKind.NEW_BUILD: "Xây mới", HousingKind.REPAIR: "Sửa chữa"}


# --- access ----------------------------------------------------------------------


def may_read_report(user: Reader) -> bool:
    return bool(scope_for(user).district_roles & READ_ROLES)


def may_draft_report(user: Reader) -> bool:
    return bool(scope_for(user).district_roles & DRAFT_ROLES)


def require_report_access(user: Reader, *, draft: bool = False) -> None:
    """404 for users who see none of the general processes (rehab roles), 403
    for other roles (commune roles, accountants; auditors for the .docx)."""
    scope = scope_for(user)
    if not scope.sees_general:
        raise NotFound()
    if not (may_draft_report(user) if draft else may_read_report(user)):
        raise NotPermitted(
            _("Only the office head and district specialists draft the six-month report.")
            if draft
            else _("The six-month report is for the office head, specialists and auditors.")
        )


def districts() -> list[AdministrativeUnit]:
    return list(AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.DISTRICT))


def district_get(pk: Any) -> AdministrativeUnit:
    unit: AdministrativeUnit = get_or_not_found(
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.DISTRICT), pk
    )
    return unit


def last_half_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last half-year that has ended: H2 of last year before July, else H1."""
    if today.month >= 7:
        return dt.date(today.year, 1, 1), dt.date(today.year, 6, 30)
    return dt.date(today.year - 1, 7, 1), dt.date(today.year - 1, 12, 31)


EARLIEST = dt.date(2000, 1, 1)


def period_problems(start: dt.date, end: dt.date) -> dict[str, str]:
    """Field errors of an absurd period: before 2000, or longer than a year."""
    errors: dict[str, str] = {}
    if start < EARLIEST:
        errors["start"] = _("The period cannot start before 01/01/2000.")
    if end < start:
        errors["end"] = _("The end of the period is before its start.")
    else:
        try:
            limit = start.replace(year=start.year + 1)
        except ValueError:  # 29 February
            limit = dt.date(start.year + 1, 3, 1)
        if end >= limit:
            errors["end"] = _("A report covers at most one year: shorten the period.")
    return errors


def default_issued_on(end: dt.date, today: dt.date) -> dt.date:
    """The report's date when the office has not written one: today while the
    period runs or within a month after it ended, else the period's last day
    (a past period's report is not dated years later). The .docx and the
    .xlsx annex use the same date."""
    if today <= end + dt.timedelta(days=31):
        return today
    return end


# --- figures (what they hold: `cases.reporting.report_data`) ------------------------


def six_month_report(
    user: Reader,
    *,
    district: AdministrativeUnit,
    start: dt.date,
    end: dt.date,
    grouping: str = Grouping.CURRENT,
) -> ReportData:
    """Every figure of the report the system holds, for `district` (its
    communes and their successors) between `start` and `end` (both included),
    the per-commune lines by `grouping`. Ten queries whatever the data size.
    Raises NotFound / NotPermitted for users who may not read it."""
    require_report_access(user)
    area = district_area(district)
    units = {pk: CommuneRow(u.code, u.name) for pk, u in area.units.items()}
    in_district = Q(commune_id__in=area.ids)
    campaigns, children_campaigns, by_source = _gifts(in_district, start, end, units)
    housing = _housing(in_district, start, end, units)
    onestop = _onestop(in_district, start, end, units)
    communes, lines = _commune_lines(area, units, Grouping(grouping), start, end)
    return ReportData(
        district_id=district.pk,
        district_name=district.name,
        start=start,
        end=end,
        campaigns=campaigns,
        children_campaigns=children_campaigns,
        gifts_by_source=by_source,
        housing=housing,
        rehab_compulsory=RehabReferral.objects.filter(
            in_district, filed_on__range=(start, end)
        ).count(),
        rehab_voluntary=VoluntaryRehab.objects.filter(
            in_district, decision_date__range=(start, end)
        ).count(),
        onestop=onestop,
        communes=communes,
        allowances=allowance_figures(
            user, district=district, communes=area.ids, start=start, end=end
        ),
        grouping=Grouping(grouping).value,
        lines=lines,
    )


def _commune_lines(
    area: UnitMap, units: dict[int, CommuneRow], grouping: Grouping, start: dt.date, end: dt.date
) -> tuple[list[CommuneRow], list[Line]]:
    """Each unit's figures added up on its line (`UnitMap.lines`): the line of
    every unit in force in the period is shown (zeros too), and so is that of
    every unit holding a figure, so the lines always add up to the totals."""
    with_figures = [
        pk for pk, r in units.items() if r.gifts.gifts or r.housing.gifts or r.onestop.resolved
    ]
    lines = area.lines(grouping, start, end, with_figures=with_figures)
    rows = []
    for line in lines:
        row = ReportData.add_up([units[m.id] for m in line.members])
        rows.append(CommuneRow(line.unit.code, line.unit.name, row.gifts, row.housing, row.onestop))
    return rows, lines


def _gifts(
    in_district: Q, start: dt.date, end: dt.date, communes: dict[int, CommuneRow]
) -> tuple[list[CampaignFigures], list[CampaignFigures], dict[str, Tally]]:
    grouped = (
        GiftRecipient.objects.filter(
            in_district,
            state=GiftRecipientState.DELIVERED,
            delivered_on__range=(start, end),
        )
        .annotate(
            child=ExpressionWrapper(
                Q(package__categories__contains=[CHILD]), output_field=BooleanField()
            ),
            own=ExpressionWrapper(Q(package__commune__isnull=False), output_field=BooleanField()),
        )
        .values(
            "gift_list__campaign_id",
            "commune_id",
            "package__source",
            "package__donor",
            "child",
            "own",
        )
        .annotate(n=Count("id"), amount=Coalesce(Sum("amount"), 0))
        .order_by()
    )
    rows = list(grouped)
    ids = {r["gift_list__campaign_id"] for r in rows}
    # A campaign is for children when none of its packages is for anyone else.
    not_child = GiftPackage.objects.exclude(categories__contains=[CHILD])
    meta = {
        c["id"]: c
        for c in Campaign.objects.filter(id__in=ids)
        .annotate(others=Count("packages", filter=Q(packages__in=not_child)))
        .values("id", "name", "occasion_date", "others")
    }
    figures: dict[int, CampaignFigures] = {}
    by_source: dict[str, Tally] = {}
    for r in rows:
        cid = r["gift_list__campaign_id"]
        c = meta[cid]
        fig = figures.setdefault(cid, CampaignFigures(cid, c["name"], c["others"] == 0))
        n, amount, source = r["n"], r["amount"], r["package__source"]
        fig.total.add(n, amount)
        fig.by_source.setdefault(source, Tally()).add(n, amount)
        by_source.setdefault(source, Tally()).add(n, amount)
        if source in COMMUNE_LEVEL_SOURCES or r["own"]:
            fig.commune_level.add(n, amount)
            if source == GiftSource.PRIVATE:
                fig.commune_private.add(n, amount)
        if r["child"]:
            fig.children.add(n, amount)
        donor = r["package__donor"] or SOURCE_LABEL_VI.get(source, source)
        fig.by_donor.setdefault(donor, Tally()).add(n, amount)
        if r["commune_id"] in communes:
            communes[r["commune_id"]].gifts.add(n, amount)
    order = sorted(figures.values(), key=lambda f: (meta[f.campaign_id]["occasion_date"], f.name))
    return (
        [f for f in order if not f.children_only],
        [f for f in order if f.children_only],
        {s: by_source[s] for s in SOURCE_ORDER if s in by_source},
    )


def _housing(
    in_district: Q, start: dt.date, end: dt.date, communes: dict[int, CommuneRow]
) -> dict[str, HousingFigures]:
    rows = (
        HousingCase.objects.filter(
            in_district,
            decision_date__range=(start, end),
            approved_amount__isnull=False,
            state__in=DECIDED_STATES,
        )
        .values("program", "kind", "commune_id")
        .annotate(n=Count("id"), amount=Coalesce(Sum("approved_amount"), 0))
        .order_by()
    )
    out: dict[str, HousingFigures] = {}
    for r in rows:
        fig = out.setdefault(r["program"], HousingFigures())
        fig.households += r["n"]
        fig.amount += r["amount"]
        fig.by_kind.setdefault(r["kind"], Tally()).add(r["n"], r["amount"])
        if r["commune_id"] in communes:
            communes[r["commune_id"]].housing.add(r["n"], r["amount"])
    return {p: out[p] for p in HousingProgram.values if p in out}


def _onestop(
    in_district: Q, start: dt.date, end: dt.date, communes: dict[int, CommuneRow]
) -> OneStopFigures:
    from django.db.models import F

    rows = (
        OneStopRecord.objects.filter(in_district, result_on__range=(start, end), counted=True)
        .values("commune_id")
        .annotate(
            resolved=Count("id"),
            on_time=Count("id", filter=Q(result_on__lte=F("appointment_on"))),
            late=Count("id", filter=Q(result_on__gt=F("appointment_on"))),
        )
        .order_by()
    )
    total = OneStopFigures()
    for r in rows:
        fig = OneStopFigures(r["resolved"], r["on_time"], r["late"])
        total.resolved += fig.resolved
        total.on_time += fig.on_time
        total.late += fig.late
        if r["commune_id"] in communes:
            communes[r["commune_id"]].onestop = fig
    return total


# --- how figures are written in the report -------------------------------------------


def count_vi(n: int) -> str:
    """'03', '35', '26.553': the report writes counts under ten with a zero."""
    return f"{n:02d}" if n < 10 else formatting.number(n)


def million_vi(amount: int) -> str:
    """17_120_000_000 -> '17.120'; 65_500_000 -> '65,5' (millions of đồng)."""
    whole, rest = divmod(int(amount), 1_000_000)
    text = formatting.number(whole)
    if rest:
        text += "," + f"{rest:06d}".rstrip("0")[:3]
    return text


def percent_vi(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}".replace(".", ",").replace(",0", "") + "%"
