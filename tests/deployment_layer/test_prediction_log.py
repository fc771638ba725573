"""The prediction log on its own: written before the answer, bounded, rotated, read safely."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from demo.deployment_layer import prediction_log
from demo.deployment_layer.prediction_log import (
    LogUnavailable,
    PredictionLog,
    TornLineWarning,
    iter_prediction_log,
    read_prediction_log,
)
from demo.errors import DataError


def records(request: str, count: int) -> list[dict[str, object]]:
    return [{"request_id": request, "customer_id": f"{request}-{i}"} for i in range(count)]


def test_a_record_is_in_the_file_when_its_future_resolves(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "predictions.jsonl").start()
    try:
        log.submit(records("a", 3)).result(timeout=30)
        on_disk = read_prediction_log(log.path)  # read while the writer still runs
    finally:
        log.close()
    assert [r["customer_id"] for r in on_disk] == ["a-0", "a-1", "a-2"]
    assert log.records_written == 3


def test_a_full_queue_refuses_at_once_instead_of_growing(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    disk = threading.Event()  # a disk that does not answer until the test lets it
    monkeypatch.setattr(prediction_log, "_write_all", lambda log, data: disk.wait())
    log = PredictionLog(tmp_path / "predictions.jsonl", queue_limit=2).start()
    try:
        log.submit(records("a", 1))
        log.submit(records("b", 1))
        with pytest.raises(LogUnavailable, match="2 requests behind"):
            log.submit(records("c", 1))
    finally:
        disk.set()
        log.close()


def test_an_unwritable_log_fails_its_requests_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "serving"
    folder.mkdir()
    (folder / "predictions.jsonl").mkdir()  # a folder where the file should be
    log = PredictionLog(folder / "predictions.jsonl").start()
    try:
        with pytest.raises(LogUnavailable, match="predictions.jsonl"):
            log.submit(records("a", 1)).result(timeout=30)
        assert log.failure is not None and "predictions.jsonl" in log.failure
        with pytest.raises(LogUnavailable):  # refused at once from now on
            log.submit(records("b", 1))
    finally:
        log.close()


def test_the_log_rotates_by_size_and_keeps_every_record(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    log = PredictionLog(path, rotate_bytes=2_000, backups=50).start()
    try:
        for n in range(40):
            log.submit(records(f"r{n}", 5)).result(timeout=30)
    finally:
        log.close()
    rotated = sorted(path.parent.glob("predictions.jsonl.*"),
                     key=lambda p: -int(p.suffix.lstrip(".")))  # oldest first
    assert len(rotated) >= 2
    assert all(p.stat().st_size < 2_000 + 600 for p in rotated)
    everything = [r for p in [*rotated, path] for r in read_prediction_log(p)]
    assert [r["customer_id"] for r in everything] == \
        [f"r{n}-{i}" for n in range(40) for i in range(5)]


def test_a_torn_last_line_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    complete = [json.dumps(r) for r in records("a", 3)]
    path.write_text("\n".join(complete) + '\n{"request_id": "b", "custo')
    with pytest.warns(TornLineWarning, match=r"predictions.jsonl:4: the last line is incomplete"):
        read = read_prediction_log(path)
    assert [r["customer_id"] for r in read] == ["a-0", "a-1", "a-2"]


def test_a_broken_line_inside_the_log_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_text('{"request_id": "a"}\nnot json\n{"request_id": "b"}\n')
    with pytest.raises(DataError, match=r"predictions.jsonl:2: not a JSON record"):
        list(iter_prediction_log(path))
