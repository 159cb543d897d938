"""What a reader of the Vietnamese UI sees on a page, and the two kinds of
text that must never be in it: raw codes (`accept_completion`,
`signature_list.xlsx`) and English words left untranslated.

English is told from Vietnamese by the shape of its words: every Vietnamese
word is one syllable of a closed set of shapes (an initial consonant, a
vowel group, one of eight final consonants), so "Configurable", "repair" or
"size" cannot be one, while a Vietnamese word written without its diacritics
("Ho so", "xa") still is. A few English words have Vietnamese shapes ("an",
"to", "can"); an untranslated sentence or label always holds other words too."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from lxml import html as lxml_html

# Elements whose text is not read on the page (a drawing's text is: SVG stays).
HIDDEN = {"script", "style", "template", "noscript"}

# Genuine non-Vietnamese tokens an office reads as they are: file formats,
# products and standards, units (compared in lower case).
ALLOWED = {
    "pdf", "excel", "word", "docx", "xlsx", "xls", "csv", "jpg", "jpeg", "png", "totp",
    "email", "e-mail", "api", "qr", "id", "url", "ip", "otp", "sha", "json", "openapi",
    "swagger", "web", "token", "sms", "http", "https", "utf", "kb", "mb", "gb", "byte",
    "đ", "tr",  # đồng, triệu (1,5 tr)
    "dd", "mm", "yyyy",  # the date format as forms state it: dd/mm/yyyy
    "google", "microsoft", "freeotp", "authenticator",  # authenticator apps by name
}  # fmt: skip
# Vietnamese abbreviations of offices, papers and laws, as they are written
# (upper case): UBND, QĐ-UBND, TTLT 03/2025/TTLT-BCA-VKSNDTC-TANDTC, and the
# prefixes of case references (HT-2024-000001).
ABBREVIATIONS = {
    "LĐ", "LĐTBXH", "TBXH", "UBND", "HĐND", "QĐ", "NĐ", "CP", "TT", "TTLT", "TTG", "QH",
    "UBTVQH", "PCMT", "TTHC", "UBMTTQ", "BCA", "VKSNDTC", "TANDTC", "CCCD", "CMND",
    "QSDĐ", "BTC", "BHXH", "BHYT", "VT", "TP", "HT", "CNBB", "CNTN", "ĐVT", "STT", "VN",
    "VNĐ", "CT", "TW", "BLĐTBXH", "Đ", "BC",
}  # fmt: skip
ROMAN = re.compile(r"^[IVXLC]+$")  # section numbers: II. NHIỆM VỤ …

# snake_case codes, with or without a file extension (`signature_list.xlsx`),
# and Django model labels (`cases.giftlist`).
CODE = re.compile(
    r"(?<![\w.@/-])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z0-9]{2,5})?"
    r"|(?:cases|workflows|auth|notifications|viewflow)\.[a-z_]+)(?![\w@/-])"
)
# A word, with its digits (a reference, an amount or an ID is not a word to read).
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

# The shape of a Vietnamese syllable, diacritics removed (đ -> d).
INITIALS = "ngh ng nh ch gh gi kh ph th tr qu b c d g h k l m n p r s t v x".split()
# Vowel groups that end in a semivowel (no final consonant follows), and those
# that may take one (diacritics removed, so "ua" is ưa and uâ alike).
OPEN_VOWELS = "ai ao au ay eo eu ia iu oi ui ieu yeu oai oay oeo uay uoi uou uya uyu ya".split()
CLOSED_VOWELS = "a e i o u y ie ye oa oe uo ue uy uye oo uu ua".split()
FINALS = "ch ng nh c m n p t".split()
SYLLABLE = re.compile(
    "^(?:{i})?(?:(?:{o})|(?:{c})(?:{f})?)$".format(
        i="|".join(sorted(INITIALS, key=len, reverse=True)),
        o="|".join(sorted(OPEN_VOWELS, key=len, reverse=True)),
        c="|".join(sorted(CLOSED_VOWELS, key=len, reverse=True)),
        f="|".join(sorted(FINALS, key=len, reverse=True)),
    )
)


def visible_text(page: str | bytes) -> list[str]:
    """The page's text as it is read: one string per text run, without tags,
    scripts, styles or attributes, blanks collapsed."""
    if not page or not str(page).strip():
        return []
    root = lxml_html.fromstring(page)
    out: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions
        if el.tag not in HIDDEN and not _inside_hidden(el) and el.text:
            out.append(el.text)
        # The tail follows the element, inside its parent.
        parent = el.getparent()
        shown = parent is None or (parent.tag not in HIDDEN and not _inside_hidden(parent))
        if el.tail and shown:
            out.append(el.tail)
    return [t for t in (" ".join(s.split()) for s in out) if t]


def _inside_hidden(el: object) -> bool:
    for ancestor in el.iterancestors():  # type: ignore[attr-defined]
        if ancestor.tag in HIDDEN:
            return True
    return False


def plain(word: str) -> str:
    """The word in lower case without diacritics (đ -> d)."""
    text = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def is_vietnamese_word(word: str) -> bool:
    """A syllable of Vietnamese shape (with or without its diacritics)."""
    return bool(SYLLABLE.match(plain(word)))


def raw_codes(text: str) -> list[str]:
    return CODE.findall(text)


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The words of `text` that are neither Vietnamese in shape nor allowed
    (a format or unit of ALLOWED, an abbreviation, `allowed`)."""
    extra = {a.lower() for a in allowed}
    return [
        word
        for word in WORD.findall(text)
        if not any(ch.isdigit() for ch in word)
        and word.lower() not in extra
        and not all(_readable(part) for part in re.split(r"['’-]", word))
    ]


def _readable(part: str) -> bool:
    return (
        part.lower() in ALLOWED
        or part in ABBREVIATIONS
        or bool(ROMAN.match(part))
        or is_vietnamese_word(part)
    )
