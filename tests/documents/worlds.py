"""Data for the printed-document tests, built in a transaction that is rolled
back once the documents are made: the tests keep only the files' bytes, so one
LibreOffice start per module can print them all."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test import override_settings

from cases.demo.base import GIVEN, MIDDLE, SURNAMES
from cases.demo.gifts import TET_PACKAGES
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
from cases.models import AdministrativeUnit, Category, MeritSubtype, Person
from cases.reporting.report import OneStopFigures, ReportData
from tests.factories import CommuneFactory, DistrictFactory, UserFactory, national_id_for
from workflows.permissions import forget_scope
from workflows.services import role_grant

ON = dt.date(2024, 2, 5)
H1 = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
R = GiftRecipientState
M = MeritSubtype
# Who gets which of the demo's Tết packages: the longest category labels on purpose.
PEOPLE_BY_PACKAGE: list[tuple[str, list[str], list[str]]] = [
    ("ctn-600", [Category.MERIT], [M.ACTIVIST_PRE_1945, M.HEROIC_MOTHER, M.HERO]),
    ("ctn-300", [Category.MERIT], [M.WAR_INVALID, M.AGENT_ORANGE, M.MARTYR_RELATIVE]),
    ("tp-ncc-2tr", [Category.MERIT], [M.HERO]),
    ("tp-ho-ngheo", [Category.POOR], [""]),
    ("huyen-can-ngheo-btxh", [Category.NEAR_POOR, Category.SOCIAL_PROTECTION], [""]),
    ("huyen-tre-em", [Category.CHILD_SPECIAL], [""]),
    ("xa-300", [], [""]),
    ("xhh-250", [], [""]),
]
VILLAGES = ["Thôn Đông Hạ", "Thôn Thanh Nhàn", "Thôn Xuân Lai", "Thôn Phú Hữu", "Thôn Đạc Tài"]


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever is written inside is gone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def documents_from_rolled_back_data(
    django_db_blocker: Any, build: Callable[[], Iterator[tuple[str, bytes]]]
) -> dict[str, bytes]:
    """The files `build` makes, from data that is gone once they are made (a
    module-scoped fixture's: the tests then share one LibreOffice start)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        rolled_back(),
    ):
        return dict(build())


def grant(username: str, role: str) -> Any:
    """A district user of `role`, as the administrator creates one."""
    user = role_grant(actor=None, username=username, role=role, commune_codes=[],
                      password="pw-Test-123", full_name=f"Thử {username}")  # fmt: skip
    forget_scope(user)
    return user


def commune(name: str = "Phù Lỗ", code: str = "00448") -> AdministrativeUnit:
    unit: Any = CommuneFactory(
        code=code, name=name, parent=DistrictFactory(code="016", name="Sóc Sơn")
    )
    assert isinstance(unit, AdministrativeUnit)
    return unit


def name_of(i: int) -> str:
    sex = "MF"[i % 2]
    return (
        f"{SURNAMES[i % len(SURNAMES)]} {MIDDLE[sex][(i // 7) % 6]} "
        f"{GIVEN[sex][(i // 3) % len(GIVEN[sex])]}"
    )


def tet_campaign(code: str = "tet-2024") -> Campaign:
    """A Tết campaign with the demo's packages (their real, long names)."""
    campaign = Campaign.objects.create(
        code=code, name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10),
        decision="QĐ 1583/QĐ-CTN ngày 26/12/2023",
    )  # fmt: skip
    demo = {p.code: p for p in TET_PACKAGES}
    GiftPackage.objects.bulk_create(
        GiftPackage(
            campaign=campaign,
            code=code,
            name=demo[code].name,
            source=demo[code].source,
            amount=demo[code].amount,
            donor=demo[code].donor,
        )  # fmt: skip
        for code, _cats, _subtypes in PEOPLE_BY_PACKAGE
    )
    return campaign


def signature_list(
    size: int,
    *,
    unit: AdministrativeUnit | None = None,
    campaign: Campaign | None = None,
    names: Callable[[int], str] = name_of,
    plan: list[tuple[str, list[str], list[str]]] = PEOPLE_BY_PACKAGE,
) -> GiftList:
    """An approved list of `size` rows in one commune, over the demo's Tết
    packages (in turn, as `plan` says who gets which): delivered rows (one in
    ten by a proxy), one in twenty returned."""
    unit = unit or commune()
    campaign = campaign or tet_campaign()
    packages = {p.code: p for p in campaign.packages.all()}
    officer: Any = UserFactory(username=f"officer-{unit.code}")
    gift_list = GiftList.objects.create(
        campaign=campaign, commune=unit, created_by=officer, state=GiftListState.APPROVED
    )
    who = itertools.cycle(plan)
    people, rows = [], []
    for i in range(size):
        code, cats, subtypes = next(who)
        born = dt.date(1930 + i % 60, 1 + i % 12, 1 + i % 28)
        sex = "MF"[i % 2]
        people.append(
            Person(
                full_name=names(i),
                date_of_birth=born,
                sex=sex,
                national_id=national_id_for(born, sex),
                commune=unit,
                address=f"{VILLAGES[i % len(VILLAGES)]}, xã {unit.name}",
                categories=cats,
                merit_subtype=subtypes[i % len(subtypes)],
            )  # fmt: skip
        )
        rows.append(code)
    people = Person.objects.bulk_create(people)
    GiftRecipient.objects.bulk_create(
        GiftRecipient(
            gift_list=gift_list,
            package=packages[code],
            commune=unit,
            person=person,
            amount=packages[code].amount,
            **_outcome(i),
        )  # fmt: skip
        for i, (person, code) in enumerate(zip(people, rows, strict=True))
    )
    return gift_list


def _outcome(i: int) -> dict[str, Any]:
    if i % 20 == 19:
        return {"state": R.RETURNED, "return_reason": ReturnReason.DECEASED}
    if i % 10 == 3:
        return {
            "state": R.DELIVERED, "delivered_on": ON, "signed_by": SignedBy.PROXY,
            "proxy_name": "Nguyễn Văn Con", "proxy_relationship": "con trai",
        }  # fmt: skip
    return {"state": R.DELIVERED, "delivered_on": ON, "signed_by": SignedBy.RECIPIENT}


def empty_report(district: AdministrativeUnit) -> ReportData:
    """The six-month report of a half-year in which nothing happened."""
    return ReportData(
        district_id=district.pk, district_name=district.name, start=H1[0], end=H1[1],
        campaigns=[], children_campaigns=[], gifts_by_source={}, housing={},
        rehab_compulsory=0, rehab_voluntary=0, onestop=OneStopFigures(), communes=[],
    )  # fmt: skip
