from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from workflows.exceptions import DomainError
from workflows.permissions import Role
from workflows.services import role_grant


class Command(BaseCommand):
    help = "Create USERNAME if needed and grant ROLE (commune roles need --commune CODE)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--commune", action="append", default=[], metavar="CODE")
        parser.add_argument("--password")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = role_grant(
                actor=None,
                username=opts["username"],
                role=opts["role"],
                commune_codes=opts["commune"],
                password=opts["password"],
                full_name=opts["full_name"],
                email=opts["email"],
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.fields or ''}".strip()) from exc
        where = f" in {', '.join(opts['commune'])}" if opts["commune"] else ""
        self.stdout.write(f"{user.username}: {opts['role']}{where}")
