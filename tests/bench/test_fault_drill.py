"""The fault drill (bench/drill_faults.py) runs to the end at a tiny size and
passes: 4 cases driven over HTTP by 2 clients while PostgreSQL is stopped and
started and the notification worker is killed twice. Its own throwaway
cluster starts as a copy of this worker's migrated test database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.bench.test_bench_smoke import _declarations

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "bench" / "drill_faults.py"


@pytest.mark.django_db
def test_fault_drill_passes_at_a_tiny_size(django_db_setup: Any) -> None:
    knobs, smoke = _declarations(DRILL)
    assert set(smoke["SMOKE_ENV"]) == knobs
    env = {
        **os.environ,
        **{k: str(v) for k, v in smoke["SMOKE_ENV"].items()},
        "DATABASE_URL": settings.DATABASE_URL,
        "DRILL_TEMPLATE_DB": settings.DATABASES["default"]["NAME"],
        "PYTHONPATH": str(ROOT),
    }
    run = subprocess.run(
        [sys.executable, str(DRILL)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for line in smoke["SMOKE_LINES"]:
        assert re.search(line, run.stdout, re.M), (line, output)
