"""The data layer at 7,043 / 100,000 / 1,000,000 rows: time per step and peak memory.

Each size runs in a fresh interpreter (``run_measured``) on a dirty file made by the course's
generator, so peak memory is honest and nothing is cached between sizes. The steps are timed
inside ``run_data_layer`` (ingest, clean, validate incl. importing Great Expectations,
features, writing every Parquet file and report).

Targets (from the course's data-layer issue): 1M rows end to end in <= 10 s and <= 2 GB peak;
cost grows linearly (1M time <= 12 x the 100k time).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks.common import BenchRow, output_dir, run_measured

SIZES = (7_043, 100_000, 1_000_000)
STEPS = ("ingest", "clean", "validate", "features", "write")
TARGET_SECONDS = 10.0
TARGET_PEAK_MB = 2048.0
LINEAR_FACTOR = 12.0

CHILD = """
import json, tempfile, time
from pathlib import Path
from demo.settings import Settings, configure_offline
configure_offline()
start, start_cpu = time.perf_counter(), time.process_time()
from demo.data_layer.runner import run_data_layer
with tempfile.TemporaryDirectory() as folder:
    result = run_data_layer(Settings.from_env(Path(folder) / "workspace"), {path!r})
    figures = dict(result.seconds)
    figures["end_to_end"] = time.perf_counter() - start
    figures["cpu_end_to_end"] = time.process_time() - start_cpu
    figures["rows_silver"] = result.cleaned.rows_silver
print(json.dumps(figures))
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


def measure(rows: int) -> dict[str, float]:
    path = raw_file(rows)
    load_before = os.getloadavg()[0]
    return {**run_measured(CHILD.format(path=str(path))), "load_before": load_before}


def run(quick: bool) -> list[BenchRow]:
    sizes = SIZES[:1] if quick else SIZES
    rows: list[BenchRow] = []
    totals: dict[int, float] = {}
    for size in sizes:
        figures = measure(size)
        label = f"{size:,} rows"
        for step in STEPS:
            note = f"CPU of the step's own thread {figures.get('cpu_' + step, 0.0):.2f} s"
            if step == "validate":
                note += "; includes waiting for great_expectations' background import"
            if step == "write":
                note += "; runs on a second thread while the contract runs"
            rows.append(BenchRow("data", f"data layer: {step}", label, figures.get(step, 0.0),
                                 "s", note=note))
        total = figures["end_to_end"]
        totals[size] = total
        big = size == 1_000_000
        rows.append(BenchRow("data", "data layer end to end (all files written)", label, total,
                             "s", target=f"<= {TARGET_SECONDS:g} s" if big else "",
                             met=(total <= TARGET_SECONDS) if big else None,
                             note=f"process CPU {figures['cpu_end_to_end']:.2f} s (all threads); "
                             f"load average {figures['load_before']:.1f} before the run"))
        rows.append(BenchRow("data", "data layer peak memory", label, figures["peak_mb"], "MB",
                             target=f"<= {TARGET_PEAK_MB:g} MB" if big else "",
                             met=(figures["peak_mb"] <= TARGET_PEAK_MB) if big else None,
                             note="RSS of a fresh process"))
    if 100_000 in totals and 1_000_000 in totals:
        ratio = totals[1_000_000] / totals[100_000]
        rows.append(BenchRow("data", "data layer growth: 1M time / 100k time", "1M vs 100k",
                             ratio, "x", target=f"<= {LINEAR_FACTOR:g}",
                             met=ratio <= LINEAR_FACTOR))
    (output_dir() / "bench_data.json").write_text(json.dumps([r.as_dict() for r in rows],
                                                             indent=2))
    return rows
