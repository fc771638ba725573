"""Sample submissions, generated from the solved notebooks: good, partial and hostile ones.

The grading tests and the grading benchmark build their classes with these, so the samples
follow the exercises as they change instead of being committed copies that drift.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import nbformat

from demo.paths import SOLUTIONS_DIR
from grading.make_starters import BEGIN, END, make_starter
from grading.plugin import NOTEBOOK_NAME, known_exercises

Notebook = nbformat.NotebookNode
INVALID_JSON = b'{"cells": [ this is not JSON'


def solved(exercise: str) -> Notebook:
    return nbformat.read(str(SOLUTIONS_DIR / exercise / NOTEBOOK_NAME), as_version=4)


def starter(exercise: str) -> Notebook:
    return make_starter(solved(exercise), exercise)


def _function_cell(notebook: Notebook, function: str) -> nbformat.NotebookNode:
    pattern = re.compile(rf"^def {re.escape(function)}\(", re.MULTILINE)
    for cell in notebook.cells:
        if cell.cell_type == "code" and pattern.search(cell.source):
            return cell
    raise KeyError(f"no cell defines {function}()")


def with_answer(notebook: Notebook, function: str, body: str, keep_solution: bool = False
                ) -> Notebook:
    """A copy whose ``function`` runs ``body`` in place of its solution block (or before it,
    with ``keep_solution``)."""
    changed = nbformat.from_dict(notebook)
    cell = _function_cell(changed, function)
    lines = cell.source.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if BEGIN.match(line) and i > _def_line(lines, function))
    end = next(i for i in range(start, len(lines)) if END.match(lines[i]))
    indent = BEGIN.match(lines[start])["indent"]  # type: ignore[index]
    new_body = textwrap.indent(textwrap.dedent(body).strip("\n"), indent).splitlines()
    kept = lines[start:end + 1] if keep_solution else []
    cell.source = "\n".join(lines[:start] + new_body + kept + lines[end + 1:])
    return changed


def _def_line(lines: list[str], function: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))


def with_cell(notebook: Notebook, source: str, position: int = 2) -> Notebook:
    """A copy with one more code cell (by default right after the ``check`` cell)."""
    changed = nbformat.from_dict(notebook)
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n"))
    cell["id"] = f"added-{len(changed.cells)}"
    changed.cells.insert(position, cell)
    return changed


def write_student(folder: Path, notebooks: Mapping[str, Notebook | bytes]) -> Path:
    """A student's folder: ``folder/<exercise>/exercise.ipynb`` for each notebook given."""
    folder.mkdir(parents=True, exist_ok=True)
    for exercise, notebook in notebooks.items():
        target = folder / exercise / NOTEBOOK_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, bytes):
            target.write_bytes(notebook)
        else:
            nbformat.write(notebook, str(target))
    return folder


# -- the history exercise's variants: one per way a submission can go wrong -----------------

HISTORY = "01_history"


def history_partial() -> Notebook:
    """q2's metrics hard-coded (one check of four passes), q3's years_between unfinished."""
    notebook = with_answer(solved(HISTORY), "rule_metrics",
                           'return {"precision": 0.5, "recall": 0.5, "accuracy": 0.5}')
    return with_answer(notebook, "years_between", 'raise NotImplementedError("later")')


def history_raises() -> Notebook:
    return with_answer(solved(HISTORY), "predict_churn_by_rule",
                       'raise ValueError("no rules yet")')


def history_loops() -> Notebook:
    notebook = with_cell(solved(HISTORY), "while True:\n    pass")
    return with_answer(notebook, "expand_captcha", "while True:\n    pass")


def history_exits() -> Notebook:
    notebook = with_cell(solved(HISTORY), "import os\nimport sys\nos._exit(3)\nsys.exit(1)")
    return with_answer(notebook, "expand_captcha", "import sys\nsys.exit(0)")


def history_crash_in_test() -> Notebook:
    """Ends the process from C when q4 is checked: ``os._exit``'s guard cannot see it."""
    return with_answer(solved(HISTORY), "expand_captcha",
                       "import ctypes\nctypes.CDLL(None)._exit(7)")


def history_crash_on_load() -> Notebook:
    return with_cell(solved(HISTORY), "import ctypes\nctypes.CDLL(None)._exit(9)")


def history_memory() -> Notebook:
    return with_answer(solved(HISTORY), "predict_churn_by_rule",
                       "hog = []\nwhile True:\n    hog.append(bytes(2**28))")


def history_flood() -> Notebook:
    return with_answer(solved(HISTORY), "expand_captcha",
                       'for _ in range(100_000):\n    print("spam " * 40)', keep_solution=True)


def history_writes(outside: Path, course_file: Path) -> Notebook:
    """Writes to the course's own tests, the scratch copy's tests, and outside the scratch."""
    notebook = with_cell(solved(HISTORY), f"""
        from pathlib import Path
        for target in [Path({str(course_file)!r}), Path.cwd().parent / "course" / "conftest.py",
                       Path({str(outside)!r})]:
            try:
                target.write_text("import pytest\\n")
            except OSError as error:
                print(error)
        """)
    return with_answer(notebook, "expand_captcha",
                       f"Path({str(outside)!r}).write_text('x')", keep_solution=True)


HISTORY_VARIANTS: dict[str, Callable[[], Notebook | bytes]] = {
    "good": lambda: solved(HISTORY),
    "partial": history_partial,
    "raises": history_raises,
    "loops": history_loops,
    "exits": history_exits,
    "crash_in_test": history_crash_in_test,
    "crash_on_load": history_crash_on_load,
    "memory": history_memory,
    "flood": history_flood,
    "invalid": lambda: INVALID_JSON,
}


def full_submission(history: Notebook | bytes, solve_others: bool = True
                    ) -> dict[str, Notebook | bytes]:
    """Every exercise: ``history`` for 01, solutions (or starters) for the rest."""
    notebooks: dict[str, Notebook | bytes] = {HISTORY: history}
    for exercise in known_exercises():
        if exercise != HISTORY:
            notebooks[exercise] = solved(exercise) if solve_others else starter(exercise)
    return notebooks
