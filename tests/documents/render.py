"""Documents as printed: .docx files converted to PDF by LibreOffice headless
(Liberation Serif stands in for Times New Roman with the same metrics) and read
back with poppler: `pdftotext -layout` (the text as laid out on paper, page by
page), `pdftotext -bbox` (where each word of the first and last pages is) and
`pdfinfo` (the page count and size).

One `soffice` start converts every document a test module needs: starting
LibreOffice costs seconds, converting a document a fraction of that. Each call
has its own LibreOffice profile, so parallel pytest workers never share one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from pathlib import Path

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
CONVERT_TIMEOUT_S = 300
# Set to a directory to keep the .docx, .pdf and .txt of each printed document.
KEEP = os.environ.get("CASEFLOW_PRINTED_DOCUMENTS", "")


MM = 25.4 / 72  # a PDF point in millimetres


@dataclass(frozen=True)
class Box:
    """Where a phrase is printed on its page, in mm from the top left corner."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.left + self.right) / 2


@dataclass(frozen=True)
class Word:
    text: str
    box: Box


@dataclass(frozen=True)
class Printed:
    """A document as printed: its page count, its text laid out as on paper,
    and where each word of its first and last pages is."""

    pages: int
    text: str  # pdftotext -layout: pages separated by form feeds
    page_width: float  # mm
    words: dict[int, list[Word]]  # page number -> words in reading order

    def find(self, phrase: str, *, page: int = 1) -> Box | None:
        """The box of `phrase` if it is printed whole on one line of `page`
        (its words one after the other at the same height), else None."""
        wanted = phrase.split()
        words = self.words[page]
        for i in range(len(words) - len(wanted) + 1):
            run = words[i : i + len(wanted)]
            if [w.text for w in run] != wanted:
                continue
            if max(w.box.top for w in run) - min(w.box.top for w in run) > 0.5:
                continue  # wrapped onto another line
            return Box(run[0].box.left, min(w.box.top for w in run),
                       run[-1].box.right, max(w.box.bottom for w in run))  # fmt: skip
        return None

    def on_one_line(self, phrase: str, *, page: int = 1) -> Box:
        box = self.find(phrase, page=page)
        assert box is not None, f"{phrase!r} is not printed on one line of page {page}"
        return box

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.text.replace("\f", "\n").splitlines()]

    def page(self, number: int) -> list[str]:
        """The lines of page `number` (1-based)."""
        return [line.rstrip() for line in self.text.split("\f")[number - 1].splitlines()]

    def line_with(self, text: str) -> str:
        """The one printed line holding `text` whole."""
        found = [line for line in self.lines() if text in line]
        assert found, f"{text!r} is not printed on one line"
        return found[0]

    def column_of(self, text: str) -> int:
        """Where `text` starts on its line (pdftotext keeps the horizontal layout)."""
        return self.line_with(text).index(text)


def print_documents(documents: Mapping[str, bytes]) -> dict[str, Printed]:
    """{name: .docx bytes} -> {name: Printed}, with one LibreOffice start."""
    missing = [tool for tool in (SOFFICE, "pdftotext", "pdfinfo") if not shutil.which(tool)]
    assert not missing, f"{missing} missing: `make office` installs LibreOffice and poppler"
    with tempfile.TemporaryDirectory(prefix="caseflow-print-") as tmp:
        root = Path(tmp)
        sources = []
        for name, content in documents.items():
            path = root / f"{name}.docx"
            path.write_bytes(content)
            sources.append(str(path))
        out = root / "pdf"
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={(root / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                *sources,
            ],
            check=True,
            capture_output=True,
            timeout=CONVERT_TIMEOUT_S,
        )
        printed = {name: _read(out / f"{name}.pdf") for name in documents}
        if KEEP:
            keep = Path(KEEP)
            keep.mkdir(parents=True, exist_ok=True)
            for name, document in printed.items():
                shutil.copy(root / f"{name}.docx", keep)
                shutil.copy(out / f"{name}.pdf", keep)
                (keep / f"{name}.txt").write_text(document.text, encoding="utf-8")
        return printed


def _read(pdf: Path) -> Printed:
    assert pdf.exists(), f"LibreOffice did not write {pdf.name}"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match, info
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = int(match.group(1))
    width = re.search(r"^Page size:\s+([\d.]+) x", info, re.MULTILINE)
    assert width, info
    words = {n: _words(pdf, n) for n in sorted({1, pages})}
    return Printed(pages=pages, text=text, page_width=float(width.group(1)) * MM, words=words)


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _words(pdf: Path, page: int) -> list[Word]:
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        Word(unescape(m.group(5)), Box(*(float(m.group(k)) * MM for k in range(1, 5))))
        for m in _WORD.finditer(html)
    ]
