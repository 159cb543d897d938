"""The body of the six-month report: the seed report's structure (I.1, I.2,
2.1 … 2.5, 3, 4, II), each section made of paragraphs written from the
figures (`cases.report.ReportData`) and of editable text where the system
holds no data yet. The page preview, the .docx and the API render the same
blocks.

The text is Vietnamese whatever the UI language: it is the office's document.
Editable defaults take the seed report's wording, with "…" where its figures
came from outside the system (plans issued, trainings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from cases.allowances.models import Regime
from cases.housing.models import HousingKind, HousingProgram
from cases.reporting.report import (
    SOURCE_TEXT,
    CampaignFigures,
    ReportData,
    count_vi,
    million_vi,
    percent_vi,
)
from cases.reporting.report_allowances import money_vi
from cases.reporting.units import Grouping, grouping_vi
from workflows.formatting import vn_date

NEW, REPAIR = HousingKind.NEW_BUILD, HousingKind.REPAIR


def period_vi(start: dt.date, end: dt.date) -> str:
    """'6 tháng đầu năm 2024', '6 tháng cuối năm 2024', 'năm 2024', or
    'thời gian từ ngày 01/03/2024 đến ngày 31/05/2024': a noun phrase that
    reads after "trong" ("trong thời gian từ ngày …") and at a sentence's start."""
    same_year = start.year == end.year
    if same_year and (start.month, start.day, end.month, end.day) == (1, 1, 6, 30):
        return f"6 tháng đầu năm {start.year}"
    if same_year and (start.month, start.day, end.month, end.day) == (7, 1, 12, 31):
        return f"6 tháng cuối năm {start.year}"
    if same_year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return f"năm {start.year}"
    return f"thời gian từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def next_period_vi(start: dt.date, end: dt.date) -> str:
    if start.month == 1 and end.month == 6:
        return f"6 tháng cuối năm {start.year}"
    if start.month == 7 and end.month == 12:
        return f"6 tháng đầu năm {start.year + 1}"
    return "thời gian tới"


def summary_vi(start: dt.date, end: dt.date) -> str:
    """The trích yếu under BÁO CÁO."""
    return (
        f"Kết quả công tác lao động, thương binh và xã hội {period_vi(start, end)}, "
        f"những nhiệm vụ trọng tâm {next_period_vi(start, end)}"
    )


# --- editable sections ------------------------------------------------------------------


@dataclass(frozen=True)
class Editable:
    key: str
    label: Any  # lazy translation: the form field's label
    default: str  # may use {period}, {Period}, {next}, {year}


EDITABLE = [
    Editable(
        "intro",
        _("Opening paragraph"),
        "{Period}, được sự quan tâm chỉ đạo trực tiếp về chuyên môn của Sở Lao động - Thương "
        "binh và Xã hội Thành phố; của Huyện ủy, HĐND và UBND huyện, cùng với nỗ lực phấn đấu "
        "của toàn ngành Lao động - Thương binh và Xã hội, công tác lao động, thương binh và xã "
        "hội của huyện trong {period} đã đạt được kết quả trên các mặt công tác như sau:",
    ),
    Editable(
        "direction",
        _("1. Advice and direction"),
        "Bám sát các nội dung văn bản chỉ đạo của Thành phố, của Huyện ủy và UBND huyện, ngay từ "
        "đầu năm, phòng Lao động - Thương binh và Xã hội đã chủ động tham mưu UBND huyện xây "
        "dựng, ban hành … kế hoạch, chương trình, … văn bản chỉ đạo, triển khai đến các phòng, "
        "ban, đơn vị liên quan và UBND các xã, thị trấn. Ngoài ra, phòng cũng ban hành … văn bản "
        "hướng dẫn các đơn vị cơ sở thực hiện nhiệm vụ chuyên môn.",
    ),
    Editable(
        "gifts_intro",
        _("2.1 Gifts: introduction"),
        "Phòng Lao động - Thương binh và Xã hội đã tham mưu UBND huyện ban hành kế hoạch tặng quà "
        "cho các đối tượng, đồng thời hướng dẫn các xã, thị trấn triển khai tặng quà của Chủ tịch "
        "nước, quà của Thành phố, quà của huyện đối với người có công, gia đình thuộc diện hộ "
        "nghèo, hộ cận nghèo, người cao tuổi, người lao động có hoàn cảnh đặc biệt khó khăn.",
    ),
    Editable(
        "gifts_more",
        _("2.1 Gifts: closing text"),
        "Ngoài ra, phòng tham mưu UBND huyện chỉ đạo các đơn vị kiểm tra, rà soát các gia đình "
        "người có công, đối tượng chính sách, chăm lo tất cả các gia đình đều có Tết.",
    ),
    # §2.2's amounts paid and recuperation trips are figures from the data
    # (`allowances_sentence`, `recuperation_sentence`); what is text is the
    # office's assessment around them.
    Editable(
        "allowances",
        _("2.2 Allowances paid: assessment"),
        "- Trong {period}, đã thực hiện chi trả trợ cấp đến các đối tượng chính sách Người có "
        "công và Bảo trợ xã hội đảm bảo đúng quy định, không có hiện tượng khiếu kiện của công "
        "dân.",
    ),
    Editable(
        "merit_care",
        _("2.2 Commemorations"),
        "- Tham mưu Huyện ủy, UBND huyện triển khai thực hiện các hoạt động tri ân nhân dịp kỷ "
        "niệm ngày Thương binh - Liệt sĩ.",
    ),
    Editable(
        "children",
        _("2.3 Child protection"),
        "Phòng đã chủ động tham mưu xây dựng và triển khai các kế hoạch công tác bảo vệ và chăm "
        "sóc trẻ em trên địa bàn huyện; tổ chức tuyên truyền phòng chống ma túy, bạo lực học "
        "đường, cảnh báo an toàn trên không gian mạng, phòng chống đuối nước, xâm hại quyền trẻ "
        "em với nhiều hình thức phong phú.",
    ),
    Editable(
        "gender",
        _("2.3 Gender equality"),
        "Phòng Lao động - Thương binh và Xã hội đã tham mưu UBND huyện xây dựng các kế hoạch và "
        "triển khai đầy đủ các văn bản quy định về giới, chính sách, pháp luật về bình đẳng giới "
        "đến các cơ quan, đơn vị và UBND các xã, thị trấn trên địa bàn.",
    ),
    Editable(
        "social_evils",
        _("2.4 Prevention of social evils"),
        "Công tác tuyên truyền, giáo dục phòng chống tệ nạn xã hội luôn được quan tâm, chú trọng "
        "nhằm nâng cao nhận thức cho cán bộ và nhân dân trong huyện.\n"
        "Phối hợp với Trung tâm công tác xã hội mở lớp tập huấn tuyên truyền quản lý cai nghiện "
        "và sau cai nghiện cho … cộng tác viên ở cơ sở.",
    ),
    Editable(
        "employment",
        _("2.5 Vocational training and employment"),
        "Phòng Lao động - Thương binh và Xã hội thường xuyên phối hợp với phòng Kinh tế, UBND "
        "các xã, thị trấn tiến hành rà soát nhu cầu đào tạo nghề và việc làm của người lao động.",
    ),
    Editable(
        "poverty",
        _("3. Poverty reduction"),
        "Phòng đã tham mưu UBND huyện ban hành các kế hoạch thực hiện công tác giảm nghèo năm "
        "{year}; phối hợp với UBMTTQ Việt Nam huyện, các xã, thị trấn rà soát các hộ nghèo, cận "
        "nghèo có nhu cầu xây mới, sửa chữa nhà.",
    ),
    Editable(
        "procedures",
        _("4. Administrative procedures"),
        "Phòng đã thường xuyên rà soát cập nhật và bãi bỏ thủ tục hành chính không còn hiệu lực. "
        "Các thủ tục hành chính của phòng được niêm yết công khai quy trình đầy đủ, được thực hiện "
        "tại một cửa liên thông.",
    ),
    Editable(
        "overall",
        _("Overall assessment"),
        "Nhìn chung trong {period}, phòng Lao động - Thương binh và Xã hội đã chủ động tham mưu "
        "UBND huyện triển khai các nhiệm vụ và thực hiện tốt công tác quản lý nhà nước thuộc lĩnh "
        "vực được giao. Công tác an sinh xã hội được đảm bảo.",
    ),
    Editable(
        "tasks",
        _("II. Tasks for the next period (one per line)"),
        "Phát huy kết quả đạt được, để hoàn thành tốt nhiệm vụ {next}, ngành Lao động - Thương "
        "binh và Xã hội tập trung vào một số nhiệm vụ sau:\n"
        "1. Tổ chức thực hiện tốt chăm lo cho các đối tượng đảm bảo an sinh xã hội trên địa bàn, "
        "chi trả cho đối tượng hưởng thụ đảm bảo đúng, đủ và kịp thời.\n"
        "2. Triển khai hiệu quả công tác đào tạo nghề, giải quyết việc làm cho người lao động.\n"
        "3. Thực hiện tốt công tác quản lý cai nghiện và sau cai nghiện ma túy.\n"
        "4. Tiếp tục tham mưu UBND huyện hỗ trợ sửa chữa, xây nhà cho Người có công khó khăn về "
        "nhà ở, hộ nghèo và cận nghèo.",
    ),
    Editable(
        "closing",
        _("Closing sentence"),
        "Trên đây là kết quả công tác lao động, thương binh và xã hội {period} và những nhiệm vụ "
        "trọng tâm {next}, phòng Lao động - Thương binh và Xã hội trân trọng báo cáo./.",
    ),
]
EDITABLE_KEYS = [e.key for e in EDITABLE]


def default_texts(start: dt.date, end: dt.date) -> dict[str, str]:
    period = period_vi(start, end)
    values = {
        "period": period,
        "Period": period[:1].upper() + period[1:],
        "next": next_period_vi(start, end),
        "year": str(start.year),
    }
    return {e.key: e.default.format(**values) for e in EDITABLE}


# --- figures as sentences ------------------------------------------------------------------


def _source_parts(fig: CampaignFigures) -> str:
    return "; ".join(
        f"{SOURCE_TEXT.get(s, s)} {count_vi(t.gifts)} suất, {million_vi(t.amount)} triệu đồng"
        for s, t in fig.sources()
    )


# A figure of zero is said in words ("không có hộ sửa chữa"), never as
# "00 hộ … 0 triệu đồng": each sentence below has its zero and non-zero forms.


def gift_sentences(data: ReportData) -> list[str]:
    if not data.campaigns:
        return ["Trong kỳ không có suất quà nào được trao."]
    out = []
    for fig in data.campaigns:
        out.append(
            f"Tổng số quà {fig.name} tặng cho {count_vi(fig.total.gifts)} lượt đối tượng với số "
            f"tiền là {million_vi(fig.total.amount)} triệu đồng, trong đó: {_source_parts(fig)}."
        )
        if fig.commune_level.gifts:
            private = (
                f"trong đó xã hội hoá được {million_vi(fig.commune_private.amount)} triệu đồng"
                if fig.commune_private.gifts
                else "không có quà xã hội hoá"
            )
            out.append(
                f"Các xã, thị trấn tặng quà dịp {fig.name} {count_vi(fig.commune_level.gifts)} "
                f"suất quà với số tiền {million_vi(fig.commune_level.amount)} triệu đồng, "
                f"{private}."
            )
        if fig.children.gifts:
            out.append(
                f"Tổ chức tặng quà {fig.name} cho {count_vi(fig.children.gifts)} cháu có hoàn "
                f"cảnh đặc biệt khó khăn với số kinh phí là {million_vi(fig.children.amount)} "
                "triệu đồng."
            )
    return out


def children_sentences(data: ReportData) -> list[str]:
    out = []
    for fig in data.children_campaigns:
        for donor, t in fig.by_donor.items():
            if not t.gifts:
                continue
            who = f"Phối hợp với {donor} tặng" if donor else "Tặng"
            out.append(
                f"{who} {count_vi(t.gifts)} suất quà với số tiền là {million_vi(t.amount)} triệu "
                f"đồng cho các cháu có hoàn cảnh khó khăn ({fig.name})."
            )
    return out


def allowances_sentence(data: ReportData) -> str:
    """'Kinh phí thực hiện chi trả là 104 tỷ đồng, trong đó …' (§2.2)."""
    paid = data.allowances.paid
    merit, social = paid.regime(Regime.MERIT), paid.regime(Regime.SOCIAL)
    if not paid.total_amount:
        return "- Trong kỳ chưa có khoản trợ cấp hằng tháng nào được ghi nhận đã chi trả."
    parts = []
    for who, fig in (("Người có công", merit), ("đối tượng Bảo trợ xã hội", social)):
        parts.append(
            f"chi cho {who} là {money_vi(fig.amount)} ({count_vi(fig.people)} người)"
            if fig.amount
            else f"không có khoản chi cho {who}"
        )
    return (
        f"- Kinh phí thực hiện chi trả là {money_vi(paid.total_amount)}, trong đó "
        f"{parts[0]}; {parts[1]}."
    )


def recuperation_sentence(data: ReportData) -> str:
    """'… đưa 450 người có công … đi điều dưỡng năm 2024, đạt 50% chỉ tiêu.'"""
    a = data.allowances
    year = data.start.year
    quota = (
        f", đạt {percent_vi(a.recuperation_rate)} chỉ tiêu ({count_vi(a.recuperation_quota)} người)"
        if a.recuperation_quota
        else ""
    )
    if not a.recuperation_sent:
        target = f" (chỉ tiêu {count_vi(a.recuperation_quota)} người)" if quota else ""
        return f"- Trong kỳ chưa đưa người có công nào đi điều dưỡng năm {year}{target}."
    return (
        "- Phối hợp với Trung tâm điều dưỡng Người có công đưa "
        f"{count_vi(a.recuperation_sent)} người có công với cách mạng đi điều dưỡng năm "
        f"{year}{quota}."
    )


def merit_housing_sentence(data: ReportData) -> str:
    fig = data.program(HousingProgram.MERIT)
    if not fig.households:
        return (
            "- Trong kỳ chưa có quyết định hỗ trợ nhà ở cho gia đình Người có công với cách mạng."
        )
    new, repair = fig.kind(NEW), fig.kind(REPAIR)
    families = (
        f"cho {count_vi(fig.households)} gia đình Người có công với cách mạng khó khăn về nhà "
        f"ở với số tiền là {million_vi(fig.amount)} triệu đồng"
    )
    if not new.gifts:
        return f"- Hỗ trợ sửa nhà {families}; không có nhà xây mới."
    if not repair.gifts:
        return f"- Hỗ trợ xây mới nhà {families}; không có nhà sửa chữa."
    return (
        f"- Hỗ trợ xây mới, tu sửa nhà {families}, trong đó hỗ trợ xây mới "
        f"{count_vi(new.gifts)} nhà với số tiền {million_vi(new.amount)} triệu đồng, hỗ trợ "
        f"sửa nhà {count_vi(repair.gifts)} nhà số tiền là {million_vi(repair.amount)} triệu đồng."
    )


def poor_housing_sentence(data: ReportData) -> str:
    fig = data.poor_housing
    if not fig.households:
        return "Trong kỳ chưa có quyết định hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo."
    poor, near = data.program(HousingProgram.POOR), data.program(HousingProgram.NEAR_POOR)
    if not near.households:
        who = f"{count_vi(poor.households)} hộ nghèo"
    elif not poor.households:
        who = f"{count_vi(near.households)} hộ cận nghèo"
    else:
        who = (
            f"{count_vi(fig.households)} hộ ({count_vi(poor.households)} hộ nghèo, "
            f"{count_vi(near.households)} hộ cận nghèo)"
        )
    new, repair = fig.kind(NEW).gifts, fig.kind(REPAIR).gifts
    money = f"với kinh phí hỗ trợ là {million_vi(fig.amount)} triệu đồng"
    if not new:
        return f"Hỗ trợ sửa chữa nhà ở cho {who} {money}; không có hộ xây mới."
    if not repair:
        return f"Hỗ trợ xây mới nhà ở cho {who} {money}; không có hộ sửa chữa."
    return (
        f"Hỗ trợ xây mới, sửa chữa nhà ở cho {who}, trong đó có {count_vi(new)} hộ xây mới "
        f"và {count_vi(repair)} hộ sửa chữa {money}."
    )


def rehab_sentence(data: ReportData) -> str:
    compulsory, voluntary = data.rehab_compulsory, data.rehab_voluntary
    court = (
        "Phối hợp với Công an, các xã, thị trấn hoàn thiện và chuyển hồ sơ sang Tòa án nhân dân "
        "huyện xét xử và ra quyết định đưa đi cai nghiện bắt buộc tại các trung tâm cai nghiện "
        f"{count_vi(compulsory)} trường hợp"
        if compulsory
        else "Trong kỳ không có hồ sơ đề nghị đưa đi cai nghiện bắt buộc chuyển sang Tòa án "
        "nhân dân huyện"
    )
    willing = (
        f"số người tự nguyện đi cai nghiện là {count_vi(voluntary)} trường hợp"
        if voluntary
        else "không có người tự nguyện đi cai nghiện"
    )
    return f"{court}; {willing}."


def onestop_sentence(data: ReportData) -> str:
    o = data.onestop
    if not o.resolved:
        return "Trong kỳ chưa có hồ sơ nào được trả kết quả qua bộ phận một cửa."
    late = (
        "không có hồ sơ chậm muộn, quá hạn"
        if not o.late
        else f"có {count_vi(o.late)} hồ sơ trả kết quả sau ngày hẹn"
    )
    on_time = (
        f"trong đó {count_vi(o.on_time)} hồ sơ đúng hạn (đạt {percent_vi(o.on_time_rate)})"
        if o.on_time
        else "không có hồ sơ nào đúng hạn"
    )
    return (
        f"Trong kỳ, bộ phận một cửa đã trả kết quả {count_vi(o.resolved)} hồ sơ, {on_time}; {late}."
    )


def reorganization_sentence(data: ReportData) -> str | None:
    """For a period spanning a reorganisation of the communes: that the
    figures cover the former communes and the new ones, and which units the
    annex's per-commune figures follow (None otherwise)."""
    day = data.reorganized_on
    if day is None or not data.reorganized:
        return None
    how = grouping_vi(data.grouping, data.end)
    if data.grouping == Grouping.CURRENT:
        how += ": số liệu của xã, thị trấn cũ được tính vào xã tiếp nhận"
        split = [line.unit.title_vi for line in data.lines if line.split]
        if split:
            how += f"; {', '.join(split)} chia tách theo thôn nên giữ dòng riêng"
    return (
        f"Từ ngày {vn_date(day)}, các đơn vị hành chính cấp xã trên địa bàn được sắp xếp lại; "
        "số liệu của báo cáo gồm số liệu của các xã, thị trấn trước sắp xếp và của các xã "
        f"sau sắp xếp. Số liệu theo xã tại phụ lục được tổng hợp {how}."
    )


# --- the body ---------------------------------------------------------------------------------

# Block kinds: "h1" (I., II.), "h2" (1., 2.), "h3" (2.1.), "text" (editable), "figure".


@dataclass(frozen=True)
class Block:
    kind: str
    text: str


def body(data: ReportData, texts: dict[str, str]) -> list[Block]:
    """The report's body in the seed report's order."""
    period, nxt = period_vi(data.start, data.end), next_period_vi(data.start, data.end)
    names = ", ".join(c.name for c in data.campaigns) or "tặng quà các đối tượng"
    out: list[Block] = []

    def text(key: str) -> None:
        out.extend(Block("text", line) for line in _lines(texts.get(key, "")))

    def fig(*sentences: str) -> None:
        out.extend(Block("figure", s) for s in sentences)

    text("intro")
    out.append(Block("h1", f"I. KẾT QUẢ THỰC HIỆN {period.upper()}"))
    out.append(Block("h2", "1. Công tác tham mưu, chỉ đạo"))
    text("direction")
    out.append(Block("h2", "2. Thực hiện các nhiệm vụ chuyên môn"))
    reorganized = reorganization_sentence(data)
    if reorganized:  # the figures below cover the former communes and the new ones
        fig(reorganized)
    out.append(Block("h3", f"2.1. Công tác phục vụ {names}"))
    text("gifts_intro")
    fig(*gift_sentences(data))
    text("gifts_more")
    out.append(Block("h3", "2.2. Về chế độ chính sách, chăm lo người có công và bảo trợ xã hội"))
    text("allowances")
    fig(allowances_sentence(data), recuperation_sentence(data))
    text("merit_care")
    fig(merit_housing_sentence(data))
    out.append(Block("h3", "2.3. Công tác bảo vệ, chăm sóc trẻ em và bình đẳng giới"))
    out.append(Block("text", "- Công tác bảo vệ, chăm sóc trẻ em:"))
    text("children")
    fig(*children_sentences(data))
    out.append(Block("text", "- Công tác bình đẳng giới:"))
    text("gender")
    out.append(Block("h3", "2.4. Công tác phòng chống tệ nạn xã hội"))
    text("social_evils")
    fig(rehab_sentence(data))
    out.append(Block("h3", "2.5. Công tác đào tạo nghề, lao động việc làm"))
    text("employment")
    out.append(Block("h2", "3. Thực hiện Chương trình công tác giảm nghèo"))
    text("poverty")
    fig(poor_housing_sentence(data))
    out.append(Block("h2", "4. Công tác thực hiện giải quyết TTHC"))
    text("procedures")
    fig(onestop_sentence(data))
    text("overall")
    out.append(Block("h1", f"II. NHIỆM VỤ TRỌNG TÂM {nxt.upper()}"))
    text("tasks")
    text("closing")
    return out


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]
