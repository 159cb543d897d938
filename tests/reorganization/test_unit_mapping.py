"""The official mapping of former units to new ones, loaded from the office's
file: new units from the date, one change per row (a split by villages),
every wrong row reported with nothing written, the same file twice a no-op."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cases.demo.base import seed_units
from cases.models import AdministrativeUnit, UnitChange
from cases.reorganization.mapping import LoadResult, load_mapping, read_mapping
from workflows.exceptions import InvalidData

pytestmark = pytest.mark.django_db
EFFECTIVE = dt.date(2025, 7, 1)
DECISION = "Nghị quyết 1656/NQ-UBTVQH15"
DEMO_FILE = Path("cases/reorganization/data/soc_son_2025_demo.csv")
COMMAND = ("load_unit_mapping", "--effective=2025-07-01", f"--decision={DECISION}")
HEADER = "Mã ĐVHC cũ,Tên ĐVHC cũ,Mã ĐVHC mới,Tên ĐVHC mới,Toàn bộ/một phần,Thôn\n"


@pytest.fixture
def units() -> dict[str, AdministrativeUnit]:
    return seed_units()


def load(content: bytes, name: str = "mapping.csv", *, unverified: bool = False) -> LoadResult:
    return load_mapping(
        read_mapping(name, content), effective=EFFECTIVE, decision=DECISION, unverified=unverified
    )


def errors_of(exc: pytest.ExceptionInfo[InvalidData]) -> list[str]:
    return [str(e) for e in exc.value.fields["rows"]]


def test_the_demo_mapping_makes_five_communes_from_the_twenty_six(units: dict) -> None:
    result = load(DEMO_FILE.read_bytes(), unverified=True)
    new = AdministrativeUnit.objects.filter(valid_from=EFFECTIVE).order_by("code")
    assert [(u.code, u.name) for u in new] == [
        ("00376", "Sóc Sơn"),
        ("00382", "Kim Anh"),
        ("00385", "Trung Giã"),
        ("00430", "Đa Phúc"),
        ("00433", "Nội Bài"),
    ]
    assert {u.level for u in new} == {"commune"}
    assert {getattr(u.parent, "code", None) for u in new} == {"01"}
    assert len(result.units_created) == 5 and result.created == 27
    changes = UnitChange.objects.all()
    # Every former unit is mapped; Phù Linh in two parts, by its villages.
    assert {c.predecessor.code for c in changes} == set(units)
    linh = changes.filter(predecessor=units["00400"]).order_by("successor__code")
    assert [(getattr(c.successor, "name", None), c.kind, c.villages) for c in linh] == [
        ("Sóc Sơn", "split", ["Thôn Đông", "Thôn Nam"]),
        ("Kim Anh", "split", ["Thôn Tây", "Thôn Bắc"]),
    ]
    minh_tri = changes.get(predecessor=units["00382"])
    assert (getattr(minh_tri.successor, "name", None), minh_tri.kind) == ("Kim Anh", "merge")
    assert all(c.unverified and c.decision == DECISION for c in changes)
    # The former units are left as they were: the reorganisation run closes them.
    assert AdministrativeUnit.objects.filter(valid_from=None, valid_to=None).count() == 28


def test_the_same_mapping_twice_changes_nothing(units: dict) -> None:
    load(DEMO_FILE.read_bytes(), unverified=True)
    again = load(DEMO_FILE.read_bytes(), unverified=True)
    assert (again.units_created, again.created, again.updated, again.unchanged) == ([], 0, 0, 27)
    assert AdministrativeUnit.objects.filter(valid_from=EFFECTIVE).count() == 5
    # Confirmed later against the resolution: the rows are updated, not doubled.
    confirmed = load(DEMO_FILE.read_bytes(), unverified=False)
    assert (confirmed.created, confirmed.updated) == (0, 27)
    assert not UnitChange.objects.filter(unverified=True).exists()


def test_a_lone_unit_given_a_new_name_is_a_rename(units: dict) -> None:
    load(HEADER.encode() + "00403,Bắc Phú,00403,Bắc Phú Mới,Toàn bộ,\n".encode())
    assert UnitChange.objects.get().kind == "rename"


def test_every_wrong_row_is_reported_and_nothing_is_written(units: dict) -> None:
    rows = (
        "00382,Minh Phú,00382,Kim Anh,Toàn bộ,\n"  # the code is Minh Trí's
        "99999,Nowhere,00382,Kim Anh,Toàn bộ,\n"  # no such unit
        "00397,Minh Phú,00382,Kim Anh Mới,Toàn bộ,\n"  # the new code named otherwise above
        "00400,Phù Linh,00376,Sóc Sơn,Một phần,Thôn Đông\n"
        '00400,Phù Linh,00382,Kim Anh,Một phần,"Thôn Tây, thôn đông"\n'  # Đông twice
        "00448,Phù Lỗ,00433,Nội Bài,Toàn bộ,\n"
        "00448,Phù Lỗ,00376,Sóc Sơn,Một phần,Thôn Hậu\n"  # whole and in part
    )
    with pytest.raises(InvalidData) as exc:
        load((HEADER + rows).encode())
    assert exc.value.code == "mapping_errors"
    assert errors_of(exc) == [
        "Dòng 2: mã 00382 là Minh Trí, không phải Minh Phú.",
        "Dòng 3: không có đơn vị nào mang mã 99999.",
        "Dòng 4: mã mới 00382 ở dòng trên mang tên Kim Anh.",
        "Dòng 6: “thôn đông” đã có ở dòng 5.",
        "Dòng 8: Phù Lỗ vừa được chuyển toàn bộ vừa được chia: một đơn vị chuyển toàn bộ "
        "về một đơn vị mới, hoặc chia theo thôn.",
    ]
    assert not UnitChange.objects.exists()
    assert not AdministrativeUnit.objects.filter(valid_from=EFFECTIVE).exists()


def test_rows_the_reader_cannot_take_are_named(units: dict) -> None:
    rows = (
        "00400,Phù Linh,00376,Sóc Sơn,Một phần,\n"  # a part without its villages
        "00403,Bắc Phú,00385,Trung Giã,Toàn bộ,Thôn Đông\n"  # whole, with villages
        "00406,Tân Minh,00433,Nội Bài,cả xã,\n"  # neither whole nor part
        ",Tân Minh,00433,Nội Bài,Toàn bộ,\n"  # no old code
    )
    with pytest.raises(InvalidData) as exc:
        read_mapping("m.csv", (HEADER + rows).encode())
    assert len(errors_of(exc)) == 4
    assert errors_of(exc)[0].startswith("Dòng 2:")


def test_an_xlsx_with_a_title_above_the_table_reads_like_the_csv(units: dict) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Phụ lục: sắp xếp đơn vị hành chính cấp xã"])
    sheet.append([])
    sheet.append(HEADER.strip().split(","))
    sheet.append([382, "Minh Trí", "00382", "Kim Anh", "Toàn bộ", None])  # a number: zeros lost
    sheet.append(["00400", "Phù Linh", "00382", "Kim Anh", "Một phần", "Thôn Tây; Thôn Bắc"])
    blob = io.BytesIO()
    book.save(blob)
    rows = read_mapping("mapping.xlsx", blob.getvalue())
    assert [(r.old_code, r.whole, r.villages) for r in rows] == [
        ("00382", True, ()),
        ("00400", False, ("Thôn Tây", "Thôn Bắc")),
    ]


def test_a_file_without_the_columns_is_refused(units: dict) -> None:
    with pytest.raises(InvalidData) as exc:
        read_mapping("m.csv", "Mã,Tên\n00382,Minh Trí\n".encode())
    assert exc.value.code == "bad_header"


def test_the_database_holds_the_rules_of_a_change(units: dict) -> None:
    new = AdministrativeUnit.objects.create(
        code="00382", name="Kim Anh", level="commune", kind="xa", valid_from=EFFECTIVE
    )
    common = {"predecessor": units["00400"], "effective": EFFECTIVE, "decision": DECISION}
    for wrong in (
        {"successor": new, "kind": "split", "villages": []},
        {"successor": new, "kind": "merge", "villages": ["Thôn Đông"]},
        {"successor": None, "kind": "merge"},
        {"successor": new, "kind": "abolish"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            UnitChange.objects.create(**common, **wrong)


def test_the_command_checks_without_writing_in_a_dry_run(units: dict, capsys: object) -> None:
    call_command(*COMMAND, str(DEMO_FILE), "--unverified", "--dry-run")
    assert not UnitChange.objects.exists()
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "would be created: 00376 Sóc Sơn, 00382 Kim Anh" in out
    call_command(*COMMAND, str(DEMO_FILE), "--unverified")
    assert UnitChange.objects.count() == 27
    with pytest.raises(CommandError, match="Dòng 2"):
        bad = Path(DEMO_FILE.parent / "bad.csv")
        try:
            bad.write_text(HEADER + "00382,Minh Phú,00382,Kim Anh,Toàn bộ,\n", encoding="utf-8")
            call_command(*COMMAND, str(bad))
        finally:
            bad.unlink()


def test_the_mapping_is_read_and_corrected_in_the_admin(units: dict, admin_client: object) -> None:
    load(DEMO_FILE.read_bytes(), unverified=True)
    html = admin_client.get("/admin/cases/unitchange/?unverified__exact=1").content.decode()  # type: ignore[attr-defined]
    assert "thay đổi đơn vị hành chính" in html.lower() and "Kim Anh" in html
    change = UnitChange.objects.get(predecessor=units["00382"])
    page = admin_client.get(f"/admin/cases/unitchange/{change.pk}/change/")  # type: ignore[attr-defined]
    assert page.status_code == 200 and "Cần đối chiếu" in page.content.decode()


def test_the_communes_endpoint_gives_dates_and_the_units_before_and_after(
    units: dict, users: object
) -> None:
    from rest_framework.test import APIClient

    from tests.conftest import api_token

    load(DEMO_FILE.read_bytes(), unverified=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(users.specialist)}")  # type: ignore[attr-defined]
    rows = client.get("/api/v1/communes/", {"page_size": 500}).json()["results"]
    by_key = {(r["code"], r["valid_from"]): r for r in rows}
    kim_anh = by_key[("00382", "2025-07-01")]
    assert (kim_anh["name"], kim_anh["level"], kim_anh["valid_to"]) == ("Kim Anh", "commune", None)
    assert [p["code"] for p in kim_anh["predecessors"]] == [
        "00382", "00397", "00400", "00409", "00412", "00415",
    ]  # fmt: skip
    linh = next(p for p in kim_anh["predecessors"] if p["code"] == "00400")
    assert (linh["kind"], linh["villages"], linh["effective"]) == (
        "split", ["Thôn Tây", "Thôn Bắc"], "2025-07-01",
    )  # fmt: skip
    minh_tri = by_key[("00382", None)]
    assert [s["name"] for s in minh_tri["successors"]] == ["Kim Anh"]
    # Active on a day: the day before the merge, the former units; from it, the new
    # ones (the former are active until the reorganisation run closes them).
    before = client.get("/api/v1/communes/", {"active_on": "2025-06-30", "page_size": "500"})
    assert "Kim Anh" not in {r["name"] for r in before.json()["results"]}
    after = client.get("/api/v1/communes/", {"active_on": "2025-07-01", "page_size": "500"})
    assert "Kim Anh" in {r["name"] for r in after.json()["results"]}
    wrong = client.get("/api/v1/communes/", {"active_on": "30/06/2025"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid"


def test_a_code_reused_by_the_merge_names_the_new_commune_from_its_day(units: dict) -> None:
    from cases.selectors import unit_id_by_code
    from workflows.services import role_grant

    load(DEMO_FILE.read_bytes(), unverified=True)
    kim_anh = AdministrativeUnit.objects.get(code="00382", valid_from=EFFECTIVE)
    assert AdministrativeUnit.by_code(["00382"])["00382"] == kim_anh
    assert AdministrativeUnit.by_code(["00382"], on=dt.date(2025, 6, 30))["00382"] == units["00382"]
    assert unit_id_by_code("00382") == kim_anh.pk
    officer = role_grant(
        actor=None, username="canbo_kimanh", role="commune_officer", commune_codes=["00382"],
        password="Kim-Anh-2025!", full_name="Cán bộ Kim Anh",
    )  # fmt: skip
    from workflows.permissions import Role, scope_for

    # Acts in Kim Anh only; reads the history of the units merged into it.
    scope = scope_for(officer)
    assert scope.acting(Role.COMMUNE_OFFICER) == frozenset({kim_anh.pk})
    formers = set(kim_anh.changes_in.values_list("predecessor_id", flat=True))
    assert units["00382"].pk in formers
    assert scope.commune_ids == frozenset({kim_anh.pk, *formers})
    assert scope.closed_commune_ids == frozenset(formers)


def test_a_role_on_the_new_commune_is_not_a_role_on_the_former_one_of_the_same_code(
    units: dict,
) -> None:
    from workflows.permissions import scope_for
    from workflows.services import role_grant, role_revoke

    minh_tri = role_grant(
        actor=None, username="canbo_minhtri", role="commune_officer", commune_codes=["00382"],
        password="Minh-Tri-2024!", full_name="Cán bộ Minh Trí",
    )  # fmt: skip
    load(DEMO_FILE.read_bytes(), unverified=True)
    kim_anh = AdministrativeUnit.objects.get(code="00382", valid_from=EFFECTIVE)
    officer = role_grant(
        actor=None, username="canbo_kimanh", role="commune_officer", commune_codes=["00382"],
        password="Kim-Anh-2025!", full_name="Cán bộ Kim Anh",
    )  # fmt: skip
    assert scope_for(officer).acting("commune_officer") == frozenset({kim_anh.pk})
    assert scope_for(minh_tri).commune_ids == frozenset({units["00382"].pk})
    role_revoke(
        actor=None, username="canbo_kimanh", role="commune_officer", commune_codes=["00382"]
    )
    officer.refresh_from_db()
    assert not officer.groups.exists()
    assert minh_tri.groups.count() == 1
