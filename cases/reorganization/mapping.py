"""The official mapping of a reorganisation, loaded from the office's file:
which former unit (whole, or some of its villages) goes to which new one
from a date. `read_mapping` reads the rows (.xlsx or .csv, wherever the
table sits in the sheet); `load_mapping` checks them all, then in one
transaction creates the new units not yet known and the `UnitChange` rows,
again without a change when run twice. Former units stay as they are: the
reorganisation run closes them and moves their open work."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import AdministrativeUnit, UnitChange
from cases.uploads.package import OLE2_MAGIC
from cases.uploads.spreadsheet import read_sheet
from cases.uploads.table import find_table, read_csv, title_key
from workflows.exceptions import InvalidData
from workflows.text import clean_text, fold_text

Unit = AdministrativeUnit
# Column key -> the titles it is found by (Vietnamese as offices write them, and English).
COLUMNS = {
    "old_code": ("Mã ĐVHC cũ", "Mã cũ", "Old code"),
    "old_name": ("Tên ĐVHC cũ", "Tên cũ", "Old name"),
    "new_code": ("Mã ĐVHC mới", "Mã mới", "New code"),
    "new_name": ("Tên ĐVHC mới", "Tên mới", "New name"),
    "extent": ("Toàn bộ/một phần", "Toàn bộ hay một phần", "Phạm vi", "Whole or part"),
    "villages": ("Thôn", "Các thôn", "Villages"),
}
REQUIRED = {"old_code", "old_name", "new_code", "new_name", "extent"}
WHOLE = {"toan bo", "whole", "all"}
PART = {"mot phan", "part"}
MAX_BYTES = 2 * 1024 * 1024
# The Sóc Sơn mapping shipped as demo data (not verified against the resolution).
DEMO_MAPPING = Path(__file__).resolve().parent / "data" / "soc_son_2025_demo.csv"


@dataclass(frozen=True)
class MappingRow:
    number: int  # the row in the file
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    whole: bool
    villages: tuple[str, ...]


@dataclass
class LoadResult:
    units_created: list[Unit] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def cell_text(value: Any) -> str:
    return clean_text("" if value is None else str(value))


def cell_code(value: Any) -> str:
    """A GSO code as offices type it: digits, its leading zeros kept or restored (5 digits)."""
    text = cell_text(value)
    if text.endswith(".0"):  # a number cell read back as a float
        text = text[:-2]
    return text.zfill(5) if text.isdigit() else text


def _villages(value: Any) -> tuple[str, ...]:
    names = [cell_text(v) for v in cell_text(value).replace(";", ",").split(",")]
    return tuple(n for n in names if n)


def row_error(number: int, message: str) -> str:
    return _("Row %(row)s: %(message)s") % {"row": number, "message": message}


def _mapping_errors(errors: list[str]) -> InvalidData:
    return InvalidData(_("The mapping has errors."), fields={"rows": errors}, code="mapping_errors")


def checked_rows(rows: list[Any], errors: list[str], refusal: Any) -> list[Any]:
    """The rows read from a file, or `refusal(errors)` raised when a row is
    wrong; InvalidData when the sheet has none below its header."""
    if errors:
        raise refusal(errors)
    if not rows:
        raise InvalidData(_("The sheet has no rows below its header."), code="empty_file")
    return rows


def read_table(
    file_name: str,
    content: bytes,
    columns: Mapping[str, tuple[str, ...]],
    required: set[str],
    keys: tuple[str, ...],
) -> Any:
    """The table of an office's .xlsx or .csv file whose header holds the
    `required` columns' titles (`columns`: key -> the titles it is found by;
    `keys`: the columns naming an entry, empty on the lines under the table)."""
    if not content:
        raise InvalidData(_("The file is empty."), code="file_empty")
    if len(content) > MAX_BYTES:
        raise InvalidData(_("The file is too large."), code="file_too_large")
    # An old .xls goes to the spreadsheet reader, which asks for an .xlsx.
    is_xlsx = content.startswith((b"PK", OLE2_MAGIC)) or file_name.lower().endswith(
        (".xlsx", ".xlsm", ".xls")
    )
    type_message = _("Only .xlsx (Excel 2007 or later) and .csv files are accepted.")
    sheet = read_sheet(content, type_message=type_message) if is_xlsx else read_csv(content)

    def missing(row: int | None, found: set[str]) -> Exception:
        titles = ", ".join(f"“{columns[k][0]}”" for k in sorted(required - found))
        return InvalidData(
            _("No row among the first 30 holds the column titles %(titles)s.") % {"titles": titles},
            code="bad_header",
        )

    table = find_table(
        sheet,
        titles={title_key(t): key for key, titles in columns.items() for t in titles},
        complete=lambda found: required <= found,
        keys=keys,
        on_missing=missing,
    )
    if table.hidden:
        # Hidden or filtered-out rows would change units or grant roles
        # unseen: the office shows them, or deletes them, first.
        rows = ", ".join(str(n) for n in table.hidden)
        raise InvalidData(
            _("Rows %(rows)s are hidden in the sheet: show them or delete them, then load again.")
            % {"rows": rows},
            fields={"rows": [rows]},
            code="hidden_rows",
        )
    return table


def read_mapping(file_name: str, content: bytes) -> list[MappingRow]:
    """The rows of the mapping file; InvalidData with every bad row's error."""
    table = read_table(file_name, content, COLUMNS, REQUIRED, keys=("old_code", "new_code"))
    rows, errors = [], []
    for number, cells in table.rows:
        extent = fold_text(cell_text(cells.get("extent")))
        if extent not in WHOLE | PART:
            errors.append(row_error(number, _("say “toàn bộ” (whole) or “một phần” (part).")))
            continue
        row = MappingRow(
            number=number,
            old_code=cell_code(cells.get("old_code")),
            old_name=cell_text(cells.get("old_name")),
            new_code=cell_code(cells.get("new_code")),
            new_name=cell_text(cells.get("new_name")),
            whole=extent in WHOLE,
            villages=_villages(cells.get("villages")),
        )
        if not (row.old_code and row.old_name and row.new_code and row.new_name):
            errors.append(row_error(number, _("the old and new codes and names are required.")))
        elif not row.whole and not row.villages:
            errors.append(row_error(number, _("a part of a unit goes by its villages: list them.")))
        elif row.whole and row.villages:
            errors.append(row_error(number, _("a whole unit lists no villages.")))
        else:
            rows.append(row)
    return checked_rows(rows, errors, _mapping_errors)


def _former_units(rows: list[MappingRow], effective: dt.date, errors: list[str]) -> dict[int, Unit]:
    """Row number -> the unit its old code names the day before the date (one
    query, `AdministrativeUnit.by_code`), its name checked: codes are reused
    by the new units."""
    named = Unit.by_code(sorted({r.old_code for r in rows}), on=effective - dt.timedelta(days=1))
    found: dict[int, Unit] = {}
    for row in rows:
        unit = named.get(row.old_code)
        if unit is None or unit.level == Unit.Level.PROVINCE:
            message = _("no unit has the code %(code)s.") % {"code": row.old_code}
            errors.append(row_error(row.number, message))
        elif fold_text(unit.name) != fold_text(row.old_name):
            errors.append(
                row_error(
                    row.number,
                    _("the code %(code)s is %(unit)s, not %(name)s.")
                    % {"code": row.old_code, "unit": unit.name, "name": row.old_name},
                )
            )
        else:
            found[row.number] = unit
    return found


def _check_rows(
    rows: list[MappingRow], formers: dict[int, Unit], errors: list[str]
) -> dict[str, str]:
    """New code -> its name, every rule that spans rows checked: a new code
    has one name; a former unit goes whole to one unit or in parts, each
    village once."""
    names: dict[str, str] = {}
    by_former: dict[int, list[MappingRow]] = defaultdict(list)
    for row in rows:
        if fold_text(names.setdefault(row.new_code, row.new_name)) != fold_text(row.new_name):
            errors.append(
                row_error(
                    row.number,
                    _("the new code %(code)s was named %(name)s above.")
                    % {"code": row.new_code, "name": names[row.new_code]},
                )
            )
        if row.number in formers:
            by_former[formers[row.number].pk].append(row)
    for parts in by_former.values():
        if len(parts) > 1 and any(p.whole for p in parts):
            errors.append(
                row_error(
                    parts[-1].number,
                    _(
                        "%(name)s is mapped whole and again: a unit goes whole to one unit, "
                        "or in parts."
                    )
                    % {"name": parts[0].old_name},
                )
            )
            continue
        seen: dict[str, int] = {}
        for part in parts:
            for village in part.villages:
                key = fold_text(village)
                if key in seen:
                    errors.append(
                        row_error(
                            part.number,
                            _("“%(village)s” is also on row %(row)s.")
                            % {"village": village, "row": seen[key]},
                        )
                    )
                seen.setdefault(key, part.number)
    return names


def _province_of(unit: Unit) -> Unit | None:
    while unit.parent is not None and unit.level != Unit.Level.PROVINCE:
        unit = unit.parent
    return unit if unit.level == Unit.Level.PROVINCE else None


def _kind(row: MappingRow, rows_of_new: list[MappingRow]) -> str:
    if not row.whole:
        return UnitChange.Kind.SPLIT
    alone = len(rows_of_new) == 1
    if alone and fold_text(row.old_name) != fold_text(row.new_name):
        return UnitChange.Kind.RENAME
    return UnitChange.Kind.MERGE


def load_mapping(
    rows: list[MappingRow], *, effective: dt.date, decision: str, unverified: bool = False
) -> LoadResult:
    """Check every row, then write the new units and the changes in one
    transaction (nothing when a row is wrong: InvalidData lists them all)."""
    decision = clean_text(decision)
    if not decision:
        raise InvalidData(_("Name the decision the mapping comes from."), code="decision_required")
    errors: list[str] = []
    formers = _former_units(rows, effective, errors)
    names = _check_rows(rows, formers, errors)
    if errors:
        raise _mapping_errors(errors)
    by_new: dict[str, list[MappingRow]] = defaultdict(list)
    for row in rows:
        by_new[row.new_code].append(row)
    result = LoadResult()
    with transaction.atomic():
        successors: dict[str, Unit] = {}
        for code, name in names.items():
            unit = Unit.objects.filter(
                level=Unit.Level.COMMUNE, code=code, valid_from=effective
            ).first()
            if unit is None:
                unit = Unit.objects.create(
                    code=code,
                    name=name,
                    level=Unit.Level.COMMUNE,
                    kind=Unit.Kind.COMMUNE,
                    parent=_province_of(formers[by_new[code][0].number]),
                    valid_from=effective,
                )
                result.units_created.append(unit)
            successors[code] = unit
        for row in rows:
            values = {
                "kind": _kind(row, by_new[row.new_code]),
                "villages": list(row.villages),
                "decision": decision,
                "unverified": unverified,
            }
            change, created = UnitChange.objects.get_or_create(
                predecessor=formers[row.number],
                successor=successors[row.new_code],
                effective=effective,
                defaults=values,
            )
            if created:
                result.created += 1
            elif any(getattr(change, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(change, k, v)
                change.save(update_fields=list(values))
                result.updated += 1
            else:
                result.unchanged += 1
    return result
