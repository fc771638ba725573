"""exercises/README.md lists every graded question with the points its tests give, and each
quiz with its number of questions and minutes."""

from __future__ import annotations

import re

from demo.paths import EXERCISES_DIR, PROJECT_ROOT
from grading.classroom import prepare_course
from grading.quiz import load_quiz

KINDS = {"build", "design", "decision", "diagnosis", "knowledge check"}
ASSESS_DECISIONS = {"design", "diagnosis"}  # the kinds the 60 % of issue 12 counts
SECTION = re.compile(r"^### (\d\d_\w+) — .*\(about (\d+) minutes \+ quiz\)$")
ROW = re.compile(r"^\| (q\d+|quiz) \| (.+) \| (.+) \| (\d+) \|$")


def readme_rows() -> dict[str, dict[str, tuple[str, str, int]]]:
    """exercise -> question -> (what it asks, kind, points), as the README states them."""
    rows: dict[str, dict[str, tuple[str, str, int]]] = {}
    exercise = None
    for line in (EXERCISES_DIR / "README.md").read_text().splitlines():
        if section := SECTION.match(line):
            exercise = section[1]
            rows[exercise] = {}
        elif (row := ROW.match(line)) and exercise:
            rows[exercise][row[1]] = (row[2], row[3], int(row[4]))
    return rows


def test_the_readme_states_the_points_of_every_question(tmp_path):
    course = prepare_course(tmp_path, None, PROJECT_ROOT / "tests")
    points: dict[str, dict[str, float]] = {}
    for test in course.tests:
        by_question = points.setdefault(test.exercise, {})
        by_question[test.question] = by_question.get(test.question, 0) + test.points
    stated = readme_rows()
    assert sorted(stated) == sorted(points)
    for exercise, questions in points.items():
        assert {q: row[2] for q, row in stated[exercise].items()} == questions, exercise
        assert {row[1] for row in stated[exercise].values()} <= KINDS


def stated_kinds() -> dict[str, tuple[int, str]]:
    """kind -> (points, share as written), from the README's table by kind."""
    stated = {}
    for line in (EXERCISES_DIR / "README.md").read_text().splitlines():
        if total := re.match(r"^\| (\*\*total\*\*|[a-z ]+) \| (?:\*\*)?(\d+)(?:\*\*)? \| "
                             r"([\d.]+ %)? ?\|$", line):
            stated[total[1].strip("*")] = (int(total[2]), total[3] or "")
    return stated


def test_the_totals_by_kind_add_up():
    by_kind: dict[str, int] = {}
    for questions in readme_rows().values():
        for _, kind, points in questions.values():
            by_kind[kind] = by_kind.get(kind, 0) + points
    total = sum(by_kind.values())
    assert stated_kinds() == {**{kind: (points, f"{100 * points / total:.1f} %")
                                 for kind, points in by_kind.items()}, "total": (total, "")}


def test_design_and_diagnosis_hold_at_least_60_percent_of_the_points():
    stated = stated_kinds()
    total = stated.pop("total")[0]
    share = sum(points for kind, (points, _) in stated.items() if kind in ASSESS_DECISIONS)
    text = (EXERCISES_DIR / "README.md").read_text()
    assert (f"Design and diagnosis together: {share} of {total} points, "
            f"**{100 * share / total:.1f} %**") in text
    assert share / total >= 0.6


def test_quiz_items_are_one_point_each():
    for exercise in readme_rows():
        assert {q.points for q in load_quiz(exercise).questions} == {1}, exercise


def test_the_readme_states_each_quiz_as_its_file_does():
    for exercise, questions in readme_rows().items():
        quiz = load_quiz(exercise)
        asks, kind, _ = questions["quiz"]
        assert kind == "knowledge check"
        assert asks == f"{len(quiz.questions)} questions, about {quiz.minutes} minutes"


def test_the_whole_set_fits_in_six_hours():
    text = (EXERCISES_DIR / "README.md").read_text()
    exercises = [int(m[2]) for line in text.splitlines() if (m := SECTION.match(line))]
    quizzes = [load_quiz(name).minutes for name in readme_rows()]
    assert len(exercises) == len(quizzes) == 6
    total = sum(exercises) + sum(quizzes)
    assert total <= 6 * 60
    stated = re.search(r"The whole set: about (\d+) hours (\d+) minutes", text)
    assert stated and int(stated[1]) * 60 + int(stated[2]) == total
