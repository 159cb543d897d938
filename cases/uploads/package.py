"""The zip layer of an uploaded Office file (.xlsx, .docx), checked in the web
process before anything is inflated, and the few small XML parts read here,
through defusedxml (caps and reasons in the package docstring)."""

from __future__ import annotations

import io
import struct
import xml.sax
import zipfile
import zlib
from collections.abc import Iterable
from typing import Any

from defusedxml.common import DefusedXmlException
from defusedxml.expatreader import create_parser

from cases.uploads.limits import MIB, Limits
from cases.uploads.refusals import Refusal

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old compound-file formats
CENTRAL_HEADER = b"PK\x01\x02"
CONTENT_TYPES = "[Content_Types].xml"
# Parts parsed in this process (content types, workbook, relationships) are a
# few KB in real files.
SMALL_PART_BYTES = 4 * MIB
MAX_DEPTH = 64  # real Office parts nest about ten deep
# A member that inflates to less than this cannot hurt, whatever its ratio.
RATIO_FLOOR = MIB


def open_zip(blob: bytes, limits: Limits) -> zipfile.ZipFile:
    """The upload as a zip whose table of contents is within the caps; Refusal
    otherwise. Nothing is inflated yet: sizes are the ones the zip declares
    (the child checks the real ones)."""
    if blob.startswith(OLE2_MAGIC):
        raise Refusal("file_type", "ole2")
    if not blob.startswith(ZIP_MAGIC):
        raise Refusal("file_type", "not_zip")
    # Count the directory entries before zipfile builds an object for each.
    if blob.count(CENTRAL_HEADER) > limits.max_members:
        raise Refusal("file_unsafe", "too_many_members")
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, struct.error, EOFError):
        raise Refusal("file_type", "not_zip") from None
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise Refusal("file_unsafe", "too_many_members")
    names: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in names:
            raise Refusal("file_unsafe", "duplicate_member")
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise Refusal("file_unsafe", "encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refusal("file_unsafe", "compression_method")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise Refusal("file_unsafe", "size_mismatch")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_compression_ratio * max(
            info.compress_size, 1
        ):
            raise Refusal("file_unsafe", "compression_ratio")
        total += info.file_size
    if total > limits.max_uncompressed_bytes:
        raise Refusal("file_too_large", "uncompressed_size", limit=limits.max_uncompressed_bytes)
    return archive


def read_small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A part parsed in this process: at most SMALL_PART_BYTES, declared and real."""
    info = archive.getinfo(name)
    if info.file_size > SMALL_PART_BYTES:
        raise Refusal("file_unsafe", "part_too_large")
    try:
        with archive.open(info) as f:
            data = f.read(SMALL_PART_BYTES + 1)
    except zipfile.BadZipFile:  # the CRC does not match what was inflated
        raise Refusal("file_unsafe", "crc") from None
    except (zlib.error, EOFError, NotImplementedError, ValueError):
        raise Refusal("file_parse_failed", "damaged_zip") from None
    if len(data) > SMALL_PART_BYTES:
        raise Refusal("file_unsafe", "part_too_large")
    return data


class _Collector(xml.sax.handler.ContentHandler):
    """Elements of interest, as (local name, {attribute local name: value});
    refuses nesting deeper than MAX_DEPTH."""

    def __init__(self, wanted: set[str]) -> None:
        super().__init__()
        self.wanted = wanted
        self.depth = 0
        self.found: list[tuple[str, dict[str, str]]] = []

    def startElementNS(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Refusal("file_unsafe", "nesting")
        if name[1] in self.wanted:
            self.found.append((name[1], {key[1]: value for key, value in attrs.items()}))

    def endElementNS(self, name: tuple[str | None, str], qname: Any) -> None:
        self.depth -= 1


def parse_small_xml(
    data: bytes, wanted: Iterable[str], *, malformed: Refusal
) -> list[tuple[str, dict[str, str]]]:
    """The `wanted` elements of a small part, parsed by defusedxml: a DTD, an
    entity or an external reference is refused (file_unsafe), so is nesting
    deeper than MAX_DEPTH; XML that is not well-formed raises `malformed`."""
    collector = _Collector(set(wanted))
    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(collector)
    try:
        parser.parse(io.BytesIO(data))
    except DefusedXmlException:
        raise Refusal("file_unsafe", "dtd") from None
    except xml.sax.SAXException:
        raise malformed from None
    return collector.found


def require_main_part(
    archive: zipfile.ZipFile, main_part: str, content_types: frozenset[str] | None
) -> None:
    """An OOXML package of the expected kind: [Content_Types].xml (well-formed,
    defused) and `main_part`; with `content_types`, the part declared as one
    of them."""
    names = set(archive.namelist())
    if CONTENT_TYPES not in names or main_part not in names:
        raise Refusal("file_type", "not_ooxml")
    found = parse_small_xml(
        read_small_part(archive, CONTENT_TYPES),
        {"Default", "Override"},
        malformed=Refusal("file_type", "not_ooxml"),
    )
    if content_types is None:
        return
    overrides = {
        a.get("PartName", "").lower(): a.get("ContentType", "") for t, a in found if t == "Override"
    }
    defaults = {
        a.get("Extension", "").lower(): a.get("ContentType", "") for t, a in found if t == "Default"
    }
    declared = overrides.get("/" + main_part.lower()) or defaults.get(
        main_part.rsplit(".", 1)[-1].lower(), ""
    )
    if declared not in content_types:
        raise Refusal("file_type", "not_ooxml")
