"""The per-lesson quiz: questions, key and explanations in ``solutions/NN_topic/quiz.toml``.

The learner answers in the notebook's ``quiz`` dict (``{"q1": "b", "q2": ["c", "a", "b"]}``)
and ``check("quiz")`` scores it; the class grader counts the same tests. The key stays with
the solutions, which no sandbox can see: the notebook holds questions and options only.

A question is one table of the TOML file::

    [q1]
    kind = "choice"      # choice | multiple | order | match | number
    points = 1
    prompt = "Which layer owns ...?"
    options = { a = "...", b = "...", c = "..." }
    answer = "b"
    why = { a = "...", b = "...", c = "..." }   # every option explained

- ``choice``: one letter; ``multiple``: every letter that applies (any order);
- ``order``: all the letters, first to last;
- ``match``: a dict from each option's letter to one of ``targets``;
- ``number``: a number within ``tolerance`` of ``answer``; ``why`` has ``low``, ``right``
  and ``high``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo.paths import SOLUTIONS_DIR

QUIZ_FILE = "quiz.toml"
KINDS = ("choice", "multiple", "order", "match", "number")
HINTS = {
    "choice": "one letter, e.g. \"a\"",
    "multiple": "a list of every letter that applies, e.g. [\"a\", \"c\"]",
    "order": "a list of all the letters, first to last",
    "match": "a dict from each letter to one of the names given",
    "number": "a number",
}
REFERENCE_ENV = "COURSE_REFERENCE"  # the instructor's reference folder (default solutions/)


class QuizError(ValueError):
    """A quiz file that does not follow the format above (the message names file and field)."""


@dataclass(frozen=True)
class Question:
    name: str
    kind: str
    prompt: str
    points: int
    answer: Any
    why: dict[str, str]
    options: dict[str, str] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    tolerance: float = 0.0


@dataclass(frozen=True)
class Quiz:
    exercise: str
    minutes: int
    questions: list[Question]


def quiz_path(exercise: str, root: Path | None = None) -> Path:
    base = root or Path(os.environ.get(REFERENCE_ENV) or SOLUTIONS_DIR)
    return base / exercise / QUIZ_FILE


def load_quiz(exercise: str, root: Path | None = None) -> Quiz:
    """The quiz of ``exercise``, checked field by field."""
    path = quiz_path(exercise, root)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise QuizError(f"{path}: no quiz file") from None
    except tomllib.TOMLDecodeError as error:
        raise QuizError(f"{path}: not valid TOML ({error})") from None
    minutes = data.pop("minutes", None)
    if type(minutes) is not int or minutes <= 0:
        raise QuizError(f"{path}: 'minutes' should be a positive whole number of minutes")
    questions = [_question(path, name, table) for name, table in data.items()]
    expected = [f"q{n}" for n in range(1, len(questions) + 1)]
    if [q.name for q in questions] != expected:
        raise QuizError(f"{path}: questions should be named {', '.join(expected)} in order")
    return Quiz(exercise, minutes, questions)


def _question(path: Path, name: str, table: Any) -> Question:
    where = f"{path} [{name}]"
    if type(table) is not dict:
        raise QuizError(f"{where}: should be a table of fields")
    kind = table.get("kind")
    if kind not in KINDS:
        raise QuizError(f"{where}: 'kind' should be one of {', '.join(KINDS)}, got {kind!r}")
    for key, kinds in (("prompt", str), ("points", int), ("why", dict)):
        if type(table.get(key)) is not kinds:
            raise QuizError(f"{where}: '{key}' should be a {kinds.__name__}")
    options = table.get("options", {})
    if kind != "number" and (type(options) is not dict or len(options) < 2):
        raise QuizError(f"{where}: 'options' should give at least two lettered options")
    letters = list(options)
    answer = table.get("answer")
    targets = list(table.get("targets", []))
    problem = {
        "choice": lambda: answer in letters or "'answer' should be one of the options",
        "multiple": lambda: (type(answer) is list and bool(answer)
                             and set(answer) <= set(letters) and len(set(answer)) == len(answer)
                             ) or "'answer' should list some of the options, once each",
        "order": lambda: (type(answer) is list and sorted(answer) == sorted(letters)
                          ) or "'answer' should list every option once",
        "match": lambda: (type(answer) is dict and sorted(answer) == sorted(letters)
                          and set(answer.values()) <= set(targets) and len(targets) >= 2
                          ) or "'answer' should map every option to one of 'targets'",
        "number": lambda: (type(answer) in (int, float)
                           ) or "'answer' should be a number",
    }[kind]()
    if problem is not True:
        raise QuizError(f"{where}: {problem}")
    explained = set(table["why"])
    needed = {"low", "right", "high"} if kind == "number" else set(letters)
    if explained != needed:
        raise QuizError(f"{where}: 'why' should explain exactly {', '.join(sorted(needed))}")
    tolerance = table.get("tolerance", 0)
    if type(tolerance) not in (int, float) or tolerance < 0:
        raise QuizError(f"{where}: 'tolerance' should be a number of at least 0")
    return Question(name, kind, table["prompt"], table["points"], answer, dict(table["why"]),
                    dict(options), targets, float(tolerance))


# -- scoring (trusted side: the answer arrives as plain data) ---------------------------------


def _letter(value: Any) -> str | None:
    return value.strip().lower() if type(value) is str else None


def _letters(value: Any) -> list[str | None] | None:
    if type(value) not in (list, tuple, set, frozenset):
        return None
    items = sorted(value, key=str) if type(value) in (set, frozenset) else value
    return [_letter(item) for item in items]


def score(question: Question, given: Any) -> tuple[bool, str]:
    """(right or not, the explanation the learner sees) for one answer."""
    if given is None:
        return False, f"not answered yet: {HINTS[question.kind]}"
    return {
        "choice": _score_choice, "multiple": _score_multiple, "order": _score_order,
        "match": _score_match, "number": _score_number,
    }[question.kind](question, given)


def _score_choice(question: Question, given: Any) -> tuple[bool, str]:
    letter = _letter(given)
    if letter not in question.options:
        return False, f"expected one of {', '.join(question.options)} as a string, got {given!r}"
    return letter == question.answer, f"{letter}: {question.why[letter]}"


def _score_multiple(question: Question, given: Any) -> tuple[bool, str]:
    letters = _letters(given)
    if letters is None or any(item not in question.options for item in letters):
        return False, (f"expected a list of letters from {', '.join(question.options)}, "
                       f"got {given!r}")
    chosen, right = set(letters), set(question.answer)
    if chosen == right:
        return True, "\n".join(f"{letter}: {question.why[letter]}" for letter in sorted(chosen))
    extra = sorted(chosen - right)
    if extra:  # explain one wrong pick; the others stay for the learner to find
        return False, (f"{len(extra)} of your letters should not be there; look again at "
                       f"{extra[0]}: {question.why[extra[0]]}")
    return False, f"{len(right - chosen)} of the letters that apply missing"


def _score_order(question: Question, given: Any) -> tuple[bool, str]:
    letters = _letters(given)
    if letters is None or sorted(map(str, letters)) != sorted(question.options):
        return False, (f"expected every letter of {', '.join(question.options)} once, in a "
                       f"list, got {given!r}")
    if letters == question.answer:
        return True, "\n".join(f"{letter}: {question.why[letter]}" for letter in letters)
    placed = sum(a == b for a, b in zip(letters, question.answer))
    first_wrong = next(g for g, a in zip(letters, question.answer) if g != a)
    return False, (f"{placed} of {len(letters)} in the right place; look again at "
                   f"{first_wrong}: {question.why[first_wrong]}")


def _score_match(question: Question, given: Any) -> tuple[bool, str]:
    if type(given) is not dict:
        return False, f"expected a dict from letters to names, got {type(given).__name__}"
    pairs = {_letter(k): _letter(v) for k, v in given.items()}
    targets = {t.lower(): t for t in question.targets}
    if sorted(map(str, pairs)) != sorted(question.options) or any(
            v not in targets for v in pairs.values()):
        return False, (f"expected each of {', '.join(question.options)} mapped to one of "
                       f"{', '.join(question.targets)}, got {given!r}")
    wrong = [k for k in question.options if targets[pairs[k]] != question.answer[k]]
    if not wrong:
        return True, "\n".join(f"{k}: {question.why[k]}" for k in question.options)
    return False, (f"{len(question.options) - len(wrong)} of {len(question.options)} right; "
                   f"look again at {wrong[0]}: {question.why[wrong[0]]}")


def _score_number(question: Question, given: Any) -> tuple[bool, str]:
    import numpy as np  # a kernel's answer may be a numpy number; a sandbox's is plain JSON

    if isinstance(given, bool) or not isinstance(given, (int, float, np.integer, np.floating)):
        return False, f"expected a number, got {type(given).__name__}"
    value = float(given)
    if abs(value - question.answer) <= question.tolerance:
        return True, question.why["right"]
    return False, question.why["low" if value < question.answer else "high"]


# -- the notebook's cells (generated from the quiz file) --------------------------------------


def quiz_markdown(quiz: Quiz) -> str:
    """The questions and options, as the notebook shows them."""
    total = sum(q.points for q in quiz.questions)
    title = (f"## Quiz — {len(quiz.questions)} questions, about {quiz.minutes} minutes "
             f"({total} points)")
    how = ("Answer in the `quiz` dict below, then run `check(\"quiz\")`: each answer comes back "
           "with an explanation of the option you chose.")
    lines = [title, "", how]
    for question in quiz.questions:
        lines += ["", f"**{question.name}.** {question.prompt} *({HINTS[question.kind]})*", ""]
        lines += [f"- **{letter}** {text}" for letter, text in question.options.items()]
        if question.kind == "match":
            lines += ["", "Names: " + ", ".join(f"`{t}`" for t in question.targets)]
    return "\n".join(lines)


def quiz_code(quiz: Quiz, answered: bool) -> str:
    """The ``quiz`` dict: the key in the solution, ``None`` everywhere in the starter."""
    lines = ["quiz = {"]
    for question in quiz.questions:
        value = repr(question.answer) if answered else "None"
        if answered and question.kind == "match":
            value = "{" + ", ".join(f"{k!r}: {v!r}" for k, v in question.answer.items()) + "}"
        lines.append(f"    {question.name!r}: {value},  # {HINTS[question.kind]}"
                     .replace("'", '"'))
    lines.append("}")
    return "\n".join(lines)


# -- the tests (one per question; each exercise's test file calls ``quiz_test``) ---------------


def quiz_test(exercise: str) -> Callable[..., None]:
    """A pytest test function, parametrised over the questions of ``exercise``'s quiz."""
    import pytest

    from grading.plugin import EXPLANATION

    quiz = load_quiz(exercise)
    by_name = {q.name: q for q in quiz.questions}
    params = [pytest.param(q.name, id=q.name,
                           marks=[pytest.mark.points(q.points), pytest.mark.title(
                               f"{q.name}: {_short(q.prompt)}")])
              for q in quiz.questions]

    @pytest.mark.question("quiz")
    @pytest.mark.parametrize("name", params)
    def test_quiz(nb: Any, name: str, record_property: Callable[[str, str], None]) -> None:
        """A quiz answer"""
        answers = nb.quiz
        assert type(answers) is dict, f"expected `quiz` to be a dict, got {type(answers).__name__}"
        right, words = score(by_name[name], answers.get(name))
        assert right, words
        record_property(EXPLANATION, words)

    return test_quiz


def _short(prompt: str, limit: int = 70) -> str:
    text = " ".join(prompt.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading.quiz",
                                     description="Check the quiz files and show one quiz.")
    parser.add_argument("exercise", nargs="?", help="e.g. 01_history (default: check all)")
    args = parser.parse_args(argv)
    from grading.plugin import known_exercises

    names = [args.exercise] if args.exercise else known_exercises()
    try:
        quizzes = [load_quiz(name) for name in names]
    except QuizError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for quiz in quizzes:
        if args.exercise:
            print(quiz_markdown(quiz))
        else:
            points = sum(q.points for q in quiz.questions)
            print(f"{quiz.exercise}: {len(quiz.questions)} questions, {points} points, "
                  f"{quiz.minutes} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
