"""Import of a commune's gift list from an .xlsx file, and its template.

The officer downloads the template (a sheet to fill in, a sheet listing the
packages open to the commune and the category codes), fills it in Excel and
uploads it. Every row is checked before anything is written; each bad row is
reported with its row number, column title and a reason. Nothing is written
while errors remain unless the officer asks for "only the valid rows"; either
way the writes (new people, rows, audit) happen in one transaction.

Built for the Tết volume (26,553 rows in one file): the sheet is streamed
(openpyxl read-only), rows are checked in Python against sets, the database
is read a fixed number of times per 10,000 rows and written with bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows import audit
from workflows.exceptions import InvalidData, TransitionNotAllowed

from cases.formatting import money, vn_date
from cases.gifts import _lock_list, _require_officer, campaign_packages, gift_rows_add
from cases.models import (
    AdministrativeUnit,
    Campaign,
    Category,
    GiftList,
    GiftListState,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
    MeritSubtype,
    Person,
)
from cases.validators import national_id_errors

# The columns of the template. They are the file format, not UI text: a file
# filled in Vietnamese must import whatever language the officer's browser
# uses, so the titles are fixed (the hint in brackets may be left out).
COLUMNS = [
    ("stt", "STT", 6),
    ("full_name", "Họ và tên", 28),
    ("date_of_birth", "Ngày sinh (dd/mm/yyyy)", 14),
    ("sex", "Giới tính (Nam/Nữ)", 10),
    ("national_id", "Số định danh cá nhân", 18),
    ("address", "Địa chỉ", 30),
    ("categories", "Diện đối tượng", 24),
    ("package", "Mã gói quà", 14),
    ("amount", "Số tiền (đồng)", 14),
    ("note", "Ghi chú", 24),
]
TITLE = {key: title for key, title, _w in COLUMNS}
REQUIRED = ("full_name", "date_of_birth", "sex", "national_id", "package", "amount")
MAX_LENGTH = {"full_name": 120, "address": 255, "note": 300}
SEX = {"nam": "M", "nữ": "F", "nu": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
TEMPLATE_ROWS = 2000  # rows pre-formatted in the template (text ID, date, amount)
CHUNK = 10_000  # national IDs per registry query
OBJECT_TYPE = "cases.giftlist"


def max_bytes() -> int:
    return int(getattr(settings, "GIFT_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "GIFT_IMPORT_MAX_ROWS", 60_000))


def _norm(value: Any) -> str:
    """Compare text as people type it: NFC, case-blind, single spaces."""
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


def _header_key(title: Any) -> str:
    return _norm(str(title or "").split("(")[0])


# --- the template ---------------------------------------------------------------


def _category_vocabulary() -> dict[str, tuple[str, str]]:
    """What the category column accepts -> (category, merit subtype): codes and
    labels in Vietnamese and English, of categories and of merit subtypes (a
    subtype implies the merit category)."""
    vocab: dict[str, tuple[str, str]] = {}
    for lang in ("en", "vi"):
        with translation.override(lang):
            for c in Category:
                vocab[_norm(c.label)] = (c.value, "")
            for s in MeritSubtype:
                if s.value:
                    vocab[_norm(s.label)] = (Category.MERIT, s.value)
    for c in Category:
        vocab[_norm(c.value)] = (c.value, "")
    for s in MeritSubtype:
        if s.value:
            vocab[_norm(s.value)] = (Category.MERIT, s.value)
    return vocab


def gift_import_template(campaign: Campaign, commune: AdministrativeUnit) -> bytes:
    """The .xlsx to fill in: the list sheet (frozen header, text national IDs,
    drop-downs for sex and package) and a reference sheet with the packages
    open to the commune and the category codes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    packages = campaign_packages(campaign, commune)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách"
    ws.append([title for _k, title, _w in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, (key, _title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = width
        fmt = {"national_id": "@", "date_of_birth": "DD/MM/YYYY", "amount": "#,##0"}.get(key)
        if fmt:
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=i).number_format = fmt
    ws.freeze_panes = "A2"
    col = {key: get_column_letter(i) for i, (key, _t, _w) in enumerate(COLUMNS, start=1)}
    sex = DataValidation(type="list", formula1='"Nam,Nữ"', allow_blank=True)
    sex.add(f"{col['sex']}2:{col['sex']}{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(sex)

    ref = wb.create_sheet("Gói quà và diện")
    ref.append([f"{campaign.name} – {commune}"])
    ref.cell(row=1, column=1).font = Font(bold=True, size=12)
    ref.append([])
    ref.append(["Mã gói quà", "Tên gói quà", "Nguồn", "Số tiền (đồng)", "Diện được nhận"])
    header_row = ref.max_row
    with translation.override("vi"):
        for p in packages:
            cats = ", ".join(
                [str(Category(c).label) for c in p.categories]
                + [str(MeritSubtype(s).label) for s in p.merit_subtypes]
            )
            source = str(p.get_source_display()) + (f" ({p.donor})" if p.donor else "")
            ref.append([p.code, p.name, source, p.amount, cats or "Mọi người"])
            ref.cell(row=ref.max_row, column=4).number_format = "#,##0"
        first_pkg, last_pkg = header_row + 1, ref.max_row
        ref.append([])
        ref.append(
            ["Mã diện đối tượng", "Tên diện (ghi mã hoặc tên, nhiều diện cách nhau dấu phẩy)"]
        )
        for c in Category:
            ref.append([c.value, str(c.label)])
        for s in MeritSubtype:
            if s.value:
                ref.append([s.value, f"{Category.MERIT.label}: {s.label}"])
    for row in (header_row, first_pkg - 1):
        for cell in ref[row]:
            cell.font = bold
    for letter, width in zip("ABCDE", (24, 40, 28, 16, 50), strict=True):
        ref.column_dimensions[letter].width = width
    if packages:
        codes = DataValidation(
            type="list", formula1=f"='Gói quà và diện'!$A${first_pkg}:$A${last_pkg}"
        )
        codes.add(f"{col['package']}2:{col['package']}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(codes)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading and checking ---------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    rows_read: int = 0
    imported: int = 0
    people_created: int = 0
    skipped: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Row:
    number: int
    full_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    national_id: str = ""
    address: str = ""
    categories: list[str] = field(default_factory=list)
    merit_subtype: str = ""
    package: GiftPackage | None = None
    amount: int | None = None
    note: str = ""
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(self.number, TITLE[column], code, str(message)))


def _file_error(message: str, code: str) -> InvalidData:
    return InvalidData(message, fields={"file": [message]}, code=code)


def _read_upload(upload: Any) -> tuple[bytes, str]:
    if upload is None:
        raise _file_error(_("Choose an .xlsx file to import."), "file_missing")
    name = str(getattr(upload, "name", "") or "danh-sach.xlsx")[:255]
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _file_too_large(size, limit)
    blob = upload.read(limit + 1)
    if len(blob) > limit:
        raise _file_too_large(len(blob), limit)
    if not blob:
        raise _file_error(_("The file is empty."), "file_empty")
    if not _is_xlsx(blob):
        raise _file_error(
            _("Only .xlsx files (Excel 2007 or later) made from the template are accepted."),
            "file_type",
        )
    return blob, name


def _file_too_large(size: int, limit: int) -> InvalidData:
    return _file_error(
        _("The file is %(size)s MB; the limit is %(limit)s MB.")
        % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        "file_too_large",
    )


def _is_xlsx(blob: bytes) -> bool:
    """By content, not by name: a zip holding an Excel workbook."""
    if not blob.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _sheet_rows(blob: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the first sheet, header first; blank rows skipped.

    Read with python-calamine (Rust): 26,553 rows in about a second, where
    openpyxl's read-only mode took over ten."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(blob))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # a damaged or foreign file: many kinds of errors
        raise _file_error(_("The file could not be read as an Excel workbook."), "file_type")
    for number, values in enumerate(rows, start=1):
        cells = tuple(None if v == "" else v for v in values)
        if any(v is not None and str(v).strip() != "" for v in cells):
            yield number, cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            converted = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return None
        return converted.date() if isinstance(converted, dt.datetime) else None
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_national_id(value: Any) -> str:
    """Excel turns a typed ID into a number and drops its leading zero (every
    province code starts with 0): give it back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value < 10**12:
            return f"{int(value):012d}"
        return str(value)
    return re.sub(r"[\s.\-]", "", _text(value))


def _parse_amount(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    digits = re.sub(r"[\s.,]|đ$|đồng$", "", _text(value).lower())
    return int(digits) if digits.isdigit() else None


class _Checker:
    """Parses and checks rows; reads the registry and existing rows in bulk."""

    def __init__(self, gift_list: GiftList) -> None:
        self.gift_list = gift_list
        self.packages = {
            p.code.lower(): p for p in campaign_packages(gift_list.campaign, gift_list.commune)
        }
        self.vocab = _category_vocabulary()
        self.today = timezone.localdate()
        self.existing: dict[str, Person] = {}

    def parse(self, number: int, values: tuple[Any, ...]) -> _Row:
        cells = dict(zip((k for k, _t, _w in COLUMNS), values, strict=False))
        row = _Row(number)
        for key in REQUIRED:
            if _text(cells.get(key)) == "":
                row.error(key, "required", _("This cell is required."))
        for key, limit in MAX_LENGTH.items():
            if len(_text(cells.get(key))) > limit:
                row.error(key, "too_long", _("At most %(n)s characters.") % {"n": limit})
        row.full_name = _text(cells.get("full_name"))[: MAX_LENGTH["full_name"]]
        row.address = _text(cells.get("address"))[: MAX_LENGTH["address"]]
        row.note = _text(cells.get("note"))[: MAX_LENGTH["note"]]
        raw = cells.get("date_of_birth")
        if _text(raw):
            born = _parse_date(raw)
            if born is None or born.year < 1900 or born > self.today:
                row.error(
                    "date_of_birth", "bad_date", _("Not a valid date of birth: write dd/mm/yyyy.")
                )
            else:
                row.date_of_birth = born
        raw = _text(cells.get("sex"))
        if raw:
            row.sex = SEX.get(_norm(raw), "")
            if not row.sex:
                row.error("sex", "bad_sex", _("Write Nam or Nữ."))
        raw = cells.get("national_id")
        if _text(raw):
            row.national_id = _parse_national_id(raw)
            problems = national_id_errors(row.national_id, row.date_of_birth, row.sex or None)
            if problems:
                row.error("national_id", "bad_national_id", " ".join(problems))
        raw = _text(cells.get("categories"))
        for token in filter(None, (t.strip() for t in re.split(r"[,;\n]", raw))):
            found = self.vocab.get(_norm(token))
            if found is None:
                row.error(
                    "categories", "unknown_category", _("Unknown category: %(c)s.") % {"c": token}
                )
                continue
            if found[0] not in row.categories:
                row.categories.append(found[0])
            row.merit_subtype = found[1] or row.merit_subtype
        raw = _text(cells.get("package"))
        if raw:
            row.package = self.packages.get(raw.lower())
            if row.package is None:
                row.error(
                    "package",
                    "unknown_package",
                    _("This campaign has no package %(code)s for this commune.") % {"code": raw},
                )
        raw = cells.get("amount")
        if _text(raw):
            row.amount = _parse_amount(raw)
            if row.amount is None or row.amount <= 0:
                row.error("amount", "bad_amount", _("Write the amount in đồng, e.g. 300000."))
            elif row.package is not None and row.amount != row.package.amount:
                row.error(
                    "amount",
                    "amount_mismatch",
                    _("The package %(code)s gives %(amount)s, not %(given)s.")
                    % {
                        "code": row.package.code,
                        "amount": money(row.package.amount),
                        "given": money(row.amount),
                    },
                )
        return row

    def registry(self, national_ids: set[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        ids = sorted(national_ids)
        for i in range(0, len(ids), CHUNK):
            people = (
                Person.objects.filter(national_id__in=ids[i : i + CHUNK], rehab_only=False)
                .select_related("commune")
                .only(
                    "id",
                    "national_id",
                    "full_name",
                    "date_of_birth",
                    "commune_id",
                    "commune__name",
                    "commune__kind",
                    "categories",
                    "merit_subtype",
                )
            )
            found.update((p.national_id, p) for p in people)
        return found

    def listed(self, person_ids: list[int]) -> set[tuple[int, int]]:
        """(person id, package id) already given in this campaign (not returned)."""
        taken: set[tuple[int, int]] = set()
        for i in range(0, len(person_ids), CHUNK):
            taken.update(
                GiftRecipient.objects.filter(
                    package__campaign_id=self.gift_list.campaign_id,
                    person_id__in=person_ids[i : i + CHUNK],
                )
                .exclude(state=GiftRecipientState.RETURNED)
                .values_list("person_id", "package_id")
            )
        return taken

    def check_people(self, rows: list[_Row]) -> None:
        """The checks that need the registry and the rows already listed."""
        commune_id = self.gift_list.commune_id
        existing = self.registry({r.national_id for r in rows if not r.errors})
        taken = self.listed(sorted({p.pk for p in existing.values()}))
        all_packages = {
            p.pk: p for p in GiftPackage.objects.filter(campaign_id=self.gift_list.campaign_id)
        }
        taken_groups = {
            (person_id, all_packages[package_id].exclusive_group)
            for person_id, package_id in taken
            if all_packages[package_id].exclusive_group
        }
        groups = {pk: p.exclusive_group for pk, p in all_packages.items()}
        first_row: dict[str, _Row] = {}  # national ID -> first valid row giving it
        seen: dict[tuple[str, int], int] = {}  # (national ID, package) -> row
        seen_groups: dict[tuple[str, str], int] = {}
        for row in rows:
            if row.errors:
                continue
            assert row.package is not None and row.date_of_birth is not None
            package = row.package
            person = existing.get(row.national_id)
            if person is not None:
                self._check_existing(row, person, commune_id)
                subject = person
            else:
                earlier = first_row.get(row.national_id)
                if earlier is not None and (
                    _norm(earlier.full_name) != _norm(row.full_name)
                    or earlier.date_of_birth != row.date_of_birth
                ):
                    row.error(
                        "full_name",
                        "identity_mismatch",
                        _("Row %(row)s gives this national ID to %(name)s, born %(dob)s.")
                        % {
                            "row": earlier.number,
                            "name": earlier.full_name,
                            "dob": vn_date(earlier.date_of_birth),
                        },
                    )
                subject = Person(
                    commune_id=commune_id,
                    categories=(earlier or row).categories,
                    merit_subtype=(earlier or row).merit_subtype,
                )
            if row.errors:
                continue
            key = (row.national_id, package.pk)
            if person is not None and (person.pk, package.pk) in taken:
                row.error(
                    "package",
                    "already_listed",
                    _("This person is already listed for the package %(code)s in this campaign.")
                    % {"code": package.code},
                )
            elif key in seen:
                row.error(
                    "package",
                    "duplicate_in_file",
                    _("Row %(row)s already lists this person for the package %(code)s.")
                    % {"row": seen[key], "code": package.code},
                )
            elif not package.accepts(subject):
                row.error(
                    "categories",
                    "not_eligible",
                    _("This person is not eligible for the package %(code)s.")
                    % {"code": package.code},
                )
            else:
                group = groups.get(package.pk, "")
                if group and (
                    (person is not None and (person.pk, group) in taken_groups)
                    or (row.national_id, group) in seen_groups
                ):
                    row.error(
                        "package",
                        "one_per_group",
                        _(
                            "This person already receives another gift of this kind in the "
                            "campaign: at most one per person."
                        ),
                    )
            if row.errors:
                continue
            seen[key] = row.number
            group = groups.get(package.pk, "")
            if group:
                seen_groups[(row.national_id, group)] = row.number
            first_row.setdefault(row.national_id, row)
        self.existing = existing

    @staticmethod
    def _check_existing(row: _Row, person: Person, commune_id: int) -> None:
        if person.commune_id != commune_id:
            row.error(
                "national_id",
                "other_commune",
                _("This person is registered in %(commune)s, not in this commune.")
                % {"commune": person.commune},
            )
            return
        if _norm(person.full_name) != _norm(row.full_name):
            row.error(
                "full_name",
                "identity_mismatch",
                _("This national ID is registered to %(name)s, born %(dob)s.")
                % {"name": person.full_name, "dob": vn_date(person.date_of_birth)},
            )
        elif person.date_of_birth != row.date_of_birth:
            row.error(
                "date_of_birth",
                "identity_mismatch",
                _("This national ID is registered to %(name)s, born %(dob)s.")
                % {"name": person.full_name, "dob": vn_date(person.date_of_birth)},
            )


def _check_header(values: tuple[Any, ...]) -> None:
    got = [_header_key(v) for v in values[: len(COLUMNS)]]
    want = [_header_key(title) for _k, title, _w in COLUMNS]
    if got != want:
        message = _(
            "The first row must hold the template's column titles: %(titles)s. Download the "
            "template and copy the rows into it."
        ) % {"titles": ", ".join(title for _k, title, _w in COLUMNS)}
        raise _file_error(message, "bad_header")


def _import_errors(errors: list[RowError]) -> InvalidData:
    bad_rows = len({e.row for e in errors})
    return InvalidData(
        _("%(count)s rows have errors; no row was imported.") % {"count": bad_rows},
        code="import_errors",
        extra={"rows": [asdict(e) for e in errors]},
    )


# --- the service ------------------------------------------------------------------


def gift_import(
    *, actor: Any, gift_list: GiftList, upload: Any, only_valid: bool = False
) -> ImportReport:
    """Import an .xlsx file (the template's layout) into a list being prepared.

    Preconditions: the actor is an officer of the list's commune; the list is
    being prepared; the upload is an .xlsx of at most GIFT_IMPORT_MAX_BYTES
    with the template's header. Every row is checked; with errors and not
    `only_valid`, InvalidData "import_errors" (the errors in extra["rows"]) and
    nothing is written. Otherwise, in one transaction: people not in the
    registry are created from their rows (one per national ID, each with a
    "person_create" audit event), the rows are added at their package's amount
    and one "gift_import" audit event records the counts, file name and SHA-256.
    """
    _require_officer(actor, gift_list.commune_id)
    if gift_list.state != GiftListState.PREPARING:
        raise TransitionNotAllowed(
            _("Recipients can only be added while the list is being prepared."),
            code="gift_list_state",
        )
    blob, name = _read_upload(upload)
    digest = hashlib.sha256(blob).hexdigest()
    report = ImportReport(file_name=name, sha256=digest)
    lines = _sheet_rows(blob)
    header = next(lines, None)
    if header is None:
        raise _file_error(_("The sheet is empty."), "empty_file")
    _check_header(header[1])
    checker = _Checker(gift_list)
    rows: list[_Row] = []
    for number, values in lines:
        if len(rows) >= max_rows():
            raise _file_error(
                _("The file has more than %(n)s rows: split it.") % {"n": max_rows()},
                "too_many_rows",
            )
        rows.append(checker.parse(number, values))
    if not rows:
        raise _file_error(_("The sheet has no rows below its header."), "empty_file")
    report.rows_read = len(rows)

    with transaction.atomic():
        locked = _lock_list(
            gift_list,
            state=GiftListState.PREPARING,
            message=_("Recipients can only be added while the list is being prepared."),
        )
        checker.check_people(rows)
        errors = [e for r in rows for e in r.errors]
        good = [r for r in rows if not r.errors]
        if errors and (not only_valid or not good):
            raise _import_errors(errors)
        report.skipped = errors
        people = _create_people(actor, locked, good, checker.existing, digest)
        report.people_created = len(people) - len(checker.existing)
        pairs = []
        notes = {}
        for r in good:
            assert r.package is not None
            person_id = people[r.national_id]
            pairs.append((person_id, r.package))
            if r.note:
                notes[(person_id, r.package.pk)] = r.note
        result = gift_rows_add(
            actor=actor,
            gift_list=locked,
            pairs=pairs,
            how="import",
            notes=notes,
            event="gift_import",
            audit_data={
                "file_name": name,
                "sha256": digest,
                "rows_read": report.rows_read,
                "rows_skipped": len({e.row for e in errors}),
                "people_created": report.people_created,
            },
        )
        if result.skipped:
            # Checked under the list's lock, but another commune's list may
            # have taken one of these people meanwhile: all or nothing.
            raise TransitionNotAllowed(
                _("Someone changed these lists a moment ago. Try again."),
                code="concurrent_change",
            )
        report.imported = result.added
    return report


def _create_people(
    actor: Any, gift_list: GiftList, rows: list[_Row], existing: dict[str, Person], digest: str
) -> dict[str, int]:
    """National ID -> person id for every good row, creating the missing people
    from their first row (bulk), each with its registry audit event."""
    ids = {nid: p.pk for nid, p in existing.items()}
    new: dict[str, _Row] = {}
    for r in rows:
        if r.national_id in ids or r.national_id in new:
            continue
        assert r.date_of_birth is not None
        new[r.national_id] = r
    if not new:
        return ids
    try:
        with transaction.atomic():
            created = _insert_people(gift_list.commune_id, list(new.values()))
    except IntegrityError:
        # Someone registered one of these national IDs a moment ago.
        raise TransitionNotAllowed(
            _("Someone registered one of these people a moment ago. Try again."),
            code="concurrent_change",
        ) from None
    template = audit.new_event(
        actor=actor,
        commune_id=gift_list.commune_id,
        event="person_create",
        object_type="cases.person",
        data={"how": "gift_import", "gift_list": gift_list.pk, "sha256": digest},
    )
    audit.append_many(template, [(str(pk), gift_list.commune_id, "") for pk, _nid in created])
    ids.update((nid, pk) for pk, nid in created)
    return ids


def _insert_people(commune_id: int, rows: list[_Row]) -> list[tuple[int, str]]:
    """Register the rows' people in one INSERT ... SELECT FROM unnest; (id,
    national ID) of each. Categories travel as comma-joined text."""
    columns = (
        [r.full_name for r in rows],
        [r.date_of_birth for r in rows],
        [r.sex for r in rows],
        [r.national_id for r in rows],
        [r.address for r in rows],
        [",".join(r.categories) for r in rows],
        [r.merit_subtype for r in rows],
    )
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Person._meta.db_table}
                (full_name, date_of_birth, sex, national_id, address, commune_id,
                 categories, merit_subtype, created_at)
                SELECT u.full_name, u.dob, u.sex, u.nid, u.address, %s,
                       CASE WHEN u.categories = '' THEN ARRAY[]::varchar[]
                            ELSE string_to_array(u.categories, ',')::varchar[] END,
                       u.subtype, %s
                  FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::text[],
                              %s::text[], %s::text[])
                       AS u(full_name, dob, sex, nid, address, categories, subtype)
                RETURNING id, national_id""",
            [commune_id, timezone.now(), *columns],
        )
        return [(pk, nid) for pk, nid in cur.fetchall()]
