"""A recuperation quota across the reorganisation of 01/07/2025: the
district's quota for 2025 still governs the communes formed from its
communes (they have no district above them), counted over the former
communes' lists and the new ones', and refuses what goes over it."""

# The fixtures imported from recuperation_fixtures are requested by name (F811).
# ruff: noqa: F811

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cases.allowances import recuperation as recup
from cases.demo.base import seed_units
from cases.models import AdministrativeUnit
from cases.reorganization.run import reorganize
from tests.allowances.recuperation_fixtures import (
    HOME,
    merit,  # noqa: F401 - a fixture
    quota,
)
from tests.reorganization.mappings import EFFECTIVE, MERGE, load
from workflows.exceptions import InvalidData
from workflows.permissions import forget_scope

pytestmark = pytest.mark.django_db


def test_the_districts_quota_of_the_year_governs_the_new_communes(
    merit: SimpleNamespace, communes: SimpleNamespace, staff: SimpleNamespace
) -> None:
    seed_units()
    district = communes.a.parent
    quota(district, 2025, 2)
    before = recup.recuperation_list_open(actor=staff.officer, commune=communes.a, year=2025)
    recup.recuperation_rows_add(
        actor=staff.officer, recuperation_list=before, choices={merit.mother.person_id: HOME}
    )
    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    noi_bai, kim_anh = (
        AdministrativeUnit.objects.get(code=code, valid_from=EFFECTIVE)
        for code in ("00433", "00382")
    )
    assert kim_anh.parent is not None and kim_anh.parent.level == "province"
    # Phù Lỗ's trip of the year counts in Kim Anh too: one place left.
    use = recup.quota_use(kim_anh.pk, 2025)
    assert use is not None and (use.area, use.quota, use.used, use.left) == (district, 2, 1, 1)
    forget_scope(staff.officer_b)
    after = recup.recuperation_list_open(actor=staff.officer_b, commune=kim_anh, year=2025)
    both = {e.person_id: HOME for e in merit.b}
    with pytest.raises(InvalidData) as refused:
        recup.recuperation_rows_add(actor=staff.officer_b, recuperation_list=after, choices=both)
    assert refused.value.code == "recuperation_quota_exceeded"
    recup.recuperation_rows_add(
        actor=staff.officer_b, recuperation_list=after, choices={merit.b[0].person_id: HOME}
    )
    for unit in (noi_bai, kim_anh):
        use = recup.quota_use(unit.pk, 2025)
        assert use is not None and (use.quota, use.used, use.left) == (2, 2, 0)
    # A year the city sets no quota for the new communes: none is in force.
    assert recup.quota_use(kim_anh.pk, 2026) is None
