"""Loading notebook code with nbformat + exec: unfinished cells do not stop the rest."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grading.notebook import InvalidNotebook, MissingAnswer, load_notebook


def write(path: Path, *sources: str, tags: dict[int, list[str]] | None = None) -> Path:
    cells = [nbformat.v4.new_code_cell(s, metadata={"tags": (tags or {}).get(i, [])})
             for i, s in enumerate(sources)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    return path


def test_cells_run_in_order_and_problems_are_recorded(tmp_path):
    path = write(
        tmp_path / "n.ipynb",
        "a = 1",
        'raise NotImplementedError("later")',
        "import sys\nsys.exit(2)",
        "b = a + 1\nprint('hello')",
        "check('q1')",
        "%matplotlib inline\nc = b * 10",
        "boom = 1 / 0",
        "skipped = True",
        tags={7: ["skip-grading"]},
    )
    loaded = load_notebook(path)
    assert (loaded.namespace.a, loaded.namespace.b, loaded.namespace.c) == (1, 2, 20)
    assert [(p.number, p.kind) for p in loaded.problems] == [
        (2, "not-implemented"), (3, "exit"), (7, "error")]
    assert "ZeroDivisionError" in loaded.problems[2].message
    assert "skipped" not in loaded.namespace
    assert loaded.output == "hello\n"


def test_a_missing_name_says_why(tmp_path):
    loaded = load_notebook(write(tmp_path / "n.ipynb", "x = 1", "raise NotImplementedError"))
    with pytest.raises(MissingAnswer, match="not implemented yet") as caught:
        loaded.namespace.answer  # noqa: B018
    assert caught.value.unfinished
    finished = load_notebook(write(tmp_path / "m.ipynb", "x = 1"))
    with pytest.raises(MissingAnswer, match="write it in the notebook and run its cell"):
        finished.namespace.answer  # noqa: B018


def test_an_endless_cell_is_stopped_and_loading_goes_on(tmp_path):
    path = write(tmp_path / "n.ipynb", "while True:\n    pass", "after = 'ran'")
    loaded = load_notebook(path, cell_timeout=0.5)
    assert loaded.problems[0].kind == "timeout"
    assert loaded.namespace.after == "ran"


def test_output_is_capped(tmp_path):
    loaded = load_notebook(write(tmp_path / "n.ipynb", "print('x' * 50_000)"), output_limit=100)
    assert loaded.output_flooded and len(loaded.output) == 100


def test_invalid_json_is_named(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(InvalidNotebook, match="broken.ipynb is not a valid notebook"):
        load_notebook(path)
