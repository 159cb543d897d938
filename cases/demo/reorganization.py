"""The demo replays the 2025 reorganisation after its 2024 history: Sóc Sơn's
26 units become 5 communes on 01/07/2025 (the demo mapping, marked as still
to be confirmed against Nghị quyết 1656/NQ-UBTVQH15), the open work crosses
the date, and the new communes get their staff: an officer, a leader, a
culture–society specialist, a chairman and an accountant for Nội Bài and for
Kim Anh; the housing dossiers of the last months are theirs. Phù Linh is
split by villages in the demo mapping: its people are given one of its
villages first (demo data too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from cases.models import AdministrativeUnit, Person, UnitChange
from cases.reorganization.mapping import DEMO_MAPPING, load_mapping, read_mapping
from cases.reorganization.run import reorganize
from workflows.permissions import Role

EFFECTIVE = dt.date(2025, 7, 1)
DECISION = "Nghị quyết 1656/NQ-UBTVQH15 (dữ liệu mẫu)"
NEW_COMMUNES = {
    "00376": "Sóc Sơn",
    "00382": "Kim Anh",
    "00385": "Trung Giã",
    "00430": "Đa Phúc",
    "00433": "Nội Bài",
}
# (username, role, commune codes, full name): the new communes' staff.
TWO_LEVEL_USERS = [
    ("canbo_noibai", Role.COMMUNE_OFFICER, ["00433"], "Đặng Thị Ngọc"),
    ("lanhdao_noibai", Role.COMMUNE_LEADER, ["00433"], "Nguyễn Văn Tùng"),
    ("chuyenvien_noibai", Role.COMMUNE_SPECIALIST, ["00433"], "Trịnh Thị Huyền"),
    ("chutich_noibai", Role.COMMUNE_CHAIRMAN, ["00433"], "Lương Văn Dũng"),
    ("ketoan_noibai", Role.COMMUNE_ACCOUNTANT, ["00433"], "Phan Thị Yến"),
    ("canbo_kimanh", Role.COMMUNE_OFFICER, ["00382"], "Hà Thị Thanh"),
    ("lanhdao_kimanh", Role.COMMUNE_LEADER, ["00382"], "Đoàn Văn Sơn"),
    ("chuyenvien_kimanh", Role.COMMUNE_SPECIALIST, ["00382"], "Mai Văn Khánh"),
    ("chutich_kimanh", Role.COMMUNE_CHAIRMAN, ["00382"], "Tạ Văn Bình"),
    ("ketoan_kimanh", Role.COMMUNE_ACCOUNTANT, ["00382"], "Kiều Thị Oanh"),
]


def reorganized() -> bool:
    """Has the demo's reorganisation been carried out?"""
    return UnitChange.objects.filter(effective=EFFECTIVE, predecessor__valid_to=EFFECTIVE).exists()


def seed_reorganization() -> dict[str, Any]:
    """Load the demo mapping, record a village for each person of a unit it
    splits, and carry the open work across (once)."""
    rows = read_mapping(DEMO_MAPPING.name, DEMO_MAPPING.read_bytes())
    load_mapping(rows, effective=EFFECTIVE, decision=DECISION, unverified=True)
    _give_villages()
    result = reorganize(EFFECTIVE, actor=None)
    return {"closed": len(result.closed), "moved": sum(result.moved.values())}


def _give_villages() -> None:
    """Each person of a split unit without a village gets one of the unit's
    villages in the mapping, in turn (one UPDATE per village)."""
    split = UnitChange.objects.filter(effective=EFFECTIVE, kind=UnitChange.Kind.SPLIT)
    villages: dict[int, list[str]] = {}
    for change in split.order_by("pk"):
        villages.setdefault(change.predecessor_id, []).extend(change.villages)
    for unit_id, names in villages.items():
        numbered = (
            Person.objects.filter(commune_id=unit_id, village="")
            .annotate(n=Window(RowNumber(), order_by=F("pk").asc()))
            .values("pk", "n")
        )
        turns: dict[str, list[int]] = {name: [] for name in names}
        for row in numbered:
            turns[names[(row["n"] - 1) % len(names)]].append(row["pk"])
        for name, ids in turns.items():
            Person.objects.filter(pk__in=ids).update(village=name)


def new_commune_names() -> dict[str, str]:
    """Code -> name of the communes formed on the demo's date (the table of
    logins names them by their new name)."""
    units = AdministrativeUnit.objects.filter(valid_from=EFFECTIVE, level="commune")
    return {u.code: u.name for u in units} or dict(NEW_COMMUNES)
