"""The untouched capstone starter earns no auto point (a file of its own, so that it runs
beside the reference's check rather than after it)."""

from __future__ import annotations

from grading.capstone import load_rubric
from tests.grading.capstone_support import STARTER, check, copy_submission


def test_the_untouched_starter_earns_nothing(tmp_path):
    result = check(copy_submission(STARTER, tmp_path / "starter"), tmp_path / "work")
    assert result.earned == {c.id: 0.0 for c in load_rubric() if c.kind == "auto"}, (
        result.evidence)
    assert "NotImplementedError" in result.evidence["pipeline_runs"]
    assert result.evidence["contract_refuses"] == "the healthy batch was refused too"


def test_a_folder_without_pipeline_py_earns_nothing_and_says_why(tmp_path):
    (tmp_path / "empty").mkdir()
    result = check(tmp_path / "empty", tmp_path / "work")
    assert set(result.earned.values()) == {0.0}
    assert set(result.evidence.values()) == {"no pipeline.py"}
