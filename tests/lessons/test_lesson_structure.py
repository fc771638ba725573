"""Each lesson says what it teaches, how long it takes and what it needs, where a learner looks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from demo.paths import LESSONS_DIR

LESSONS = sorted(path for path in LESSONS_DIR.glob("[0-9][0-9]_*") if path.is_dir())
NOTEBOOKS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_the_readme_states_objectives_minutes_and_prerequisites(lesson: Path) -> None:
    readme = (lesson / "README.md").read_text()
    assert re.search(r"^\*\*Duration:\*\* about \d+ minutes", readme, re.MULTILINE), lesson.name
    assert re.search(r"^\*\*Prerequisites:\*\* \S", readme, re.MULTILINE), lesson.name
    objectives = readme.split("## What you will learn", 1)
    assert len(objectives) == 2 and re.search(r"^- \S", objectives[1], re.MULTILINE), lesson.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_first_cell_repeats_the_objectives_in_two_lines(path: Path) -> None:
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# Lesson")
    lines = first.source.splitlines()
    assert lines[1] == "" and lines[2].startswith("> **Objectives.** "), (
        f"{path.name}: the title should be followed by '> **Objectives.** ...'")
    block = lines[2:5]
    assert block[1].startswith("> ") and not block[2].startswith(">"), (
        f"{path.name}: the objectives take exactly two lines")
    assert all(len(line) > 30 for line in block[:2]), f"{path.name}: say what the learner will do"
