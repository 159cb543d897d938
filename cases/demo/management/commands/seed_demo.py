from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(seed_demo())
