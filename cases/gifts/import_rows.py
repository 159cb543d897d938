"""Checking the rows of an imported gift list: each cell parsed, each row checked
against the campaign's packages and the registry, every problem reported with
its row and column."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.gifts.import_cells import (
    cell_text,
    parse_amount_cell,
    parse_birth,
    parse_national_id,
    same_birth,
)
from cases.gifts.models import (
    GiftList,
    GiftPackage,
    GiftRecipient,
    GiftRecipientState,
)
from cases.gifts.selectors import campaign_packages
from cases.models import Category, MeritSubtype, Person, birth_date_display
from cases.validators import national_id_errors
from workflows.exceptions import InvalidData
from workflows.formatting import money
from workflows.text import clean_text


def category_vocabulary() -> dict[str, tuple[str, str]]:
    """What the category column accepts -> (category, merit subtype): codes and
    labels in Vietnamese and English, of categories and of merit subtypes (a
    subtype implies the merit category)."""
    vocab: dict[str, tuple[str, str]] = {}
    for lang in ("en", "vi"):
        with translation.override(lang):
            for c in Category:
                vocab[norm_text(c.label)] = (c.value, "")
            for s in MeritSubtype:
                if s.value:
                    vocab[norm_text(s.label)] = (Category.MERIT, s.value)
    for c in Category:
        vocab[norm_text(c.value)] = (c.value, "")
    for s in MeritSubtype:
        if s.value:
            vocab[norm_text(s.value)] = (Category.MERIT, s.value)
    return vocab


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
TEMPLATE_ROWS = 2000  # rows pre-formatted in the template (text ID, date, amount)
CHUNK = 10_000  # national IDs per registry query


def file_error(message: str, code: str) -> InvalidData:
    return InvalidData(message, fields={"file": [message]}, code=code)


def norm_text(value: Any) -> str:
    """Compare text as people type it: cleaned (NFC, one space), case-blind."""
    return clean_text(str(value)).casefold()


# --- reading and checking ---------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class ImportRow:
    number: int
    full_name: str = ""
    date_of_birth: dt.date | None = None
    birth_year_only: bool = False
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

    @property
    def born(self) -> str:
        return birth_date_display(self.date_of_birth, self.birth_year_only)


def package_label(package: GiftPackage) -> str:
    return f"{package.code} — {package.name}"


class RowChecker:
    """Parses and checks rows; reads the registry and existing rows in bulk."""

    def __init__(self, gift_list: GiftList) -> None:
        self.gift_list = gift_list
        packages = campaign_packages(gift_list.campaign, gift_list.commune)
        self.open_packages = packages
        self.packages = {norm_text(p.code): p for p in packages}
        self.package_names: dict[str, list[GiftPackage]] = {}
        for p in packages:
            self.package_names.setdefault(norm_text(p.name), []).append(p)
        self.vocab = category_vocabulary()
        self.today = timezone.localdate()
        self.existing: dict[str, Person] = {}

    def parse(self, number: int, cells: dict[str, Any]) -> ImportRow:
        """One row of the sheet (template column key -> cell value)."""
        row = ImportRow(number)
        for key in REQUIRED:
            if cell_text(cells.get(key)) == "":
                row.error(key, "required", _("This cell is required."))
        for key, limit in MAX_LENGTH.items():
            if len(cell_text(cells.get(key))) > limit:
                row.error(key, "too_long", _("At most %(n)s characters.") % {"n": limit})
        row.full_name = cell_text(cells.get("full_name"))[: MAX_LENGTH["full_name"]]
        row.address = cell_text(cells.get("address"))[: MAX_LENGTH["address"]]
        row.note = cell_text(cells.get("note"))[: MAX_LENGTH["note"]]
        raw = cells.get("date_of_birth")
        if cell_text(raw):
            try:
                row.date_of_birth, row.birth_year_only = parse_birth(raw, self.today)
            except ValueError as exc:
                row.error("date_of_birth", "bad_date", str(exc))
        raw = cell_text(cells.get("sex"))
        if raw:
            row.sex = SEX.get(norm_text(raw), "")
            if not row.sex:
                row.error("sex", "bad_sex", _("Write Nam or Nữ."))
        raw = cells.get("national_id")
        if cell_text(raw):
            try:
                row.national_id = parse_national_id(raw, row.date_of_birth)
            except ValueError as exc:
                row.national_id = cell_text(raw)
                row.error("national_id", "bad_national_id", str(exc))
            else:
                problems = national_id_errors(row.national_id, row.date_of_birth, row.sex or None)
                if problems:
                    row.error("national_id", "bad_national_id", " ".join(problems))
        raw = cell_text(cells.get("categories"))
        for token in filter(None, (t.strip() for t in re.split(r"[,;\n]", raw))):
            found = self.vocab.get(norm_text(token))
            if found is None:
                row.error(
                    "categories", "unknown_category", _("Unknown category: %(c)s.") % {"c": token}
                )
                continue
            if found[0] not in row.categories:
                row.categories.append(found[0])
            row.merit_subtype = found[1] or row.merit_subtype
        raw = cell_text(cells.get("package"))
        if raw:
            row.package = self._package(row, raw)
        raw = cells.get("amount")
        if cell_text(raw):
            try:
                row.amount = parse_amount_cell(raw)
            except ValueError as exc:
                row.error("amount", "bad_amount", str(exc))
            else:
                if row.package is not None and row.amount != row.package.amount:
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

    def _package(self, row: ImportRow, written: str) -> GiftPackage | None:
        """The package a cell names: by its code, else by its exact name (as
        the template's package sheet shows it; case and spaces aside)."""
        key = norm_text(written)
        package = self.packages.get(key)
        if package is not None:
            return package
        named = self.package_names.get(key, [])
        if len(named) == 1:
            return named[0]
        if named:
            row.error(
                "package",
                "ambiguous_package",
                _("Several packages are named “%(name)s”: write the code (%(codes)s).")
                % {"name": written, "codes": ", ".join(p.code for p in named)},
            )
        elif self.open_packages:
            row.error(
                "package",
                "unknown_package",
                _(
                    "“%(written)s” is neither the code nor the name of a package of this "
                    "campaign for this commune. Write one of: %(packages)s."
                )
                % {
                    "written": written,
                    "packages": "; ".join(package_label(p) for p in self.open_packages),
                },
            )
        else:
            row.error(
                "package",
                "unknown_package",
                _("This campaign has no package for this commune yet."),
            )
        return None

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
                    "birth_year_only",
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

    def check_people(self, rows: list[ImportRow]) -> None:
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
        first_row: dict[str, ImportRow] = {}  # national ID -> first valid row giving it
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
                    norm_text(earlier.full_name) != norm_text(row.full_name)
                    or not same_birth(
                        earlier.date_of_birth,
                        earlier.birth_year_only,
                        row.date_of_birth,
                        row.birth_year_only,
                    )
                ):
                    row.error(
                        "full_name",
                        "identity_mismatch",
                        _("Row %(row)s gives this national ID to %(name)s, born %(dob)s.")
                        % {"row": earlier.number, "name": earlier.full_name, "dob": earlier.born},
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
    def _check_existing(row: ImportRow, person: Person, commune_id: int) -> None:
        if person.commune_id != commune_id:
            row.error(
                "national_id",
                "other_commune",
                _("This person is registered in %(commune)s, not in this commune.")
                % {"commune": person.commune},
            )
            return
        registered = _("This national ID is registered to %(name)s, born %(dob)s.") % {
            "name": person.full_name,
            "dob": person.birth_date_display,
        }
        if norm_text(person.full_name) != norm_text(row.full_name):
            row.error("full_name", "identity_mismatch", registered)
        elif not same_birth(
            person.date_of_birth, person.birth_year_only, row.date_of_birth, row.birth_year_only
        ):
            row.error("date_of_birth", "identity_mismatch", registered)
