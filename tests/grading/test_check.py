"""check("qN") inside a notebook: runs that question's tests on the live namespace, speaks
plain words, and does nothing under the grader. Run in a fresh interpreter, as a kernel
would (pytest inside pytest would share this session's state)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from demo.paths import EXERCISES_DIR, SOLUTIONS_DIR
from grading.outcomes import NOT_IMPLEMENTED, TestOutcome
from grading.reports import question_status

SCRIPT = """
import sys
from pathlib import Path
from grading import checker
from grading.notebook import load_notebook

namespace = load_notebook(Path(sys.argv[1])).namespace
globals().update({k: getattr(namespace, k) for k in dir(namespace)})
check = checker("01_history")
check("q1")
check("q9")
"""


def run_check(notebook: str, grading: bool = False) -> str:
    env = {**os.environ, "COURSE_GRADING": "1" if grading else "0"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, notebook], capture_output=True,
                          text=True, env=env, timeout=300, check=True)
    return done.stdout


@pytest.mark.slow
def test_check_reports_in_plain_words():
    solved = run_check(str(SOLUTIONS_DIR / "01_history" / "exercise.ipynb"))
    assert "q1: all checks passed (4/4 points)" in solved
    assert "✔ predict_churn_by_rule does not change the frame it is given" in solved
    assert "q9: there are no checks for this question" in solved

    unfinished = run_check(str(EXERCISES_DIR / "01_history" / "exercise.ipynb"))
    assert "q1: 0 of 3 checks passed (0/4 points)" in unfinished
    assert "not implemented yet" in unfinished
    assert "Month-to-month" not in unfinished, "feedback must not reveal the answer"
    assert "Traceback" not in unfinished


@pytest.mark.slow
def test_check_is_silent_under_the_grader():
    assert run_check(str(SOLUTIONS_DIR / "01_history" / "exercise.ipynb"), grading=True) == ""


def outcome(status: str) -> TestOutcome:
    return TestOutcome("t::x", "01_history", "q1", "x", 1.0, status)


def test_question_status_names_the_main_reason():
    assert question_status([outcome("passed"), outcome("passed")]) == "passed"
    assert question_status([outcome("passed"), outcome("failed")]) == "partial"
    assert question_status([outcome("passed"), outcome("timeout")]) == "timeout"
    assert question_status([outcome(NOT_IMPLEMENTED)] * 2) == NOT_IMPLEMENTED
    assert question_status([outcome(NOT_IMPLEMENTED), outcome("failed")]) == "failed"
    assert question_status([outcome("skipped")]) == "skipped"
