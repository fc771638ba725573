"""The durable prediction log: one JSON line per prediction, in the workspace.

Request handlers never touch the file. They put one entry per request on a queue; a single
writer thread turns entries into lines, so lines from concurrent requests never interleave.

Durability policy: every drained batch of entries is written and flushed to the operating
system at once (a crash of the API loses nothing already flushed), and ``fsync`` runs at
most once per ``fsync_interval`` seconds and on close, so a power cut can lose at most that
last interval. ``flush()`` blocks until every entry queued so far is written.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_STOP = object()


class PredictionLog:
    """Append-only JSONL file fed by one writer thread."""

    def __init__(self, path: Path, fsync_interval: float = 1.0) -> None:
        self.path = path
        self.fsync_interval = fsync_interval
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.records_written = 0

    def start(self) -> PredictionLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._write_forever, name="prediction-log",
                                        daemon=True)
        self._thread.start()
        return self

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Queue records for writing (cheap: no I/O and no JSON in the caller's thread)."""
        self._queue.put(records)

    def flush(self) -> None:
        """Wait until everything appended so far is on disk (written and flushed)."""
        self._queue.join()

    def close(self) -> None:
        """Write what is queued, fsync, stop the writer."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _write_forever(self) -> None:
        with self.path.open("a", encoding="utf-8") as log:
            last_sync = time.monotonic()
            unsynced = stopping = False
            while not stopping:
                try:  # when lines await fsync, wake up in time to sync them even if idle
                    entries = [self._queue.get(timeout=self.fsync_interval if unsynced else None)]
                except queue.Empty:
                    os.fsync(log.fileno())
                    last_sync, unsynced = time.monotonic(), False
                    continue
                while True:  # drain what else is waiting: one write per burst
                    try:
                        entries.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                lines: list[str] = []
                for entry in entries:
                    if entry is _STOP:
                        stopping = True
                    else:
                        lines.extend(json.dumps(r, separators=(",", ":")) for r in entry)
                if lines:
                    log.write("\n".join(lines) + "\n")
                    log.flush()
                    self.records_written += len(lines)
                    unsynced = True
                if stopping or time.monotonic() - last_sync >= self.fsync_interval:
                    os.fsync(log.fileno())
                    last_sync, unsynced = time.monotonic(), False
                for _ in entries:
                    self._queue.task_done()


def read_prediction_log(path: Path) -> list[dict[str, Any]]:
    """Every record of a prediction log (an absent log has none)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.strip()]
