from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.demo.seed import demo_logins_table


class Command(BaseCommand):
    help = "Print the demo users and their password."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(demo_logins_table())
