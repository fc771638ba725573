"""The list of exercise tests a batch grades, with their question and points.

Collected once per batch, in a separate process (``python -m grading.catalogue``), from the
course's copied tests: every test a student could earn points for appears in the gradebook,
including the ones their submission never let run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
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
    """Collect in this process (used by the subprocess below)."""
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


def collect_tests(folder: Path, files: list[str]) -> list[TestEntry]:
    """Collect in a fresh process, so the caller's own pytest session is not disturbed."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "grading.catalogue", str(folder), *files],
                          capture_output=True, text=True, env=env, cwd=folder, timeout=300,
                          check=False)
    if done.returncode != 0:
        raise CatalogueError(done.stderr.strip()[-3000:] or "collecting the tests failed")
    return [TestEntry(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def main(argv: list[str]) -> int:
    try:
        entries = collect_here(Path(argv[0]), argv[1:])
    except CatalogueError as error:
        print(error, file=sys.stderr)
        return 1
    print(json.dumps([asdict(e) for e in entries]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
