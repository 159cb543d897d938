"""`seed_demo`: every demo builder in order (units and users first), and the
table of demo logins."""

from __future__ import annotations

import base64
from typing import Any
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
from cases.demo.housing import Cast, seed_housing
from cases.demo.rehab import seed_rehab
from cases.demo.rehab_history import REHAB_DEMO_USERS
from cases.demo.reorganization import (
    TWO_LEVEL_USERS,
    new_commune_names,
    reorganized,
    seed_reorganization,
)
from cases.demo.report import seed_report_data
from cases.demo.security import demo_otpauth_uris, seed_second_factors
from cases.models import AdministrativeUnit
from cases.reference_data import ensure_reference_data
from workflows.devolution import DEVOLVED_ROLES
from workflows.permissions import Role


@transaction.atomic
def seed_demo() -> str:
    """The 2024 history, then (unless settings.DEMO_REORGANIZATION is off)
    the 2025 reorganisation with the new communes' staff. Seeding again
    changes nothing."""
    if reorganized():
        return "demo data already present"
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
    seed_report_data(units, users)
    if not settings.DEMO_REORGANIZATION:
        created = seed_housing(district_cast(units, users))
        return "demo data created" if created else "demo data already present"
    # 01/07/2025: the two-level government. The housing dossiers of the last
    # months (replayed at dates before today) are the new communes' work.
    seed_reorganization()
    staff = seed_users(TWO_LEVEL_USERS)
    seed_second_factors(staff)
    seed_housing(commune_cast({**users, **staff}))
    return "demo data created"


def district_cast(units: dict[str, Any], users: dict[str, Any]) -> dict[str, Cast]:
    """Phù Lỗ and Minh Trí under the district office."""
    district = {"specialist": users["chuyenvien"], "head": users["truongphong"]}
    return {
        code: Cast(
            commune=units[code],
            officer=users[f"canbo_{slug}"],
            leader=users[f"lanhdao_{slug}"],
            accountant=users["ketoan"],
            **district,
        )
        for code, slug in (("00448", "phulo"), ("00382", "minhtri"))
    }


def commune_cast(users: dict[str, Any]) -> dict[str, Cast]:
    """Nội Bài and Kim Anh, each with its own staff."""
    units = AdministrativeUnit.by_code(["00433", "00382"], level="commune")
    return {
        slot: Cast(
            commune=units[code],
            officer=users[f"canbo_{slug}"],
            leader=users[f"lanhdao_{slug}"],
            specialist=users[f"chuyenvien_{slug}"],
            head=users[f"chutich_{slug}"],
            accountant=users[f"ketoan_{slug}"],
        )
        for slot, code, slug in (("00448", "00433", "noibai"), ("00382", "00382", "kimanh"))
    }


# The allowances demo's open month, for a first try of the payroll process.
OPEN_MONTH_STEPS = [
    f"Monthly allowances (Trợ cấp hằng tháng): {OPEN_MONTH:%m/%Y} is the open month. Minh Trí's",
    "payroll is generated (a draft), Phù Lỗ's is not yet. To take them to closed: canbo_phulo",
    f"generates Phù Lỗ's (month {OPEN_MONTH:%m/%Y}) and submits it, as canbo_minhtri submits Minh",
    "Trí's; chuyenvien reviews; truongphong approves; ketoan sends, records the payment results",
    "and reconciles; truongphong closes.",
]
# After the replayed reorganisation (01/07/2025).
TWO_LEVEL_STEPS = [
    "The demo replays the reorganisation of 01/07/2025 (demo mapping, to be confirmed): Sóc",
    "Sơn's 26 units are 5 communes, the district is abolished and the district accounts",
    "(chuyenvien, truongphong, ketoan) hold no role any more; their history stays readable",
    "(thanhtra reads everything). The officers and leaders of the former units serve their",
    "successor and read the former unit's history. The housing dossiers of the last months",
    "are the new communes': canbo_noibai has a draft and one waiting for lanhdao_noibai;",
    "chuyenvien_kimanh's queue has two waiting for review, one overdue. Open work crossed",
    f"the date: Minh Trí's draft payroll of {OPEN_MONTH:%m/%Y} is now Kim Anh's: canbo_kimanh",
    "submits it, chuyenvien_kimanh reviews, chutich_kimanh approves, ketoan_kimanh sends it,",
    "records the results and reconciles, chutich_kimanh closes. Each moved object's trail",
    "says from where (Chuyển sang đơn vị hành chính mới); the administrator's page Quản trị →",
    "Sắp xếp đơn vị hành chính says the reorganisation was carried out.",
]


def demo_logins_table() -> str:
    names = {code: name for code, name, _kind in SOC_SON_UNITS}
    two_level = reorganized()
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
        elif two_level and role in DEVOLVED_ROLES:
            where = "until 30/06/2025 (district abolished)"
        else:
            where = "all communes"
        lines.append(f"  {username:<17} {role.value:<20} {where}  ({name})")
    people = [u for u, *_rest in DEMO_USERS]
    if two_level:
        new = new_commune_names()
        lines.append("From 01/07/2025, the new communes:")
        for username, role, communes, name in TWO_LEVEL_USERS:
            where = ", ".join(f"{c} {new[c]}" for c in communes)
            lines.append(f"  {username:<17} {role.value:<20} {where}  ({name})")
        people += [u for u, *_rest in TWO_LEVEL_USERS]
        lines += TWO_LEVEL_STEPS
    else:
        lines += OPEN_MONTH_STEPS
    uris = demo_otpauth_uris(people)
    if uris:
        lines += [
            "Second factor (heads, chairmen, accountants, administrator): after the password",
            "the site asks for a code. Add each URI to an authenticator app (most import an",
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
