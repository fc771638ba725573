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
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from demo.course.notebook import WORKSPACES_PREFIX, kernel_environment, notebook_workspace
from demo.paths import LESSONS_DIR

CELL_TIMEOUT_SECONDS = 600


def lesson_notebooks() -> list[Path]:
    return sorted(LESSONS_DIR.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))


def execute_in_place(notebook_path: Path, workspace: Path) -> float:
    """Run every cell of the notebook, save it with its outputs, return the seconds taken."""
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
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, notebook_path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    args = parser.parse_args(argv)
    notebooks = [path.resolve() for path in args.notebooks] or lesson_notebooks()
    base = Path(tempfile.mkdtemp(prefix=WORKSPACES_PREFIX))
    total = 0.0
    try:
        for path in notebooks:
            seconds = execute_in_place(path, notebook_workspace(base, path))
            total += seconds
            print(f"{seconds:7.1f} s  {path.relative_to(LESSONS_DIR.parent)}", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{total:7.1f} s  total ({len(notebooks)} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
