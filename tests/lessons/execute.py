"""Re-execute lesson notebooks in place, the way the tests run them, and report the time each took.

Each notebook runs in a fresh kernel against its own temporary workspace (never the learner's
``workspace/``), with the same quiet environment nbval gives it, so the outputs committed in
the notebook are the outputs CI compares against.

    .venv/bin/python tests/lessons/execute.py                # every lesson notebook
    .venv/bin/python tests/lessons/execute.py lessons/01_history/01_timeline.ipynb
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import nbformat
import psutil
from nbclient import NotebookClient

from demo.course.notebook import WORKSPACES_PREFIX, kernel_environment, notebook_workspace
from demo.paths import LESSONS_DIR

CELL_TIMEOUT_SECONDS = 600


def lesson_notebooks() -> list[Path]:
    return sorted(LESSONS_DIR.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))


class ChildCpu:
    """CPU seconds used by this process's children (the kernel and what it starts), polled.

    Wall time on a busy machine says little; CPU time says what the notebook costs.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            for child in psutil.Process().children(recursive=True):
                try:
                    times = child.cpu_times()
                except psutil.Error:
                    continue
                self.seen[child.pid] = times.user + times.system
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def execute_in_place(notebook_path: Path, workspace: Path) -> tuple[float, float]:
    """Run every cell of the notebook and save it with its outputs; (wall, CPU) seconds."""
    notebook = nbformat.read(notebook_path, as_version=4)
    saved = dict(os.environ)
    os.environ.update(kernel_environment(str(workspace)))
    try:
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_SECONDS,
            record_timing=False,
            resources={"metadata": {"path": str(notebook_path.parent)}},
        )
        start = time.perf_counter()
        with ChildCpu() as cpu:
            client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, notebook_path)
    return seconds, cpu.seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    args = parser.parse_args(argv)
    notebooks = [path.resolve() for path in args.notebooks] or lesson_notebooks()
    base = Path(tempfile.mkdtemp(prefix=WORKSPACES_PREFIX))
    total_wall = total_cpu = 0.0
    print(f"{'wall':>7}    {'CPU':>7}    notebook (load average {os.getloadavg()[0]:.1f})")
    try:
        for path in notebooks:
            wall, cpu = execute_in_place(path, notebook_workspace(base, path))
            total_wall, total_cpu = total_wall + wall, total_cpu + cpu
            print(f"{wall:7.1f} s  {cpu:7.1f} s  {path.relative_to(LESSONS_DIR.parent)}",
                  flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{total_wall:7.1f} s  {total_cpu:7.1f} s  total ({len(notebooks)} notebooks, "
          f"load average now {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
