"""The per-lesson quizzes: every quiz file follows the format, its key scores right, a wrong
answer of every shape scores wrong with an explanation, and the key never reaches a starter."""

from __future__ import annotations

import ast
import json
import textwrap

import nbformat
import pytest

from demo.paths import EXERCISES_DIR
from grading.check import check_question
from grading.make_starters import QUIZ_TAG
from grading.plugin import known_exercises
from grading.quiz import KINDS, Question, QuizError, load_quiz, score

EXERCISES = known_exercises()
QUIZZES = {exercise: load_quiz(exercise) for exercise in EXERCISES}
QUESTIONS = [pytest.param(q, id=f"{exercise}-{q.name}")
             for exercise, quiz in QUIZZES.items() for q in quiz.questions]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_lesson_has_a_quiz_of_five_to_eight_questions(exercise):
    quiz = QUIZZES[exercise]
    assert 5 <= len(quiz.questions) <= 8
    assert 5 <= quiz.minutes <= 20
    kinds = {q.kind for q in quiz.questions}
    assert "choice" in kinds and len(kinds) >= 3, f"{exercise}: only {sorted(kinds)}"


def test_the_course_uses_every_kind_of_question():
    used = {q.kind for quiz in QUIZZES.values() for q in quiz.questions}
    assert used == set(KINDS)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_key_scores_right_and_no_answer_scores_wrong(question: Question):
    right, words = score(question, question.answer)
    assert right, words
    assert words.strip()
    right, words = score(question, None)
    assert not right and words.startswith("not answered yet")


def wrong_answers(question: Question) -> list[object]:
    """Answers of the right shape that are not the key (at least one for every question)."""
    letters = list(question.options)
    key = question.answer
    if question.kind == "choice":
        return [letter for letter in letters if letter != key]
    if question.kind == "multiple":
        answers = [[letter for letter in key if letter != key[0]]] if len(key) > 1 else []
        answers += [[*key, letter] for letter in letters if letter not in key][:2]
        return answers
    if question.kind == "order":
        return [[key[1], key[0], *key[2:]], list(reversed(key))]
    if question.kind == "match":
        first = letters[0]
        other = next(t for t in question.targets if t != key[first])
        return [{**key, first: other}]
    step = question.tolerance + max(abs(key) * 0.01, 1e-6)
    return [key - step, key + step]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_wrong_answer_scores_wrong_and_says_why(question: Question):
    wrongs = wrong_answers(question)
    assert wrongs, f"{question.name}: no wrong answer to try"
    for answer in wrongs:
        right, words = score(question, answer)
        assert not right, f"{question.name}: {answer!r} was accepted"
        assert len(words) > 20, f"{question.name}: {answer!r} got no explanation ({words!r})"


def test_answers_of_the_wrong_shape_say_what_was_expected():
    q = Question("q1", "choice", "?", 1, "b", {"a": "A.", "b": "B."}, {"a": "x", "b": "y"})
    assert score(q, "B") == (True, "b: B.")  # case and spaces do not matter
    assert score(q, ["b"])[1] == "expected one of a, b as a string, got ['b']"
    number = Question("q2", "number", "?", 1, 0.5, {"low": "L", "right": "R", "high": "H"},
                      tolerance=0.01)
    assert score(number, 0.505) == (True, "R")
    assert score(number, "0.5") == (False, "expected a number, got str")
    assert score(number, True) == (False, "expected a number, got bool")
    order = Question("q3", "order", "?", 1, ["b", "a", "c"], {k: k.upper() for k in "abc"},
                     {k: k for k in "abc"})
    assert score(order, ["b", "c", "a"]) == (False, "1 of 3 in the right place; look again at c: C")
    assert "once, in a list" in score(order, ["a", "a", "b"])[1]


VALID = """
minutes = 5

[q1]
kind = "choice"
points = 1
prompt = "Which?"
options = { a = "one", b = "two" }
answer = "a"
why = { a = "because", b = "because not" }
"""


@pytest.mark.parametrize(("change", "named"), [
    (("minutes = 5", "minutes = 0"), "'minutes' should be a positive whole number"),
    (('kind = "choice"', 'kind = "essay"'), "[q1]: 'kind' should be one of choice"),
    (('answer = "a"', 'answer = "c"'), "[q1]: 'answer' should be one of the options"),
    (('b = "because not"', 'c = "because not"'), "[q1]: 'why' should explain exactly a, b"),
    (("[q1]", "[q2]"), "questions should be named q1 in order"),
    (("points = 1", 'points = "one"'), "[q1]: 'points' should be a int"),
    (("answer =", "answer = = "), "not valid TOML"),
])
def test_a_broken_quiz_file_names_the_file_and_the_field(tmp_path, change, named):
    folder = tmp_path / "01_x"
    folder.mkdir()
    (folder / "quiz.toml").write_text(VALID.replace(*change))
    with pytest.raises(QuizError) as error:
        load_quiz("01_x", tmp_path)
    assert str(folder / "quiz.toml") in str(error.value)
    assert named in str(error.value)


def test_a_missing_quiz_file_is_named(tmp_path):
    with pytest.raises(QuizError, match="no quiz file"):
        load_quiz("01_x", tmp_path)


def _quiz_cell(notebook: nbformat.NotebookNode) -> str:
    cells = [c for c in notebook.cells
             if c.cell_type == "code" and QUIZ_TAG in c.metadata.get("tags", [])]
    assert len(cells) == 1
    return cells[0].source


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_starter_shows_the_questions_but_not_the_key(exercise):
    path = EXERCISES_DIR / exercise / "exercise.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    (assignment,) = ast.parse(_quiz_cell(notebook)).body  # `quiz = {...}`, plain literals
    quiz = QUIZZES[exercise]
    assert ast.literal_eval(assignment.value) == {q.name: None for q in quiz.questions}
    text = path.read_text()
    for question in quiz.questions:
        for explanation in question.why.values():
            assert json.dumps(explanation)[1:-1][:60] not in text, (
                f"{exercise} {question.name}: an explanation is in the starter")
        assert question.prompt.split("\n")[0][:40] in text.replace('\\"', '"')


def test_check_explains_a_right_answer_and_a_wrong_one():
    quiz = QUIZZES["01_history"]
    answers = {q.name: q.answer for q in quiz.questions}
    first = quiz.questions[0]
    wrong = wrong_answers(first)[0]
    said = check_question("01_history", "quiz", {"quiz": {**answers, first.name: wrong}})
    assert f"{first.name}: " in said
    assert first.why[wrong] in said  # the explanation of the option chosen
    second = quiz.questions[1]
    for line in textwrap.dedent(score(second, second.answer)[1]).splitlines()[:1]:
        assert line in said  # a right answer is explained too
