"""Generate the starter notebooks in ``exercises/`` from the solved ones in ``solutions/``.

    python -m grading.make_starters          # (re)write exercises/NN_topic/exercise.ipynb
    python -m grading.make_starters --check  # exit 1 when a committed starter is out of date

In a solution, each answer sits between a ``# BEGIN SOLUTION`` line and an ``# END SOLUTION``
line. The starter keeps everything else (a function's ``def`` line and docstring stay when
the block is its body) and puts ``# YOUR CODE HERE`` and ``raise NotImplementedError(...)``
in place of the block, at the block's indentation. A cell whose block is top-level code
raises when run, so it is tagged ``raises-exception`` for nbval; so is a cell the solution
tags ``raises-in-starter`` (one that calls an answer at top level). Starters carry no outputs.

The quiz cells (tagged ``quiz``) are written from ``solutions/NN_topic/quiz.toml``: the
questions as markdown and the ``quiz`` dict, answered in the solution and all ``None`` in the
starter. ``make exercises`` refreshes them in the solution too (and appends them, with a
``check("quiz")`` cell, to a solution that has none yet).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from demo.paths import EXERCISES_DIR, SOLUTIONS_DIR
from grading.quiz import QUIZ_FILE, Quiz, QuizError, load_quiz, quiz_code, quiz_markdown

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
RAISES_TAG = "raises-exception"
# Tag a solution cell that uses an answer at top level (so it raises in the starter).
RAISES_IN_STARTER_TAG = "raises-in-starter"
PLACEHOLDER = "# YOUR CODE HERE"
UNFINISHED = 'raise NotImplementedError("not implemented yet: replace this line with your code")'
NOTEBOOK_NAME = "exercise.ipynb"
QUIZ_TAG = "quiz"


class MarkerError(ValueError):
    """A solution cell whose BEGIN/END SOLUTION lines do not pair up."""


def strip_solutions(source: str, where: str = "cell") -> tuple[str, bool]:
    """(starter source, whether a block was top-level code) for one cell's source."""
    out: list[str] = []
    top_level = False
    inside: str | None = None  # the indentation of the open block
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside is not None:
                raise MarkerError(f"{where}, line {number}: BEGIN SOLUTION inside another block")
            inside = begin["indent"]
            top_level = top_level or inside == ""
            out += [f"{inside}{PLACEHOLDER}", f"{inside}{UNFINISHED}"]
        elif END.match(line):
            if inside is None:
                raise MarkerError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION")
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION is never closed by END SOLUTION")
    return "\n".join(out), top_level


def quiz_cells_in_sync(solution: nbformat.NotebookNode, quiz: Quiz) -> bool:
    """Write the quiz's cells into a solution notebook; False when they were out of date."""
    cells = [c for c in solution.cells if QUIZ_TAG in c.metadata.get("tags", [])]
    if not cells:
        tags = {"tags": [QUIZ_TAG]}
        cells = [nbformat.v4.new_markdown_cell("", metadata=tags),
                 nbformat.v4.new_code_cell("", metadata=dict(tags))]
        solution.cells += [*cells, nbformat.v4.new_code_cell('check("quiz")')]
    kinds = [c.cell_type for c in cells]
    if kinds != ["markdown", "code"]:
        raise MarkerError(f"{quiz.exercise}: the cells tagged {QUIZ_TAG!r} should be one "
                          f"markdown cell then one code cell, found {kinds}")
    wanted = quiz_markdown(quiz), quiz_code(quiz, answered=True)
    fresh = all(c.source == text for c, text in zip(cells, wanted))
    for cell, text in zip(cells, wanted):
        cell.source = text
    return fresh


def make_starter(solution: nbformat.NotebookNode, name: str, quiz: Quiz | None = None
                 ) -> nbformat.NotebookNode:
    """The starter twin of a solved notebook (a new notebook; the input is left untouched)."""
    starter = nbformat.from_dict(solution)
    for index, cell in enumerate(starter.cells, start=1):
        cell.pop("id", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
        if QUIZ_TAG in cell.metadata.get("tags", []):
            if quiz is None:  # the answered quiz must never reach a starter
                raise MarkerError(f"{name}: a cell is tagged {QUIZ_TAG!r} but no quiz was given")
            cell.source = quiz_code(quiz, answered=False)
            continue
        source, raises = strip_solutions(cell.source, f"{name}, cell {index}")
        old_tags = cell.metadata.get("tags", [])
        tags = [t for t in old_tags if t not in (RAISES_TAG, RAISES_IN_STARTER_TAG)]
        if (source != cell.source and raises) or RAISES_TAG in old_tags or (
                RAISES_IN_STARTER_TAG in old_tags):
            tags.append(RAISES_TAG)
        cell.source = source
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    starter.metadata.pop("widgets", None)
    starter.nbformat_minor = max(starter.nbformat_minor, 5)
    for index, cell in enumerate(starter.cells):
        cell["id"] = f"cell-{index:02d}"  # stable ids: regeneration gives identical files
    return starter


def quiz_of(solution_path: Path) -> Quiz | None:
    """The quiz beside a solution notebook, if it has one."""
    if not (solution_path.parent / QUIZ_FILE).exists():
        return None
    return load_quiz(solution_path.parent.name, solution_path.parents[1])


def generate(solution_path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """From one read of a solution notebook: the notebook with its quiz cells refreshed when
    they were out of date (else None), and the starter as the exact text written to disk."""
    name = str(solution_path.relative_to(solution_path.parents[1]))
    solution = nbformat.read(str(solution_path), as_version=4)
    quiz = quiz_of(solution_path)
    refreshed = quiz is not None and not quiz_cells_in_sync(solution, quiz)
    starter = make_starter(solution, name, quiz)
    return (solution if refreshed else None), nbformat.writes(starter) + "\n"


def solution_notebooks(solutions_dir: Path = SOLUTIONS_DIR) -> list[Path]:
    return sorted(solutions_dir.glob(f"*/{NOTEBOOK_NAME}"))


def out_of_date(solutions_dir: Path = SOLUTIONS_DIR, exercises_dir: Path = EXERCISES_DIR
                ) -> list[str]:
    """Notebooks (``exercises/NN/...`` or ``solutions/NN/...``) that differ from a fresh
    generation: a starter, or a solution's quiz cells."""
    stale = []
    for solution in solution_notebooks(solutions_dir):
        starter = exercises_dir / solution.parent.name / NOTEBOOK_NAME
        refreshed, text = generate(solution)
        if refreshed is not None:
            stale.append(f"solutions/{solution.parent.name}/{NOTEBOOK_NAME}")
        elif not starter.exists() or starter.read_text() != text:
            stale.append(f"exercises/{solution.parent.name}/{NOTEBOOK_NAME}")
    return stale


def write_starters(solutions_dir: Path = SOLUTIONS_DIR, exercises_dir: Path = EXERCISES_DIR
                   ) -> list[Path]:
    written = []
    for solution in solution_notebooks(solutions_dir):
        refreshed, text = generate(solution)
        if refreshed is not None:
            nbformat.write(refreshed, str(solution))
            written.append(solution)
        starter = exercises_dir / solution.parent.name / NOTEBOOK_NAME
        starter.parent.mkdir(parents=True, exist_ok=True)
        starter.write_text(text)
        written.append(starter)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading.make_starters",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when a committed starter is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = out_of_date()
            for name in stale:
                print(f"{name} is out of date: run `make exercises`")
            return 1 if stale else 0
        for path in write_starters():
            print(f"wrote {path.relative_to(EXERCISES_DIR.parent)}")
    except (MarkerError, QuizError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
