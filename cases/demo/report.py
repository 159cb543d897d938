"""Demo data of the six-month report (issue 6) that the earlier demos do not
hold, so that the report of Sóc Sơn for 01/01–30/06/2024 prints the office's
own figures (`../shared/seed/`):

- housing support approved in H1 2024 (§2.2: 03 người có công houses, 180
  million = 02 new builds of 80 million + 01 repair of 20 million; §3: 30
  poor and near-poor households, 22 new builds of 50 million and 08 repairs
  of 30 million = 1,340 million). Every amount is the cap in force
  (`cases.demo.CAPS`) and fits the 2024 budgets (`seed_configuration`:
  merit 1,000m, poor 1,500m, near-poor 500m). Each dossier is replayed
  through the real services and engine at its own dates (filed, submitted,
  verified by the commune 3 working days later, reviewed and approved by the
  district within the 17 working days of the one-stop procedure), so the
  audit trail, the tasks and the one-stop register carry them: all returned
  on time ("không có hồ sơ chậm muộn"), then paid in two tranches around the
  works' acceptance and closed (no payment task left open since 2024);
- the Quỹ BTTE Hà Nội's gifts to workers' children (§2.3: 20 gifts of
  1,300,000 đ = 26 million), a campaign of its own because the Tết campaign
  of `cases.demo_gifts` already adds up to the report's 26,553 gifts and
  17,120 million (the commune gifts 4,818 / 1,399 million / 787 million
  private and the district's 130 children / 65 million are part of it).
  Two commune lists go through the real list process in May 2024.

Drug rehab (35 / 55) is in `cases.demo_rehab`. About 5 s on a laptop.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cases.demo.base import upload_all_documents
from cases.demo.gifts import Pkg, _at, _name, campaign_create, commune_actors
from cases.gifts import services as gifts
from cases.gifts.models import Campaign, GiftSource
from cases.housing.models import HousingCase, HousingKind, HousingProgram
from cases.housing.services import housing_case_create
from cases.models import AdministrativeUnit, Category, Person
from cases.services import person_create
from notifications.models import Notification
from workflows import engine
from workflows.calendar import WorkingCalendar

H1_2024 = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
BTTE = "quy-btte-2024"
BTTE_DONOR = "Quỹ BTTE Hà Nội"
NEW, REPAIR = HousingKind.NEW_BUILD, HousingKind.REPAIR
# (program, kind, households, amount each): the report's §2.2 and §3.
HOUSING_PLAN = [
    (HousingProgram.MERIT, NEW, 2, 80_000_000),
    (HousingProgram.MERIT, REPAIR, 1, 20_000_000),
    (HousingProgram.POOR, NEW, 16, 50_000_000),
    (HousingProgram.POOR, REPAIR, 6, 30_000_000),
    (HousingProgram.NEAR_POOR, NEW, 6, 50_000_000),
    (HousingProgram.NEAR_POOR, REPAIR, 2, 30_000_000),
]
CATEGORY: dict[str, str] = {
    HousingProgram.MERIT: Category.MERIT,
    HousingProgram.POOR: Category.POOR,
    HousingProgram.NEAR_POOR: Category.NEAR_POOR,
}
# Children of workers in the industrial areas (Phù Lỗ, Mai Đình): 12 + 8.
BTTE_CHILDREN = {"00448": 12, "00427": 8}
BTTE_SERIAL = 290_000


def seed_report_data(units: dict[str, AdministrativeUnit], users: dict[str, Any]) -> str:
    """Both parts, each only if it is not there yet."""
    done = []
    housing = not HousingCase.objects.filter(decision_date__range=H1_2024).exists()
    btte = not Campaign.objects.filter(code=BTTE).exists()
    # The communes' actors only when something is missing (after the 2025
    # reorganisation the former units' codes name units no longer in force).
    actors = commune_actors(units, users) if housing or btte else {}
    if housing:
        seed_housing_h1_2024(units, users, actors)
        done.append("housing H1 2024")
    if btte:
        seed_btte_campaign(units, users, actors)
        done.append("Quỹ BTTE gifts")
    return ", ".join(done) or "report demo already present"


def _applicants(program: str, n: int, codes: list[str]) -> list[Person]:
    """`n` registry people of the program's category, one commune after another
    (the Tết campaign's people), with no housing case yet."""
    taken = HousingCase.objects.values("applicant_id")
    pool = list(
        Person.objects.filter(categories__contains=[CATEGORY[program]], commune__code__in=codes)
        .exclude(id__in=taken)
        .select_related("commune")
        .order_by("id")
    )
    by_commune: dict[str, list[Person]] = {}
    for p in pool:
        by_commune.setdefault(p.commune.code, []).append(p)
    out: list[Person] = []
    while len(out) < n and any(by_commune.values()):
        for code in codes:
            if by_commune.get(code) and len(out) < n:
                out.append(by_commune[code].pop(0))
    return out


def seed_housing_h1_2024(
    units: dict[str, AdministrativeUnit], users: dict[str, Any], actors: dict[str, Any]
) -> list[HousingCase]:

    calendar = WorkingCalendar.load(dt.date(2023, 12, 1), dt.date(2024, 12, 31))
    codes = list(units)
    plan = [(p, k, amount) for p, k, n, amount in HOUSING_PLAN for _ in range(n)]
    people: dict[str, list[Person]] = {}
    for program in CATEGORY:
        wanted = sum(1 for p, _k, _a in plan if p == program)
        people[program] = _applicants(program, wanted, codes)
    cases = []
    # Received from mid-January to late May, two or three dossiers a week.
    first = dt.date(2024, 1, 15)
    for i, (program, kind, amount) in enumerate(plan):
        person = people[program].pop(0)
        officer, leader = actors[person.commune.code]
        received = calendar.add_working_days(first, i * 3)
        with _at(received, 9, i % 50):
            case = housing_case_create(
                actor=officer,
                commune=person.commune,
                applicant=person,
                program=program,
                kind=kind,
                requested_amount=amount,
                description="Nhà tạm, xuống cấp." if kind == NEW else "Nhà dột, tường nứt.",
            )
            upload_all_documents(officer, case)
            engine.transition(case, "submit", actor=officer)
        with _at(calendar.add_working_days(received, 3), 10):
            engine.transition(case, "verify", actor=leader)
        with _at(calendar.add_working_days(received, 9), 9):
            engine.transition(
                case, "review", actor=users["chuyenvien"], data={"assessed_amount": amount}
            )
        decided = calendar.add_working_days(received, 12 + i % 5)
        with _at(decided, 15):
            engine.transition(
                case,
                "approve",
                actor=users["truongphong"],
                data={
                    "decision_number": f"{i + 201}/QĐ-UBND",
                    "decision_date": decided,
                    "approved_amount": amount,
                },
            )
        # Then paid in two tranches around the works' acceptance (nghiệm thu), as
        # cases.demo.seed_history does: no payment task stays open since 2024.
        steps = [
            (3, "disburse", users["ketoan"], {"amount": amount // 2}),
            (18, "accept_completion", officer, {}),
            (20, "disburse", users["ketoan"], {"amount": amount - amount // 2}),
        ]
        for days, name, actor, data in steps:
            on = calendar.add_working_days(decided, days)
            when = {"accepted_on": on} if name == "accept_completion" else {"paid_on": on}
            with _at(on, 10):
                engine.transition(case, name, actor=actor, data={**data, **when})
        cases.append(case)
    # As in cases.demo.seed_history: the replay's outbox rows would flood today's bells.
    Notification.objects.filter(case__in=cases).delete()
    return cases


def seed_btte_campaign(
    units: dict[str, AdministrativeUnit], users: dict[str, Any], actors: dict[str, Any]
) -> Campaign:
    from django.urls import reverse

    package = Pkg(
        "btte-1300", "Quà Quỹ Bảo trợ trẻ em Hà Nội", GiftSource.PRIVATE, 1_300_000,
        (Category.CHILD_SPECIAL,), donor=BTTE_DONOR,
    )  # fmt: skip
    total = sum(BTTE_CHILDREN.values()) * package.amount
    with _at(dt.date(2024, 5, 6), 9):
        campaign = campaign_create(
            code=BTTE, name="Quà Quỹ BTTE Hà Nội cho con công nhân lao động 2024",
            occasion=dt.date(2024, 6, 1), decision="", packages=[package],
            budgets={(package.source, package.donor): total},
        )  # fmt: skip
    pkg = campaign.packages.get()
    lists = []
    serial = BTTE_SERIAL
    for code, n in BTTE_CHILDREN.items():
        officer, leader = actors[code]
        with _at(dt.date(2024, 5, 8), 9):
            children = []
            for _k in range(n):
                serial += 1
                sex = "MF"[serial % 2]
                born = dt.date(2012 + serial % 8, serial % 12 + 1, serial % 28 + 1)
                digit = 2 + (sex == "F")
                children.append(
                    person_create(
                        actor=officer, full_name=_name(serial, sex), date_of_birth=born, sex=sex,
                        national_id=f"001{digit}{born.year % 100:02d}{serial:06d}",
                        commune=units[code], address=f"Khu nhà trọ công nhân, {units[code]}",
                        categories=[Category.CHILD_SPECIAL],
                    )
                )  # fmt: skip
            gift_list = gifts.gift_list_open(actor=officer, campaign=campaign, commune=units[code])
            gifts.gift_rows_add(
                actor=officer, gift_list=gift_list, pairs=[(c.pk, pkg) for c in children],
                how="registry",
            )  # fmt: skip
            engine.transition(gift_list, "submit", actor=officer)
        with _at(dt.date(2024, 5, 10), 9):
            engine.transition(gift_list, "confirm", actor=leader)
        with _at(dt.date(2024, 5, 14), 9):
            engine.transition(gift_list, "review", actor=users["chuyenvien"])
        with _at(dt.date(2024, 5, 16), 14):
            engine.transition(gift_list, "approve", actor=users["truongphong"])
        with _at(dt.date(2024, 5, 31), 8):
            gifts.gift_rows_deliver(
                actor=officer, gift_list=gift_list, delivered_on=dt.date(2024, 5, 31)
            )
        with _at(dt.date(2024, 5, 31), 16):
            engine.transition(gift_list, "record_distribution", actor=officer)
        with _at(dt.date(2024, 6, 5), 9):
            engine.transition(gift_list, "close", actor=leader)
        lists.append(gift_list)
    with _at(dt.date(2024, 6, 10), 10):
        gifts.campaign_reconcile(actor=users["chuyenvien"], campaign=campaign)
    urls = [reverse("gift_list_detail", args=[gl.pk]) for gl in lists]
    Notification.objects.filter(url__in=urls).delete()
    return campaign
