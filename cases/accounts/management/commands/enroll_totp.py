"""manage.py enroll_totp USERNAME: give USERNAME a new confirmed TOTP device
(replacing theirs) and print its otpauth:// URI, for provisioning scripts and
tests. Whoever holds the URI can compute the codes: hand it over like a
password (e.g. as a QR code on the person's phone), then discard it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.accounts.second_factor import requires_second_factor, totp_provision


class Command(BaseCommand):
    help = "Provision a TOTP device for USERNAME and print its otpauth:// URI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        device = totp_provision(user=user)
        if not requires_second_factor(user):
            self.stderr.write(
                f"Note: {username}'s roles do not require a second factor; the device is "
                "kept for when they do."
            )
        self.stdout.write(device.config_url)
