"""Monthly amounts are what the rules in force that month give (dated data)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from cases.allowances.models import AllowanceStandard
from cases.allowances.rates import monthly_amount, one_off_amount, province_of

D = dt.date
pytestmark = pytest.mark.django_db


def amount(
    rates: SimpleNamespace, communes: SimpleNamespace, code: str, month: dt.date, **kw: int
) -> int:
    return monthly_amount(
        category_id=rates.cat[code].pk,
        degree=kw.get("degree"),
        province_id=province_of(communes.a.pk),
        month=month,
    )


def test_relative_of_one_martyr_follows_the_merit_standard_change_of_july_2024(rates, communes):
    assert amount(rates, communes, "than_nhan_1_liet_si", D(2024, 6, 1)) == 2_055_000
    assert amount(rates, communes, "than_nhan_1_liet_si", D(2024, 7, 1)) == 2_789_000


def test_heroic_mother_gets_three_standards_and_the_carer_allowance(rates, communes):
    assert amount(rates, communes, "ba_me_vnah", D(2024, 7, 1)) == 8_367_000 + 2_337_000


def test_war_invalid_is_paid_by_the_band_of_his_degree(rates, communes):
    assert amount(rates, communes, "thuong_binh", D(2024, 7, 1), degree=50) == 2_789_000
    assert amount(rates, communes, "thuong_binh", D(2024, 7, 1), degree=81) == 5_020_200


def test_hanoi_social_allowance_uses_the_city_standard_across_its_changes(rates, communes):
    code = "nkt_nang"  # coefficient 1.5
    assert amount(rates, communes, code, D(2024, 6, 1)) == 660_000  # 1.5 × 440,000
    assert amount(rates, communes, code, D(2024, 7, 1)) == 750_000  # 1.5 × 500,000
    assert amount(rates, communes, code, D(2025, 12, 1)) == 750_000
    assert amount(rates, communes, code, D(2026, 1, 1)) == 975_000  # 1.5 × 650,000


def test_a_province_without_its_own_standard_uses_the_national_one(rates, communes):
    AllowanceStandard.objects.filter(area__isnull=False).delete()
    assert amount(rates, communes, "nkt_nang", D(2024, 6, 1)) == 540_000  # 1.5 × 360,000


def test_the_elderly_over_80_group_is_no_longer_paid_from_july_2025(rates, communes):
    assert amount(rates, communes, "nct_80_khong_luong_huu", D(2025, 6, 1)) == 500_000
    assert amount(rates, communes, "nct_80_khong_luong_huu", D(2025, 7, 1)) == 0


def test_funeral_support_is_twenty_national_standards(rates, communes):
    on = D(2024, 4, 15)
    pid = province_of(communes.a.pk)
    assert (
        one_off_amount(regime="bao_tro_xa_hoi", kind="funeral", province_id=pid, on=on) == 7_200_000
    )
    on = D(2024, 8, 2)
    assert (
        one_off_amount(regime="bao_tro_xa_hoi", kind="funeral", province_id=pid, on=on)
        == 10_000_000
    )
    assert one_off_amount(regime="nguoi_co_cong", kind="funeral", province_id=pid, on=on) == 0
