"""The second factor (TOTP, django-otp): who needs it, enrolment with a QR code
and ten recovery codes, checking a code, and the administrator's reset. Every
enrolment, verification (and failure) and reset is an audit event.

Who needs it: the roles that approve or pay money and the administrators.
Office heads approve housing support and gift lists (the amount becomes a
decision), accountants record the payments; administrators grant roles and
configure caps and budgets. Commune leaders only confirm a dossier for the
district, district specialists propose an amount the head approves, auditors
read, and the drug-rehab roles handle no money: a password is enough for them
(cases/housing/spec.py, cases/gifts/spec.py, cases/rehab/spec.py)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.accounts import services
from workflows.actors import User
from workflows.permissions import Role, scope_for

SECOND_FACTOR_ROLES = frozenset(
    {Role.OFFICE_HEAD, Role.ACCOUNTANT, Role.COMMUNE_CHAIRMAN, Role.COMMUNE_ACCOUNTANT}
)
RECOVERY_CODES = 10
DEVICE_NAME = "authenticator"


def requires_second_factor(user: Any) -> bool:
    """Office heads, accountants and administrators (staff, superusers).

    Administrators are staff (role_grant sets it), so no group query is needed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return needs_second_factor(
        user, holds_role=lambda: bool(scope_for(user).all_roles() & SECOND_FACTOR_ROLES)
    )


def needs_second_factor(user: Any, *, holds_role: Callable[[], bool]) -> bool:
    """The one rule: administrators (staff, superusers), or a holder of a role
    in SECOND_FACTOR_ROLES (`holds_role` is asked only for the others; a list
    page answers it from one query for all its accounts)."""
    return bool(user.is_staff or user.is_superuser or holds_role())


def is_verified(user: Any) -> bool:
    """Has this session given its second factor (django_otp's OTPMiddleware)?"""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one while the page is
    reloaded, so the QR code the person scanned stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it by hand, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> str:
    """An SVG QR code of `uri` (paths only: no script, no style attribute)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


def _recovery_codes(user: User) -> list[str]:
    """Ten new one-time recovery codes, replacing any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def enrolment_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` with a code from the app: the recovery codes (shown
    once) on success, None for a wrong code. Audited."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(code.strip()):
            services.otp_failure_record(user=user, via="web")
            return None
        # One device per person: an older confirmed one is replaced.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes(user)
        services.otp_enrol_record(actor=user, user=user, how="")
    return codes


def totp_provision(*, user: User, key: str | None = None) -> TOTPDevice:
    """A confirmed device for `user` (replacing theirs), for provisioning
    scripts (`manage.py enroll_totp`) and the demo (a known `key`). Audited."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        extra = {"key": key} if key else {}
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True, **extra)
        services.otp_enrol_record(actor=None, user=user, how="command" if key is None else "demo")
    return device


def code_verify(*, user: User, code: str, via: str) -> Any:
    """The device that accepts `code` (the app's code, or a recovery code,
    which is then used up), or None. Audited either way."""
    code = code.strip().replace(" ", "")
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is not None and code.isdigit() and totp.verify_token(code):
            services.otp_verify_record(user=user, via=via, method="totp")
            return totp
        recovery = StaticDevice.objects.select_for_update().filter(user=user).first()
        if recovery is not None and not code.isdigit() and recovery.verify_token(code.lower()):
            services.otp_verify_record(user=user, via=via, method="recovery_code")
            return recovery
    services.otp_failure_record(user=user, via=via)
    return None


def second_factor_reset(*, actor: User, user: User) -> int:
    """Remove every device of `user` (a lost phone): they enrol again at their
    next login, and their current sessions must verify again. Audited."""
    with transaction.atomic():
        count = TOTPDevice.objects.filter(user=user).count()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        services.otp_reset_record(actor=actor, user=user, devices=count)
    return count
