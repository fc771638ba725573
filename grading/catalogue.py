"""The list of exercise tests a batch grades, with their question and points.

Collected once per batch, in a process forked from the grading fork server (which has pytest
and the tests' imports loaded already), from the course's copied tests: every test a student
could earn points for appears in the gradebook, including the ones their submission never let
run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from grading.outcomes import TestEntry


class CatalogueError(RuntimeError):
    """The course's tests could not be collected (a broken test file)."""


class _Collector:
    def __init__(self) -> None:
        self.entries: list[TestEntry] = []
        self.errors: list[str] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(f"{report.nodeid}: {str(report.longrepr)[-1500:]}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from grading.plugin import exercise_of, marker_value, test_title

        for item in session.items:
            self.entries.append(TestEntry(
                nodeid=item.nodeid,
                exercise=exercise_of(item.module),  # type: ignore[attr-defined]
                question=str(marker_value(item, "question", "unmarked")),
                title=test_title(item),
                points=float(marker_value(item, "points", 0)),
            ))


def collect_here(folder: Path, files: list[str]) -> list[TestEntry]:
    """Collect in this process (used by the forked process below)."""
    collector = _Collector()
    args = ["--collect-only", "-q", "-c", str(folder / "pytest.ini"), "--rootdir", str(folder),
            "--import-mode=importlib", "-p", "no:cacheprovider",
            *[str(folder / f) for f in files]]
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[collector])
    if collector.errors:
        raise CatalogueError("the exercise tests could not be collected:\n"
                             + "\n".join(collector.errors))
    return collector.entries


COLLECT_TIMEOUT_S = 300


def collect_tests(folder: Path, files: list[str]) -> list[TestEntry]:
    """Collect in a process of its own, so the caller's own pytest session is not disturbed.

    It is forked from the grading fork server: a fresh interpreter would import pandas,
    scikit-learn and MLflow again (~3 s of CPU) before the batch's first student starts.
    """
    from grading.launcher import run_forked

    answer = folder.parent / f"catalogue-{os.getpid()}.json"
    code = run_forked(_collect_to_file, (str(folder), files, str(answer)), COLLECT_TIMEOUT_S)
    try:
        found = json.loads(answer.read_text()) if answer.exists() else None
    finally:
        answer.unlink(missing_ok=True)
    if code != 0 or not isinstance(found, dict):
        raise CatalogueError(f"collecting the tests failed (exit code {code})")
    if "error" in found:
        raise CatalogueError(str(found["error"]))
    return [TestEntry(**row) for row in found["entries"]]


def _collect_to_file(folder: str, files: list[str], answer: str) -> None:
    """In the forked process: collect, and write the entries (or the error) as JSON."""
    os.chdir(folder)
    sys.dont_write_bytecode = True
    try:
        found = {"entries": [asdict(e) for e in collect_here(Path(folder), files)]}
    except CatalogueError as error:
        found = {"error": str(error)}
    Path(answer).write_text(json.dumps(found))
