"""Who serves which new commune after a reorganisation: the office's staff
mapping, loaded from its file (.xlsx or .csv: username, role or blank, old
code, new code) into `StaffAssignment` rows (`read_staff`, `load_staff`),
and the commune roles the run carries (`carried_roles`), one list that the
dry run counts and the run grants.

Without a row for a former unit, whoever held a commune role there holds it
on each of its successors. With rows, only what they say is carried: an
officer of Phù Linh may serve Kim Anh alone, another Nội Bài. Either way
the former grants stay, to read the former unit's history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import AdministrativeUnit, UnitChange
from cases.reorganization.mapping import (
    LoadResult,
    cell_code,
    cell_text,
    checked_rows,
    read_table,
    row_error,
)
from cases.reorganization.models import StaffAssignment
from cases.reorganization.portions import Portion
from workflows.exceptions import InvalidData
from workflows.permissions import (
    COMMUNE_ROLES,
    ROLE_LABELS,
    role_codename,
    role_grants_sql,
    unit_content_type,
)
from workflows.text import fold_text

Unit = AdministrativeUnit
COLUMNS = {
    "username": ("Tên đăng nhập", "Tài khoản", "Username"),
    "role": ("Vai trò", "Chức danh", "Role"),
    "old_code": ("Mã ĐVHC cũ", "Mã cũ", "Old code"),
    "new_code": ("Mã ĐVHC mới", "Mã mới", "New code"),
}
REQUIRED = {"username", "old_code", "new_code"}


@dataclass(frozen=True)
class StaffRow:
    number: int  # the row in the file
    username: str
    role: str  # "" : every commune role held on the former unit
    old_code: str
    new_code: str


@dataclass(frozen=True)
class Carry:
    """`user_id` holds `role` on `successor_id` because they held it on `former_id`."""

    former_id: int
    successor_id: int
    role: str
    user_id: int


def _roles_by_text() -> dict[str, str]:
    """A role as an office writes it (its Vietnamese or English title, or
    its code), folded -> the role."""
    found = {}
    for role in COMMUNE_ROLES:
        found[fold_text(str(role))] = str(role)
        for language in ("vi", "en"):
            with translation.override(language):
                found[fold_text(str(ROLE_LABELS[role]))] = str(role)
    return found


def _staff_errors(errors: list[str]) -> InvalidData:
    return InvalidData(
        _("The staff mapping has errors."), fields={"rows": errors}, code="staff_errors"
    )


def read_staff(file_name: str, content: bytes) -> list[StaffRow]:
    """The rows of the staff mapping file; InvalidData with every bad row's error."""
    table = read_table(file_name, content, COLUMNS, REQUIRED, keys=("username",))
    roles = _roles_by_text()
    rows, errors = [], []
    for number, cells in table.rows:
        username, role = cell_text(cells.get("username")), cell_text(cells.get("role"))
        row = StaffRow(
            number=number,
            username=username,
            role=roles.get(fold_text(role), "") if role else "",
            old_code=cell_code(cells.get("old_code")),
            new_code=cell_code(cells.get("new_code")),
        )
        if not (row.username and row.old_code and row.new_code):
            errors.append(
                row_error(number, _("the username and the old and new codes are required."))
            )
        elif role and not row.role:
            errors.append(
                row_error(number, _("“%(role)s” is not a commune role.") % {"role": role})
            )
        else:
            rows.append(row)
    return checked_rows(rows, errors, _staff_errors)


def held_roles(unit_ids: list[int]) -> list[tuple[int, str, int]]:
    """(unit id, role, user id) of every commune role held on these units (one query)."""
    by_codename = {role_codename(r): str(r) for r in COMMUNE_ROLES}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT g.object_pk, g.codename, g.user_id FROM ({role_grants_sql()}) g "
            "WHERE g.object_pk = ANY(%s) AND g.codename = ANY(%s) ORDER BY 1, 2, 3",
            [*[unit_content_type().pk] * 4, [str(i) for i in unit_ids], list(by_codename)],
        )
        return [(int(pk), by_codename[codename], user) for pk, codename, user in cur.fetchall()]


def load_staff(rows: list[StaffRow], *, effective: dt.date) -> LoadResult:
    """Check every row against the mapping of the date and the roles held,
    then write the assignments in one transaction (nothing when a row is
    wrong: InvalidData lists them all); again without a change when run twice."""
    changes = UnitChange.objects.filter(effective=effective).select_related(
        "predecessor", "successor"
    )
    formers = {c.predecessor.code: c.predecessor for c in changes}
    successors = {c.successor.code: c.successor for c in changes if c.successor}
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in={r.username for r in rows})
    }
    held: dict[tuple[int, int], set[str]] = defaultdict(set)
    for unit_id, role, user_id in held_roles([u.pk for u in formers.values()]):
        held[(unit_id, user_id)].add(role)
    errors: list[str] = []
    found = []
    for row in rows:
        user, former = users.get(row.username), formers.get(row.old_code)
        successor = successors.get(row.new_code)
        if user is None:
            message = _("no user has the username %(name)s.") % {"name": row.username}
        elif former is None:
            message = _("%(code)s is not a former unit of this reorganisation.") % {
                "code": row.old_code
            }
        elif successor is None:
            message = _("%(code)s is not a new unit of this reorganisation.") % {
                "code": row.new_code
            }
        elif not held[(former.pk, user.pk)] or (
            row.role and row.role not in held[(former.pk, user.pk)]
        ):
            message = _("%(user)s holds no such role in %(unit)s.") % {
                "user": row.username,
                "unit": former.name,
            }
        else:
            found.append((user, former, successor, row.role))
            continue
        errors.append(row_error(row.number, message))
    if errors:
        raise _staff_errors(errors)
    result = LoadResult()
    with transaction.atomic():
        for user, former, successor, role in found:
            _row, created = StaffAssignment.objects.get_or_create(
                effective=effective, user=user, former=former, successor=successor, role=role
            )
            result.created += created
            result.unchanged += not created
    return result


def carried_roles(
    effective: dt.date, former_ids: list[int], portions: dict[int, list[Portion]]
) -> list[Carry]:
    """The commune roles the run carries from these former units (two queries)."""
    assigned: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    rows = StaffAssignment.objects.filter(effective=effective, former_id__in=former_ids)
    for former_id, successor_id, user_id, role in rows.values_list(
        "former_id", "successor_id", "user_id", "role"
    ):
        assigned[former_id].append((successor_id, user_id, role))
    carries = []
    for former_id, role, user_id in held_roles(former_ids):
        if former_id in assigned:
            targets = sorted(
                {s for s, u, r in assigned[former_id] if u == user_id and r in ("", role)}
            )
        else:
            targets = [part.successor.pk for part in portions.get(former_id, [])]
        carries += [Carry(former_id, target, role, user_id) for target in targets]
    return carries


def carries_to(carries: list[Carry], former_id: int) -> dict[int, list[tuple[str, int]]]:
    """Successor id -> the (role, user id) carried there from `former_id`."""
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for carry in carries:
        if carry.former_id == former_id:
            found[carry.successor_id].append((carry.role, carry.user_id))
    return found
