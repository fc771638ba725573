"""Every graded question refuses a plausible wrong answer (grading/samples.py: WRONG_ANSWERS).

One class, graded in the sandbox: each student submits a solved notebook with one mistake.
The mistaken question loses its correctness checks; what it keeps are the checks the wrong
answer genuinely meets (it returns the right shape, leaves its input alone ...), listed
below with the points. Every other question of the exercise keeps full marks, except where
a later question builds on the mistaken function."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grading import samples
from grading.__main__ import main

pytestmark = pytest.mark.slow

# (exercise, question) -> points the wrong answer keeps, for each question it affects
KEPT = {
    ("01_history", "q1"): {"q1": 2},  # one flag per customer, input left alone
    ("02_layers", "q1"): {"q1": 2},  # numbers become floats
    ("02_layers", "q2"): {"q2": 1},  # it is an expectation on the right column
    ("02_layers", "q3"): {"q3": 1},  # zero for identical samples
    ("02_layers", "q4"): {"q4": 3},  # every stage has a box; reasons are given
    ("02_layers", "q5"): {"q5": 0},  # the repair acts on the wrong diagnosis
    ("03_roles", "q1"): {"q1": 2},  # the shape, and one accountable role per step
    ("03_roles", "q2"): {"q2": 2},  # the types and the output are right
    ("03_roles", "q3"): {"q3": 1},  # one field per input
    ("03_roles", "q4"): {"q4": 3},  # every stage has a box; reasons are given
    ("04_cloud_architecture", "q1"): {"q1": 3},  # every stage has a box; reasons are given
    ("05_demo", "q1"): {"q1": 0},
    ("05_demo", "q2"): {"q2": 0},  # the repair acts on the wrong diagnosis
    ("05_demo", "q3"): {"q3": 0},  # the repair acts on the wrong diagnosis
    ("06_best_practices", "q1"): {"q1": 0},
    ("06_best_practices", "q2"): {"q2": 1},  # a reversed numeric separator is still caught
    ("06_best_practices", "q3"): {"q3": 0},
    ("06_best_practices", "q4"): {"q4": 0},
    ("06_best_practices", "q5"): {"q5": 0},
    ("06_best_practices", "q6"): {"q6": 0},  # the repair acts on the wrong diagnosis
    ("06_best_practices", "q7"): {"q7": 0},  # the repair acts on the wrong diagnosis
}


def student_name(exercise: str, question: str) -> str:
    return f"{exercise}-{question}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the class's grading."""
    base = tmp_path_factory.mktemp("wrong")
    for exercise, question in samples.WRONG_ANSWERS:
        samples.write_student(base / "submissions" / student_name(exercise, question),
                              {exercise: samples.wrong_answer(exercise, question)})
    code = main(["--submissions", str(base / "submissions"), "--out", str(base / "out"),
                 "--test-timeout", "120", "--submission-timeout", "600", "--workers", "2"])
    assert code == 0
    return base / "out"


@pytest.fixture(scope="module")
def gradebook(graded: Path) -> list[dict[str, str]]:
    with (graded / "gradebook.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_question_has_a_wrong_answer():
    from grading.quiz import load_quiz  # the quizzes have their own wrong answers (test_quiz)

    assert sorted(samples.WRONG_ANSWERS) == sorted(KEPT)
    for exercise, question in KEPT:
        assert question != "quiz" and load_quiz(exercise)


def test_each_wrong_answer_loses_its_question_and_nothing_else(gradebook):
    for (exercise, question), kept in KEPT.items():
        rows = {r["question"]: (float(r["points"]), float(r["max"]))
                for r in gradebook
                if r["student"] == student_name(exercise, question) and r["exercise"] == exercise}
        mistake = samples.WRONG_ANSWERS[(exercise, question)][2]
        assert rows[question][0] < rows[question][1], f"{exercise} {question} ({mistake})"
        for name, (points, maximum) in rows.items():
            expected = kept.get(name, maximum)
            assert points == expected, (
                f"{exercise}, wrong {question} ({mistake}): {name} earned {points:g}, "
                f"expected {expected:g} of {maximum:g}")


def test_the_rubric_sheet_lists_each_designs_reasons_side_by_side(graded):
    with (graded / "rubric.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["exercise", "question", "item", "student", "text", "mark"]
    storage = {r["student"]: r["text"] for r in rows
               if (r["exercise"], r["question"], r["item"]) == ("04_cloud_architecture", "q1",
                                                                "storage")}
    students = {student_name("04_cloud_architecture", "q1")}
    assert set(storage) == students  # every student who handed in exercise 04, one row each
    assert storage[student_name("04_cloud_architecture", "q1")] == (
        "All customer tables in one warehouse.")
    assert {r["mark"] for r in rows} == {""}  # left for the instructor
