"""The data layer on Spark: generated files on local[2] and on a loopback standalone cluster
(a master and two workers), beside the pandas data layer at the same sizes.

Each run is a fresh interpreter (``run_measured``): its peak memory is the driver's (Python
and its JVM). On the cluster the executors run under the workers, so their peak is sampled
apart. The JVM start-up (creating the SparkSession) is reported on its own row.

Targets (platform issue): 10M rows on Spark <= 120 s with <= 4 GB driver memory.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import Self

import psutil

from benchmarks.bench_data import raw_file
from benchmarks.common import BenchRow, output_dir, run_measured

SIZES = (1_000_000, 10_000_000)
TARGET_SECONDS = 120.0
TARGET_DRIVER_MB = 4096.0

SPARK_CHILD = """
import json, tempfile, time
from pathlib import Path
from typing import Self
from demo.settings import Settings, configure_offline
configure_offline()
start = time.perf_counter()
from demo.platform.spark_data_layer import run_spark_data_layer
with tempfile.TemporaryDirectory() as folder:
    summary = run_spark_data_layer(Settings.from_env(Path(folder) / "workspace"), {path!r},
                                   master={master!r})
    figures = dict(summary["seconds"])
    figures["end_to_end"] = time.perf_counter() - start
    figures["rows_silver"] = summary["rows_silver"]
print(json.dumps(figures))
"""

# With pyspark installed, Great Expectations imports pyspark.sql.connect, which takes a
# ``python -c`` process (no __main__.__file__) for a doctest run and exits: give it a name.
PANDAS_CHILD = """
import __main__
__main__.__file__ = "bench_spark_pandas_child"
import json, tempfile, time
from pathlib import Path
from typing import Self
from demo.settings import Settings, configure_offline
configure_offline()
start = time.perf_counter()
from demo.pipeline import run_pipeline
with tempfile.TemporaryDirectory() as folder:
    summary = run_pipeline(Settings.from_env(Path(folder) / "workspace"), {path!r},
                           until="features")
print(json.dumps({{"end_to_end": time.perf_counter() - start,
                  "rows_silver": summary["rows_silver"]}}))
"""


class TreePeak:
    """Samples the summed RSS of some processes and all their children, in a thread."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.peak, self._stop = pids, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            total = 0
            for pid in self.pids:
                try:
                    root = psutil.Process(pid)
                    total += sum(p.memory_info().rss for p in [root, *root.children(True)])
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def spark_rows(size: int, where: str, figures: dict[str, float]) -> list[BenchRow]:
    label = f"{size:,} rows"
    big = size == 10_000_000
    total = figures["end_to_end"]
    rows = [
        BenchRow("data", f"Spark data layer end to end ({where})", label, total, "s",
                 target=f"<= {TARGET_SECONDS:g} s" if big else "",
                 met=(total <= TARGET_SECONDS) if big else None,
                 note="includes the JVM start-up; ingest (the shared reader) "
                      f"{figures['ingest']:.1f} s, clean {figures['clean']:.1f} s, "
                      f"checks {figures['validate']:.1f} s, write {figures['write']:.1f} s"),
        BenchRow("data", f"Spark JVM start-up ({where})", label, figures["session"], "s",
                 note="creating the SparkSession"),
        BenchRow("data", f"Spark driver peak memory ({where})", label, figures["peak_mb"], "MB",
                 target=f"<= {TARGET_DRIVER_MB:g} MB" if big else "",
                 met=(figures["peak_mb"] <= TARGET_DRIVER_MB) if big else None,
                 note="RSS of the Python driver and its JVM"
                      + ("; the executors run inside it" if where == "local[2]" else "")),
    ]
    if "executors_peak_mb" in figures:
        rows.append(BenchRow("data", f"Spark executors peak memory ({where})", label,
                             figures["executors_peak_mb"], "MB",
                             note="RSS of the master, both workers and their executors"))
    return rows


def on_cluster(path: Path) -> dict[str, float]:
    from demo.platform import spark_cluster

    folder = Path(tempfile.mkdtemp(prefix="course-spark-"))
    state = spark_cluster.start(folder)
    try:
        with TreePeak([state.master_pid, *state.worker_pids]) as executors:
            figures = run_measured(SPARK_CHILD.format(path=str(path), master=state.master_url))
        figures["executors_peak_mb"] = executors.peak / 2**20
    finally:
        spark_cluster.stop(folder)
    return figures


def run(quick: bool) -> list[BenchRow]:
    sizes = SIZES[:1] if quick else SIZES
    rows: list[BenchRow] = []
    for size in sizes:
        path = raw_file(size)
        label = f"{size:,} rows"
        rows += spark_rows(size, "local[2]", run_measured(
            SPARK_CHILD.format(path=str(path), master="local[2]")))
        if size == SIZES[0]:
            rows += spark_rows(size, "standalone: master + 2 workers", on_cluster(path))
        pandas = run_measured(PANDAS_CHILD.format(path=str(path)))
        rows.append(BenchRow("data", "pandas data layer end to end (beside Spark)", label,
                             pandas["end_to_end"], "s",
                             note=f"peak memory {pandas['peak_mb']:.0f} MB"))
    (output_dir() / "bench_spark.json").write_text(json.dumps([r.as_dict() for r in rows],
                                                              indent=2))
    return rows
