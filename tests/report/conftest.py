"""Hand-built data for the six-month report: rows written directly (the
report only reads them), in two communes of the district, in a commune of
another district, inside and outside the period, in states that count and
states that do not. `expected` holds what the report must print."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
from cases.housing.models import HousingCase
from cases.models import Category, Person
from cases.rehab.models import RehabReferral, VoluntaryRehab
from tests.factories import CommuneFactory, DistrictFactory, PersonFactory, ProvinceFactory
from workflows.models import OneStopProcedure, OneStopRecord, ProcedureVersion

START, END = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
IN, BEFORE, AFTER = dt.date(2024, 2, 5), dt.date(2023, 12, 29), dt.date(2024, 7, 1)
_refs = itertools.count(1)


@pytest.fixture
def other_commune(db: Any) -> Any:
    """A commune of another district (Đông Anh): nothing of it counts."""
    dong_anh = DistrictFactory(code="017", name="Đông Anh", parent=ProvinceFactory())
    return CommuneFactory(code="00454", name="Uy Nỗ", parent=dong_anh)


def _person(commune: Any, **fields: Any) -> Person:
    person: Any = PersonFactory(commune=commune, **fields)
    assert isinstance(person, Person)
    return person


def _gifts(campaign: Campaign, commune: Any, user: Any, package: GiftPackage, n: int,
           *, state: str = "delivered", on: dt.date | None = IN) -> None:  # fmt: skip
    gift_list, _ = GiftList.objects.get_or_create(
        campaign=campaign, commune=commune, defaults={"created_by": user, "state": "closed"}
    )
    GiftRecipient.objects.bulk_create(
        GiftRecipient(
            gift_list=gift_list, package=package, commune=commune,
            person=_person(commune), amount=package.amount, state=state,
            delivered_on=on if state == "delivered" else None,
            return_reason="moved" if state == "returned" else "",
        )
        for _ in range(n)
    )  # fmt: skip


def _housing(commune: Any, user: Any, program: str, kind: str, amount: int,
             *, on: dt.date = IN, state: str = "approved") -> HousingCase:  # fmt: skip
    return HousingCase.objects.create(
        reference=f"HS-T-{next(_refs)}", process="housing", commune=commune,
        applicant=_person(commune), created_by=user, state=state,
        program=program, kind=kind, requested_amount=amount, approved_amount=amount,
        decision_number="1/QĐ-UBND", decision_date=on,
    )  # fmt: skip


def _onestop(case: HousingCase, *, result_on: dt.date | None, appointment: dt.date,
             counted: bool = True) -> None:  # fmt: skip
    OneStopRecord.objects.create(
        case=case, procedure=OneStopProcedure.objects.get(process="housing"),
        process="housing", commune=case.commune, received_on=appointment - dt.timedelta(days=20),
        working_days=17, appointment_on=appointment, due_on=appointment, result_on=result_on,
        result_state="approved" if result_on else "", counted=counted,
    )  # fmt: skip


def _rehab(model: Any, commune: Any, user: Any, **fields: Any) -> None:
    procedure = "rehab_compulsory" if model is RehabReferral else "rehab_voluntary"
    extra = {"ground": "not_registered"} if model is RehabReferral else {"setting": "home"}
    model.objects.create(
        reference=f"CN-T-{next(_refs)}", process=procedure, commune=commune,
        applicant=PersonFactory(commune=commune, categories=[]), created_by=user,
        procedure_version=ProcedureVersion.objects.filter(procedure=procedure).first(),
        route="2022", state="filed" if model is RehabReferral else "approved", **extra, **fields,
    )  # fmt: skip


@pytest.fixture
def report_world(
    users: SimpleNamespace, communes: SimpleNamespace, other_commune: Any
) -> SimpleNamespace:
    a, b, x = communes.a, communes.b, other_commune
    u = users.officer
    tet = Campaign.objects.create(
        code="tet-thu", name="Tết Thử 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    pkg = {
        code: GiftPackage.objects.create(
            campaign=tet,
            code=code,
            name=code,
            source=source,
            amount=amount,
            donor="Nhà hảo tâm" if source == "private" else "",
            categories=cats,
            commune=own,
        )  # fmt: skip
        for code, source, amount, cats, own in [
            ("ctn", "president", 600_000, [Category.MERIT], None),
            ("tp", "city", 1_000_000, [Category.MERIT], None),
            ("huyen", "district", 500_000, [Category.POOR], None),
            ("tre-em", "district", 500_000, [Category.CHILD_SPECIAL], None),
            ("xa", "commune", 300_000, [], None),
            ("xhh", "private", 250_000, [], None),
            ("xa-a-rieng", "city", 200_000, [], a),  # reserved for commune a: commune level
        ]
    }
    _gifts(tet, a, u, pkg["ctn"], 3)
    _gifts(tet, b, u, pkg["ctn"], 2)
    _gifts(tet, a, u, pkg["tp"], 4)
    _gifts(tet, b, u, pkg["huyen"], 5)
    _gifts(tet, a, u, pkg["tre-em"], 2)
    _gifts(tet, a, u, pkg["xa"], 6)
    _gifts(tet, b, u, pkg["xhh"], 4)
    _gifts(tet, a, u, pkg["xa-a-rieng"], 1)
    # Not counted: returned, not yet delivered, delivered outside the period, elsewhere.
    _gifts(tet, a, u, pkg["tp"], 2, state="returned")
    _gifts(tet, b, u, pkg["tp"], 2, state="approved")
    _gifts(tet, b, u, pkg["xa"], 3, on=AFTER)
    _gifts(tet, a, u, pkg["ctn"], 1, on=BEFORE)
    _gifts(tet, x, u, pkg["ctn"], 7)
    fund = Campaign.objects.create(
        code="btte-thu", name="Quỹ BTTE Thử", year=2024, occasion_date=dt.date(2024, 6, 1)
    )
    btte = GiftPackage.objects.create(
        campaign=fund, code="btte", name="btte", source="private", donor="Quỹ BTTE Hà Nội",
        amount=1_300_000, categories=[Category.CHILD_SPECIAL],
    )  # fmt: skip
    _gifts(fund, a, u, btte, 3, on=dt.date(2024, 5, 31))
    _gifts(fund, x, u, btte, 4, on=dt.date(2024, 5, 31))

    merit_new = _housing(a, u, "nguoi_co_cong", "new_build", 80_000_000)
    _housing(b, u, "nguoi_co_cong", "new_build", 80_000_000, state="closed")
    merit_repair = _housing(b, u, "nguoi_co_cong", "repair", 20_000_000, on=END)
    poor_new = _housing(a, u, "ho_ngheo", "new_build", 50_000_000, on=START)
    _housing(a, u, "ho_ngheo", "repair", 30_000_000, state="partially_disbursed")
    _housing(b, u, "ho_can_ngheo", "new_build", 50_000_000)
    # Not counted: cancelled, decided outside the period, another district.
    _housing(a, u, "ho_ngheo", "new_build", 50_000_000, state="cancelled")
    _housing(a, u, "ho_ngheo", "new_build", 50_000_000, on=AFTER)
    _housing(b, u, "ho_can_ngheo", "repair", 30_000_000, on=BEFORE)
    _housing(x, u, "ho_ngheo", "new_build", 50_000_000)

    appointment = dt.date(2024, 3, 1)
    _onestop(merit_new, result_on=dt.date(2024, 2, 28), appointment=appointment)  # early
    _onestop(merit_repair, result_on=appointment, appointment=appointment)  # on the day
    _onestop(poor_new, result_on=dt.date(2024, 3, 4), appointment=appointment)  # late
    other = _housing(a, u, "ho_ngheo", "repair", 30_000_000, state="withdrawn")
    _onestop(other, result_on=dt.date(2024, 2, 20), appointment=appointment, counted=False)
    _onestop(
        _housing(a, u, "ho_ngheo", "repair", 30_000_000, state="draft"),
        result_on=None, appointment=appointment,
    )  # fmt: skip
    _onestop(_housing(x, u, "ho_ngheo", "repair", 30_000_000), result_on=AFTER, appointment=IN)

    for on in (IN, START, END):
        _rehab(RehabReferral, a, u, filed_on=on, court_name="TAND huyện Sóc Sơn")
    _rehab(RehabReferral, b, u, filed_on=AFTER)
    _rehab(RehabReferral, x, u, filed_on=IN)
    for on in (IN, dt.date(2024, 4, 2)):
        _rehab(VoluntaryRehab, b, u, decision_date=on)
    _rehab(VoluntaryRehab, a, u, decision_date=BEFORE)
    return SimpleNamespace(district=a.parent, tet=tet, fund=fund)


M = 1_000_000
# What the report must say about `report_world` for 01/01–30/06/2024.
EXPECTED = SimpleNamespace(
    tet_gifts=27,  # 5 + 4 + 5 + 2 + 6 + 4 + 1
    tet_amount=5 * 600_000
    + 4 * M
    + 5 * 500_000
    + 2 * 500_000
    + 6 * 300_000
    + 4 * 250_000
    + 200_000,
    by_source={
        "president": (5, 3_000_000),
        "city": (5, 4_200_000),
        "district": (7, 3_500_000),
        "commune": (6, 1_800_000),
        "private": (4, 1_000_000),
    },
    commune_level=(11, 3_000_000),  # xã 6 + xhh 4 + commune a's own 1
    private=(4, 1_000_000),
    children=(2, 1_000_000),
    fund=(3, 3_900_000),
    merit=(3, 180 * M, (2, 160 * M), (1, 20 * M)),
    poor=(3, 130 * M, (2, 100 * M), (1, 30 * M)),  # poor 2 + near-poor 1
    rehab=(3, 2),
    onestop=(3, 2, 1),
)
