"""The plan of the allowances demo (`cases.allowances.demo`): who is paid what,
solved with arithmetic so that the lines paid for January–June 2024 add up to
the office's six-month report to the đồng (NCC 52,500,000,000 đ, BTXH
51,500,000,000 đ), and the people and entitlements it needs, written in bulk.

The few people whose month is special (a late decision, a death, a transfer)
are fixed here; every other beneficiary was decided before 2024 and is paid
all six months. Their numbers per category are solved from the target: the
six-month total less what the special people receive, divided by six, is the
monthly total the ordinary beneficiaries must make (`fit`)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from math import gcd

from django.db import connection
from django.utils import timezone

from cases.allowances.models import (
    AllowanceCategory,
    Entitlement,
    OneOffKind,
    PaymentMethod,
    PayrollLine,
)
from cases.allowances.rates import monthly_amount, months_between, one_off_amount
from cases.models import AdministrativeUnit, MeritSubtype, Person

D = dt.date
NCC, BTXH = "nguoi_co_cong", "bao_tro_xa_hoi"
H1 = months_between(D(2024, 1, 1), D(2024, 6, 1))
# The office's report (../shared/seed/bao-cao-6-thang-dau-nam-2024.txt, §2.2).
TARGETS = {NCC: 52_500_000_000, BTXH: 51_500_000_000}
# National ID serials of the allowance demo's people (gifts use 240,000+,
# rehab 700,000+).
SERIAL_START = 500_000
SPECIAL_SERIAL = 599_001
PHU_LO, MINH_TRI = "00448", "00382"


@dataclass(frozen=True)
class Kind:
    """A category (and degree band) of ordinary beneficiaries: its share of
    the regime's people, the birth years of new people, the registry's people
    it may take (by merit subtype, or born in a range)."""

    regime: str
    code: str
    weight: float
    born: tuple[int, int]
    band: tuple[int, int] | None = None
    subtype: str = ""
    sex: str = "MF"

    @property
    def key(self) -> str:
        return f"{self.code}:{self.band[0]}" if self.band else self.code


M = MeritSubtype
# The order matters to `fit`: the last two kinds of a regime absorb the
# rest (their amounts, over the regime's common divisor, are coprime).
KINDS = [
    Kind(NCC, "ba_me_vnah", 0.03, (1918, 1932), subtype=M.HEROIC_MOTHER, sex="F"),
    Kind(NCC, "than_nhan_2_liet_si", 0.02, (1928, 1945), subtype=M.MARTYR_RELATIVE),
    Kind(NCC, "benh_binh", 0.20, (1940, 1962), subtype=M.SICK_SOLDIER, sex="M"),
    Kind(NCC, "thuong_binh", 0.12, (1940, 1960), (41, 60), M.WAR_INVALID, "M"),
    Kind(NCC, "thuong_binh", 0.08, (1940, 1958), (61, 80), M.WAR_INVALID, "M"),
    Kind(NCC, "thuong_binh", 0.04, (1938, 1955), (81, 100), M.WAR_INVALID, "M"),
    Kind(NCC, "thuong_binh", 0.15, (1942, 1962), (21, 40), M.WAR_INVALID, "M"),
    Kind(NCC, "than_nhan_1_liet_si", 0.36, (1935, 1962), subtype=M.MARTYR_RELATIVE),
    Kind(BTXH, "nkt_dac_biet_nang", 0.14, (1965, 2004)),
    Kind(BTXH, "nkt_dac_biet_nang_tre_nct", 0.05, (2008, 2019)),
    Kind(BTXH, "nkt_nang_tre_nct", 0.08, (2008, 2019)),
    Kind(BTXH, "tre_mo_coi_duoi_4", 0.004, (2021, 2022)),
    Kind(BTXH, "tre_mo_coi_tu_4", 0.026, (2008, 2019)),
    Kind(BTXH, "nct_ngheo_khong_nguoi_phung_duong", 0.08, (1930, 1963)),
    Kind(BTXH, "nkt_nang", 0.22, (1965, 2004)),
    Kind(BTXH, "nct_80_khong_luong_huu", 0.40, (1925, 1943)),
]


@dataclass(frozen=True)
class Special:
    """A person whose H1 2024 is not six ordinary months: `paid` is how many
    months of January–June are paid (a late decision's arrears included),
    `funeral` whether a funeral support follows their death."""

    role: str  # late | death | transfer
    regime: str
    code: str
    commune: int  # index into the demo's communes (the demo logins' first)
    paid: tuple[dt.date, ...]
    funeral: bool = False
    to_commune: int = 1


JAN_APR = tuple(H1[:4])
# A martyr's relative decided on 08/03/2024 from January (three months of
# arrears in April); a disabled adult decided on 08/03/2024 from March (its
# decision month, NĐ 20/2021: March as arrears in April); a martyr's relative
# and four elderly people who die in April (paid up to April; the four BTXH
# deaths bring a funeral support in May: 4 × 20 × 360,000 đ is what makes
# BTXH's total, every other BTXH amount being a multiple of 220,000 đ, reach
# 51.5 bn); a war invalid who moves from Phù Lỗ to Minh Trí in May.
SPECIALS = [
    Special("late", NCC, "than_nhan_1_liet_si", 0, tuple(H1)),
    Special("late", BTXH, "nkt_nang", 1, tuple(H1[2:])),
    Special("death", NCC, "than_nhan_1_liet_si", 2, JAN_APR),
    *[Special("death", BTXH, "nct_80_khong_luong_huu", i, JAN_APR, funeral=True) for i in range(4)],
    Special("transfer", NCC, "than_nhan_1_liet_si", 0, tuple(H1), to_commune=1),
]


class PlanError(RuntimeError):
    """The report's figures cannot be reached with these rates and events."""


def fit(monthly: int, amounts: list[tuple[str, int]], wanted: dict[str, int]) -> dict[str, int]:
    """Counts per kind near `wanted` with Σ count × amount == `monthly`
    exactly. Each kind but the last moves by the least that leaves the rest
    divisible by the common divisor of the kinds after it; the last takes
    the remainder. Raises PlanError when no exact answer exists."""
    counts = dict(wanted)
    diff = monthly - sum(counts[k] * a for k, a in amounts)
    for i, (key, amount) in enumerate(amounts[:-1]):
        rest = 0
        for _k, a in amounts[i + 1 :]:
            rest = gcd(rest, a)
        g = gcd(amount, rest)
        if diff % g:
            raise PlanError(f"{monthly} đ a month cannot be made of {dict(amounts)}")
        m = rest // g
        step = (diff // g) * pow(amount // g, -1, m) % m if m > 1 else 0
        if step > m // 2:
            step -= m
        counts[key] += step
        diff -= step * amount
    key, amount = amounts[-1]
    if diff % amount:
        raise PlanError(f"{monthly} đ a month cannot be made of {dict(amounts)}")
    counts[key] += diff // amount
    if any(n < 0 for n in counts.values()):
        raise PlanError(f"negative count in {counts}")
    return counts


@dataclass
class Plan:
    counts: dict[str, int]  # kind key -> ordinary beneficiaries
    amounts: dict[str, int]  # kind key -> monthly amount in H1 2024
    special_total: dict[str, int]  # regime -> what the special people receive in H1


def kind_amount(kind: Kind, categories: dict[str, AllowanceCategory], province_id: int) -> int:
    """The kind's monthly amount, the same in every month of H1 2024."""
    found = {
        monthly_amount(
            category_id=categories[kind.code].pk,
            degree=kind.band[0] if kind.band else None,
            province_id=province_id,
            month=month,
        )
        for month in H1
    }
    if len(found) != 1 or not found.pop():
        raise PlanError(f"{kind.key}: no single amount in H1 2024")
    return monthly_amount(
        category_id=categories[kind.code].pk,
        degree=kind.band[0] if kind.band else None,
        province_id=province_id,
        month=H1[0],
    )


def plan_make(categories: dict[str, AllowanceCategory], province_id: int) -> Plan:
    """Solve the ordinary beneficiaries of each regime from its target."""
    amounts = {k.key: kind_amount(k, categories, province_id) for k in KINDS}
    special: dict[str, int] = {NCC: 0, BTXH: 0}
    for s in SPECIALS:
        kind = next(k for k in KINDS if k.code == s.code)
        special[s.regime] += len(s.paid) * amounts[kind.key]
        if s.funeral:
            special[s.regime] += one_off_amount(
                regime=s.regime, kind=OneOffKind.FUNERAL, province_id=province_id, on=JAN_APR[-1]
            )
    counts: dict[str, int] = {}
    for regime, target in TARGETS.items():
        rest = target - special[regime]
        if rest % len(H1):
            raise PlanError(f"{regime}: {rest} đ is not six equal months")
        monthly = rest // len(H1)
        kinds = [k for k in KINDS if k.regime == regime]
        average = sum(k.weight * amounts[k.key] for k in kinds) / sum(k.weight for k in kinds)
        people = round(monthly / average)
        total_weight = sum(k.weight for k in kinds)
        wanted = {k.key: round(people * k.weight / total_weight) for k in kinds}
        counts |= fit(monthly, [(k.key, amounts[k.key]) for k in kinds], wanted)
    return Plan(counts, amounts, special)


# --- people and entitlements ----------------------------------------------------------

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Vũ Đỗ Bùi Đặng Ngô Dương Đinh Phan Trịnh Lý Đào Hà Tạ".split()
MIDDLE = {"M": "Văn Đức Hữu Quang Minh Xuân".split(), "F": "Thị Thu Ngọc Thanh Kim Thị".split()}
GIVEN = {
    "M": "An Bình Cường Dũng Giang Hải Hùng Khánh Long Mạnh Nam Phúc Quân Sơn Thắng Việt".split(),
    "F": "Anh Bích Cúc Dung Hà Hạnh Hoa Hương Lan Liên Mai Nga Oanh Phương Thảo Tuyết Yến".split(),
}


def person_name(i: int, sex: str) -> str:
    return (
        f"{SURNAMES[i % len(SURNAMES)]} {MIDDLE[sex][(i // 7) % 6]} "
        f"{GIVEN[sex][(i // 3) % len(GIVEN[sex])]}"
    )


def national_id(born: dt.date, sex: str, serial: int) -> str:
    """Hà Nội (001), century and sex, birth year, serial (domain.md §8)."""
    digit = (born.year - 1900) // 100 * 2 + (sex == "F")
    return f"001{digit}{born.year % 100:02d}{serial:06d}"


@dataclass
class Holder:
    person_id: int
    commune_id: int
    born: dt.date
    kind: Kind


def _registry_pool(kinds: list[Kind], commune_ids: list[int]) -> dict[str, list[tuple]]:
    """The registry's people (the gift demo's) of the kinds' regimes, with no
    allowance yet, by kind key: by merit subtype for NCC, by birth year for
    BTXH (each person taken once)."""
    rows = list(
        Person.objects.filter(commune_id__in=commune_ids, rehab_only=False)
        .filter(categories__overlap=[NCC, BTXH])
        .exclude(entitlements__isnull=False)
        .order_by("id")
        .values_list("id", "commune_id", "date_of_birth", "merit_subtype", "categories")
    )
    taken: set[int] = set()
    out: dict[str, list[tuple]] = {}
    for kind in kinds:
        out[kind.key] = []
        for pid, commune_id, born, subtype, cats in rows:
            if pid in taken or kind.regime not in cats:
                continue
            fits = (
                subtype == kind.subtype
                if kind.regime == NCC
                else kind.born[0] <= born.year <= kind.born[1]
            )
            if fits:
                out[kind.key].append((pid, commune_id, born))
                taken.add(pid)
    return out


def people_create(rows: list[tuple[str, dt.date, str, str, int, str, str]]) -> list[int]:
    """(name, born, sex, national id, commune, category, merit subtype) → ids,
    in one INSERT ... SELECT FROM unnest (as the gift demo does)."""
    if not rows:
        return []
    cols = [list(c) for c in zip(*rows, strict=True)]
    addresses = [f"Thôn {i % 9 + 1}" for i in range(len(rows))]
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Person._meta.db_table} (full_name, date_of_birth, sex, national_id,
                    address, commune_id, categories, merit_subtype, created_at)
                SELECT n, d, s, i, a, c, ARRAY[k], m, %s
                  FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::text[],
                              %s::bigint[], %s::text[], %s::text[])
                       WITH ORDINALITY AS p(n, d, s, i, a, c, k, m, o)
                 ORDER BY o
                RETURNING id""",
            [timezone.now(), *cols[:4], addresses, *cols[4:]],
        )
        return [r[0] for r in cur.fetchall()]


def holders_make(
    plan_counts: dict[str, int], communes: list[AdministrativeUnit]
) -> dict[str, list[Holder]]:
    """People for every kind: the registry's first, then new people spread
    over the communes (fixed pseudo-random sizes, the township largest)."""
    rng = random.Random(2024)
    ids = [c.pk for c in communes]
    weights = [2.0 if c.code == "00376" else rng.uniform(0.6, 1.5) for c in communes]
    pool = _registry_pool(KINDS, ids)
    out: dict[str, list[Holder]] = {}
    new: list[tuple[Kind, int, dt.date, str]] = []
    serial = SERIAL_START
    for kind in KINDS:
        need = plan_counts[kind.key]
        mine = pool[kind.key][:need]
        out[kind.key] = [Holder(pid, cid, born, kind) for pid, cid, born in mine]
        for _n in range(need - len(mine)):
            serial += 1
            sex = kind.sex[serial % len(kind.sex)]
            year = rng.randint(*kind.born)
            born = D(year, rng.randint(1, 12 if year < 2022 else 6), rng.randint(1, 28))
            new.append((kind, rng.choices(ids, weights)[0], born, sex))
    rows = []
    for i, (kind, cid, born, sex) in enumerate(new):
        serial_i = SERIAL_START + 1 + i
        subtype = kind.subtype if kind.regime == NCC else ""
        rows.append(
            (
                person_name(serial_i, sex),
                born,
                sex,
                national_id(born, sex, serial_i),
                cid,
                kind.regime,
                subtype,
            )
        )
    for pid, (kind, cid, born, _sex) in zip(people_create(rows), new, strict=True):
        out[kind.key].append(Holder(pid, cid, born, kind))
    return out


def special_holders(communes: list[AdministrativeUnit]) -> list[tuple[Special, Holder]]:
    """A new registry person for each special (in its commune); the late
    decisions' people get no entitlement here (their dossier makes it)."""
    rng = random.Random(424)
    made = []
    for i, s in enumerate(SPECIALS):
        kind = next(k for k in KINDS if k.code == s.code)
        sex = kind.sex[i % len(kind.sex)]
        born = D(rng.randint(*kind.born), rng.randint(1, 12), rng.randint(1, 28))
        serial = SPECIAL_SERIAL + i
        cid = communes[s.commune % len(communes)].pk
        made.append((s, kind, cid, born, (person_name(serial, sex), born, sex,
                     national_id(born, sex, serial), cid, kind.regime,
                     kind.subtype if kind.regime == NCC else "")))  # fmt: skip
    ids = people_create([m[4] for m in made])
    return [
        (s, Holder(pid, cid, born, kind))
        for pid, (s, kind, cid, born, _r) in zip(ids, made, strict=True)
    ]


def _start(born: dt.date, kind: Kind, rng: random.Random) -> dt.date:
    """A start month before 2024 that the person's age allows."""
    earliest = 2012
    if kind.code == "nct_80_khong_luong_huu":
        earliest = max(earliest, born.year + 81)
    earliest = max(earliest, born.year + 1)
    year = rng.randint(min(earliest, 2023), 2023)
    month = rng.randint(born.month if year == born.year + 1 else 1, 12)
    return D(year, month, 1)


def entitlements_create(
    holders: Iterable[Holder], categories: dict[str, AllowanceCategory]
) -> list[Entitlement]:
    """Entitlements decided before 2024 (bulk): the decision of the month
    before the first paid month, numbered per regime and year."""
    rng = random.Random(77)
    numbers: dict[tuple[str, int], int] = {}
    rows = []
    for h in holders:
        kind = h.kind
        start = _start(h.born, kind, rng)
        decided = start - dt.timedelta(days=rng.randint(3, 25))
        n = numbers[(kind.regime, decided.year)] = numbers.get((kind.regime, decided.year), 0) + 1
        issuer = "QĐ-SLĐTBXH" if kind.regime == NCC else "QĐ-UBND"
        bank = rng.random() < 0.15
        rows.append(
            Entitlement(
                person_id=h.person_id,
                regime=kind.regime,
                category=categories[kind.code],
                degree=rng.randint(*kind.band) if kind.band else None,
                commune_id=h.commune_id,
                start_month=start,
                decision_number=f"{n}/{issuer}",
                decision_date=decided,
                payment_method=PaymentMethod.BANK if bank else PaymentMethod.POST,
                bank_account=f"1500{h.person_id:010d}" if bank else "",
                bank_name="Agribank Sóc Sơn" if bank else "",
            )
        )
    return Entitlement.objects.bulk_create(rows, batch_size=5000)


def analyze(*tables: str) -> None:
    """Statistics for rows written inside the seed's transaction (autovacuum
    cannot see them; without them the planner may choose nested loops)."""
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {', '.join(tables)}")


def analyze_month(month: dt.date) -> None:
    """Statistics for the payroll lines partition of `month`, once its lines
    are generated: with the partition's statistics still those of an empty
    table, the planner chose a nested loop over it for the lines' moves (16 s
    for one commune's step instead of a tenth of a second)."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT tableoid::regclass::text FROM {PayrollLine._meta.db_table}"
            " WHERE month = %s LIMIT 1",
            [month],
        )
        row = cur.fetchone()
        if row:
            cur.execute(f"ANALYZE {row[0]}")
