"""Generate the starter notebooks in ``exercises/`` from the solved ones in ``solutions/``.

    python -m grading.make_starters          # (re)write exercises/NN_topic/exercise.ipynb
    python -m grading.make_starters --check  # exit 1 when a committed starter is out of date

In a solution, each answer sits between a ``# BEGIN SOLUTION`` line and an ``# END SOLUTION``
line. The starter keeps everything else (a function's ``def`` line and docstring stay when
the block is its body) and puts ``# YOUR CODE HERE`` and ``raise NotImplementedError(...)``
in place of the block, at the block's indentation. A cell whose block is top-level code
raises when run, so it is tagged ``raises-exception`` for nbval; so is a cell the solution
tags ``raises-in-starter`` (one that calls an answer at top level). Starters carry no outputs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from demo.paths import EXERCISES_DIR, SOLUTIONS_DIR

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
RAISES_TAG = "raises-exception"
# Tag a solution cell that uses an answer at top level (so it raises in the starter).
RAISES_IN_STARTER_TAG = "raises-in-starter"
PLACEHOLDER = "# YOUR CODE HERE"
UNFINISHED = 'raise NotImplementedError("not implemented yet: replace this line with your code")'
NOTEBOOK_NAME = "exercise.ipynb"


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


def make_starter(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The starter twin of a solved notebook (a new notebook; the input is left untouched)."""
    starter = nbformat.from_dict(solution)
    for index, cell in enumerate(starter.cells, start=1):
        cell.pop("id", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
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


def starter_text(solution_path: Path) -> str:
    """The starter notebook for ``solution_path``, as the exact text written to disk."""
    name = str(solution_path.relative_to(solution_path.parents[1]))
    starter = make_starter(nbformat.read(str(solution_path), as_version=4), name)
    return nbformat.writes(starter) + "\n"


def solution_notebooks(solutions_dir: Path = SOLUTIONS_DIR) -> list[Path]:
    return sorted(solutions_dir.glob(f"*/{NOTEBOOK_NAME}"))


def out_of_date(solutions_dir: Path = SOLUTIONS_DIR, exercises_dir: Path = EXERCISES_DIR
                ) -> list[str]:
    """Exercise folders whose committed starter differs from a fresh generation."""
    stale = []
    for solution in solution_notebooks(solutions_dir):
        starter = exercises_dir / solution.parent.name / NOTEBOOK_NAME
        if not starter.exists() or starter.read_text() != starter_text(solution):
            stale.append(solution.parent.name)
    return stale


def write_starters(solutions_dir: Path = SOLUTIONS_DIR, exercises_dir: Path = EXERCISES_DIR
                   ) -> list[Path]:
    written = []
    for solution in solution_notebooks(solutions_dir):
        starter = exercises_dir / solution.parent.name / NOTEBOOK_NAME
        starter.parent.mkdir(parents=True, exist_ok=True)
        starter.write_text(starter_text(solution))
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
                print(f"exercises/{name}/{NOTEBOOK_NAME} is out of date: run `make exercises`")
            return 1 if stale else 0
        for path in write_starters():
            print(f"wrote {path.relative_to(EXERCISES_DIR.parent)}")
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
