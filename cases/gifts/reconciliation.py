"""A gift campaign's reconciliation (quyết toán) as .xlsx and as .docx in the
official layout: planned, delivered and returned gifts and amounts by commune
and funding source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone, translation
from openpyxl import Workbook

from cases.gifts.documents import FORMATS, OFFICE, ExportedFile, _record_export
from cases.gifts.models import (
    Campaign,
    GiftList,
)
from cases.gifts.selectors import Reconciliation, Tally, campaign_reconciliation
from cases.models import AdministrativeUnit
from cases.official import docx as od
from cases.official import xlsx as ox
from workflows.actors import Reader, User
from workflows.exceptions import NotFound
from workflows.formatting import number
from workflows.permissions import scope_for

# --- reconciliation ----------------------------------------------------------------------

TALLY_GROUPS = [
    ("STT", 1),
    ("", 1),
    ("Kế hoạch", 2),
    ("Đã nhận", 2),
    ("Trả lại (không nhận)", 2),
    ("Chưa phát", 2),
]


def _tally_columns(label: str) -> list[od.Column]:
    """252 mm: the text width of an A4 landscape page."""
    cols = [od.Column("STT", 12, od.CENTER), od.Column(label, 48)]
    for _group in range(4):
        cols += [od.Column("Số suất", 16, od.RIGHT), od.Column("Số tiền (đồng)", 32, od.RIGHT)]
    return cols


def _tally_values(t: Tally) -> list[int]:
    return [
        t.planned,
        t.planned_amount,
        t.delivered,
        t.delivered_amount,
        t.returned,
        t.returned_amount,
        t.pending,
        t.pending_amount,
    ]


def _reconciliation(user: Reader, campaign: Campaign) -> Reconciliation:
    with translation.override("vi"):
        return campaign_reconciliation(user, campaign)


RECONCILIATION_SHEETS: list[tuple[str, str, Callable[[Reconciliation], list[Tally]]]] = [
    ("Theo nguồn kinh phí", "Nguồn kinh phí", lambda r: r.by_source),
    ("Theo xã, thị trấn", "Xã, thị trấn", lambda r: r.by_commune),
]


def reconciliation_xlsx(user: Reader, campaign: Campaign, *, on: dt.date | None = None) -> bytes:
    rec = _reconciliation(user, campaign)
    district = _district(campaign)
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for sheet_title, label, pick in RECONCILIATION_SHEETS:
        ws = wb.create_sheet(sheet_title)
        columns = _tally_columns(label)
        start = ox.header(
            ws,
            left=[od.unit_body_name(district) if district else "", OFFICE],
            place_date=od.date_line(_place(district), on or timezone.localdate()),
            title=[RECONCILIATION_TITLE, _reconciliation_summary(campaign).upper(), sheet_title],
            ncols=len(columns),
        )
        rows = [[i, t.label, *_tally_values(t)] for i, t in enumerate(pick(rec), start=1)]
        total = [None, "Tổng cộng", *_tally_values(rec.total)]
        ox.data_table(
            ws,
            start,
            columns,
            rows,
            money_columns={4, 6, 8, 10},
            total=total,
            groups=TALLY_GROUPS,
        )
        ox.print_setup(ws)
    return ox.to_bytes(wb)


RECONCILIATION_TITLE = "BÁO CÁO"


def _reconciliation_summary(campaign: Campaign) -> str:
    return f"Quyết toán kinh phí quà {campaign.name}"


def _district(campaign: Campaign) -> AdministrativeUnit | None:
    """The district of the campaign's communes (the demo and the office: one)."""
    district = (
        AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.DISTRICT,
            children__in=GiftList.objects.filter(campaign=campaign).values("commune_id"),
        )
        .order_by("code")
        .first()
    )
    if district is None:
        district = (
            AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.DISTRICT)
            .order_by("code")
            .first()
        )
    return district


def _place(district: AdministrativeUnit | None) -> str:
    return district.name if district else "Sóc Sơn"


def reconciliation_docx(user: Reader, campaign: Campaign, *, on: dt.date | None = None) -> bytes:
    rec = _reconciliation(user, campaign)
    district = _district(campaign)
    doc = od.new_document(landscape=True)
    od.official_header(
        doc,
        parent_body=od.unit_body_name(district) if district else "",
        issuing_body=OFFICE,
        number="Số:        /BC-LĐTBXH",
        place_date=od.date_line(_place(district), on or timezone.localdate()),
    )
    od.document_title(doc, RECONCILIATION_TITLE, _reconciliation_summary(campaign))
    basis = f"Thực hiện {campaign.decision}, " if campaign.decision else ""
    od.paragraph(
        doc,
        f"{basis}Phòng Lao động - Thương binh và Xã hội báo cáo quyết toán kinh phí quà "
        f"{campaign.name} như sau:",
        first_line_indent_mm=10,
    )
    t = rec.total
    od.paragraph(
        doc,
        f"Tổng số {number(t.planned)} suất quà, {od.amount_text(t.planned_amount)} đồng; đã "
        f"trao {number(t.delivered)} suất, {od.amount_text(t.delivered_amount)} đồng; trả lại "
        f"{number(t.returned)} suất, {od.amount_text(t.returned_amount)} đồng; chưa phát "
        f"{number(t.pending)} suất, {od.amount_text(t.pending_amount)} đồng.",
        first_line_indent_mm=10,
    )
    for part, (sheet_title, label, pick) in zip(("I", "II"), RECONCILIATION_SHEETS, strict=True):
        od.paragraph(doc, f"{part}. {sheet_title.capitalize()}", bold=True, space_before=6)
        rows = [
            [str(i), line.label, *_tally_texts(line)] for i, line in enumerate(pick(rec), start=1)
        ]
        od.data_table(
            doc,
            _tally_columns(label),
            rows,
            groups=TALLY_GROUPS,
            total=["", "Tổng cộng", *_tally_texts(rec.total)],
            size=11,
        )
    od.paragraph(doc, "")
    od.two_columns(
        doc,
        od.recipients_block(
            ["- UBND huyện (để báo cáo);", "- Phòng Tài chính - Kế hoạch;", "- Lưu: VT, LĐTBXH."]
        ),
        od.signature_block(["TRƯỞNG PHÒNG"]),
        left_share=0.5,
    )
    return od.to_bytes(doc)


def _tally_texts(t: Tally) -> list[str]:
    return [od.amount_text(v) for v in _tally_values(t)]


def reconciliation_export(*, actor: User, campaign: Campaign, fmt: str) -> ExportedFile:
    """The campaign reconciliation over what the actor may see (a commune
    user: their communes only); writes an "export" audit event."""
    if fmt not in FORMATS:
        raise NotFound()
    build = reconciliation_xlsx if fmt == "xlsx" else reconciliation_docx
    content = build(actor, campaign)
    scope = scope_for(actor)
    communes = sorted(scope.commune_ids)
    # A commune user's export goes to their commune's chain; the district's to the system chain.
    commune_id = communes[0] if not scope.sees_all_communes and len(communes) == 1 else None
    _record_export(
        actor,
        commune_id=commune_id,
        object_type="cases.campaign",
        object_id=campaign.pk,
        data={"document": f"reconciliation.{fmt}", "campaign": campaign.code},
    )
    return ExportedFile(f"quyet-toan-{campaign.code}.{fmt}", FORMATS[fmt], content)
