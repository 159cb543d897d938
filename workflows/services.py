"""Granting and revoking roles (audited)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from workflows import audit
from workflows.actors import User
from workflows.exceptions import InvalidData
from workflows.permissions import (
    COMMUNE_ROLES,
    DISTRICT_ROLES,
    Role,
    commune_group_name,
    forget_scope,
    role_codename,
    role_permission,
)
from workflows.registry_models import unit_model

# What the administrator role configures in the admin site (never case data):
# the registry's units and the mappings of a reorganisation (units, staff), caps, budgets and
# checklist; gift campaigns with their
# packages and budgets; the working-day calendar,
# time limits and one-stop procedures; the outbox (to find and resend parked
# emails) and users' email preferences; accounts.
ADMIN_MODELS = [
    ("cases", "housingcap"),
    ("cases", "budget"),
    ("cases", "documentrequirement"),
    ("cases", "administrativeunit"),
    ("cases", "unitchange"),
    ("reorganization", "staffassignment"),
    ("cases", "campaign"),
    ("cases", "giftpackage"),
    ("cases", "campaignbudget"),
    ("workflows", "officedayoff"),
    ("workflows", "makeupworkday"),
    ("workflows", "steptimelimit"),
    ("workflows", "procedureversion"),
    ("cases", "rehabsupportrate"),
    ("allowances", "allowancestandard"),
    ("allowances", "allowancecategory"),
    ("allowances", "categoryrate"),
    ("allowances", "oneoffrule"),
    ("allowances", "recuperationquota"),
    ("allowances", "recuperationrate"),
    ("workflows", "onestopprocedure"),
    ("notifications", "notification"),
    ("notifications", "notificationpreference"),
    ("auth", "user"),
    ("auth", "group"),
]


def _role_group(role: str, commune: Any) -> Group:
    if role in COMMUNE_ROLES:
        assert commune is not None
        group, created = Group.objects.get_or_create(name=commune_group_name(role, commune))
        if created:
            assign_perm(role_permission(role), group, commune)
        return group
    group, created = Group.objects.get_or_create(name=str(role))
    if created and role in DISTRICT_ROLES:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="cases", codename=role_codename(role))
        )
    if role == Role.ADMIN:
        # Every time, so a group made before a model joined the list catches up.
        perms = Permission.objects.none()
        for app, model in ADMIN_MODELS:
            perms |= Permission.objects.filter(
                content_type__app_label=app, content_type__model=model
            )
        # Configuration only: never the role permissions that let one act on cases.
        group.permissions.add(*perms.exclude(codename__startswith="role_"))
    return group


def _communes(role: str, codes: Iterable[str]) -> list[Any]:
    codes = list(codes)
    if role in COMMUNE_ROLES and not codes:
        raise InvalidData(
            _("A commune role needs at least one commune code."),
            fields={"commune": [_("Give at least one commune code.")]},
        )
    if role not in COMMUNE_ROLES and codes:
        raise InvalidData(
            _("District roles are not tied to a commune."),
            fields={"commune": [_("Leave out the commune for this role.")]},
        )
    # The communes the codes name today (a code a reorganisation reused: the new commune).
    found = unit_model().by_code(codes, level=unit_model().Level.COMMUNE)
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidData(
            _("Unknown commune code: %(codes)s") % {"codes": ", ".join(missing)},
            fields={"commune": [", ".join(missing)]},
        )
    return [found[c] for c in codes]


def role_grant(
    *,
    actor: User | None,
    username: str,
    role: str,
    commune_codes: Iterable[str] = (),
    password: str | None = None,
    full_name: str = "",
    email: str = "",
) -> Any:
    """Create the user if needed and grant `role` (in the given communes)."""
    if role not in set(Role):
        raise InvalidData(
            _("Unknown role %(role)s.") % {"role": role}, fields={"role": [", ".join(Role)]}
        )
    communes = _communes(role, commune_codes)
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if full_name:
            first, _sep, last = full_name.rpartition(" ")
            user.first_name, user.last_name = last, first
        if email:
            user.email = email
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        if role == Role.ADMIN:
            user.is_staff = True
        user.save()
        targets: list[Any] = list(communes) or [None]
        for commune in targets:
            user.groups.add(_role_group(role, commune))
            audit.record(
                actor=actor,
                commune_id=commune.pk if commune else None,
                event="role_grant",
                object_type="auth.user",
                object_id=str(user.pk),
                data={
                    "username": username,
                    "role": role,
                    "commune": commune.code if commune else None,
                },
            )
    forget_scope(user)
    return user


def roles_carry(
    *,
    actor: User | None,
    former: Any,
    successor: Any,
    holders: Iterable[tuple[str, int]],
    note: str = "",
) -> int:
    """Each (commune role, user id) of `holders`, held on `former`, is held on
    `successor` too (a reorganisation: the officers of a merged commune serve
    the new one). The former grants stay, for reading the former unit's
    history. One `role_grant` event per grant made; returns how many."""
    by_role: dict[str, set[int]] = {}
    for role, user_id in holders:
        by_role.setdefault(role, set()).add(user_id)
    made = 0
    for role in sorted(by_role):
        users = list(
            get_user_model()
            .objects.filter(pk__in=by_role[role])
            .exclude(groups__name=commune_group_name(role, successor))
            .order_by("pk")
        )
        if not users:
            continue
        group = _role_group(role, successor)
        for user in users:
            user.groups.add(group)
            audit.record(
                actor=actor,
                commune_id=successor.pk,
                event="role_grant",
                object_type="auth.user",
                object_id=str(user.pk),
                data={
                    "username": user.username,
                    "role": role,
                    "commune": successor.code,
                    "carried_from": former.code,
                    "note": note,
                },
            )
            forget_scope(user)
            made += 1
    return made


def role_revoke(
    *, actor: User | None, username: str, role: str, commune_codes: Iterable[str] = ()
) -> Any:
    User = get_user_model()
    user = User.objects.get(username=username)
    codes = list(commune_codes)
    with transaction.atomic():
        if role in COMMUNE_ROLES:
            units = unit_model().by_code(codes).values() if codes else ()
            names = [commune_group_name(role, u) for u in units] if codes else None
            groups = (
                user.groups.filter(name__in=names)
                if names
                else user.groups.filter(name__startswith=f"{role}@")
            )
        else:
            groups = user.groups.filter(name=role)
        for group in list(groups):
            _leave(actor, user, group)
        if role == Role.ADMIN:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
    forget_scope(user)
    return user


def district_roles_end(*, actor: User | None, roles: Iterable[str], note: str = "") -> int:
    """The district level is abolished: whoever holds one of these district
    roles holds it no more (one `role_revoke` event each). Returns how many."""
    ended = 0
    for role in sorted(roles):
        group = Group.objects.filter(name=str(role)).first()
        if group is None or role not in DISTRICT_ROLES:
            continue
        for user in list(group.user_set.all()):
            _leave(actor, user, group, note)
            forget_scope(user)
            ended += 1
    return ended


def _leave(actor: User | None, user: Any, group: Group, note: str = "") -> None:
    """`user` holds the role of `group` no more (a `role_revoke` event)."""
    user.groups.remove(group)
    data = {"username": user.username, "group": group.name, **({"note": note} if note else {})}
    audit.record(
        actor=actor, event="role_revoke", object_type="auth.user", object_id=str(user.pk), data=data
    )
