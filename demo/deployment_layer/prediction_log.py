"""The durable prediction log: one JSON line per prediction, in the workspace.

The promise: every prediction the API answers with 200 has exactly one record in the file
before the answer leaves. ``submit`` queues one request's records and returns a future; one
writer thread (a single-worker executor) appends them, then resolves the future. The queue
is bounded, and a failed write (disk full, file too large, permissions) is truncated away,
fails its request and sets ``failure``: the API then turns not ready until restarted.

Each write reaches the operating system before anyone is answered (a crash loses nothing
answered); a second thread fsyncs once a second and on close, because an fsync on a busy
disk can take most of a second and no request should wait for it. The file rotates by size
(``predictions.jsonl`` -> ``.1`` -> ... ``.<backups>``).
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from demo.errors import DataError

QUEUE_LIMIT = 1_024  # requests waiting for the writer; beyond it, refuse
FSYNC_SECONDS = 1.0  # a power cut can lose at most this much
ROTATE_BYTES = 64 * 1024 * 1024
BACKUPS = 5


class LogUnavailable(Exception):
    """The log cannot take records now (broken or full): the prediction must not be served."""


class TornLineWarning(UserWarning):
    """The last line of a log file is incomplete: a write was cut short (crash, full disk)."""


class PredictionLog:
    """Append-only JSONL file; ``submit`` hands the records to the writer thread and returns."""

    def __init__(self, path: Path, queue_limit: int = QUEUE_LIMIT,
                 rotate_bytes: int = ROTATE_BYTES, backups: int = BACKUPS) -> None:
        self.path = path
        self.queue_limit = queue_limit
        self.rotate_bytes = rotate_bytes
        self.backups = backups
        self._room = threading.Semaphore(queue_limit)  # a slot per request not yet written
        self._writer = ThreadPoolExecutor(1, "prediction-log")  # one write at a time, in order
        self._syncer = threading.Thread(target=self._sync_forever, daemon=True)
        self._closing = threading.Event()
        self._log = -1  # the open file's descriptor, once started
        self._unsynced = False  # written since the last fsync
        self.records_written = 0
        self.failure: str | None = None  # why the log stopped taking records, if it did

    def start(self) -> PredictionLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._log = _open(self.path)
        except OSError as exc:
            self.failure = f"cannot open the prediction log {self.path}: {exc}"
        self._syncer.start()
        return self

    def submit(self, records: Sequence[dict[str, Any]]) -> Future[None]:
        """Queue one request's records (encoded here, in the caller's thread); the future
        resolves once they are in the file, or fails with ``LogUnavailable`` if the write
        does. Raises ``LogUnavailable`` at once when the log is broken or its queue full."""
        if self.failure is not None:
            raise LogUnavailable(self.failure)
        # pydantic's encoder: several times faster than json.dumps on 1,000 records
        lines = b"".join(to_json(record) + b"\n" for record in records)
        if not self._room.acquire(blocking=False):
            raise LogUnavailable(f"the prediction log is {self.queue_limit:,} requests "
                                 "behind; try again shortly")
        written = self._writer.submit(self._write, lines, len(records))
        written.add_done_callback(lambda _: self._room.release())
        return written

    def close(self) -> None:
        """Write what is queued, fsync, stop the writer and the syncer."""
        self._writer.shutdown(wait=True)
        self._closing.set()
        if self._syncer.is_alive():
            self._syncer.join()
        self._sync()
        if self._log >= 0:
            os.close(self._log)
            self._log = -1

    def _write(self, lines: bytes, count: int) -> None:
        """Append one request's lines (in the writer thread); a failure breaks the log."""
        if self.failure is not None:
            raise LogUnavailable(self.failure)
        try:
            if os.fstat(self._log).st_size >= self.rotate_bytes:
                self._rotate()
            _write_all(self._log, lines)
        except OSError as exc:
            self.failure = f"cannot write the prediction log {self.path}: {exc}"
            raise LogUnavailable(self.failure) from None
        self.records_written += count
        self._unsynced = True

    def _sync_forever(self) -> None:
        while not self._closing.wait(FSYNC_SECONDS):
            self._sync()

    def _sync(self) -> None:
        """fsync; a full disk can surface only here (delayed allocation), so it breaks the log."""
        if not self._unsynced or self.failure is not None:
            return
        self._unsynced = False  # before the fsync: a write during it sets it again
        try:
            with self.path.open("rb") as synced:  # fsync on any descriptor syncs the file
                os.fsync(synced.fileno())
        except OSError as exc:
            self.failure = f"cannot sync the prediction log {self.path}: {exc}"

    def _rotate(self) -> None:
        os.fsync(self._log)
        os.close(self._log)
        self._log = -1
        for number in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{number + 1}"))
        self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        self._log = _open(self.path)


def _open(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def _write_all(log: int, data: bytes) -> None:
    """Append ``data`` whole or not at all: a partial write is truncated away, then raised."""
    size_before = os.fstat(log).st_size
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(log, view):]
    except OSError:
        os.ftruncate(log, size_before)
        raise


def iter_prediction_log(path: Path) -> Iterator[dict[str, Any]]:
    """The records of one log file, streamed line by line (an absent log has none).

    A torn last line (no newline at the end: the writer was cut short) is reported with a
    ``TornLineWarning`` and skipped; a broken line anywhere else is a ``DataError``.
    """
    if not path.exists():
        return
    with path.open("rb") as log:
        for number, line in enumerate(log, start=1):
            if not line.endswith(b"\n"):
                warnings.warn(TornLineWarning(
                    f"{path}:{number}: the last line is incomplete ({len(line):,} bytes, no "
                    "newline): a write was cut short; the line is skipped"), stacklevel=2)
                return
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise DataError(f"{path}:{number}: not a JSON record ({exc})") from None


def read_prediction_log(path: Path) -> list[dict[str, Any]]:
    """Every record of a prediction log file (see ``iter_prediction_log``)."""
    return list(iter_prediction_log(path))
