"""Every lesson notebook asks the learner to act: at least three "predict first" prompts (a
guess written down before the cell that answers it) and at least one "modify" task, as
markdown cells tagged ``predict`` / ``modify``."""

from __future__ import annotations

import nbformat
import pytest

from demo.paths import LESSONS_DIR

NOTEBOOKS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
MARKERS = {"predict": "**Predict first.**", "modify": "**Modify.**"}


def tagged(notebook: nbformat.NotebookNode, tag: str) -> list[int]:
    return [i for i, cell in enumerate(notebook.cells) if tag in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_learner_predicts_three_times_and_modifies_once(path):
    notebook = nbformat.read(path, as_version=4)
    predictions, modifications = tagged(notebook, "predict"), tagged(notebook, "modify")
    assert len(predictions) >= 3, f"{len(predictions)} predict prompts"
    assert len(modifications) >= 1, "no modify task"
    for index in predictions + modifications:
        cell = notebook.cells[index]
        kind = "predict" if index in predictions else "modify"
        assert cell.cell_type == "markdown"
        assert cell.source.lstrip("> ").startswith(MARKERS[kind]), cell.source[:60]
    for index in predictions:  # a prediction comes before the run (or reading) that answers it
        assert index + 1 < len(notebook.cells), f"cell {index} predicts nothing"
    assert any(c.cell_type == "code" for c in notebook.cells[predictions[0] + 1:])


def test_every_lesson_notebook_is_counted():
    assert len(NOTEBOOKS) == 14
