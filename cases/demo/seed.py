"""`seed_demo`: every demo builder in order (units and users first), and the
table of demo logins."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP

from cases.allowances.demo import OPEN_MONTH, seed_allowances
from cases.demo.base import (
    DEMO_PASSWORD,
    DEMO_USERS,
    SOC_SON_UNITS,
    seed_configuration,
    seed_units,
    seed_users,
)
from cases.demo.gifts import commune_actors, seed_gift_campaigns
from cases.demo.housing import seed_housing
from cases.demo.rehab import seed_rehab
from cases.demo.rehab_history import REHAB_DEMO_USERS
from cases.demo.report import seed_report_data
from cases.demo.security import demo_otpauth_uris, seed_second_factors
from cases.reference_data import ensure_reference_data
from workflows.permissions import Role


@transaction.atomic
def seed_demo() -> str:

    ensure_reference_data()  # the data migrations' rows, if a flush removed them
    units = seed_units()
    seed_configuration(timezone.localdate().year)
    users = seed_users()
    seed_second_factors(users)
    seed_gift_campaigns(units, users)
    if settings.DEMO_ALLOWANCE_COMMUNES != []:
        codes = settings.DEMO_ALLOWANCE_COMMUNES
        chosen = {c: u for c, u in units.items() if codes is None or c in codes}
        seed_allowances(units, users, commune_actors(chosen, users), codes=codes)
    seed_rehab(units)
    if not seed_housing(units, users):
        seed_report_data(units, users)
        return "demo data already present"
    seed_report_data(units, users)
    return "demo data created"


# The allowances demo's open month, for a first try of the payroll process.
OPEN_MONTH_STEPS = [
    f"Monthly allowances (Trợ cấp hằng tháng): {OPEN_MONTH:%m/%Y} is the open month. Minh Trí's",
    "payroll is generated (a draft), Phù Lỗ's is not yet. To take them to closed: canbo_phulo",
    f"generates Phù Lỗ's (month {OPEN_MONTH:%m/%Y}) and submits it, as canbo_minhtri submits Minh",
    "Trí's; chuyenvien reviews; truongphong approves; ketoan sends, records the payment results",
    "and reconciles; truongphong closes.",
]


def demo_logins_table() -> str:
    names = {code: name for code, name, _kind in SOC_SON_UNITS}
    lines = [
        "Open http://127.0.0.1:8000 and log in as one of these demo users.",
        f"Password for all: {DEMO_PASSWORD}",
        f"  {'username':<17} {'role':<20} communes",
    ]
    for username, role, communes, name in [*DEMO_USERS, *REHAB_DEMO_USERS]:
        if communes:
            where = ", ".join(f"{c} {names[c]}" for c in communes)
        elif role == Role.ADMIN:
            where = "administration (/administration/, /admin/)"
        else:
            where = "all communes"
        lines.append(f"  {username:<17} {role.value:<20} {where}  ({name})")
    lines += OPEN_MONTH_STEPS
    uris = demo_otpauth_uris([u for u, *_rest in DEMO_USERS])
    if uris:
        lines += [
            "Second factor (office head, accountant, administrator): after the password the",
            "site asks for a code. Add each URI to an authenticator app (most import an",
            "otpauth:// link or its secret), or use the code printed here (valid ~30 s;",
            "run `manage.py demo_logins` again for a fresh one):",
        ]
        for username, uri in sorted(uris.items()):
            lines.append(f"  {username:<17} otpauth: {uri}")
            lines.append(f"  {'':<17} code now: {current_code(uri)}")
    return "\n".join(lines)


def current_code(uri: str) -> str:
    """The code an authenticator app with this otpauth:// URI shows now."""
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"
