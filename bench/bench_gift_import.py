"""Import of a 26,553-row gift list (.xlsx) with full validation.

Set-up (not timed): the Sóc Sơn registry, users, a campaign with the
President's two packages, a city package and the commune's own one, the
officer's commune list, BENCH_EXISTING (default 2,000) people already in the
registry. The file (BENCH_ROWS, default 26,553 rows, built with openpyxl) lists
mostly new people: each new person in the commune's own package, every third
one also in the city's; the registered ones in the President's package.

Timed, same run:
- `gift_import` of the file (read, every check, people and rows written, audit);
- the same file with one bad row at the end: every row checked, nothing written;
- baseline: raw SQL doing the same writes (INSERT ... SELECT generate_series of
  as many people and rows, in a transaction rolled back).

Target: import <= 15 s; the number of queries does not grow with the rows
(one registry query per 10,000 national IDs).

    DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. .venv/bin/python bench/bench_gift_import.py
"""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

from bench.common import (
    counting,
    env_int,
    environment_line,
    insert_series,
    make_users,
    national_id,
    reset_sequence,
    seed_registry,
    table,
    throwaway_database,
)

ROWS = env_int("BENCH_ROWS", 26_553)
EXISTING = env_int("BENCH_EXISTING", 2_000)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_ROWS": 60, "BENCH_EXISTING": 20}
SMOKE_LINES = [
    r"^gift_import \(check \+ write\) +60 +\d+\.\d\d +\d+ ",
    r"^baseline: raw SQL, same writes +60 +\d+\.\d\d ",
    r"^ratio import / baseline +\d+\.\dx",
]
COMMUNE = "00448"  # Phù Lỗ
TARGET_S = 15.0
BORN = dt.date(1960, 5, 17)


class _Rollback(Exception):
    pass


def build_file(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    from cases.gifts.import_rows import COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách")
    ws.append([title for _k, title, _w in COLUMNS])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def file_rows(existing: list[tuple[str, str]]) -> list[list[Any]]:
    """ROWS rows: the registered people in the President's 300k package, new
    people in the commune's package (every third also in the city's)."""
    rows: list[list[Any]] = []
    for nid, name in existing:
        if len(rows) >= ROWS:
            break
        rows.append([len(rows) + 1, name, "17/05/1960", "Nam", nid, "", "", "ctn-300", 300000, ""])
    serial = 500_000
    while len(rows) < ROWS:
        serial += 1
        nid = national_id(serial)
        name = f"Nguyễn Văn Mới {serial}"
        base = [name, "17/05/1960", "Nam", nid, f"Thôn {serial % 12}", "ho_ngheo"]
        rows.append([len(rows) + 1, *base, "xa-phu-lo", 200_000, ""])
        if serial % 3 == 0 and len(rows) < ROWS:
            rows.append([len(rows) + 1, *base, "tp-ngheo", 500_000, ""])
    return rows


def main() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from cases.gifts import services as gifts
    from cases.gifts.imports import gift_import
    from cases.gifts.models import Campaign, CampaignBudget, GiftPackage, GiftRecipient
    from cases.models import AdministrativeUnit, Person
    from workflows.exceptions import InvalidData

    print(environment_line())
    print(f"# BENCH_ROWS={ROWS}, BENCH_EXISTING={EXISTING}")
    t0 = time.perf_counter()
    seed_registry()
    users = make_users(COMMUNE)
    commune = AdministrativeUnit.objects.get(level="commune", code=COMMUNE)
    campaign = Campaign.objects.create(
        code="tet-2024", name="Tết Giáp Thìn 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    for code, source, amount, kw in [
        ("ctn-600", "president", 600_000, {"merit_subtypes": ["anh_hung"]}),
        ("ctn-300", "president", 300_000, {"merit_subtypes": ["thuong_binh"]}),
    ]:
        GiftPackage.objects.create(
            campaign=campaign,
            code=code,
            name=code,
            source=source,
            amount=amount,
            categories=["nguoi_co_cong"],
            exclusive_group="president",
            **kw,
        )
    GiftPackage.objects.create(
        campaign=campaign,
        code="tp-ngheo",
        name="Quà TP hộ nghèo",
        source="city",
        amount=500_000,
        categories=["ho_ngheo"],
    )
    GiftPackage.objects.create(
        campaign=campaign,
        code="xa-phu-lo",
        name="Quà xã",
        source="commune",
        amount=200_000,
        commune=commune,
    )
    for source in ("president", "city", "commune"):
        CampaignBudget.objects.create(campaign=campaign, source=source, allocated=10**13)
    insert_series(
        Person,
        EXISTING,
        {
            "id": "g",
            "full_name": "'Trần Văn Cũ ' || g",
            "date_of_birth": "date '1960-05-17'",
            "sex": "'M'",
            "national_id": "'001060' || lpad(g::text, 6, '0')",
            "commune_id": "%(commune)s",
            "categories": "ARRAY['nguoi_co_cong']::varchar[]",
            "merit_subtype": "'thuong_binh'",
            "created_at": "now()",
        },
        {"commune": commune.pk},
    )
    reset_sequence(Person)
    gift_list = gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=commune)
    existing = list(
        Person.objects.filter(commune=commune)
        .order_by("id")
        .values_list("national_id", "full_name")
    )
    rows = file_rows(existing)
    blob = build_file(rows)
    bad_blob = build_file([*rows, [0, "Sai", "17/05/1960", "Nam", "123", "", "", "x", 1, ""]])
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(
        f"# set-up in {time.perf_counter() - t0:.1f} s; file {len(blob) / 1048576:.1f} MB, "
        f"{len(rows)} rows"
    )

    # 1. All rows checked, one bad: nothing written.
    people_before = Person.objects.count()
    t0 = time.perf_counter()
    with counting() as bad_q:
        try:
            gift_import(
                actor=users.officer,
                gift_list=gift_list,
                upload=SimpleUploadedFile("bad.xlsx", bad_blob),
            )
            raise SystemExit("the file with a bad row was imported")
        except InvalidData as exc:
            assert exc.code == "import_errors" and len(exc.extra["rows"]) >= 1
    bad_s = time.perf_counter() - t0
    assert Person.objects.count() == people_before and not GiftRecipient.objects.exists()

    # 2. The import.
    t0 = time.perf_counter()
    with counting() as q:
        report = gift_import(
            actor=users.officer, gift_list=gift_list, upload=SimpleUploadedFile("ds.xlsx", blob)
        )
    import_s = time.perf_counter() - t0
    assert report.imported == len(rows), report
    created = report.people_created
    assert GiftRecipient.objects.filter(gift_list=gift_list).count() == len(rows)

    # 3. Baseline: the same writes in raw SQL (as many people and rows), rolled back.
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            first = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
            insert_series(
                Person,
                created,
                {
                    "id": "%(first)s + g",
                    "full_name": "'Lê Văn Mới ' || g",
                    "date_of_birth": "date '1960-05-17'",
                    "sex": "'M'",
                    "national_id": "'002060' || lpad(g::text, 6, '0')",
                    "address": "'Thôn 1'",
                    "commune_id": "%(commune)s",
                    "categories": "ARRAY['ho_ngheo']::varchar[]",
                    "merit_subtype": "''",
                    "created_at": "now()",
                },
                {"commune": commune.pk, "first": first},
            )
            own = GiftPackage.objects.get(campaign=campaign, code="xa-phu-lo").pk
            city = GiftPackage.objects.get(campaign=campaign, code="tp-ngheo").pk
            insert_series(
                GiftRecipient,
                len(rows),
                {
                    "id": "%(first_row)s + g",
                    "gift_list_id": "%(list)s",
                    # every person once in the commune's package, then in the city's
                    "package_id": "CASE WHEN g <= %(people)s THEN %(own)s ELSE %(city)s END",
                    "commune_id": "%(commune)s",
                    "person_id": "%(first)s + 1 + mod(g - 1, %(people)s)",
                    "amount": "200000",
                    "state": "'listed'",
                    "created_at": "now()",
                },
                {
                    "list": gift_list.pk,
                    "first_row": GiftRecipient.objects.order_by("-id")
                    .values_list("id", flat=True)
                    .first(),
                    "own": own,
                    "city": city,
                    "commune": commune.pk,
                    "first": first,
                    "people": created,
                },
            )
            raw_s = time.perf_counter() - t0
            raise _Rollback
    except _Rollback:
        pass
    print()
    print(
        table(
            ["what", "rows", "seconds", "queries", "target"],
            [
                [
                    "gift_import (check + write)",
                    len(rows),
                    f"{import_s:.2f}",
                    q.count,
                    f"<= {TARGET_S:.0f} s {'OK' if import_s <= TARGET_S else 'MISSED'}",
                ],
                ["  people created", created, "", "", ""],
                [
                    "check only (one bad row, nothing written)",
                    len(rows) + 1,
                    f"{bad_s:.2f}",
                    bad_q.count,
                    "",
                ],
                ["baseline: raw SQL, same writes", len(rows), f"{raw_s:.2f}", 2, ""],
                ["ratio import / baseline", "", f"{import_s / raw_s:.1f}x", "", ""],
            ],
        )
    )


if __name__ == "__main__":
    with throwaway_database("gift_import"):
        main()
