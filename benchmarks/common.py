"""Shared helpers for benchmarks: one result row, timing, peak memory of a child process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil


@dataclass
class BenchRow:
    area: str  # "data", "model", "serving", "grading", "app" ...
    benchmark: str  # what was measured
    size: str  # rows, requests, submissions ...
    value: float  # the measured figure
    unit: str  # "s", "ms", "MB", "req/s" ...
    target: str = ""  # the target, as text ("<= 10 s"); empty when there is none
    met: bool | None = None  # None when there is no target
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_measured(code: str, timeout: float = 900,
                 checkout: Path | None = None) -> dict[str, float]:
    """Run Python ``code`` in a fresh interpreter; return its wall time and peak RSS in MB.

    A fresh process makes peak memory honest (nothing cached from earlier benchmarks).
    The code may print one JSON object on its last line; its keys are merged in.
    ``checkout``: an exported older revision to run from instead of this one (its folder is
    the working directory and comes first on the path, so the ``python -m demo`` children it
    starts run its code too, not this checkout's).
    """
    # A script file, not ``python -c``: with pyspark installed, importing Great Expectations
    # in a ``-c`` process makes pyspark believe it runs doctests and exit quietly with 0.
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        (scratch / "measured.py").write_text(code)
        return _run_script(scratch / "measured.py", timeout, checkout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_script(script: Path, timeout: float, checkout: Path | None = None
                ) -> dict[str, float]:
    # As ``-c`` would: the checkout importable
    root = str(checkout or Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=root, env=env)
    peak = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [ps, *ps.children(True)]))
        except psutil.Error:
            pass
        time.sleep(0.02)
        if time.perf_counter() - start > timeout:
            proc.kill()
            raise TimeoutError(f"benchmark child exceeded {timeout} s")
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}): {err.strip()[-2000:]}")
    figures: dict[str, float] = {"wall_s": wall, "peak_mb": peak / 2**20}
    last = out.strip().splitlines()[-1] if out.strip() else ""
    if last.startswith("{"):
        figures.update(json.loads(last))
    return figures


def output_dir() -> Path:
    folder = Path(__file__).resolve().parent / "output"
    folder.mkdir(exist_ok=True)
    return folder
