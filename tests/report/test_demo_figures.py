"""With the demo data, the six-month report of Sóc Sơn for 01/01–30/06/2024
prints the figures of the office's own report (../shared/seed/): every figure
the system covers, the .docx included. The demo is seeded once for the module
(tens of seconds: the Tết campaign at its real scale) and rolled back."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import docx
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.demo.report import seed_report_data
from cases.demo.seed import seed_demo
from cases.housing.models import HousingProgram
from cases.models import AdministrativeUnit
from cases.reporting.report import six_month_report
from cases.reporting.report_documents import ReportOptions, report_export
from tests.module_data import checked, written_once
from workflows.permissions import Role
from workflows.services import role_grant

MILLION = 1_000_000
H1 = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
# Finding the demo present asks two questions; nothing scales with the cases
# or the 26,553 gifts.
QUERIES_TO_FIND_IT_PRESENT = 500
# The database is set up for the tests that ask for it: these do, even when run alone.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    with written_once(django_db_blocker, DEMO_ALLOWANCE_COMMUNES=[]):
        seed_demo()
        checked()
        # The district's office head holds no role since 01/07/2025 (the demo
        # replays the reorganisation); the auditor reads the 2024 report.
        head = get_user_model().objects.get(username="thanhtra")
        district = AdministrativeUnit.objects.get(level="district", code="016")
        with CaptureQueriesContext(connection) as queries:
            again = seed_report_data({u.code: u for u in district.children.all()}, {})
        yield SimpleNamespace(
            head=head,
            district=district,
            again=again,
            again_queries=len(queries),
            data=six_month_report(head, district=district, start=H1[0], end=H1[1]),
        )


def test_demo_seeding_the_report_data_again_changes_nothing(demo: SimpleNamespace) -> None:
    assert demo.again == "report demo already present"
    # Nothing is written and nothing scales with the data: a wall-clock bound
    # would only measure how busy the machine is.
    assert demo.again_queries <= QUERIES_TO_FIND_IT_PRESENT, demo.again_queries


def test_demo_tet_gifts_equal_the_seed_report(demo: SimpleNamespace) -> None:
    [tet] = demo.data.campaigns
    assert (tet.total.gifts, tet.total.amount) == (26_553, 17_120 * MILLION)
    assert (tet.commune_level.gifts, tet.commune_level.amount) == (4_818, 1_399 * MILLION)
    assert tet.commune_private.amount == 787 * MILLION
    assert (tet.children.gifts, tet.children.amount) == (130, 65 * MILLION)


def test_demo_children_fund_gifts_equal_the_seed_report(demo: SimpleNamespace) -> None:
    [btte] = demo.data.children_campaigns
    assert (btte.total.gifts, btte.total.amount) == (20, 26 * MILLION)
    assert list(btte.by_donor) == ["Quỹ BTTE Hà Nội"]


def test_demo_housing_support_equals_the_seed_report(demo: SimpleNamespace) -> None:
    merit = demo.data.program(HousingProgram.MERIT)
    assert (merit.households, merit.amount) == (3, 180 * MILLION)
    assert (merit.kind("new_build").gifts, merit.kind("new_build").amount) == (2, 160 * MILLION)
    assert (merit.kind("repair").gifts, merit.kind("repair").amount) == (1, 20 * MILLION)
    poor = demo.data.poor_housing
    assert (poor.households, poor.amount) == (30, 1_340 * MILLION)
    assert (poor.kind("new_build").gifts, poor.kind("repair").gifts) == (22, 8)


def test_demo_rehab_and_one_stop_equal_the_seed_report(demo: SimpleNamespace) -> None:
    assert (demo.data.rehab_compulsory, demo.data.rehab_voluntary) == (35, 55)
    # The 33 housing dossiers decided in H1 2024, all on time: "không có hồ sơ chậm muộn".
    assert (demo.data.onestop.resolved, demo.data.onestop.late) == (33, 0)
    assert demo.data.onestop.on_time_rate == 1


def test_demo_docx_prints_the_seed_report_figures(demo: SimpleNamespace) -> None:
    # Who drafts the office's document: a specialist (an account granted now;
    # the demo's own district accounts ended with the district).
    drafter = role_grant(
        actor=None, username="chuyenvien_baocao", role=Role.DISTRICT_SPECIALIST,
        password="Bao-cao-2024!", full_name="Chuyên viên báo cáo",
    )  # fmt: skip
    exported = report_export(
        actor=drafter, district=demo.district, start=H1[0], end=H1[1], fmt="docx",
        options=ReportOptions(issued_on=dt.date(2024, 7, 5)),
    )  # fmt: skip
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(exported.content)).paragraphs)
    for expected in [
        "26.553 lượt đối tượng với số tiền là 17.120 triệu đồng",
        "4.818 suất quà với số tiền 1.399 triệu đồng, trong đó xã hội hoá được 787 triệu đồng",
        "130 cháu có hoàn cảnh đặc biệt khó khăn với số kinh phí là 65 triệu đồng",
        "03 gia đình Người có công",
        "180 triệu đồng, trong đó hỗ trợ xây mới 02 nhà với số tiền 160 triệu đồng, "
        "hỗ trợ sửa nhà 01 nhà số tiền là 20 triệu đồng",
        "Phối hợp với Quỹ BTTE Hà Nội tặng 20 suất quà với số tiền là 26 triệu đồng",
        "cai nghiện bắt buộc tại các trung tâm cai nghiện 35 trường hợp",
        "tự nguyện đi cai nghiện là 55 trường hợp",
        "30 hộ",
        "22 hộ xây mới và 08 hộ sửa chữa với kinh phí hỗ trợ là 1.340 triệu đồng",
        "không có hồ sơ chậm muộn, quá hạn",
    ]:
        assert expected in text, expected
