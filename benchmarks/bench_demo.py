"""`make demo` with a ready virtual environment: this checkout against an older revision.

Each run is ``python -m demo run`` in a fresh interpreter and a fresh workspace (what
``make demo`` runs once the environment exists), imports included, timed from the outside.
Without ``BENCH_DEMO_BEFORE`` only this checkout is timed. With
``BENCH_DEMO_BEFORE=<git revision>`` that revision's ``demo/`` and ``datasets/`` are exported
with ``git archive`` and the two are run alternately (after, before, after, ...), so the
ratio comes from the same minutes of a shared machine. Target (the course's pipeline issue):
this checkout at least 15 % faster than the revision the issue was filed against.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import BenchRow, output_dir, run_measured

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
TARGET_RATIO = 0.85  # "at least 15 % faster"

DEMO_RUN = """
import runpy, sys
sys.path.insert(0, {source!r})  # this checkout, or an exported older revision
sys.argv = ["demo", "run", "--workspace", {workspace!r}]
try:
    runpy.run_module("demo", run_name="__main__")
except SystemExit as exit:
    if exit.code:
        raise
"""


def export_revision(revision: str) -> Path:
    """``demo/`` and ``datasets/`` of an older revision, in a folder of their own."""
    folder = output_dir() / f"demo_before_{revision}"
    if not (folder / "demo").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "demo",
                                  "datasets"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def time_demo(source: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        code = DEMO_RUN.format(source=str(source), workspace=str(Path(folder) / "workspace"))
        return run_measured(code, checkout=source)["wall_s"]


def run(quick: bool) -> list[BenchRow]:
    sources = {"after": ROOT}
    before = os.environ.get("BENCH_DEMO_BEFORE")
    if before:
        sources["before"] = export_revision(before)
    load = os.getloadavg()[0]
    seconds: dict[str, list[float]] = {name: [] for name in sources}
    for _ in range(1 if quick else ROUNDS):
        for name, source in sources.items():
            seconds[name].append(time_demo(source))
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    rows = []
    for name, median in medians.items():
        label = "this checkout" if name == "after" else f"revision {before}"
        runs = ", ".join(f"{s:.1f}" for s in seconds[name])
        rows.append(BenchRow("pipeline", f"make demo, ready venv: {label}", "7,043 rows",
                             median, "s", note=f"median of {len(seconds[name])} "
                             f"(runs {runs} s); load average {load:.1f} before"))
    if before:
        ratio = medians["after"] / medians["before"]
        rows.append(BenchRow("pipeline", f"make demo: this checkout / {before}", "7,043 rows",
                             ratio, "x", target=f"<= {TARGET_RATIO:g}",
                             met=ratio <= TARGET_RATIO, note="run alternately"))
    (output_dir() / "bench_demo.json").write_text(json.dumps([r.as_dict() for r in rows],
                                                             indent=2))
    return rows
