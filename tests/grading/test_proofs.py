"""What CI proves about every exercise present: the committed starters are what the
generator makes, each question has tests with points, the solutions score 100 % and the
untouched starters score 0 (through the real class grader)."""

from __future__ import annotations

import pytest

from demo.paths import EXERCISES_DIR, PROJECT_ROOT, SOLUTIONS_DIR
from grading.classroom import Limits, grade_students
from grading.make_starters import BEGIN, out_of_date, solution_notebooks
from grading.plugin import NOTEBOOK_NAME, known_exercises
from grading.reports import question_scores
from grading.samples import solved

EXERCISES = known_exercises()


def test_there_are_exercises():
    assert "01_history" in EXERCISES
    assert [p.parent.name for p in solution_notebooks()] == EXERCISES


def test_committed_starters_match_a_fresh_generation():
    stale = out_of_date()
    assert stale == [], f"run `make exercises`: these starters are out of date: {stale}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_each_exercise_has_its_parts(exercise):
    assert (EXERCISES_DIR / exercise / NOTEBOOK_NAME).exists(), "no generated starter"
    assert (PROJECT_ROOT / "tests" / "exercises" / f"test_{exercise}.py").exists(), "no tests"
    notebook = solved(exercise)
    sources = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert f'checker("{exercise}")' in sources[0], "the first code cell must create check()"
    blocks = sum(bool(BEGIN.match(line)) for s in sources for line in s.splitlines())
    assert blocks >= 1, "no solution block: the starter would ask nothing beside its quiz"


@pytest.fixture(scope="module")
def solutions_and_starters():
    limits = Limits(test_timeout=120, cell_timeout=300, submission_timeout=900)
    graded = grade_students([("solutions", SOLUTIONS_DIR), ("starters", EXERCISES_DIR)], limits)
    return {result.student: result for result in graded}


@pytest.mark.slow
def test_solutions_score_100_percent(solutions_and_starters):
    result = solutions_and_starters["solutions"]
    failed = [f"{o.nodeid}: {o.status}: {o.message}" for o in result.outcomes if not o.passed]
    assert not failed, "solutions must pass every test:\n" + "\n".join(failed)
    assert {o.exercise for o in result.outcomes} == set(EXERCISES)
    for exercise in EXERCISES:
        questions = {s.question for s in question_scores(result.outcomes)
                     if s.exercise == exercise}
        assert "quiz" in questions, f"{exercise}: no quiz"
        # a handful of questions per exercise: 01 asks one rule and 04 one design (beside
        # their quizzes), 06 seven (its last two incident labs)
        assert 1 <= len(questions - {"quiz"}) <= 7, f"{exercise}: {len(questions)} questions"


@pytest.mark.slow
def test_untouched_starters_score_0(solutions_and_starters):
    result = solutions_and_starters["starters"]
    earned = [f"{o.nodeid} ({o.points:g} points)" for o in result.outcomes if o.passed]
    assert not earned, "an untouched starter must not earn points:\n" + "\n".join(earned)
    assert len(result.outcomes) == len(solutions_and_starters["solutions"].outcomes)
