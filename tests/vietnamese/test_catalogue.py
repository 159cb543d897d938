"""The Vietnamese catalogues: every entry translated (none empty, none
fuzzy), placeholders kept, the compiled .mo files up to date, and every
message the code marks for translation present with its Vietnamese text.

The last check runs Django's `makemessages` on a copy of the sources, merged
into a copy of the catalogues (so the real ones are never touched): what it
adds untranslated, or marks fuzzy, is a message the code shows in English."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
CATALOGUES = [
    Path("locale/vi/LC_MESSAGES/django.po"),
    Path("notifications/locale/vi/LC_MESSAGES/django.po"),
]
# What makemessages reads (domain "django": .html, .txt, .py), and what it skips.
SOURCES = ("*.py", "*.html", "*.txt")
SKIPPED = {".venv", ".local", ".git", "node_modules", "media", "static", "tests", "bench"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}|%[sd]")


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and e.msgid]


def _untranslated(po: polib.POFile, where: Path) -> list[str]:
    return [
        f"{where}: {'fuzzy' if e.fuzzy else 'empty'}: {e.msgid!r} "
        f"({', '.join(f'{f}:{n}' for f, n in e.occurrences[:2])})"
        for e in _entries(po)
        if e.fuzzy or not e.translated()
    ]


def test_no_entry_of_the_vietnamese_catalogues_is_empty_or_fuzzy() -> None:
    problems = []
    for path in CATALOGUES:
        po = polib.pofile(str(ROOT / path))
        assert len(_entries(po)) > 20, f"{path} holds hardly any entry"
        problems += _untranslated(po, path)
    assert not problems, "\n".join(problems)


def _placeholders(text: str) -> set[str]:
    return {"".join(m.groups(default="")) or m.group(0) for m in PLACEHOLDER.finditer(text)}


def test_translations_keep_the_placeholders_of_their_message() -> None:
    problems = []
    for path in CATALOGUES:
        for e in _entries(polib.pofile(str(ROOT / path))):
            if "python-format" not in e.flags and "python-brace-format" not in e.flags:
                continue
            wanted = _placeholders(e.msgid) | _placeholders(e.msgid_plural or "")
            given = [e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values())
            for text in given:
                if text and _placeholders(text) - wanted:
                    problems.append(f"{path}: {e.msgid!r} -> {text!r}")
    assert not problems, "Placeholders the message does not have:\n" + "\n".join(problems)


def test_the_compiled_catalogues_hold_every_translation() -> None:
    """A .po edited without `compilemessages` shows English on screen."""
    stale = []
    for path in CATALOGUES:
        compiled = {
            (e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural)
            for e in polib.mofile(str(ROOT / path.with_suffix(".mo")))
        }
        for e in _entries(polib.pofile(str(ROOT / path))):
            if e.fuzzy:
                continue
            text: Any = dict(e.msgstr_plural) if e.msgid_plural else e.msgstr
            if e.msgid_plural:
                got = compiled.get((e.msgctxt, e.msgid))
                text = {k: v for k, v in text.items()}
                got = {k: v for k, v in got.items()} if isinstance(got, dict) else got
            else:
                got = compiled.get((e.msgctxt, e.msgid))
            if got != text:
                stale.append(f"{path}: {e.msgid!r}")
    assert not stale, "Run `python manage.py compilemessages -l vi`:\n" + "\n".join(stale[:30])


def _copy_sources(target: Path) -> None:
    for pattern in SOURCES:
        for source in ROOT.rglob(pattern):
            relative = source.relative_to(ROOT)
            if SKIPPED & set(relative.parts[:-1]) or relative.parts[0].startswith("."):
                continue
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / relative)
    for path in CATALOGUES:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / path, target / path)


def test_every_message_the_code_marks_has_a_vietnamese_translation(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    _copy_sources(tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["vi"], verbosity=0)
    missing = []
    for path in CATALOGUES:
        missing += _untranslated(polib.pofile(str(tmp_path / path)), path)
    assert not missing, (
        "Messages shown in English (add their Vietnamese to the catalogue):\n" + "\n".join(missing)
    )
