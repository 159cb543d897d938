"""The Sóc Sơn mappings the reorganisation tests load: a merge (Phù Lỗ and
Thanh Xuân into Nội Bài, Minh Trí into Kim Anh) and a split by villages
(Phù Linh to Nội Bài and Kim Anh)."""

from __future__ import annotations

import datetime as dt

from cases.reorganization.mapping import load_mapping, read_mapping

EFFECTIVE = dt.date(2025, 7, 1)
DECISION = "Nghị quyết 1656/NQ-UBTVQH15"
HEADER = "Mã ĐVHC cũ,Tên ĐVHC cũ,Mã ĐVHC mới,Tên ĐVHC mới,Toàn bộ/một phần,Thôn\n"
MERGE = HEADER + (
    "00448,Phù Lỗ,00433,Nội Bài,Toàn bộ,\n"
    "00433,Thanh Xuân,00433,Nội Bài,Toàn bộ,\n"
    "00382,Minh Trí,00382,Kim Anh,Toàn bộ,\n"
)
# Phù Linh goes in parts, by villages: no single successor.
SPLIT = HEADER + (
    "00400,Phù Linh,00433,Nội Bài,Một phần,Thôn Đông\n"
    "00400,Phù Linh,00382,Kim Anh,Một phần,Thôn Tây\n"
)


def load(text: str) -> None:
    """Load a mapping from CSV text, in force from EFFECTIVE."""
    load_mapping(read_mapping("mapping.csv", text.encode()), effective=EFFECTIVE, decision=DECISION)
