"""Shared fixtures: two communes, a user for every role in each, configuration
(caps, budgets, document checklist) and helpers to build housing cases in any
state through the real services and engine."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from cases.demo.base import seed_configuration, upload_all_documents
from cases.housing.models import HousingCase, HousingKind, HousingProgram, HousingState
from cases.housing.services import housing_case_create
from workflows import engine
from workflows.permissions import Role, forget_scope
from workflows.services import role_grant

from .factories import CommuneFactory, PersonFactory

PASSWORD = "pw-Test-123"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """One test database per pytest process, so concurrent runs never share one."""
    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    test["NAME"] = f"test_{settings.DATABASES['default']['NAME']}_{os.getpid()}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test has flushed the database, put the data
    migrations' reference rows (procedure versions, time limits, one-stop
    procedures) back, so no later test depends on which ran before it on this
    worker. Not after the last test: its teardown has dropped the database."""
    yield
    if nextitem is None or not _is_transactional(item):
        return
    from pytest_django.plugin import blocking_manager_key

    from cases.reference_data import ensure_reference_data

    with item.config.stash[blocking_manager_key].unblock():
        ensure_reference_data()


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """Hashing eleven real passwords per test would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    """The token endpoint's rate limit counts in the cache: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def default_language() -> Any:
    """Each test starts in the site's language (Vietnamese) and leaves it so: a
    test or a request that switched this thread to English (the language
    buttons, Accept-Language) would otherwise leave the next test in English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# --- signing in: passwords, the second factor, API tokens ----------------------


def totp_device(user: Any) -> Any:
    """The user's confirmed TOTP device, made here if they have none (as after
    enrolment; no audit event, so tests that count events are not disturbed)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: Any) -> str:
    """The code the user's authenticator app shows now. If this time step's code
    was used already (a second login within 30 s), the next step's, which the
    device accepts (one step of tolerance); if that was used too, wait for it."""
    import time

    from django_otp.oath import TOTP, hotp

    while True:
        device.refresh_from_db()
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        for t in range(now, now + device.tolerance + 1):
            if t > device.last_t:
                return f"{hotp(device.bin_key, t, device.digits):0{device.digits}d}"
        time.sleep(1)


def sign_in(client: Any, user: Any) -> Any:
    """Log `client` in as `user` as the login page leaves them: after the
    password and, for the roles that need it (office heads, accountants,
    administrators), after the second factor, with a real confirmed device."""
    client.force_login(user)
    return second_factor_given(client, user)


def second_factor_given(client: Any, user: Any) -> Any:
    """After a password login of `client`: the second factor given with a real
    confirmed device, for the roles that need one (others: nothing to do)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from cases.accounts.second_factor import requires_second_factor

    if requires_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def api_token(user: Any) -> str:
    """A new API token for `user`, as the token endpoint issues it (expiring,
    stored hashed)."""
    from knox.models import AuthToken

    _instance, token = AuthToken.objects.create(user=user)
    return str(token)


@pytest.fixture
def admin_client(db: Any, admin_user: Any) -> Any:
    """pytest-django's superuser client, with its second factor verified."""
    from django.test import Client

    return sign_in(Client(), admin_user)


@pytest.fixture
def communes(db: Any) -> SimpleNamespace:
    return communes_create()


def communes_create() -> SimpleNamespace:
    """Communes a (Phù Lỗ) and b (Minh Trí), the reference rows put back first."""
    from cases.reference_data import ensure_reference_data

    # A transactional test before this one may have flushed the migrations' data.
    ensure_reference_data()
    return SimpleNamespace(
        a=CommuneFactory(code="00448", name="Phù Lỗ"),
        b=CommuneFactory(code="00382", name="Minh Trí"),
    )


def _grant(username: str, role: str, codes: list[str]) -> Any:
    user = role_grant(
        actor=None,
        username=username,
        role=role,
        commune_codes=codes,
        password=PASSWORD,
        full_name=f"Thử {username}",
    )
    forget_scope(user)
    return user


@pytest.fixture
def users(communes: SimpleNamespace) -> SimpleNamespace:
    """officer/leader of commune a, officer_b/leader_b of commune b, district roles."""
    return users_create(communes)


def users_create(communes: SimpleNamespace) -> SimpleNamespace:
    a, b = communes.a.code, communes.b.code
    return SimpleNamespace(
        officer=_grant("officer_a", Role.COMMUNE_OFFICER, [a]),
        officer2=_grant("officer_a2", Role.COMMUNE_OFFICER, [a]),
        leader=_grant("leader_a", Role.COMMUNE_LEADER, [a]),
        officer_b=_grant("officer_b", Role.COMMUNE_OFFICER, [b]),
        leader_b=_grant("leader_b", Role.COMMUNE_LEADER, [b]),
        specialist=_grant("specialist", Role.DISTRICT_SPECIALIST, []),
        head=_grant("head", Role.OFFICE_HEAD, []),
        head2=_grant("head2", Role.OFFICE_HEAD, []),
        accountant=_grant("accountant", Role.ACCOUNTANT, []),
        auditor=_grant("auditor", Role.AUDITOR, []),
        admin=_grant("admin_user", Role.ADMIN, []),
    )


@pytest.fixture
def rehab_users(communes: SimpleNamespace) -> SimpleNamespace:
    """Drug-rehab roles: rehab officer and head of police of commune a (rehab,
    police) and of commune b (rehab_b, police_b); district rehab staff, one
    holding the export permission (district_rehab) and one not (district_rehab2)."""
    return rehab_users_create(communes)


def rehab_users_create(communes: SimpleNamespace) -> SimpleNamespace:
    from django.contrib.auth.models import Permission

    a, b = communes.a.code, communes.b.code
    ns = SimpleNamespace(
        rehab=_grant("rehab_a", Role.COMMUNE_REHAB, [a]),
        police=_grant("police_a", Role.COMMUNE_POLICE, [a]),
        rehab_b=_grant("rehab_b", Role.COMMUNE_REHAB, [b]),
        police_b=_grant("police_b", Role.COMMUNE_POLICE, [b]),
        district_rehab=_grant("district_rehab", Role.DISTRICT_REHAB, []),
        district_rehab2=_grant("district_rehab2", Role.DISTRICT_REHAB, []),
    )
    ns.district_rehab.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="export_rehab")
    )
    return ns


@pytest.fixture
def config(db: Any) -> None:
    """Caps (merit 80m/20m, poor 50m/30m), budgets for this year, checklist."""
    seed_configuration(timezone.localdate().year)


@pytest.fixture
def applicant(communes: SimpleNamespace) -> Any:
    return PersonFactory(commune=communes.a)


upload_all = upload_all_documents  # every required document, as small PDFs


TODAY = timezone.localdate


def steps(users: SimpleNamespace) -> list[tuple[str, str, Any, Callable[[HousingCase], dict]]]:
    """The happy path: (target state, transition, actor, data builder)."""
    today = TODAY()
    return [
        (HousingState.SUBMITTED, "submit", users.officer, lambda c: {}),
        (HousingState.COMMUNE_VERIFIED, "verify", users.leader, lambda c: {}),
        (
            HousingState.DISTRICT_REVIEWED,
            "review",
            users.specialist,
            lambda c: {"assessed_amount": 80_000_000},
        ),
        (
            HousingState.APPROVED,
            "approve",
            users.head,
            lambda c: {
                "decision_number": "123/QĐ-UBND",
                "decision_date": today.isoformat(),
                "approved_amount": 80_000_000,
            },
        ),
        (
            HousingState.PARTIALLY_DISBURSED,
            "disburse",
            users.accountant,
            lambda c: {"amount": 40_000_000, "paid_on": today.isoformat()},
        ),
        (
            HousingState.COMPLETION_ACCEPTED,
            "accept_completion",
            users.officer,
            lambda c: {"accepted_on": today.isoformat()},
        ),
        (
            HousingState.CLOSED,
            "disburse",
            users.accountant,
            lambda c: {"amount": 40_000_000, "paid_on": today.isoformat()},
        ),
    ]


@pytest.fixture
def make_case(users: SimpleNamespace, config: None, applicant: Any) -> Callable[..., HousingCase]:
    """make_case(state="district_reviewed") -> a merit new-build case in commune a,
    moved there through the engine by the right users, documents uploaded."""
    return case_maker(users, applicant)


def case_maker(users: SimpleNamespace, applicant: Any) -> Callable[..., HousingCase]:
    """The make_case fixture's function, for data built once per module
    (the configuration seeded first)."""

    def make(
        state: str = HousingState.DRAFT,
        *,
        documents: bool = True,
        program: str = HousingProgram.MERIT,
        kind: str = HousingKind.NEW_BUILD,
        requested_amount: int | None = None,
        person: Any = None,
    ) -> HousingCase:
        if requested_amount is None:  # the most the program and kind allow
            from cases.housing.spec import cap_in_force

            cap = cap_in_force(program, kind, timezone.localdate())
            requested_amount = cap.amount if cap else 1
        if person is None:
            # One open case per person, support once per program: the shared
            # applicant for the test's first case, a neighbour for each further one.
            busy = HousingCase.objects.filter(applicant=applicant).exists()
            person = PersonFactory(commune=applicant.commune) if busy else applicant
        case = housing_case_create(
            actor=users.officer,
            commune=person.commune,
            applicant=person,
            program=program,
            kind=kind,
            requested_amount=requested_amount,
            description="Nhà tạm",
        )
        if documents:
            upload_all(users.officer, case)
        for _target, name, actor, data in steps(users):
            if case.state == state:
                break
            engine.transition(case, name, actor=actor, data=data(case))
            case = HousingCase.objects.get(pk=case.pk)
        assert case.state == state, f"could not reach {state}"
        return case

    return make


@pytest.fixture
def today() -> dt.date:
    return TODAY()
