"""Documents of a gift campaign: the per-commune signature list (danh sách ký
nhận) and the campaign reconciliation (quyết toán), as .xlsx and as .docx in
the official layout (NĐ 30/2020, blocks in `cases.official.docx` and
`cases.official.xlsx`).

The documents are Vietnamese administrative papers whatever the UI language:
their fixed text is Vietnamese and the labels they borrow from the models
(categories, funding sources, return reasons) are rendered in Vietnamese.
Totals come from the rows themselves (signature list) or from
`cases.gifts.campaign_reconciliation` (scoped to what the user may see).

`*_export` are the services the views call: they check the list's state,
build the file and write the "export" audit event in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.exports.kinds import Built, ExportKind, Progress, document_inline_max_rows
from cases.exports.models import ExportJob
from cases.exports.services import export_job_create
from cases.exports.tabular import set_cell
from cases.gifts.models import (
    GiftList,
    GiftListState,
    GiftRecipient,
    GiftRecipientState,
    GiftSource,
    ReturnReason,
    SignedBy,
)
from cases.gifts.selectors import gift_list_get
from cases.models import AdministrativeUnit, Category, MeritSubtype
from cases.official import docx as od
from cases.official import xlsx as ox
from workflows import audit
from workflows.actors import User
from workflows.exceptions import DomainError, NotFound, TransitionNotAllowed
from workflows.formatting import number, vn_date
from workflows.permissions import scope_for

R = GiftRecipientState
L = GiftListState
SIGNABLE_LIST_STATES = (L.APPROVED, L.DISTRIBUTED, L.CLOSED)
SIGNABLE_ROW_STATES = (R.APPROVED, R.DELIVERED, R.RETURNED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFFICE = "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"


# --- signature list: data --------------------------------------------------------------


@dataclass(frozen=True)
class SignatureRow:
    full_name: str
    birth_year: int
    national_id: str
    address: str
    groups: str
    groups_short: str  # the printed list's short form ("Bà mẹ VNAH, Hộ nghèo")
    package: str
    amount: int
    state: str
    delivered_on: str
    signature: str  # empty: room for the signature


@dataclass(frozen=True)
class SignatureList:
    gift_list: GiftList
    rows: list[SignatureRow]

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.rows)

    def count_amount(self, state: str) -> tuple[int, int]:
        rows = [r for r in self.rows if r.state == state]
        return len(rows), sum(r.amount for r in rows)


def _groups(categories: Sequence[str], subtype: str) -> str:
    labels = []
    for code in categories or []:
        if code == Category.MERIT and subtype:
            labels.append(str(MeritSubtype(subtype).label))
        elif code in Category.values:
            labels.append(str(Category(code).label))
    return ", ".join(labels)


def _package_label(name: str, source: str, donor: str) -> str:
    label = str(GiftSource(source).label) if source in GiftSource.values else source
    return f"{name} / {label}" + (f" ({donor})" if donor else "")


# The printed list's "Diện đối tượng": the short forms offices write, so that
# a person of two or three categories still fits two lines of the column.
CATEGORY_SHORT: dict[str, str] = {
    Category.MERIT: "Người có công",
    Category.POOR: "Hộ nghèo",
    Category.NEAR_POOR: "Hộ cận nghèo",
    Category.SOCIAL_PROTECTION: "Bảo trợ xã hội",
    Category.CHILD_SPECIAL: "Trẻ em có HCĐB",
}
MERIT_SHORT: dict[str, str] = {
    MeritSubtype.ACTIVIST_PRE_1945: "Lão thành cách mạng",
    MeritSubtype.HEROIC_MOTHER: "Bà mẹ VNAH",
    MeritSubtype.HERO: "Anh hùng LLVTND / Anh hùng LĐ",
    MeritSubtype.WAR_INVALID: "Thương binh",
    MeritSubtype.SICK_SOLDIER: "Bệnh binh",
    MeritSubtype.AGENT_ORANGE: "Nhiễm chất độc hóa học",
    MeritSubtype.MARTYR_RELATIVE: "Thân nhân liệt sĩ",
    MeritSubtype.REVOLUTION_HELPER: "Giúp đỡ cách mạng",
    MeritSubtype.IMPRISONED: "Bị địch bắt tù, đày",
}


def groups_short(categories: Sequence[str], subtype: str) -> str:
    labels = []
    for code in categories or []:
        if code == Category.MERIT and subtype in MERIT_SHORT:
            labels.append(MERIT_SHORT[subtype])
        elif code in CATEGORY_SHORT:
            labels.append(CATEGORY_SHORT[code])
    return ", ".join(labels)


def _signature_note(r: Mapping[str, Any]) -> str:
    if r["state"] == R.RETURNED:
        reason = r["return_reason"]
        text = str(ReturnReason(reason).label) if reason in ReturnReason.values else reason
        return f"{text}: {r['note']}" if r["note"] else text
    if r["state"] == R.DELIVERED and r["signed_by"] == SignedBy.PROXY:
        return f"Ủy quyền: {r['proxy_name']} ({r['proxy_relationship']})"
    return ""


# Funding sources in their official order (President, City, District, Commune, private).
SOURCE_ORDER = Case(
    *[When(package__source=s, then=Value(i)) for i, s in enumerate(GiftSource.values)],
    default=Value(len(GiftSource.values)),
)


def signature_list_data(gift_list: GiftList) -> SignatureList:
    """The list's approved, delivered and returned rows, by package then name
    (one query; the caller has fetched `gift_list` through its scope)."""
    values = (
        GiftRecipient.objects.filter(gift_list_id=gift_list.pk, state__in=SIGNABLE_ROW_STATES)
        .order_by(SOURCE_ORDER, "-package__amount", "package__code", "person__full_name", "pk")
        .values(
            "state",
            "amount",
            "delivered_on",
            "signed_by",
            "proxy_name",
            "proxy_relationship",
            "return_reason",
            "note",
            "person__full_name",
            "person__date_of_birth",
            "person__national_id",
            "person__address",
            "person__household__address",
            "person__categories",
            "person__merit_subtype",
            "package__name",
            "package__source",
            "package__donor",
        )
    )
    with translation.override("vi"):
        rows = [
            SignatureRow(
                full_name=r["person__full_name"],
                birth_year=r["person__date_of_birth"].year,
                national_id=r["person__national_id"] or "",
                address=r["person__address"] or r["person__household__address"] or "",
                groups=_groups(r["person__categories"], r["person__merit_subtype"]),
                groups_short=groups_short(r["person__categories"], r["person__merit_subtype"]),
                package=_package_label(
                    r["package__name"], r["package__source"], r["package__donor"]
                ),
                amount=r["amount"],
                state=r["state"],
                delivered_on=vn_date(r["delivered_on"]) if r["state"] == R.DELIVERED else "",
                signature=_signature_note(r),
            )
            for r in values
        ]
    return SignatureList(gift_list=gift_list, rows=rows)


SIGNATURE_COLUMNS = [
    od.Column("STT", 12, od.CENTER),
    od.Column("Họ và tên", 36),
    od.Column("Năm sinh", 13, od.CENTER),
    od.Column("Số định danh cá nhân", 30, od.CENTER),
    od.Column("Địa chỉ", 34),
    od.Column("Diện đối tượng", 30),
    od.Column("Gói quà / nguồn", 30),
    od.Column("Số tiền (đồng)", 21, od.RIGHT),
    od.Column("Ngày nhận", 23, od.CENTER),
    od.Column("Ký nhận", 23),
]
# The printed list (A4 landscape, 252 mm between the margins): the package is
# the heading of its rows instead of a column, so that every cell holds its
# text in at most two lines of 11 pt, which the row's room to sign gives
# anyway. Measured in LibreOffice (Liberation Serif = Times New Roman), plus
# the cells' 2 mm of margins: a 12-digit ID 23.3 mm, a date 17.7 mm, a
# total of "681.250.000" in bold 20 mm.
SIGNATURE_DOCX_COLUMNS = [
    od.Column("STT", 11, od.CENTER),
    od.Column("Họ và tên", 42),
    od.Column("Năm sinh", 11, od.CENTER),
    od.Column("Số định danh cá nhân", 26, od.CENTER),
    od.Column("Địa chỉ", 38),
    od.Column("Diện đối tượng", 40),
    od.Column("Số tiền (đồng)", 26, od.RIGHT),
    od.Column("Ngày nhận", 21, od.CENTER),
    od.Column("Ký nhận", 37),
]
SIGNATURE_TITLE = "DANH SÁCH KÝ NHẬN QUÀ"
SIGNATURE_ROW_PT = 28  # room to sign


def _signature_cells(data: SignatureList) -> list[list[Any]]:
    return [
        [
            i,
            r.full_name,
            r.birth_year,
            r.national_id,
            r.address,
            r.groups,
            r.package,
            r.amount,
            r.delivered_on,
            r.signature,
        ]
        for i, r in enumerate(data.rows, start=1)
    ]


def _signature_docx_rows(data: SignatureList) -> list[od.Row]:
    """Each package's heading ("I. Quà của Chủ tịch nước … / Chủ tịch nước"),
    its rows (numbered on through the list) and its subtotal."""
    out: list[od.Row] = []
    package, count, amount, sections = None, 0, 0, 0

    def close() -> None:
        if package is not None:
            out.append(od.Subtotal(["", _subtotal_label(count), "", "", "", "",
                                    od.amount_text(amount), "", ""]))  # fmt: skip

    for i, r in enumerate(data.rows, start=1):
        if r.package != package:
            close()
            package, count, amount, sections = r.package, 0, 0, sections + 1
            out.append(od.Heading(f"{od.roman(sections)}. {r.package}"))
        count, amount = count + 1, amount + r.amount
        out.append(
            [str(i), r.full_name, str(r.birth_year), r.national_id, r.address,
             r.groups_short, od.amount_text(r.amount), r.delivered_on, r.signature]
        )  # fmt: skip
    close()
    return out


def _total_label(count: int) -> str:
    return f"Tổng cộng: {number(count)} người"


def _subtotal_label(count: int) -> str:
    return f"Cộng: {number(count)} người"


def _delivery_summary(data: SignatureList) -> str:
    delivered, delivered_amount = data.count_amount(R.DELIVERED)
    returned, returned_amount = data.count_amount(R.RETURNED)
    return (
        f"Đã nhận: {number(delivered)} người, {od.amount_text(delivered_amount)} đồng; "
        f"không nhận: {number(returned)} người, {od.amount_text(returned_amount)} đồng."
    )


def _commune_header(commune: AdministrativeUnit) -> tuple[str, str]:
    parent = commune.parent
    return (od.unit_body_name(parent) if parent else ""), od.unit_body_name(commune)


# --- signature list: files -------------------------------------------------------------


def signature_list_docx(gift_list: GiftList, *, on: dt.date | None = None) -> bytes:
    data = signature_list_data(gift_list)
    commune = gift_list.commune
    parent_body, body = _commune_header(commune)
    doc = od.new_document(landscape=True)
    od.official_header(
        doc,
        parent_body=parent_body,
        issuing_body=body,
        place_date=od.date_line(commune.name, on or timezone.localdate()),
    )
    od.document_title(doc, SIGNATURE_TITLE, gift_list.campaign.name)
    total = ["", _total_label(len(data.rows)), "", "", "", "", od.amount_text(data.total), "", ""]
    od.data_table(
        doc,
        SIGNATURE_DOCX_COLUMNS,
        _signature_docx_rows(data),
        total=total,
        size=11,
        min_row_height_mm=SIGNATURE_ROW_PT / 2.83,
    )
    summary = _delivery_summary(data)
    od.paragraph(doc, summary, italic=True, size=12, space_before=6, keep_with_next=True)
    od.paragraph(doc, "", keep_with_next=True)
    od.two_columns(
        doc,
        od.signature_block(["NGƯỜI LẬP BIỂU"], note="(Ký, ghi rõ họ tên)"),
        od.signature_block(["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], note="(Ký tên, đóng dấu)"),
        left_share=0.5,
    )
    return od.to_bytes(doc)


def signature_list_xlsx(gift_list: GiftList, *, on: dt.date | None = None) -> bytes:
    data = signature_list_data(gift_list)
    commune = gift_list.commune
    parent_body, body = _commune_header(commune)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách ký nhận"
    ncols = len(SIGNATURE_COLUMNS)
    start = ox.header(
        ws,
        left=[x for x in (parent_body, body) if x],
        place_date=od.date_line(commune.name, on or timezone.localdate()),
        title=[SIGNATURE_TITLE, gift_list.campaign.name],
        ncols=ncols,
    )
    total = [
        None,
        _total_label(len(data.rows)),
        None,
        None,
        None,
        None,
        None,
        data.total,
        None,
        None,
    ]
    end = ox.data_table(
        ws,
        start,
        SIGNATURE_COLUMNS,
        _signature_cells(data),
        money_columns={8},
        total=total,
        min_row_height=SIGNATURE_ROW_PT,
    )
    set_cell(ws, end + 1, 2, _delivery_summary(data)).font = Font(
        name=od.FONT, italic=True, size=11
    )
    ox.signers(
        ws,
        end + 3,
        ncols,
        ["NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"],
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký tên, đóng dấu)"],
    )
    ox.print_setup(ws)
    return ox.to_bytes(wb)


# --- exports (audited) -------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    content_type: str
    content: bytes


FORMATS = {"xlsx": XLSX, "docx": DOCX}


def _actor_role(actor: User, commune_id: int | None) -> str:
    scope = scope_for(actor)
    roles = scope.roles_in(commune_id) if commune_id else scope.all_roles()
    return sorted(roles)[0] if roles else ""


def _record_export(
    actor: User, *, commune_id: int | None, object_type: str, object_id: int, data: dict[str, Any]
) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor,
            actor_role=_actor_role(actor, commune_id),
            commune_id=commune_id,
            object_type=object_type,
            object_id=str(object_id),
            event="export",
            data=data,
        )


def signature_list_export(
    *, actor: User, gift_list: GiftList, fmt: str
) -> ExportedFile | ExportJob:
    """The signature list of a list the actor may see (fetched through
    `gift_list_get`), once approved; writes an "export" audit event. A list
    of more than EXPORT_DOCUMENT_INLINE_MAX_ROWS rows is built in the
    background: the queued job is returned instead of the file.
    Raises TransitionNotAllowed (409) before approval."""
    if fmt not in FORMATS:
        raise NotFound()
    if gift_list.state not in SIGNABLE_LIST_STATES:
        raise TransitionNotAllowed(
            _("The signature list can be printed once the list is approved."),
            code="gift_list_not_approved",
        )
    rows = GiftRecipient.objects.filter(
        gift_list_id=gift_list.pk, state__in=SIGNABLE_ROW_STATES
    ).count()
    data = {"document": f"signature_list.{fmt}", "campaign": gift_list.campaign.code}
    _record_export(
        actor,
        commune_id=gift_list.commune_id,
        object_type="cases.giftlist",
        object_id=gift_list.pk,
        data=data,
    )
    if rows > document_inline_max_rows():
        return export_job_create(
            actor=actor,
            kind=SIGNATURE_KIND,
            fmt=fmt,
            params={"gift_list": gift_list.pk},
            commune_id=gift_list.commune_id,
            rows_total=rows,
        )
    build = signature_list_xlsx if fmt == "xlsx" else signature_list_docx
    return ExportedFile(_signature_filename(gift_list, fmt), FORMATS[fmt], build(gift_list))


def _signature_filename(gift_list: GiftList, fmt: str) -> str:
    return f"danh-sach-ky-nhan-{gift_list.campaign.code}-{gift_list.commune.code}.{fmt}"


# --- the background job (kind "signature_list") ------------------------------------------

SIGNATURE_KIND = "signature_list"


def _build(job: ExportJob, out: IO[bytes], progress: Progress) -> Built:
    gift_list = gift_list_get(job.requester, job.params["gift_list"])
    build = signature_list_xlsx if job.fmt == "xlsx" else signature_list_docx
    content = build(gift_list)
    progress.total(job.rows_total or 0)
    progress.advance(job.rows_total or 0)
    out.write(content)
    return Built(_signature_filename(gift_list, job.fmt), FORMATS[job.fmt])


def _may_access(user: Any, job: ExportJob) -> bool:
    try:
        gift_list_get(user, job.params.get("gift_list"))
    except DomainError:
        return False
    return True


EXPORT_KIND = ExportKind(SIGNATURE_KIND, build=_build, may_access=_may_access)
