"""The six-month report across the reorganisation of 01/07/2025: Sóc Sơn's
report still counts the work recorded in the new communes (parented to the
province), and its per-commune lines follow the user's grouping — the units
in force at the period's end (a former commune's figures under the commune
that took it over; a commune split by villages on its own line) or the unit
each figure was recorded in — with the same totals either way. The H1 2024
report is unchanged by the reorganisation."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any

import docx
import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.demo.base import seed_units
from cases.gifts.models import Campaign, GiftPackage
from cases.models import AdministrativeUnit, Category
from cases.reorganization.run import reorganize
from cases.reporting.report import six_month_report
from cases.reporting.report_documents import report_export
from cases.reporting.units import Grouping
from tests.conftest import api_token, sign_in
from tests.reorganization.mappings import EFFECTIVE, MERGE, SPLIT, load
from workflows.models import AuditEvent

from .conftest import END, EXPECTED, START, _gifts, _housing, _onestop

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
H2 = (EFFECTIVE, dt.date(2025, 12, 31))
M = 1_000_000
CURRENT, HISTORICAL = Grouping.CURRENT, Grouping.HISTORICAL


def reorganize_soc_son() -> None:
    """The merges loaded and run (open work to the successors, the former
    units closed), then Phù Linh's split by villages: its people have no
    village on record, so the run leaves it where it is."""
    load(MERGE)
    reorganize(EFFECTIVE, actor=None)
    load(SPLIT)


def report(user: Any, district: Any, period: tuple[dt.date, dt.date], grouping: str) -> Any:
    return six_month_report(
        user, district=district, start=period[0], end=period[1], grouping=grouping
    )


def lines(data: Any) -> dict[str, tuple[int, int, int]]:
    """Line name -> (gifts, households supported, one-stop results)."""
    out = {}
    for row in data.communes:
        assert row.name not in out, f"two lines named {row.name}"
        out[row.name] = (row.gifts.gifts, row.housing.gifts, row.onestop.resolved)
    return out


def totals(data: Any) -> dict[str, Any]:
    """Every figure of the report but the per-commune lines."""
    figures = data.as_json()
    del figures["communes"], figures["grouping"]
    return figures


@pytest.fixture
def world(users: SimpleNamespace) -> SimpleNamespace:
    """2025 in Sóc Sơn: the Tết gifts delivered in January in four former
    communes, housing decided (and closed) in Phù Lỗ and Minh Trí in the
    spring; the reorganisation; then in the new communes Nội Bài and Kim Anh,
    the National Day gifts in August and a housing case decided in September."""
    units = seed_units()
    phu_lo, minh_tri, thanh_xuan, phu_linh = (
        units[c] for c in ("00448", "00382", "00433", "00400")
    )
    u = users.officer
    tet = Campaign.objects.create(
        code="tet-2025", name="Tết Ất Tỵ 2025", year=2025, occasion_date=dt.date(2025, 1, 29)
    )
    city = GiftPackage.objects.create(
        campaign=tet, code="tp", name="tp", source="city", amount=M, categories=[Category.MERIT]
    )
    for commune, n in ((phu_lo, 3), (minh_tri, 2), (thanh_xuan, 1), (phu_linh, 4)):
        _gifts(tet, commune, u, city, n, on=dt.date(2025, 1, 20))
    spring = _housing(phu_lo, u, "nguoi_co_cong", "new_build", 60 * M,
                      on=dt.date(2025, 3, 10), state="closed")  # fmt: skip
    _onestop(spring, result_on=dt.date(2025, 3, 10), appointment=dt.date(2025, 3, 12))
    _housing(minh_tri, u, "ho_ngheo", "repair", 30 * M, on=dt.date(2025, 5, 5), state="closed")

    reorganize_soc_son()
    new = {c.name: c for c in AdministrativeUnit.objects.filter(valid_from=EFFECTIVE)}
    noi_bai, kim_anh = new["Nội Bài"], new["Kim Anh"]
    assert noi_bai.parent is not None and noi_bai.parent.level == "province"

    national_day = Campaign.objects.create(
        code="qk-2025", name="Quà Quốc khánh 2025", year=2025, occasion_date=dt.date(2025, 9, 2)
    )
    gift = GiftPackage.objects.create(
        campaign=national_day, code="xa", name="xa", source="commune", amount=500_000,
        categories=[Category.MERIT],
    )  # fmt: skip
    _gifts(national_day, noi_bai, u, gift, 5, on=dt.date(2025, 8, 28))
    _gifts(national_day, kim_anh, u, gift, 6, on=dt.date(2025, 8, 28))
    autumn = _housing(kim_anh, u, "ho_ngheo", "new_build", 50 * M, on=dt.date(2025, 9, 1))
    _onestop(autumn, result_on=dt.date(2025, 9, 3), appointment=dt.date(2025, 9, 1))  # late
    return SimpleNamespace(district=phu_lo.parent, national_day=national_day, gift=gift,
                           noi_bai=noi_bai, kim_anh=kim_anh)  # fmt: skip


# --- the area: the district's communes and the ones that took them over ---------------


def test_work_recorded_in_the_new_communes_counts_in_the_districts_report(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    data = report(users.head, world.district, H2, CURRENT)
    assert (data.gifts_total.gifts, data.gifts_total.amount) == (11, 5_500_000)
    assert data.program("ho_ngheo").households == 1
    assert (data.onestop.resolved, data.onestop.late) == (1, 1)
    assert lines(data)["Kim Anh"] == (6, 1, 1)
    assert lines(data)["Nội Bài"] == (5, 0, 0)
    # The former communes closed on 01/07/2025 hold nothing of H2: no line.
    assert not {"Phù Lỗ", "Minh Trí", "Thanh Xuân"} & set(lines(data))


# --- a period spanning 01/07/2025 in both groupings --------------------------------------


def test_by_the_current_units_former_communes_count_under_their_successor(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    data = report(users.head, world.district, YEAR, CURRENT)
    by_name = lines(data)
    assert by_name["Nội Bài"] == (3 + 1 + 5, 1, 1)  # Phù Lỗ and Thanh Xuân's, and its own
    assert by_name["Kim Anh"] == (2 + 6, 1 + 1, 1)  # Minh Trí's, and its own
    assert not {"Phù Lỗ", "Minh Trí", "Thanh Xuân"} & set(by_name)
    # 26 former units: three merged away; the two new communes.
    assert len(data.communes) == 26 - 3 + 2
    noted = {row.name: line for row, line in data.commune_lines}
    assert [m.name for m in noted["Nội Bài"].former] == ["Thanh Xuân", "Phù Lỗ"]  # code order
    assert [m.name for m in noted["Kim Anh"].former] == ["Minh Trí"]
    assert not noted["Nội Bài"].split and not noted["Tân Minh"].noted


def test_a_commune_split_by_villages_keeps_its_own_line_marked_split(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    data = report(users.head, world.district, YEAR, CURRENT)
    assert lines(data)["Phù Linh"] == (4, 0, 0)
    line = {row.name: line for row, line in data.commune_lines}["Phù Linh"]
    assert line.split and not line.former
    assert line.note_vi() == "chia tách theo thôn từ ngày 01/07/2025"
    [as_json] = [r for r in data.as_json()["communes"] if r["name"] == "Phù Linh"]
    assert as_json["split"] is True and as_json["includes"] == []


def test_by_the_historical_units_each_figure_stays_where_it_was_recorded(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    data = report(users.head, world.district, YEAR, HISTORICAL)
    by_name = lines(data)
    assert {n: by_name[n] for n in ("Phù Lỗ", "Thanh Xuân", "Minh Trí", "Phù Linh")} == {
        "Phù Lỗ": (3, 1, 1), "Thanh Xuân": (1, 0, 0), "Minh Trí": (2, 1, 0), "Phù Linh": (4, 0, 0),
    }  # fmt: skip
    assert (by_name["Nội Bài"], by_name["Kim Anh"]) == ((5, 0, 0), (6, 1, 1))
    assert len(data.communes) == 26 + 2
    noted = {row.name: line for row, line in data.commune_lines}
    assert noted["Phù Lỗ"].note_vi() == "đến ngày 30/06/2025"
    assert noted["Kim Anh"].note_vi() == "thành lập từ ngày 01/07/2025"
    assert not noted["Nội Bài"].former


def test_both_groupings_have_the_same_totals_and_their_lines_add_up_to_them(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    current = report(users.head, world.district, YEAR, CURRENT)
    historical = report(users.head, world.district, YEAR, HISTORICAL)
    assert totals(current) == totals(historical)
    assert (current.gifts_total.gifts, current.gifts_total.amount) == (21, 10 * M + 5_500_000)
    assert current.poor_housing.households + current.program("nguoi_co_cong").households == 3
    for data in (current, historical):
        rows = data.communes
        assert sum(r.gifts.gifts for r in rows) == data.gifts_total.gifts
        assert sum(r.gifts.amount for r in rows) == data.gifts_total.amount
        assert sum(r.housing.gifts for r in rows) == 3
        assert sum(r.housing.amount for r in rows) == 140 * M
        assert sum(r.onestop.resolved for r in rows) == data.onestop.resolved == 2
    assert (current.grouping, historical.grouping) == ("current", "historical")


def test_a_report_spanning_the_date_takes_the_same_fixed_number_of_queries(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    report(users.head, world.district, YEAR, CURRENT)  # the user's scope is read once
    for grouping in (CURRENT, HISTORICAL):
        with CaptureQueriesContext(connection) as before:
            report(users.head, world.district, YEAR, grouping)
        _gifts(world.national_day, world.kim_anh, users.officer, world.gift, 10,
               on=dt.date(2025, 8, 29))  # fmt: skip
        with CaptureQueriesContext(connection) as after:
            data = report(users.head, world.district, YEAR, grouping)
        assert lines(data)["Kim Anh"][0] >= 16
        assert len(before) == len(after) == 10


# --- the H1 2024 report ---------------------------------------------------------------------


def test_the_h1_2024_report_is_unchanged_by_the_reorganisation(
    users: SimpleNamespace, report_world: SimpleNamespace
) -> None:
    seed_units()
    district, period = report_world.district, (START, END)
    before = report(users.head, district, period, CURRENT).as_json()
    assert report(users.head, district, period, HISTORICAL).as_json() == {
        **before, "grouping": "historical",
    }  # fmt: skip
    load(MERGE)
    # The mapping loaded, the new units are not in force in 2024 and hold
    # nothing: every figure and every line as before, in both groupings.
    for grouping in (CURRENT, HISTORICAL):
        data = report(users.head, district, period, grouping)
        assert data.as_json() == {**before, "grouping": grouping.value}
        assert not data.reorganized
    reorganize(EFFECTIVE, actor=None)
    load(SPLIT)
    unchanged = {k: v for k, v in before.items() if k not in ("communes", "grouping")}
    for grouping in (CURRENT, HISTORICAL):
        data = report(users.head, district, period, grouping)
        assert totals(data) == unchanged
        assert (data.gifts_total.gifts, data.program("nguoi_co_cong").households) == (
            EXPECTED.tet_gifts + EXPECTED.fund[0], EXPECTED.merit[0],
        )  # fmt: skip
        by_name = lines(data)
        assert by_name["Phù Lỗ"][0] == 3 + 4 + 2 + 6 + 1 + 3  # delivered gifts keep their unit
        noted = {row.name: line for row, line in data.commune_lines}
        assert not noted["Phù Linh"].noted  # split in 2025: a line of its own in 2024
        # Cases still open on 01/07/2025 went with Phù Lỗ to Nội Bài and hold
        # no other unit: they count there, and the line says since when it exists.
        assert by_name["Nội Bài"][1] == 3
        assert noted["Nội Bài"].note_vi() == "thành lập từ ngày 01/07/2025"
        assert sum(r.housing.gifts for r in data.communes) == 6


# --- the documents, the page and the API ----------------------------------------------------


def _sheet(content: bytes, name: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [r for r in wb[name].iter_rows(values_only=True) if any(v is not None for v in r)]


def test_the_annex_lines_follow_the_grouping_with_a_note_column(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    def annex(grouping: str) -> bytes:
        return report_export(actor=users.auditor, district=world.district, start=YEAR[0],
                             end=YEAR[1], fmt="xlsx", grouping=grouping).content  # fmt: skip

    current = _sheet(annex(CURRENT), "Theo xã")
    assert any("theo đơn vị hành chính hiện hành (tại ngày 31/12/2025)" in str(r[0])
               for r in current)  # fmt: skip
    by_name = {r[1]: r for r in current if r[0] and str(r[0]).isdigit()}
    assert by_name["Nội Bài"][2:4] == (9, 3 * M + 1 * M + 5 * 500_000)
    assert by_name["Nội Bài"][6] == "gồm số liệu của xã Thanh Xuân, xã Phù Lỗ"
    assert by_name["Phù Linh"][6] == "chia tách theo thôn từ ngày 01/07/2025"
    assert "Phù Lỗ" not in by_name
    historical = _sheet(annex(HISTORICAL), "Theo xã")
    assert any("tại thời điểm phát sinh số liệu" in str(r[0]) for r in historical)
    by_name = {r[1]: r for r in historical if r[0] and str(r[0]).isdigit()}
    assert by_name["Phù Lỗ"][2] == 3 and by_name["Phù Lỗ"][6] == "đến ngày 30/06/2025"
    assert by_name["Nội Bài"][2] == 5
    assert historical[-1][2:6] == current[-1][2:6]  # the same totals
    onestop = {r[1]: r[2:] for r in _sheet(annex(HISTORICAL), "Một cửa") if r[1]}
    assert onestop["Phù Lỗ"][:3] == (1, 1, 0) and onestop["Kim Anh"][:3] == (1, 0, 1)
    event = AuditEvent.objects.filter(event="report_download").latest("id")
    assert event.data["grouping"] == "historical"


def test_the_docx_says_which_communes_it_covers_and_how_the_annex_groups_them(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    def text(grouping: str) -> str:
        content = report_export(actor=users.head, district=world.district, start=YEAR[0],
                                end=YEAR[1], fmt="docx", grouping=grouping).content  # fmt: skip
        return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)

    current = text(CURRENT)
    assert (
        "Từ ngày 01/07/2025, các đơn vị hành chính cấp xã trên địa bàn được sắp xếp lại" in current
    )
    assert (
        "theo đơn vị hành chính hiện hành (tại ngày 31/12/2025): số liệu của xã, thị trấn cũ "
        "được tính vào xã tiếp nhận; xã Phù Linh chia tách theo thôn nên giữ dòng riêng." in current
    )
    assert "tổng hợp theo đơn vị hành chính tại thời điểm phát sinh số liệu." in text(HISTORICAL)
    assert "Tổng số quà Tết Ất Tỵ 2025 tặng cho 10 lượt đối tượng" in current


def _communes_section(html: str) -> str:
    match = re.search(r'data-testid="report-communes".*?</section>', html, re.S)
    assert match
    return match.group(0)


def _line_names(section: str) -> list[str]:
    return re.findall(r'<tr data-testid="commune-line"><td>[^<]*</td><td>([^<]*)', section)


def test_the_page_offers_the_grouping_and_shows_the_lines_it_chose(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = Client()
    sign_in(client, users.head)
    query = {"district": world.district.pk, "start": "01/01/2025", "end": "31/12/2025"}
    page = client.get(reverse("report_six_month"), query).content.decode()
    assert 'name="grouping"' in page and "Theo đơn vị hành chính hiện hành" in page
    section = _communes_section(page)
    names = _line_names(section)
    assert "Nội Bài" in names and "Phù Lỗ" not in names
    assert "chia tách theo thôn từ 01/07/2025" in section
    assert "gồm số liệu của Xã Thanh Xuân, Xã Phù Lỗ" in section
    assert '<th>Tổng cộng</th><th class="num">21</th>' in section  # the lines add up
    # The document form carries the grouping to the .docx.
    assert 'type="hidden" name="grouping" value="current"' in page
    historical = client.get(reverse("report_six_month"), {**query, "grouping": "historical"})
    section = _communes_section(historical.content.decode())
    assert "Phù Lỗ" in _line_names(section) and "đến 30/06/2025" in section
    assert '<th>Tổng cộng</th><th class="num">21</th>' in section
    assert 'name="grouping" value="historical"' in historical.content.decode()
    xlsx = client.get(reverse("report_six_month_xlsx"), {**query, "grouping": "historical"})
    assert xlsx.status_code == 200
    assert "Phù Lỗ" in {r[1] for r in _sheet(xlsx.getvalue(), "Theo xã")}
    assert client.get(reverse("report_six_month"), {**query, "grouping": "x"}).status_code == 200


def test_the_api_takes_the_grouping_and_refuses_an_unknown_one(
    users: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token(users.auditor)}"
    url = reverse("api-report-six-month")
    query = {"district": world.district.pk, "start": "2025-01-01", "end": "2025-12-31"}
    current = client.get(url, query).json()
    assert current["grouping"] == "current"
    by_name = {r["name"]: r for r in current["communes"]}
    assert by_name["Nội Bài"]["gifts"]["gifts"] == 9 and "Phù Lỗ" not in by_name
    assert [u["name"] for u in by_name["Nội Bài"]["includes"]] == ["Thanh Xuân", "Phù Lỗ"]
    assert by_name["Phù Linh"]["split"] is True
    historical = client.get(url, {**query, "grouping": "historical"}).json()
    by_name = {r["name"]: r for r in historical["communes"]}
    assert by_name["Phù Lỗ"]["gifts"]["gifts"] == 3
    assert by_name["Phù Lỗ"]["valid_to"] == "2025-07-01"
    assert historical["gifts_total"] == current["gifts_total"]
    bad = client.get(url, {**query, "grouping": "today"})
    assert bad.status_code == 400 and "grouping" in bad.json()["fields"]
