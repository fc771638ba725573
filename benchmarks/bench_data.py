"""The data layer as a whole process against a floor process, on 100,000 and 1,000,000 rows.

Each run is a fresh interpreter, imports included, timed from the outside with its peak
memory (``run_measured``), on a dirty file made by the course's generator:

- floor: what any data layer on this file must at least do: import great_expectations,
  read the CSV with pandas as text (the same reader as ingest) and write it to Parquet;
- after: ``python -m demo ingest FILE`` with this checkout's code (every table and report
  written, the contract run);
- contract alone: the data contract (Great Expectations) on the silver table "after" wrote,
  timed inside a process that has already imported great_expectations: the validation
  every data layer must add to the floor, shown as a share of the floor;
- before (only with ``BENCH_DATA_BEFORE=<git revision>``): the same command with that
  revision's ``demo/`` package, exported with ``git archive``, for a before/after figure.

The three are run one after another for each size, so their ratios come from the same
minute of a shared machine. Targets (the course's data-layer issue): after <= 1.2 x floor
at 1M rows; <= 2 GB peak; linear growth (1M time <= 12 x the 100k time).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import BenchRow, output_dir, run_measured

SIZES = (100_000, 1_000_000)
TARGET_RATIO = 1.2
TARGET_PEAK_MB = 2048.0
LINEAR_FACTOR = 12.0
ROOT = Path(__file__).resolve().parents[1]

FLOOR = """
import great_expectations
import pandas as pd
frame = pd.read_csv({path!r}, engine="pyarrow", dtype="str", keep_default_na=False)
frame.to_parquet({out!r}, index=False)
"""

DATA_LAYER = """
import runpy, sys
sys.path.insert(0, {source!r})  # this checkout, or an exported older revision
sys.argv = ["demo", "ingest", {path!r}, "--workspace", {workspace!r}]
try:
    runpy.run_module("demo", run_name="__main__")
except SystemExit as exit:
    if exit.code:
        raise
"""

CONTRACT = """
import json, time
import great_expectations
from demo.catalog import Catalog
from demo.data_layer.contract import validate_silver
from demo.settings import Settings
silver = Catalog(Settings.from_env({workspace!r})).load("silver")  # as the contract step reads it
start = time.perf_counter()
validate_silver(silver)
print(json.dumps({{"validate_s": time.perf_counter() - start, "silver_rows": len(silver)}}))
"""


def raw_file(rows: int, seed: int = 42) -> Path:
    """A dirty raw file of ``rows`` rows from the generator (made once, then reused)."""
    from demo.synthetic.export import write_csv
    from demo.synthetic.scenarios import generate_batch

    folder = output_dir() / "data"
    folder.mkdir(exist_ok=True)
    path = folder / f"raw_{rows}_{seed}.csv"
    if not path.exists():
        write_csv(generate_batch(rows, seed, dirty=True), path)
    return path


def export_revision(revision: str) -> Path:
    """The ``demo/`` package of an older revision, in a folder of its own."""
    folder = output_dir() / f"before_{revision}"
    if not (folder / "demo").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "demo"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measure(path: Path, sources: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Wall time and peak memory of the floor and of each data layer, one after another."""
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "floor.parquet")
        figures["floor"] = run_measured(FLOOR.format(path=str(path), out=out))
        for name, source in sources.items():
            workspace = str(Path(folder) / f"workspace_{name}")
            figures[name] = run_measured(DATA_LAYER.format(
                source=str(source), path=str(path), workspace=workspace), checkout=source)
        after = str(Path(folder) / "workspace_after")
        figures["contract"] = run_measured(CONTRACT.format(workspace=after))
    return figures


def run(quick: bool) -> list[BenchRow]:
    sources = {"after": ROOT}
    before = os.environ.get("BENCH_DATA_BEFORE")
    if before:
        sources["before"] = export_revision(before)
    rows: list[BenchRow] = []
    after_seconds: dict[int, float] = {}
    for size in SIZES[:1] if quick else SIZES:
        load = os.getloadavg()[0]
        figures = measure(raw_file(size), sources)
        floor = figures["floor"]["wall_s"]
        label = f"{size:,} rows"
        big = size == 1_000_000
        rows.append(BenchRow("data", "floor: import GX, read CSV as text, write Parquet", label,
                             floor, "s", note=f"peak {figures['floor']['peak_mb']:.0f} MB; "
                             f"load average {load:.1f} before"))
        contract = figures["contract"]
        rows.append(BenchRow("data", "contract alone (GX validation of silver) / floor", label,
                             contract["validate_s"] / floor, "x", note=(
                                 f"{contract['validate_s']:.2f} s on {contract['silver_rows']:,.0f}"
                                 " silver rows, great_expectations already imported; the "
                                 "floor plus this alone is "
                                 f"{1 + contract['validate_s'] / floor:.2f} x the floor")))
        for name in sources:
            seconds, peak = figures[name]["wall_s"], figures[name]["peak_mb"]
            ratio = seconds / floor
            revision = f" ({before})" if name == "before" else ""
            rows.append(BenchRow("data", f"data layer {name}{revision}: python -m demo ingest",
                                 label, seconds, "s", note=f"{ratio:.2f} x the floor"))
            rows.append(BenchRow("data", f"data layer {name}{revision} / floor", label, ratio,
                                 "x", target=f"<= {TARGET_RATIO:g}" if big else "",
                                 met=(ratio <= TARGET_RATIO) if big and name == "after"
                                 else None))
            rows.append(BenchRow("data", f"data layer {name}{revision}: peak memory", label,
                                 peak, "MB", target=f"<= {TARGET_PEAK_MB:g} MB" if big else "",
                                 met=(peak <= TARGET_PEAK_MB) if big and name == "after"
                                 else None, note="RSS of the whole process"))
        after_seconds[size] = figures["after"]["wall_s"]
    if len(after_seconds) == len(SIZES):
        growth = after_seconds[SIZES[-1]] / after_seconds[SIZES[0]]
        rows.append(BenchRow("data", "data layer growth: 1M time / 100k time", "1M vs 100k",
                             growth, "x", target=f"<= {LINEAR_FACTOR:g}",
                             met=growth <= LINEAR_FACTOR,
                             note="whole processes, imports included"))
    (output_dir() / "bench_data.json").write_text(json.dumps([r.as_dict() for r in rows],
                                                             indent=2))
    return rows
