"""Every benchmark in bench/ runs to the end at a tiny size, so a change that
breaks one fails the test suite; the figures themselves are not judged.

Each bench/bench_*.py declares next to its size knobs (the `env_int(...)`
calls) `SMOKE_ENV`, a tiny value for every knob, and `SMOKE_LINES`, regular
expressions for the lines it must print (its figure next to its baseline);
optionally `SMOKE_ABSENT`, lines it must not print. They are read from the
source, not imported. The benchmarks copy one database migrated once for
this module (BENCH_TEMPLATE_DB) instead of migrating their own.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from bench.common import bench_databases, database_drop

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted((ROOT / "bench").glob("bench_*.py"))
TIMEOUT_S = 180  # per benchmark; each takes seconds at its smoke size
TEMPLATE_TIMEOUT_S = 300


def _declarations(path: Path) -> tuple[set[str], dict[str, Any]]:
    """The file's knobs (first argument of each env_int call) and its SMOKE_* constants."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    knobs = {
        str(node.args[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "env_int"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    smoke = {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.startswith("SMOKE_")
    }
    return knobs, smoke


def _environment(template: str, knobs: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update({k: str(v) for k, v in knobs.items()})
    env.update(
        BENCH_TEMPLATE_DB=template,
        # The URL in use, also when it came from the local cluster rather than
        # the environment (settings fall back to scripts/localdb.sh).
        DATABASE_URL=settings.DATABASE_URL,
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE") or "config.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def _run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int, int, str]:
    """(pid, exit status, output); on timeout the process gets SIGTERM first,
    on which throwaway_database drops its database."""
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        out += f"\n*** killed after {timeout} s"
    return proc.pid, proc.returncode, out


def _tail(out: str, lines: int = 40) -> str:
    return "\n".join(out.splitlines()[-lines:])


def _left_behind(pid: int) -> tuple[list[str], list[str]]:
    """Databases and media folders of process `pid` still there, removed now."""
    databases = [d for d in bench_databases() if d.endswith(f"_{pid}")]
    for name in databases:
        database_drop(name)
    folders = list(Path(tempfile.gettempdir()).glob(f"bench_*_{pid}_media_*"))
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return databases, [str(f) for f in folders]


@dataclass
class Run:
    status: int
    out: str
    left_behind: list[str]  # databases and media folders it did not remove


def _smoke_run(path: Path, template: str, knobs: dict[str, int]) -> Run:
    pid, status, out = _run([sys.executable, str(path)], _environment(template, knobs), TIMEOUT_S)
    databases, folders = _left_behind(pid)
    return Run(status, out, databases + folders)


@pytest.fixture(scope="module")
def template_database() -> Iterator[str]:
    """A migrated database the benchmarks copy, named after this process so a
    benchmark's clean-up of stale databases drops it if this run is killed."""
    name = f"bench_template_{os.getpid()}"
    args = [sys.executable, "-m", "bench.common", "template", name]
    try:
        _pid, status, out = _run(args, _environment(name, {}), TEMPLATE_TIMEOUT_S)
        assert status == 0, f"the template database was not made:\n{_tail(out)}"
        yield name
    finally:
        database_drop(name)


@pytest.fixture(scope="module")
def smoke_runs(
    request: pytest.FixtureRequest, template_database: str
) -> Iterator[dict[Path, Future[Run]]]:
    """The selected benchmarks, started together, a few at a time (one per CPU,
    at least two): most of each run is start-up and set-up, which overlap well."""
    ids = {
        item.callspec.id
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.parent is request.node
        and hasattr(item, "callspec")
    }
    selected = [path for path in BENCHMARKS if path.stem in ids]
    workers = max(2, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = {}
        for path in selected:
            _knobs, smoke = _declarations(path)
            if "SMOKE_ENV" in smoke:
                runs[path] = pool.submit(_smoke_run, path, template_database, smoke["SMOKE_ENV"])
        yield runs
        for future in runs.values():
            future.cancel()  # the ones not started when a test was interrupted


@pytest.mark.parametrize("path", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_benchmark_runs_at_smoke_size_and_prints_its_figures(
    path: Path, smoke_runs: dict[Path, Future[Run]]
) -> None:
    knobs, smoke = _declarations(path)
    assert "SMOKE_ENV" in smoke and "SMOKE_LINES" in smoke, (
        f"{path.name} declares no SMOKE_ENV / SMOKE_LINES (its smoke sizes and figure lines)"
    )
    assert set(smoke["SMOKE_ENV"]) == knobs, (
        f"{path.name}: SMOKE_ENV must give a tiny value to every env_int knob; "
        f"knobs {sorted(knobs)}, SMOKE_ENV {sorted(smoke['SMOKE_ENV'])}"
    )

    run = smoke_runs[path].result()
    status, out, left_behind = run.status, run.out, run.left_behind

    assert status == 0, f"{path.name} exited with {status}:\n{_tail(out)}"
    missing = [p for p in smoke["SMOKE_LINES"] if not re.search(p, out, re.MULTILINE)]
    assert not missing, f"{path.name} did not print {missing}:\n{_tail(out)}"
    present = [p for p in smoke.get("SMOKE_ABSENT", []) if re.search(p, out, re.MULTILINE)]
    assert not present, f"{path.name} printed {present}:\n{_tail(out)}"
    assert not left_behind, f"{path.name} left {left_behind} behind"
