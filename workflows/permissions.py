"""The one place that answers "may this user do X here?".

Roles are Django groups. Commune roles hold a django-guardian object permission
on their commune row(s) through a per-commune group; district roles hold the
global permission through a global group. A user's scope is computed once
(two queries) and cached on the user object for the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.actors import Reader, User
from workflows.exceptions import NotFound
from workflows.registry import spec_for
from workflows.registry_models import devolved_unit, note_devolved_units, unit_model

M = TypeVar("M", bound=Model)


class Role(StrEnum):
    COMMUNE_OFFICER = "commune_officer"
    COMMUNE_LEADER = "commune_leader"
    # The two-level government (from 01/07/2025): the commune's culture–society
    # division does what the district office did, the commune chairman signs,
    # the commune's accountant pays (`workflows.devolution`).
    COMMUNE_SPECIALIST = "commune_specialist"
    COMMUNE_CHAIRMAN = "commune_chairman"
    COMMUNE_ACCOUNTANT = "commune_accountant"
    DISTRICT_SPECIALIST = "district_specialist"
    OFFICE_HEAD = "office_head"
    ACCOUNTANT = "accountant"
    AUDITOR = "auditor"
    # Drug rehab (sensitive): the commune's rehab officer, the head of commune
    # police (2025 route) and the district's rehab staff. They see rehab cases
    # and nothing else; nobody else sees rehab cases.
    COMMUNE_REHAB = "commune_rehab"
    COMMUNE_POLICE = "commune_police"
    DISTRICT_REHAB = "district_rehab"
    ADMIN = "admin"


# Roles held on commune rows, and roles held district-wide.
COMMUNE_ROLES = frozenset(
    {
        Role.COMMUNE_OFFICER,
        Role.COMMUNE_LEADER,
        Role.COMMUNE_SPECIALIST,
        Role.COMMUNE_CHAIRMAN,
        Role.COMMUNE_ACCOUNTANT,
        Role.COMMUNE_REHAB,
        Role.COMMUNE_POLICE,
    }
)
DISTRICT_ROLES = frozenset(
    {Role.DISTRICT_SPECIALIST, Role.OFFICE_HEAD, Role.ACCOUNTANT, Role.AUDITOR, Role.DISTRICT_REHAB}
)
# Who sees rehab cases; the general roles see every other process.
REHAB_COMMUNE_ROLES = frozenset({Role.COMMUNE_REHAB, Role.COMMUNE_POLICE})
REHAB_DISTRICT_ROLES = frozenset({Role.DISTRICT_REHAB})
REHAB_ROLES = REHAB_COMMUNE_ROLES | REHAB_DISTRICT_ROLES
GENERAL_COMMUNE_ROLES = COMMUNE_ROLES - REHAB_COMMUNE_ROLES
GENERAL_DISTRICT_ROLES = DISTRICT_ROLES - REHAB_DISTRICT_ROLES
ROLE_LABELS = {
    Role.COMMUNE_OFFICER: _("Commune officer"),
    Role.COMMUNE_LEADER: _("Commune leader"),
    Role.COMMUNE_SPECIALIST: _("Commune culture–society specialist"),
    Role.COMMUNE_CHAIRMAN: _("Commune chairman"),
    Role.COMMUNE_ACCOUNTANT: _("Commune accountant"),
    Role.DISTRICT_SPECIALIST: _("District specialist"),
    Role.OFFICE_HEAD: _("Head of office"),
    Role.ACCOUNTANT: _("Accountant"),
    Role.AUDITOR: _("Auditor"),
    Role.COMMUNE_REHAB: _("Commune rehab officer"),
    Role.COMMUNE_POLICE: _("Head of commune police"),
    Role.DISTRICT_REHAB: _("District rehab staff"),
    Role.ADMIN: _("Administrator"),
}
# The two-level government (from 01/07/2025): the district role whose steps
# each commune role takes over (`workflows.devolution`).
DEVOLVED_ROLES: dict[str, str] = {
    Role.DISTRICT_SPECIALIST: Role.COMMUNE_SPECIALIST,
    Role.OFFICE_HEAD: Role.COMMUNE_CHAIRMAN,
    Role.ACCOUNTANT: Role.COMMUNE_ACCOUNTANT,
}


def step_role(role: str, commune_id: int) -> str:
    """The role that does `role`'s work for this commune: the commune role
    that took over a district role in the two-level government, else itself."""
    return DEVOLVED_ROLES.get(role, role) if devolved_unit(commune_id) else role


def does_step(user: Reader, role: str, commune_id: int) -> bool:
    """May `user` do `role`'s work in this commune (the role itself, or the
    commune role that took it over there)?"""
    return step_role(role, commune_id) in scope_for(user).roles_in(commune_id)


UNIT_APP = "cases"
# Processes whose cases only rehab roles may see (drug rehab: health and
# law-enforcement data, sensitive under the personal-data law).
SENSITIVE_PROCESSES = frozenset({"rehab_compulsory", "rehab_voluntary"})


def role_codename(role: str) -> str:
    return f"role_{role}"


def role_permission(role: str) -> str:
    """Full permission name, as viewflow's `.Permission(...)` and has_perm want it."""
    return f"{UNIT_APP}.{role_codename(role)}"


def commune_group_name(role: str, commune: Any) -> str:
    """The group holding `role` on a commune: "commune_officer@00448"; a unit
    formed by a reorganisation reuses a former unit's code, so its groups say
    its first day too ("commune_officer@00382:2025-07-01")."""
    if commune.valid_from is None:
        return f"{role}@{commune.code}"
    return f"{role}@{commune.code}:{commune.valid_from.isoformat()}"


@dataclass(frozen=True)
class Scope:
    """What a user may see and as whom they may act.

    `sees_all_communes` and `commune_ids` are about the general processes
    (housing, gifts, the registry); rehab cases have their own scope
    (`rehab_all`, `rehab_commune_ids`): neither implies the other.
    """

    district_roles: frozenset[str] = frozenset()
    commune_roles: dict[str, frozenset[int]] = field(default_factory=dict)
    # Communes read and not acted in: those a reorganisation has closed
    # (their open work went to the successor), and the predecessors of the
    # communes held (their staff read their history).
    closed_commune_ids: frozenset[int] = frozenset()

    def acting(self, role: str) -> frozenset[int]:
        """The communes where the user may act in `role` (not the closed ones)."""
        return self.commune_roles.get(role, frozenset()) - self.closed_commune_ids

    @property
    def sees_all_communes(self) -> bool:
        return bool(self.district_roles & GENERAL_DISTRICT_ROLES)

    def _communes_of(self, roles: frozenset[str]) -> frozenset[int]:
        ids: set[int] = set()
        for role, v in self.commune_roles.items():
            if role in roles:
                ids |= v
        return frozenset(ids)

    @property
    def commune_ids(self) -> frozenset[int]:
        return self._communes_of(GENERAL_COMMUNE_ROLES)

    @property
    def rehab_all(self) -> bool:
        return bool(self.district_roles & REHAB_DISTRICT_ROLES)

    @property
    def rehab_commune_ids(self) -> frozenset[int]:
        return self._communes_of(REHAB_COMMUNE_ROLES)

    @property
    def sees_rehab(self) -> bool:
        return self.rehab_all or bool(self.rehab_commune_ids)

    @property
    def sees_general(self) -> bool:
        return self.sees_all_communes or bool(self.commune_ids)

    @property
    def has_any_role(self) -> bool:
        return self.sees_general or self.sees_rehab

    def filter_rehab(self, qs: QuerySet, field_name: str = "commune") -> QuerySet:
        """Scope a rehab queryset to the communes the user holds a rehab role in."""
        if self.rehab_all:
            return qs
        return qs.filter(**{f"{field_name}__in": sorted(self.rehab_commune_ids)})

    def roles_in(self, commune_id: int) -> set[str]:
        roles = set(self.district_roles)
        if commune_id not in self.closed_commune_ids:
            roles.update(r for r, ids in self.commune_roles.items() if commune_id in ids)
        return roles

    def all_roles(self) -> set[str]:
        return set(self.district_roles) | {r for r, ids in self.commune_roles.items() if ids}

    def filter_communes(self, qs: QuerySet, field_name: str = "commune") -> QuerySet:
        """Scope any queryset with a commune foreign key to what the user may see."""
        if self.sees_all_communes:
            return qs
        return qs.filter(**{f"{field_name}__in": sorted(self.commune_ids)})


EMPTY_SCOPE = Scope()


def unit_content_type() -> ContentType:

    return ContentType.objects.get_for_model(unit_model())


# Every (user_id, codename, object_pk) by which a role permission is held:
# globally through a group or directly (district roles, object_pk NULL), or on
# a commune row through a group or directly (guardian; commune roles). The one
# definition of "who holds which role where"; `{ct}` is the content-type
# parameter placeholder ("%s", or "%(ct)s" in a query with named parameters).
GLOBAL_GRANTS_SQL = """
SELECT ug.user_id, p.codename, NULL::varchar AS object_pk FROM auth_user_groups ug
  JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
  JOIN auth_permission p ON p.id = gp.permission_id
 WHERE p.content_type_id = {ct}
UNION ALL
SELECT up.user_id, p.codename, NULL FROM auth_user_user_permissions up
  JOIN auth_permission p ON p.id = up.permission_id
 WHERE p.content_type_id = {ct}
"""
OBJECT_GRANTS_SQL = """
SELECT ug.user_id, p.codename, g.object_pk FROM guardian_groupobjectpermission g
  JOIN auth_user_groups ug ON ug.group_id = g.group_id
  JOIN auth_permission p ON p.id = g.permission_id
 WHERE g.content_type_id = {ct}
UNION ALL
SELECT o.user_id, p.codename, o.object_pk FROM guardian_userobjectpermission o
  JOIN auth_permission p ON p.id = o.permission_id
 WHERE o.content_type_id = {ct}
"""
ROLE_GRANTS_SQL = GLOBAL_GRANTS_SQL + "UNION ALL" + OBJECT_GRANTS_SQL


def role_grants_sql(ct_param: str = "%s") -> str:
    return ROLE_GRANTS_SQL.format(ct=ct_param)


def scope_for(user: Reader) -> Scope:
    """The user's roles and communes, computed once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_caseflow_scope", None)
    if cached is not None:
        return cached
    role_by_codename = {role_codename(r): r for r in Role if r != Role.ADMIN}
    # One query for all four ways to hold a role: global permission through a
    # group or directly (district roles, object_pk NULL), guardian object
    # permission on a commune row through a group or directly (commune roles).
    # The commune's end date rides along: a commune closed by a reorganisation
    # is read, not acted in. So are the units a reorganisation made a commune
    # out of (its predecessors, and theirs): its staff read their history.
    unit = unit_model()
    units = unit._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"WITH RECURSIVE g AS (SELECT g.codename, g.object_pk FROM ({role_grants_sql()}) g "
            "WHERE g.user_id = %s AND g.codename = ANY(%s)), "
            f"line AS ({unit.lineage_sql()}), "
            "back(codename, unit_id) AS ("
            " SELECT g.codename, l.predecessor_id FROM g JOIN line l"
            " ON l.successor_id::text = g.object_pk"
            " UNION SELECT b.codename, l.predecessor_id FROM back b JOIN line l"
            " ON l.successor_id = b.unit_id) "
            "SELECT g.codename, g.object_pk, u.valid_to IS NOT NULL AND u.valid_to <= %s "
            f"FROM g LEFT JOIN {units} u ON u.id::text = g.object_pk "
            "UNION ALL SELECT codename, unit_id::text, TRUE FROM back "
            # The two-level government's communes, for the engine's routes.
            "UNION ALL SELECT NULL, coalesce(d.top, 0)::text || ':' || "
            f"array_to_string(d.ids, ','), NULL FROM ({unit.devolved_sql()}) d",
            [
                *[unit_content_type().pk] * 4,
                user.pk,
                list(role_by_codename),
                timezone.localdate(),
            ],
        )
        rows = cur.fetchall()
    [units_row] = [r for r in rows if r[0] is None]
    rows.remove(units_row)
    top, _colon, devolved = units_row[1].partition(":")
    note_devolved_units(int(top or 0), [int(i) for i in devolved.split(",") if i])
    district = frozenset(
        role_by_codename[c]
        for c, pk, _closed in rows
        if pk is None and role_by_codename[c] in DISTRICT_ROLES
    )
    commune: dict[str, set[int]] = {}
    closed: set[int] = set()
    for codename, pk, is_closed in rows:
        role = role_by_codename[codename]
        if pk is not None and role in COMMUNE_ROLES:
            commune.setdefault(role, set()).add(int(pk))
            if is_closed:
                closed.add(int(pk))
    scope = Scope(district, {r: frozenset(ids) for r, ids in commune.items()}, frozenset(closed))
    setattr(user, "_caseflow_scope", scope)  # noqa: B010 (one read per request)
    return scope


def scoped(
    rows: QuerySet[M] | type[M], user: Reader, *, field: str = "commune", sensitive: bool = False
) -> QuerySet[M]:
    """The one scoped read: `rows` (a queryset or a commune-owned model)
    narrowed to what `user` may see. Nothing without a role for them; else the
    rows of the user's communes (by `field`), or all of them for district
    roles. Sensitive records (drug rehab) follow the rehab roles instead."""
    qs = rows._default_manager.all() if isinstance(rows, type) else rows
    scope = scope_for(user)
    if sensitive:
        return scope.filter_rehab(qs, field) if scope.sees_rehab else qs.none()
    return scope.filter_communes(qs, field) if scope.sees_general else qs.none()


def get_or_not_found(rows: QuerySet[Any], pk: Any) -> Any:
    """The row of `rows` with this id; NotFound for a missing one, one outside
    `rows` or a malformed id alike (so an answer never tells them apart)."""
    try:
        return rows.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def get_scoped_or_404(rows: QuerySet[M] | type[M], user: Reader, pk: Any, **scope: Any) -> M:
    """Fetch and authorize in one call: a row of another commune (or a
    malformed id) answers exactly like one that does not exist (NotFound)."""
    row: M = get_or_not_found(scoped(rows, user, **scope), pk)
    return row


def forget_scope(user: Reader) -> None:
    if hasattr(user, "_caseflow_scope"):
        delattr(user, "_caseflow_scope")


def can_view_case(user: Reader, case: Any) -> bool:
    scope = scope_for(user)
    if case.process in SENSITIVE_PROCESSES:
        return scope.rehab_all or case.commune_id in scope.rehab_commune_ids
    return scope.sees_all_communes or case.commune_id in scope.commune_ids


def roles_for_case(user: Reader, case: Any) -> set[str]:
    return scope_for(user).roles_in(case.commune_id)


def may_transition(user: Reader, case: Any, name: str) -> bool:
    """Role and commune check for one transition from the case's current state."""

    spec = spec_for(case)
    tspec = spec.transitions.get(name)
    if tspec is None:
        return False
    return bool(tspec.roles_from(case.state) & roles_for_case(user, case))


def may_take_task(user: Reader, task: Any) -> bool:
    """May `user` claim viewflow `task`: do they hold the role it waits for, in its
    commune (district roles: anywhere)? Read from the task's owner_permission."""
    app, _dot, codename = (task.owner_permission or "").partition(".")
    role = codename.removeprefix("role_")
    scope = scope_for(user)
    if app != UNIT_APP or not codename.startswith("role_"):
        return False
    if role in DISTRICT_ROLES:
        return role in scope.district_roles
    try:
        commune_id = int(task.owner_permission_obj_pk)
    except (TypeError, ValueError):
        return False
    return commune_id in scope.acting(role)


def may_create_case(user: Reader, commune_id: int) -> bool:
    return Role.COMMUNE_OFFICER in scope_for(user).roles_in(commune_id)


def may_manage_registry(user: Reader, commune_id: int) -> bool:
    """Officers keep the registry of their commune; district specialists of all."""
    roles = scope_for(user).roles_in(commune_id)
    return bool(roles & {Role.COMMUNE_OFFICER, Role.DISTRICT_SPECIALIST})


def is_admin(user: Reader) -> bool:
    return isinstance(user, User) and user.groups.filter(name=Role.ADMIN).exists()


def role_holders_sql(role: str, commune_id: int | None) -> tuple[str, list[Any]]:
    """SQL (and positional params) selecting the ids of users who hold `role`
    (on `commune_id`, or on any commune if None, for commune roles)."""
    # Only the two ways a role of its kind can be held (the query runs for
    # every transition's outbox rows: half the union plans and reads half).
    ct = unit_content_type().pk
    if role in COMMUNE_ROLES:
        grants = OBJECT_GRANTS_SQL.format(ct="%s")
        where, params = "g.object_pk = %s", [ct, ct, role_codename(role), str(commune_id)]
        if commune_id is None:
            where, params = "TRUE", params[:-1]
    else:
        grants = GLOBAL_GRANTS_SQL.format(ct="%s")
        where, params = "TRUE", [ct, ct, role_codename(role)]
    sql = f"SELECT g.user_id FROM ({grants}) g WHERE g.codename = %s AND {where}"
    return sql, params


def users_with_role(role: str, commune_id: int | None) -> QuerySet:
    """Active users who hold `role` (in `commune_id`, for commune roles)."""
    from django.contrib.auth import get_user_model

    sql, params = role_holders_sql(role, commune_id)
    return get_user_model().objects.filter(id__in=RawSQL(sql, params), is_active=True)


def available_transitions(user: Reader, case: Any) -> list[Any]:
    """Transition specs this user may fire on `case` now (for buttons and the API).

    Separation of duties and data checks are left to the engine, which
    explains a refusal better than a hidden button would.
    """

    spec = spec_for(case)
    roles = roles_for_case(user, case)
    names = {t.name for t in case.get_available_state_transitions()}  # type: ignore[attr-defined]
    return [
        t
        for name, t in spec.transitions.items()
        if name in names and t.roles_from(case.state) & roles
    ]


# Documents may be added while the dossier is prepared or checked, and the
# completion record (nghiệm thu) after the first payment.
DOCUMENT_STATES = frozenset(
    {"draft", "returned", "submitted", "commune_verified", "partially_disbursed"}
)


def document_roles(commune_id: int) -> frozenset[str]:
    """Who adds documents to a general case of this commune: its officers,
    and the specialists who review it (the district's, or the commune's in
    the two-level government)."""
    return frozenset({Role.COMMUNE_OFFICER, step_role(Role.DISTRICT_SPECIALIST, commune_id)})


# Rehab dossiers take documents while compiled or registered, from the commune.
REHAB_DOCUMENT_STATES = frozenset({"draft", "notified", "registered"})


def may_upload_document(user: Reader, case: Any, *, state: str | None = None) -> bool:
    """Role in the case's commune, and a state that takes documents."""
    if case.process in SENSITIVE_PROCESSES:
        return (state or case.state) in REHAB_DOCUMENT_STATES and bool(
            roles_for_case(user, case) & REHAB_COMMUNE_ROLES
        )
    return (state or case.state) in DOCUMENT_STATES and bool(
        roles_for_case(user, case) & document_roles(case.commune_id)
    )
