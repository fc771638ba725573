"""A workshop room on the platform profile: 30 learners logging to one MLflow tracking server
backed by PostgreSQL, at the same time.

Each learner logs one run with parameters, ten metrics, a plot and a model (what the course's
training logs per candidate). The figures: the services' start-up, the room's wall time, and
the latency of every logging call the learners made (p50, p95: target p95 <= 1 s, from the
platform-profile issue). Every run is checked to have arrived whole, once.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import BenchRow

LEARNERS = 30
TARGET_P95_SECONDS = 1.0


def run(quick: bool = False) -> list[BenchRow]:
    from demo.platform.room import Room
    from demo.platform.room_load import check_room, run_room

    learners = 5 if quick else LEARNERS
    size = f"{learners} learners"
    folder = Path(tempfile.mkdtemp(prefix="course-room-bench-"))
    folder.chmod(0o755)  # PostgreSQL runs as the postgres user when we are root
    room = Room(folder / "platform")
    load = os.getloadavg()[0]
    try:
        start = time.perf_counter()
        state = room.start(port=0)
        started = time.perf_counter() - start
        start = time.perf_counter()
        results = run_room(state.tracking_url, learners, experiment="benchmark")
        wall = time.perf_counter() - start
        problems = check_room(state.tracking_url, results, "benchmark")
    finally:
        room.stop()
        shutil.rmtree(folder, ignore_errors=True)
    calls = sorted(c for r in results for c in r.call_seconds)
    p95 = calls[int(0.95 * (len(calls) - 1))]
    note = f"load avg {load:.1f} before the run"
    return [
        BenchRow("platform", "start PostgreSQL + MLflow tracking server", "fresh folder",
                 started, "s", note=f"initdb, pg_ctl start, mlflow server with 2 workers; {note}"),
        BenchRow("platform", "room: every learner logs one run at once", size, wall, "s",
                 note=f"{len(calls)} logging calls; runs whole and once: "
                 f"{'yes' if not problems else 'NO: ' + problems[0]}; {note}"),
        BenchRow("platform", "room: logging call p50", size, statistics.median(calls) * 1000,
                 "ms", note=note),
        BenchRow("platform", "room: logging call p95", size, p95 * 1000, "ms",
                 target=f"<= {TARGET_P95_SECONDS * 1000:.0f} ms",
                 met=p95 <= TARGET_P95_SECONDS and not problems, note=note),
    ]
