from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workflows.permissions import Role
from workflows.services import role_revoke


class Command(BaseCommand):
    help = "Take ROLE back from USERNAME (all communes unless --commune is given)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--commune", action="append", default=[], metavar="CODE")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            role_revoke(
                actor=None,
                username=opts["username"],
                role=opts["role"],
                commune_codes=opts["commune"],
            )
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user {opts['username']}") from exc
        self.stdout.write(f"{opts['username']}: {opts['role']} revoked")
