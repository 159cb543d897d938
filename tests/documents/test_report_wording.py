"""The six-month report's sentences from figures, in each of their zero and
non-zero forms: a figure of zero is said in words ("không có hộ sửa chữa"),
never printed as "xây mới 00 nhà với số tiền 0 triệu đồng"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cases.housing.models import HousingKind, HousingProgram
from cases.reporting.report import (
    CampaignFigures,
    HousingFigures,
    OneStopFigures,
    ReportData,
    Tally,
)
from cases.reporting.report_text import (
    body,
    children_sentences,
    default_texts,
    gift_sentences,
    merit_housing_sentence,
    onestop_sentence,
    poor_housing_sentence,
    rehab_sentence,
)

START, END = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
M = 1_000_000
NEW, REPAIR = HousingKind.NEW_BUILD, HousingKind.REPAIR
# A zero count ("00", "0 hộ") or a zero amount ("0 triệu") printed as a figure.
ZERO_FIGURE = re.compile(r"(?<![\d.,])0+ (?!\d)|\b0 triệu")


def report(**fields: object) -> ReportData:
    values: dict[str, object] = {
        "district_id": 1, "district_name": "Sóc Sơn", "start": START, "end": END,
        "campaigns": [], "children_campaigns": [], "gifts_by_source": {}, "housing": {},
        "rehab_compulsory": 0, "rehab_voluntary": 0, "onestop": OneStopFigures(),
        "communes": [],
    }  # fmt: skip
    values.update(fields)
    return ReportData(**values)  # type: ignore[arg-type]


def housing(new: tuple[int, int] = (0, 0), repair: tuple[int, int] = (0, 0)) -> HousingFigures:
    by_kind: dict[str, Tally] = {k: Tally(*v) for k, v in ((NEW, new), (REPAIR, repair)) if v[0]}
    return HousingFigures(new[0] + repair[0], new[1] + repair[1], by_kind)


def campaign(*, private: int = 0, commune: int = 0, children: int = 0) -> CampaignFigures:
    fig = CampaignFigures(1, "Tết Giáp Thìn 2024", children_only=False)
    fig.total = Tally(100 + private + commune, 60 * M)
    fig.by_source = {"president": Tally(100, 60 * M)}
    fig.commune_level = Tally(private + commune, (private + commune) * 300_000)
    fig.commune_private = Tally(private, private * 300_000)
    fig.children = Tally(children, children * 500_000)
    return fig


# --- a report with nothing in it ---------------------------------------------------------


def test_an_empty_half_year_prints_no_zero_figure_anywhere() -> None:
    data = report()
    figures = [b.text for b in body(data, default_texts(START, END)) if b.kind == "figure"]
    assert figures == [
        "Trong kỳ không có suất quà nào được trao.",
        "- Trong kỳ chưa có khoản trợ cấp hằng tháng nào được ghi nhận đã chi trả.",
        "- Trong kỳ chưa đưa người có công nào đi điều dưỡng năm 2024.",
        "- Trong kỳ chưa có quyết định hỗ trợ nhà ở cho gia đình Người có công với cách mạng.",
        "Trong kỳ không có hồ sơ đề nghị đưa đi cai nghiện bắt buộc chuyển sang Tòa án nhân "
        "dân huyện; không có người tự nguyện đi cai nghiện.",
        "Trong kỳ chưa có quyết định hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo.",
        "Trong kỳ chưa có hồ sơ nào được trả kết quả qua bộ phận một cửa.",
    ]
    assert not [f for f in figures if ZERO_FIGURE.search(f)]


def test_the_zero_figure_pattern_catches_what_the_report_used_to_print() -> None:
    assert ZERO_FIGURE.search("hỗ trợ xây mới 00 nhà với số tiền 0 triệu đồng")
    assert ZERO_FIGURE.search("cai nghiện 00 trường hợp")
    assert not ZERO_FIGURE.search("với số tiền 160 triệu đồng, 1.000 hộ, 10 hộ, 65,5 triệu")


# --- housing for people with meritorious service (§2.2) ------------------------------------


@pytest.mark.parametrize(
    ("new", "repair", "expected"),
    [
        ((2, 160 * M), (1, 20 * M),
         "- Hỗ trợ xây mới, tu sửa nhà cho 03 gia đình Người có công với cách mạng khó khăn về "
         "nhà ở với số tiền là 180 triệu đồng, trong đó hỗ trợ xây mới 02 nhà với số tiền 160 "
         "triệu đồng, hỗ trợ sửa nhà 01 nhà số tiền là 20 triệu đồng."),
        ((0, 0), (1, 20 * M),
         "- Hỗ trợ sửa nhà cho 01 gia đình Người có công với cách mạng khó khăn về nhà ở với "
         "số tiền là 20 triệu đồng; không có nhà xây mới."),
        ((2, 160 * M), (0, 0),
         "- Hỗ trợ xây mới nhà cho 02 gia đình Người có công với cách mạng khó khăn về nhà ở "
         "với số tiền là 160 triệu đồng; không có nhà sửa chữa."),
        ((0, 0), (0, 0),
         "- Trong kỳ chưa có quyết định hỗ trợ nhà ở cho gia đình Người có công với cách mạng."),
    ],
)  # fmt: skip
def test_merit_housing_says_what_was_built_and_repaired_in_words_when_none(
    new: tuple[int, int], repair: tuple[int, int], expected: str
) -> None:
    data = report(housing={HousingProgram.MERIT: housing(new, repair)})
    assert merit_housing_sentence(data) == expected
    assert not ZERO_FIGURE.search(expected)


# --- housing for poor and near-poor households (§3) ------------------------------------------


@pytest.mark.parametrize(
    ("poor", "near", "expected"),
    [
        (housing((2, 100 * M)), housing(repair=(1, 30 * M)),
         "Hỗ trợ xây mới, sửa chữa nhà ở cho 03 hộ (02 hộ nghèo, 01 hộ cận nghèo), trong đó có "
         "02 hộ xây mới và 01 hộ sửa chữa với kinh phí hỗ trợ là 130 triệu đồng."),
        (housing((2, 100 * M), (1, 30 * M)), None,
         "Hỗ trợ xây mới, sửa chữa nhà ở cho 03 hộ nghèo, trong đó có 02 hộ xây mới và 01 hộ "
         "sửa chữa với kinh phí hỗ trợ là 130 triệu đồng."),
        (None, housing(repair=(12, 360 * M)),
         "Hỗ trợ sửa chữa nhà ở cho 12 hộ cận nghèo với kinh phí hỗ trợ là 360 triệu đồng; "
         "không có hộ xây mới."),
        (housing((1, 50 * M)), housing((1, 50 * M)),
         "Hỗ trợ xây mới nhà ở cho 02 hộ (01 hộ nghèo, 01 hộ cận nghèo) với kinh phí hỗ trợ là "
         "100 triệu đồng; không có hộ sửa chữa."),
        (None, None, "Trong kỳ chưa có quyết định hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo."),
    ],
)  # fmt: skip
def test_poor_housing_names_only_the_kinds_of_household_and_support_there_were(
    poor: HousingFigures | None, near: HousingFigures | None, expected: str
) -> None:
    programs = {HousingProgram.POOR: poor, HousingProgram.NEAR_POOR: near}
    data = report(housing={p: fig for p, fig in programs.items() if fig})
    assert poor_housing_sentence(data) == expected
    assert not ZERO_FIGURE.search(expected)


# --- drug rehab (§2.4) ------------------------------------------------------------------------


COURT = (
    "Phối hợp với Công an, các xã, thị trấn hoàn thiện và chuyển hồ sơ sang Tòa án nhân dân "
    "huyện xét xử và ra quyết định đưa đi cai nghiện bắt buộc tại các trung tâm cai nghiện "
)
NO_COURT = (
    "Trong kỳ không có hồ sơ đề nghị đưa đi cai nghiện bắt buộc chuyển sang Tòa án nhân dân huyện"
)


@pytest.mark.parametrize(
    ("compulsory", "voluntary", "expected"),
    [
        (35, 55, f"{COURT}35 trường hợp; số người tự nguyện đi cai nghiện là 55 trường hợp."),
        (3, 0, f"{COURT}03 trường hợp; không có người tự nguyện đi cai nghiện."),
        (0, 2, f"{NO_COURT}; số người tự nguyện đi cai nghiện là 02 trường hợp."),
        (0, 0, f"{NO_COURT}; không có người tự nguyện đi cai nghiện."),
    ],
)
def test_rehab_says_there_was_none_rather_than_00_cases(
    compulsory: int, voluntary: int, expected: str
) -> None:
    data = report(rehab_compulsory=compulsory, rehab_voluntary=voluntary)
    assert rehab_sentence(data) == expected


# --- one-stop (§4) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (OneStopFigures(33, 33, 0),
         "Trong kỳ, bộ phận một cửa đã trả kết quả 33 hồ sơ, trong đó 33 hồ sơ đúng hạn (đạt "
         "100%); không có hồ sơ chậm muộn, quá hạn."),
        (OneStopFigures(3, 2, 1),
         "Trong kỳ, bộ phận một cửa đã trả kết quả 03 hồ sơ, trong đó 02 hồ sơ đúng hạn (đạt "
         "66,7%); có 01 hồ sơ trả kết quả sau ngày hẹn."),
        (OneStopFigures(2, 0, 2),
         "Trong kỳ, bộ phận một cửa đã trả kết quả 02 hồ sơ, không có hồ sơ nào đúng hạn; có 02 "
         "hồ sơ trả kết quả sau ngày hẹn."),
        (OneStopFigures(), "Trong kỳ chưa có hồ sơ nào được trả kết quả qua bộ phận một cửa."),
    ],
)  # fmt: skip
def test_one_stop_says_none_was_on_time_or_late_in_words(
    figures: OneStopFigures, expected: str
) -> None:
    assert onestop_sentence(report(onestop=figures)) == expected


# --- gifts (§2.1, §2.3) -----------------------------------------------------------------------


def test_gifts_given_by_the_communes_without_private_gifts_say_so() -> None:
    sentences = gift_sentences(report(campaigns=[campaign(commune=10)]))
    assert sentences[1] == (
        "Các xã, thị trấn tặng quà dịp Tết Giáp Thìn 2024 10 suất quà với số tiền 3 triệu "
        "đồng, không có quà xã hội hoá."
    )
    assert len(sentences) == 2, "no children's gifts: no sentence about them"


def test_gifts_given_by_the_communes_with_private_gifts_give_their_amount() -> None:
    sentences = gift_sentences(report(campaigns=[campaign(private=4, commune=6, children=2)]))
    assert sentences[1] == (
        "Các xã, thị trấn tặng quà dịp Tết Giáp Thìn 2024 10 suất quà với số tiền 3 triệu "
        "đồng, trong đó xã hội hoá được 1,2 triệu đồng."
    )
    assert sentences[2] == (
        "Tổ chức tặng quà Tết Giáp Thìn 2024 cho 02 cháu có hoàn cảnh đặc biệt khó khăn với "
        "số kinh phí là 1 triệu đồng."
    )


def test_gifts_only_from_the_president_print_one_sentence() -> None:
    [sentence] = gift_sentences(report(campaigns=[campaign()]))
    assert sentence == (
        "Tổng số quà Tết Giáp Thìn 2024 tặng cho 100 lượt đối tượng với số tiền là 60 triệu "
        "đồng, trong đó: quà của Chủ tịch nước 100 suất, 60 triệu đồng."
    )


def test_a_childrens_fund_donor_with_no_gift_in_the_period_is_left_out() -> None:
    fund = CampaignFigures(2, "Quỹ BTTE 2024", children_only=True)
    fund.by_donor = {"Quỹ BTTE Hà Nội": Tally(3, 3_900_000), "Hội Chữ thập đỏ": Tally()}
    assert children_sentences(report(children_campaigns=[fund])) == [
        "Phối hợp với Quỹ BTTE Hà Nội tặng 03 suất quà với số tiền là 3,9 triệu đồng cho các "
        "cháu có hoàn cảnh khó khăn (Quỹ BTTE 2024)."
    ]
