"""Small leaks (finding 7): a user's activity page named anyone's full name
to any role and told known accounts from unknown ones; the descriptions of
the drug-rehab processes were shown to roles that may not see rehab at all."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import _grant, sign_in
from workflows.formatting import display_name
from workflows.permissions import Role

pytestmark = pytest.mark.django_db

GENERAL = ["officer", "leader", "specialist", "head", "accountant"]
REHAB = ["rehab", "police", "district_rehab"]


def as_user(user: Any) -> Client:
    # Signed in as the login page leaves them (second factor where the role needs one).
    return sign_in(Client(), user)


def everyone(users: SimpleNamespace, rehab_users: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(**vars(users), **vars(rehab_users))


def activity(client: Client, username: str) -> Any:
    return client.get(reverse("audit_user", args=[username]))


def comparable(response: Any, username: str) -> str:
    """The page without what differs by construction: the name in its own URL
    and the per-response CSRF token."""
    body = response.content.decode().replace(username, "USERNAME")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_the_auditor_sees_an_accounts_activity_with_its_full_name(users):
    r = activity(as_user(users.auditor), "leader_a")
    assert r.status_code == 200 and display_name(users.leader) in r.content.decode()


@pytest.mark.parametrize("who", GENERAL + REHAB)
def test_other_roles_get_404_without_the_name(users, rehab_users, who):
    r = activity(as_user(getattr(everyone(users, rehab_users), who)), "officer_b")
    assert r.status_code == 404
    assert display_name(users.officer_b) not in r.content.decode()


@pytest.mark.parametrize("who", ["officer", "specialist", "police"])
def test_known_and_unknown_names_look_the_same_to_other_roles(users, rehab_users, who):
    client = as_user(getattr(everyone(users, rehab_users), who))
    known, unknown = activity(client, "leader_a"), activity(client, "no_such_user")
    assert known.status_code == unknown.status_code == 404
    assert comparable(known, "leader_a") == comparable(unknown, "no_such_user")


def test_an_administrator_who_holds_a_role_sees_the_activity_page(users, communes):
    _grant("admin_officer", Role.ADMIN, [])
    admin = _grant("admin_officer", Role.COMMUNE_OFFICER, [communes.a.code])
    r = activity(as_user(admin), "leader_a")
    assert r.status_code == 200 and display_name(users.leader) in r.content.decode()


def test_the_explorer_links_accounts_only_for_those_who_may_open_them(make_case, users):
    make_case("submitted")
    officer_page = as_user(users.officer).get(reverse("audit_explorer")).content.decode()
    auditor_page = as_user(users.auditor).get(reverse("audit_explorer")).content.decode()
    assert "officer_a" in officer_page and "/audit/users/" not in officer_page
    assert "/audit/users/officer_a/" in auditor_page


@pytest.mark.parametrize("code", ["rehab_compulsory", "rehab_voluntary"])
@pytest.mark.parametrize("who", [*GENERAL, "auditor"])
def test_rehab_process_descriptions_are_404_for_non_rehab_roles(users, code, who):
    client = as_user(getattr(users, who))
    r = client.get(reverse("process_diagram", args=[code]))
    unknown = client.get(reverse("process_diagram", args=["no_such_process"]))
    assert r.status_code == unknown.status_code == 404


@pytest.mark.parametrize("code", ["rehab_compulsory", "rehab_voluntary"])
@pytest.mark.parametrize("who", REHAB)
def test_rehab_process_descriptions_are_shown_to_rehab_roles(rehab_users, code, who):
    r = as_user(getattr(rehab_users, who)).get(reverse("process_diagram", args=[code]))
    assert r.status_code == 200


def test_general_process_descriptions_stay_open_to_general_roles(users):
    r = as_user(users.officer).get(reverse("process_diagram", args=["housing"]))
    assert r.status_code == 200
