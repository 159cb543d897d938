"""Hostile files for the upload tests, made here: with openpyxl where it can make
them, otherwise byte by byte (the zip structures and the XML parts), so that
each file is exactly the attack it is named after and nothing else."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

MIB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument"
# The header an Excel 97-2003 .xls (an OLE2 compound file) starts with: the
# signature, minor/major version 0x3E/3, little-endian, 512-byte sectors.
OLE2_HEADER = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + bytes(16)
    + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    + bytes(512 - 34)
)


# --- zip, byte by byte -----------------------------------------------------------------


@dataclass
class Member:
    """A zip member as written: its (compressed) bytes and what the zip declares."""

    name: str
    data: bytes
    crc: int
    size: int  # declared inflated size
    method: int = 8  # deflated

    @classmethod
    def deflated(cls, name: str, content: bytes) -> Member:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name, c.compress(content) + c.flush(), zlib.crc32(content), len(content))


def zip_of(members: list[Member]) -> bytes:
    """Local headers, data, central directory, end record: no zip64, no extras."""
    out = io.BytesIO()
    directory = io.BytesIO()
    for m in members:
        name = m.name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                m.method,
                0,
                0x21,
                m.crc,
                len(m.data),
                m.size,
                len(name),
                0,
            )
            + name
            + m.data
        )
        directory.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                m.method,
                0,
                0x21,
                m.crc,
                len(m.data),
                m.size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    out.write(directory.getvalue())
    count = len(members)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, directory.tell(), start, 0))
    return out.getvalue()


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine: the CRC of A+B from those of A and B (len2 = len(B))."""

    def times(matrix: list[int], vector: int) -> int:
        total, i = 0, 0
        while vector:
            if vector & 1:
                total ^= matrix[i]
            vector >>= 1
            i += 1
        return total

    def square(matrix: list[int]) -> list[int]:
        return [times(matrix, matrix[n]) for n in range(32)]

    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = square(odd)
    odd = square(even)
    while len2:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
    return crc1 ^ crc2


def _zeros_crc(count: int, block_crc: int, block: int) -> int:
    """The CRC of `count` blocks of zeros, by doubling (zeros commute)."""
    total: int | None = None
    while count:
        if count & 1:
            total = block_crc if total is None else _crc32_combine(total, block_crc, block)
        block_crc, block = _crc32_combine(block_crc, block_crc, block), block * 2
        count >>= 1
    assert total is not None
    return total


def zeros_bomb(name: str, gib: int = 3) -> Member:
    """A member that inflates to `gib` GiB of zeros from about 1 MB per GiB
    (deflate's best ratio), with its true size and CRC: the same 16 MiB block,
    flushed so that it repeats byte for byte, then the end of the stream."""
    block = 16 * MIB
    zeros = bytes(block)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    count = gib * 1024 * MIB // block
    data = first + again * (count - 1) + c.flush(zlib.Z_FINISH)
    crc = _zeros_crc(count, zlib.crc32(zeros), block)
    return Member(name, data, crc, count * block)


# --- workbooks ----------------------------------------------------------------------


def cell(ref: str, value: Any) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(
    rows: list[list[Any]], *, dimension: str | None = None, prolog: str = "", body: str = ""
) -> bytes:
    """A worksheet: the rows from A1 with explicit references, or `body` as
    the whole sheetData content."""
    if not body:
        for number, values in enumerate(rows, start=1):
            cells = "".join(cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
            body += f'<row r="{number}">{cells}</row>'
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'{prolog}<worksheet xmlns="{MAIN}">{dim}<sheetData>{body}</sheetData></worksheet>'
    ).encode()


def workbook_parts(
    sheet: bytes,
    *,
    shared_strings: bytes | None = None,
    workbook: bytes | None = None,
    content_types: bytes | None = None,
) -> dict[str, bytes]:
    """The parts of a minimal .xlsx, any of them replaceable."""
    overrides = [
        ("/xl/workbook.xml", f"{CT}.spreadsheetml.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{CT}.spreadsheetml.worksheet+xml"),
    ]
    rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared_strings is not None:
        overrides.append(("/xl/sharedStrings.xml", f"{CT}.spreadsheetml.sharedStrings+xml"))
        rels.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )
    parts = {
        "[Content_Types].xml": content_types or types.encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{OFFICE_RELS}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": workbook
        or (
            f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}"><sheets><sheet name="Danh sách" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{RELS}">'
            + "".join(
                f'<Relationship Id="{i}" Type="{OFFICE_RELS}/{t}" Target="{target}"/>'
                for i, t, target in rels
            )
            + "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return parts


def xlsx_of(parts: dict[str, bytes], *, raw: list[Member] | None = None) -> bytes:
    """The parts deflated into a zip; `raw` members (a bomb) added as they are."""
    members = [Member.deflated(name, data) for name, data in parts.items()]
    return zip_of(members + list(raw or []))


def openpyxl_xlsx(rows: list[list[Any]], *, far_cell: str | None = None) -> bytes:
    """A workbook as openpyxl (and so Excel) writes it; with `far_cell`, one
    more cell there (openpyxl then declares the dimension up to it)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    if far_cell:
        ws[far_cell] = "x"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def billion_laughs(root: str) -> str:
    """The prolog of the classic entity bomb: ten levels of ten, 10^9 "lol"s."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>'


def nested(depth: int, tag: str = "x") -> str:
    return f"<{tag}>" * depth + f"</{tag}>" * depth


def docx_of(parts: dict[str, bytes], *, raw: list[Member] | None = None) -> bytes:
    return zip_of([Member.deflated(n, d) for n, d in parts.items()] + list(raw or []))


def docx_parts(*, content_types: bytes | None = None) -> dict[str, bytes]:
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/word/document.xml" ContentType="{CT}.wordprocessingml.'
        'document.main+xml"/></Types>'
    )
    return {
        "[Content_Types].xml": content_types or types.encode(),
        "word/document.xml": b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>',
    }
