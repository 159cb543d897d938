"""A local SMTP server that files every message it receives in a Maildir:
the demo's real mailbox (make run starts it when no EMAIL_HOST is set).

    manage.py run_mailbox                      # 127.0.0.1:1025 -> .local/mail
    manage.py run_mailbox --port 2525 --maildir /tmp/mail
    manage.py run_mailbox --list [--to canbo_phulo@ldtbxh.local] [--last 10]

Any mail client reads the Maildir too (e.g. `mutt -f .local/mail`).
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox as MaildirHandler
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a local SMTP server that stores messages in a Maildir (--list: show them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)
        parser.add_argument("--maildir", default=str(Path(settings.BASE_DIR) / ".local" / "mail"))
        parser.add_argument("--list", action="store_true", help="Print the stored messages.")
        parser.add_argument("--to", default="", help="With --list: only messages to this address.")
        parser.add_argument("--last", type=int, default=20, help="With --list: how many.")

    def handle(self, *args: Any, **opts: Any) -> None:
        Path(opts["maildir"]).parent.mkdir(parents=True, exist_ok=True)
        if opts["list"]:
            self._list(opts["maildir"], opts["to"], opts["last"])
            return
        controller = Controller(
            MaildirHandler(opts["maildir"]), hostname=opts["host"], port=opts["port"]
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_a: stop.set())
        signal.signal(signal.SIGINT, lambda *_a: stop.set())
        controller.start()
        self.stdout.write(
            f"mailbox: SMTP on {opts['host']}:{opts['port']}, messages in {opts['maildir']}"
        )
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()

    def _list(self, path: str, to: str, last: int) -> None:
        box = mailbox.Maildir(path, create=True)
        messages = sorted(box, key=lambda m: m.get_date())
        if to:
            messages = [m for m in messages if to.lower() in (m["To"] or "").lower()]
        for stored in messages[-last:]:
            msg = email.message_from_bytes(stored.as_bytes(), policy=email.policy.default)
            self.stdout.write(f"To: {msg['To']}\nSubject: {str(msg['Subject']).strip()}")
            body = msg.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
            self.stdout.write((body.get_content().strip() if body else "") + "\n" + "-" * 60)
        self.stdout.write(f"{len(messages)} message(s) in {path}")
