"""Counts and sizes on screen are written the Vietnamese way: 1.263 and
30,0 MB, never 1263 or 30.0 MB (workflows.formatting, the `count` filter)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from cases.uploads.refusals import Refusal, refused

ROOT = Path(settings.BASE_DIR)
# A number cell ("num", a KPI figure, the bell) and what it prints.
NUMBER_CELL = re.compile(
    r'class="[^"]*\b(?:num|kpi-value|bell-count)\b[^"]*"[^>]*>\s*\{\{\s*([^}]*?)\s*\}\}'
)
FORMATTED = re.compile(r"\|\s*(count|money|percent|vn_date|vn_datetime|date)")
# Cells whose text is written already (the dashboard's tables: Table._cell in
# cases/reporting/dashboard_output.py, through the same thousands separator).
PREFORMATTED = {("cases/reporting/templates/dashboard/section.html", e) for e in ("h", "text")}


def test_every_number_cell_of_every_template_goes_through_a_formatting_filter() -> None:
    raw = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        for match in NUMBER_CELL.finditer(path.read_text(encoding="utf-8")):
            expression, where = match.group(1), str(path.relative_to(ROOT))
            if FORMATTED.search(expression) or (where, expression) in PREFORMATTED:
                continue
            raw.append(f"{where}: {{{{ {expression} }}}}")
    assert not raw, "Numbers shown without `|count` (1.263) or `|money`:\n" + "\n".join(raw)


def test_a_tally_writes_its_counts_with_dots() -> None:
    line = SimpleNamespace(
        label="Xã Phù Lỗ",
        planned=1263,
        planned_amount=631_500_000,
        delivered=1200,
        delivered_amount=600_000_000,
        returned=63,
        returned_amount=31_500_000,
        pending=0,
    )
    html = render_to_string(
        "gifts/_tally_table.html",
        {"lines": [line], "total": SimpleNamespace(**{**vars(line), "label": "Tổng"})},
    )
    assert "1.263" in html and "1.200" in html
    assert "1263" not in html and "631.500.000 đ" in html


def test_a_long_list_numbers_its_pages_with_dots() -> None:
    page = Paginator(range(30_850), 25).page(1)
    html = render_to_string("includes/pagination.html", {"page": page, "querystring": ""})
    assert "Trang 1/1.234" in html


def test_an_upload_refused_for_its_size_states_both_sizes_the_vietnamese_way() -> None:
    error = refused(
        Refusal("file_too_large", "upload_size", size=31_500_000, limit=10 * 1024 * 1024),
        type_message="",
    )
    assert error.message == "Tệp có dung lượng 30,0 MB, vượt giới hạn 10,0 MB."
    unpacked = refused(
        Refusal("file_too_large", "uncompressed_size", limit=200 * 1024 * 1024), type_message=""
    )
    assert "200,0 MB" in unpacked.message
    texts = refused(
        Refusal("file_sheet_too_large", "shared_strings", count=1_500_000, limit=1_000_000),
        type_message="",
    )
    assert "1.500.000" in texts.message and "1.000.000" in texts.message
