"""The allowances demo, replayed through the real payroll process, pays for
January–June 2024 exactly what the office's six-month report says (NCC
52.5 bn, BTXH 51.5 bn; 450 recuperation trips of a 900 quota), and August
pays July's new rates as arrears. Built once for the module on two communes
(the `codes` knob: the same people and figures, fewer payrolls) and rolled
back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from rest_framework.test import APIClient

from cases.allowances.demo import seed_allowances
from cases.allowances.demo_plan import MINH_TRI, PHU_LO
from cases.allowances.models import (
    Entitlement,
    LineKind,
    LineState,
    Payroll,
    PayrollLine,
    PayrollState,
    Recuperation,
    RecuperationQuota,
)
from cases.allowances.rates import monthly_amount, province_of
from cases.demo.base import seed_units, seed_users
from cases.demo.gifts import commune_actors
from cases.models import AdministrativeUnit
from tests.conftest import api_token
from tests.module_data import checked, written_once

D = dt.date
BN = 1_000_000_000
NCC, BTXH = "nguoi_co_cong", "bao_tro_xa_hoi"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    with written_once(django_db_blocker):
        units = seed_units()
        users = seed_users()
        actors = commune_actors({c: units[c] for c in (PHU_LO, MINH_TRI)}, users)
        message = seed_allowances(units, users, actors, codes=[PHU_LO, MINH_TRI])
        again = seed_allowances(units, users, actors, codes=[PHU_LO, MINH_TRI])
        checked()
        yield SimpleNamespace(
            message=message,
            again=again,
            phu_lo=units[PHU_LO],
            minh_tri=units[MINH_TRI],
            district=AdministrativeUnit.objects.get(level="district", code="016"),
        )


def paid(**filters: Any) -> dict[str, int]:
    rows = (
        PayrollLine.objects.filter(state=LineState.PAID, **filters)
        .values("regime")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["regime"]: r["total"] for r in rows}


def test_lines_paid_for_january_to_june_2024_equal_the_six_month_report(
    demo: SimpleNamespace,
) -> None:
    h1 = paid(month__gte=D(2024, 1, 1), month__lte=D(2024, 6, 1))
    assert h1 == {NCC: 52_500_000_000, BTXH: 51_500_000_000}
    assert sum(h1.values()) == 104 * BN


def test_the_json_report_for_h1_2024_shows_104_bn_and_450_of_900(demo: SimpleNamespace) -> None:
    client = APIClient()
    head = get_user_model().objects.get(username="truongphong")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(head)}")
    r = client.get(
        "/api/v1/reports/six-month/",
        {"format": "json", "start": "2024-01-01", "end": "2024-06-30",
         "district": demo.district.pk},
    )  # fmt: skip
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["allowances"]["nguoi_co_cong"]["amount"] == 52_500_000_000
    assert body["allowances"]["bao_tro_xa_hoi"]["amount"] == 51_500_000_000
    assert body["allowances"]["total"] == {"amount": 104 * BN}
    assert body["recuperation"] == {"sent": 450, "quota": 900}
    people = Entitlement.objects.filter(start_month__lt=D(2024, 7, 1))
    for regime in (NCC, BTXH):
        paid_people = people.filter(regime=regime).values("person").distinct().count()
        assert body["allowances"][regime]["people"] == paid_people


def test_the_people_are_as_many_as_a_district_pays(demo: SimpleNamespace) -> None:
    people = dict(
        Entitlement.objects.filter(start_month__lt=D(2024, 1, 1))
        .values_list("regime")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    assert 3_500 <= people[NCC] <= 4_500, people
    assert 12_000 <= people[BTXH] <= 14_500, people


def test_recuperation_sent_450_people_of_a_900_quota_in_h1_2024(demo: SimpleNamespace) -> None:
    quota = RecuperationQuota.objects.get(year=2024, area=demo.district)
    sent = Recuperation.objects.filter(sent_on__range=(D(2024, 1, 1), D(2024, 6, 30)))
    assert (sent.count(), quota.quota) == (450, 900)


def test_july_is_paid_at_the_old_rates_and_august_pays_the_difference_as_arrears(
    demo: SimpleNamespace,
) -> None:
    july = PayrollLine.objects.filter(
        month=D(2024, 7, 1), kind=LineKind.REGULAR, state=LineState.PAID
    )
    assert set(
        july.filter(category__code="than_nhan_1_liet_si").values_list("amount", flat=True)
    ) == {2_055_000}
    assert set(
        july.filter(category__code="nct_80_khong_luong_huu").values_list("amount", flat=True)
    ) == {440_000}
    province = province_of(demo.phu_lo.pk)
    owed: dict[str, int] = {NCC: 0, BTXH: 0}
    groups = july.values("regime", "category_id", "entitlement__degree", "amount").annotate(
        n=Count("id")
    )
    for g in groups:
        new = monthly_amount(
            category_id=g["category_id"], degree=g["entitlement__degree"], province_id=province,
            month=D(2024, 7, 1),
        )  # fmt: skip
        owed[g["regime"]] += (new - g["amount"]) * g["n"]
    arrears = PayrollLine.objects.filter(
        month=D(2024, 8, 1), kind=LineKind.ARREARS, for_month=D(2024, 7, 1)
    )
    by_regime = dict(arrears.values_list("regime").annotate(s=Sum("amount")).order_by())
    assert by_regime == owed
    assert owed[NCC] > 0 and owed[BTXH] > 0
    assert arrears.count() == july.count()
    august = PayrollLine.objects.filter(month=D(2024, 8, 1), kind=LineKind.REGULAR)
    assert set(
        august.filter(category__code="than_nhan_1_liet_si").values_list("amount", flat=True)
    ) == {2_789_000}


def test_the_late_decisions_are_paid_their_arrears_in_april(demo: SimpleNamespace) -> None:
    arrears = PayrollLine.objects.filter(month=D(2024, 4, 1), kind=LineKind.ARREARS)
    months = sorted(arrears.values_list("regime", "for_month"))
    assert months == [
        (BTXH, D(2024, 3, 1)),
        (NCC, D(2024, 1, 1)),
        (NCC, D(2024, 2, 1)),
        (NCC, D(2024, 3, 1)),
    ]
    assert (
        Entitlement.objects.filter(decision_date=D(2024, 3, 8), case__state="decided").count() == 2
    )


def test_four_funeral_supports_follow_the_april_deaths_in_may(demo: SimpleNamespace) -> None:
    funerals = PayrollLine.objects.filter(month=D(2024, 5, 1), kind=LineKind.ONE_OFF)
    assert (
        sorted(funerals.values_list("regime", "amount", "state"))
        == [(BTXH, 7_200_000, LineState.PAID)] * 4
    )
    dead = Entitlement.objects.filter(end_reason="death")
    assert dead.count() == 5
    assert not PayrollLine.objects.filter(
        entitlement__in=dead, kind=LineKind.REGULAR, for_month__gt=D(2024, 4, 1)
    ).exists()


def test_the_transfer_leaves_no_gap_and_no_double_month(demo: SimpleNamespace) -> None:
    moved = Entitlement.objects.get(end_reason="moved")
    after = moved.next
    assert (moved.commune, moved.end_month) == (demo.phu_lo, D(2024, 4, 1))
    assert (after.commune, after.start_month) == (demo.minh_tri, D(2024, 5, 1))
    months = list(
        PayrollLine.objects.filter(
            person_id=moved.person_id, kind=LineKind.REGULAR, state=LineState.PAID
        )
        .order_by("for_month")
        .values_list("for_month", "commune__code")
    )
    assert [m for m, _c in months] == [D(2024, m, 1) for m in range(1, 9)]
    assert {c for m, c in months if m < D(2024, 5, 1)} == {PHU_LO}
    assert {c for m, c in months if m >= D(2024, 5, 1)} == {MINH_TRI}


def test_lines_not_collected_are_carried_and_paid_the_next_month(demo: SimpleNamespace) -> None:
    carried = PayrollLine.objects.filter(state=LineState.CARRIED)
    assert sorted(carried.values_list("month", flat=True)) == [D(2024, 2, 1)] * 4 + [D(2024, 5, 1)]
    again = PayrollLine.objects.filter(carried_from__in=carried.values("id"))
    assert sorted(again.values_list("month", "state")) == [(D(2024, 3, 1), "paid")] * 4 + [
        (D(2024, 6, 1), "paid")
    ]


def test_every_replayed_payroll_is_closed_and_september_is_open(demo: SimpleNamespace) -> None:
    replayed = Payroll.objects.filter(month__lte=D(2024, 8, 1))
    assert replayed.count() == 16
    assert set(replayed.values_list("state", flat=True)) == {PayrollState.CLOSED}
    assert list(
        Payroll.objects.filter(month=D(2024, 9, 1)).values_list("commune__code", "state")
    ) == [(MINH_TRI, PayrollState.DRAFT)]
    first = replayed.get(commune=demo.phu_lo, month=D(2024, 1, 1))
    assert first.generated_at is not None
    assert first.generated_at.date() == D(2023, 12, 20)


def test_seeding_again_changes_nothing(demo: SimpleNamespace) -> None:
    assert demo.again == "allowances demo already present"
    assert "NCC 52,500,000,000" in demo.message
