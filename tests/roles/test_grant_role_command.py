"""grant_role / revoke_role: users, per-commune groups with guardian object
permissions, global groups for district roles, and the audit rows they leave."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from guardian.shortcuts import get_perms

from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope, scope_for

User = get_user_model()


def grant(*args: str) -> str:
    out = StringIO()
    call_command("grant_role", *args, stdout=out)
    return out.getvalue()


def test_grant_commune_role_creates_user_with_object_permission_on_that_commune(communes):
    grant("hoa", "commune_officer", "--commune", communes.a.code, "--password", "Secret-123")
    user = User.objects.get(username="hoa")
    assert user.check_password("Secret-123")
    group = user.groups.get()
    assert group.name == f"commune_officer@{communes.a.code}"
    assert get_perms(group, communes.a) == ["role_commune_officer"]
    assert get_perms(group, communes.b) == []
    scope = scope_for(user)
    assert scope.commune_ids == {communes.a.pk}
    assert not scope.sees_all_communes
    event = AuditEvent.objects.get(event="role_grant")
    assert event.data == {"username": "hoa", "role": "commune_officer", "commune": "00448"}


def test_grant_several_communes_and_district_role_for_the_same_user(communes):
    grant("lan", "commune_leader", "--commune", communes.a.code, "--commune", communes.b.code)
    grant("lan", "auditor")
    user = User.objects.get(username="lan")
    scope = scope_for(user)
    assert scope.commune_roles[Role.COMMUNE_LEADER] == {communes.a.pk, communes.b.pk}
    assert scope.district_roles == {Role.AUDITOR}
    assert scope.sees_all_communes


def test_grant_is_idempotent(communes):
    grant("hoa", "commune_officer", "--commune", communes.a.code)
    grant("hoa", "commune_officer", "--commune", communes.a.code)
    assert User.objects.get(username="hoa").groups.count() == 1


def test_commune_role_without_commune_is_refused(communes):
    with pytest.raises(CommandError):
        grant("hoa", "commune_officer")
    assert not User.objects.filter(username="hoa").exists()


def test_unknown_commune_code_is_refused_and_names_the_code(communes):
    with pytest.raises(CommandError, match="99999"):
        grant("hoa", "commune_officer", "--commune", "99999")
    assert not User.objects.filter(username="hoa").exists()


def test_district_role_with_a_commune_is_refused(communes):
    with pytest.raises(CommandError):
        grant("thu", "district_specialist", "--commune", communes.a.code)


def test_admin_role_gets_the_admin_site_but_no_case_role(communes):
    grant("root2", "admin")
    user = User.objects.get(username="root2")
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("cases.change_budget")
    assert not scope_for(user).has_any_role


def test_revoke_takes_the_role_back(communes):
    grant("hoa", "commune_officer", "--commune", communes.a.code, "--commune", communes.b.code)
    call_command(
        "revoke_role", "hoa", "commune_officer", "--commune", communes.b.code, stdout=StringIO()
    )
    user = User.objects.get(username="hoa")
    forget_scope(user)
    assert scope_for(user).commune_ids == {communes.a.pk}
    call_command("revoke_role", "hoa", "commune_officer", stdout=StringIO())
    user = User.objects.get(username="hoa")
    assert not scope_for(user).has_any_role
    assert AuditEvent.objects.filter(event="role_revoke").count() == 2
