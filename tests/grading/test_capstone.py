"""The capstone checker on the reference solution: every auto point, on hidden batches from
a seed it never saw. (``test_capstone_starter.py``: the starter earns none;
``test_capstone_wrong.py``: plausible wrong submissions.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grading.capstone import load_rubric, score_rows
from grading.make_starters import strip_solutions
from tests.grading.capstone_support import SOLUTION, STARTER, check, copy_submission

AUTO = {c.id: c.points for c in load_rubric() if c.kind == "auto"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    # No wall-clock cap here: each stage of the checker has its own timeout (a hang fails),
    # and how long a check takes is a figure for a benchmark, not a test on a shared machine
    # (under CI load it took 147 s where a quiet run takes about 35 s).
    root = tmp_path_factory.mktemp("reference")
    return check(copy_submission(SOLUTION, root / "reference"), root / "work"), None


def test_the_reference_solution_earns_every_auto_point(reference):
    result, _ = reference
    assert result.earned == AUTO, result.evidence


def test_the_evidence_states_the_measured_figures(reference):
    result, _ = reference
    assert "ROC AUC" in result.evidence["champion_beats_baseline"]
    assert "of 1500 rows reached gold" in result.evidence["contract_accepts"]
    assert result.evidence["contract_refuses"] == "no gold table written for the broken export"


def test_the_score_sheet_has_every_rubric_row_and_leaves_the_instructor_rows_blank(reference):
    rubric = load_rubric()
    rows = score_rows(reference[0], rubric)
    assert [r["criterion"] for r in rows] == [c.id for c in rubric]
    assert all(r["points"] == "" for r in rows if r["kind"] == "instructor")
    assert sum(c.points for c in rubric) == 100


def test_the_starter_is_the_solution_with_its_answers_stripped():
    source = (SOLUTION / "pipeline.py").read_text()
    starter, _ = strip_solutions(source, "solutions/capstone/pipeline.py")
    assert (STARTER / "pipeline.py").read_text() == starter + "\n", (
        "exercises/capstone/pipeline.py is out of date: regenerate it from the solution")
    assert "BEGIN SOLUTION" not in starter and "MAX_QUARANTINE_SHARE = " not in starter


def test_the_starter_carries_the_course_policy_unchanged():
    course = (Path(__file__).parents[2] / "demo" / "params.toml").read_text()
    assert (STARTER / "params.toml").read_text().endswith(course)
