"""Reading every page as one role: start from the pages the authorization
matrix opens to that role, follow the links the pages show, and collect
what a Vietnamese reader would see that is a raw code or English."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve, reverse

from tests.authz.test_authorization_matrix import RULES
from tests.vietnamese.screen import english_words, raw_codes, visible_text
from workflows.registry import all_specs

# Files, not pages (their text is checked where documents are tested), and
# actions a GET must not start.
NOT_PAGES = re.compile(
    r"xlsx|docx|download|^audit_export$|^rehab_export$|_status$|_template$|^logout$|^set_language$"
)
NOT_CRAWLED = ("/admin/", "/api/", "/static/", "/media/")  # Django's admin: its own catalogue
# Pages of one shape (URL name, the text arguments, the query's keys) read at
# most this often: the tenth case page says nothing the first three did not.
PER_SHAPE = 3
MAX_PAGES = 120


@dataclass
class Finding:
    role: str
    url: str
    words: list[str]
    text: str

    def __str__(self) -> str:
        return f"{self.role:15} {self.url}\n    {self.words}  «{self.text[:200]}»"


@dataclass
class Crawl:
    role: str
    data: set[str]  # values people typed (user names): data, not interface text
    seen: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # URL names read
    findings: list[Finding] = field(default_factory=list)
    shapes: dict[tuple[object, ...], int] = field(default_factory=dict)

    def read_all(self, client: Client, start: Iterable[str]) -> None:
        todo = list(start)
        pages = 0
        while todo and pages < MAX_PAGES:
            url = todo.pop(0)
            target = self._crawlable(url)
            if target is None:
                continue
            response = client.get(url, follow=True)
            pages += 1
            final = response.redirect_chain[-1][0] if response.redirect_chain else url
            self.names.add(target)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            page = response.content.decode()
            if urlsplit(final).path.startswith(NOT_CRAWLED):
                continue
            self.check(final, page)
            todo.extend(
                urljoin(final, href.replace("&amp;", "&"))
                for href in re.findall(r'href="([^"#]*)', page)
            )

    def _crawlable(self, url: str) -> str | None:
        """The URL name to read at `url`, or None to leave it."""
        parts = urlsplit(url)
        if url in self.seen or parts.netloc not in ("", "testserver"):
            return None
        self.seen.add(url)
        if not parts.path.startswith("/") or parts.path.startswith(NOT_CRAWLED):
            return None
        try:
            match = resolve(parts.path)
        except Resolver404:
            return None
        name = match.url_name or ""
        if NOT_PAGES.search(name):
            return None
        texts = tuple(sorted(str(v) for v in match.kwargs.values() if isinstance(v, str)))
        keys = tuple(sorted({k for k, _v in parse_qsl(parts.query)} - {"page"}))
        shape = (name, texts, keys)
        self.shapes[shape] = self.shapes.get(shape, 0) + 1
        return name if self.shapes[shape] <= PER_SHAPE else None

    def check(self, url: str, page: str) -> None:
        for text in visible_text(page):
            read = text
            for value in self.data:
                read = read.replace(value, " ")
            words = raw_codes(read) + english_words(read)
            if words:
                self.findings.append(Finding(self.role, url, words, text))


def start_pages(role: str, world: SimpleNamespace) -> list[str]:
    """Home, every process's description, and every page the authorization
    matrix opens to `role` (200)."""
    urls = ["/", *(reverse("process_diagram", args=[code]) for code in all_specs())]
    for name, rules in RULES.items():
        if name.startswith(("api", "admin:")) or NOT_PAGES.search(name):
            continue
        for rule in rules:
            if rule.method == "GET" and rule.expected[role] == 200:
                urls.append(reverse(name, kwargs=rule.kwargs(world)) + rule.query)
    return urls
