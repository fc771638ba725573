"""``check("q1")`` inside an exercise notebook: run that question's tests on the live code.

The tests run in-process with pytest on the notebook's own globals, so the learner's latest
edits are what gets checked, in well under a second after the first call. Under the class
grader (``COURSE_GRADING=1``) ``check`` does nothing.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from demo.paths import PROJECT_ROOT
from grading.notebook import NotebookNamespace
from grading.outcomes import TestOutcome

GRADING_ENV = "COURSE_GRADING"
EXERCISE_TESTS_DIR = PROJECT_ROOT / "tests" / "exercises"


def grading_active() -> bool:
    return os.environ.get(GRADING_ENV) == "1"


def run_tests(
    files: Iterable[Path],
    namespaces: dict[str, Any] | None = None,
    question: str | None = None,
    test_timeout: float | None = None,
    cap_output: int | None = None,
    extra_args: Iterable[str] = (),
    on_event: Callable[..., None] | None = None,
    deselect: Iterable[str] = (),
    link: Any = None,
) -> tuple[list[TestOutcome], list[str]]:
    """Run the given test files in this process; (outcomes, collection errors).

    pytest's own report is swallowed: the outcomes are what the caller shows. ``on_event``
    hears each test start and each outcome as it happens (the class grader's journal).
    """
    import pytest

    from grading.plugin import Recorder

    recorder = Recorder(namespaces, question, test_timeout, cap_output, on_event, deselect,
                        link)
    # no:unraisableexception - its two full garbage collections per run cost more than the
    # tests themselves once pandas and scikit-learn are loaded.
    # --tb=no - the outcomes are worded from the exception itself (grading.outcomes.explain);
    # pytest's own traceback, which parses the source of every frame, would cost ~0.2 s of
    # CPU per failed test and be thrown away.
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:unraisableexception", "--no-header",
            "--tb=no", "-W", "ignore::DeprecationWarning", *extra_args,
            *[str(f) for f in files]]
    if test_timeout and link is None:  # a sandbox link times the student's side itself
        args += ["--timeout", f"{test_timeout:g}"]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main(args, plugins=[recorder])
    return recorder.results(), recorder.collection_errors


def render_question(question: str, outcomes: list[TestOutcome]) -> str:
    """The plain-words report ``check`` prints: one line per test, then the score."""
    if not outcomes:
        return f"{question}: there are no checks for this question (is the name right?)"
    earned = sum(o.earned for o in outcomes)
    total = sum(o.points for o in outcomes)
    passed = sum(o.passed for o in outcomes)
    verdict = "all checks passed" if passed == len(outcomes) else (
        f"{passed} of {len(outcomes)} checks passed")
    lines = [f"{question}: {verdict} ({earned:g}/{total:g} points)"]
    for outcome in outcomes:
        mark = "✔" if outcome.passed else "✘"
        lines.append(f"  {mark} {outcome.title}")
        if outcome.message:  # why it failed; for a quiz answer, also why it is right
            for line in outcome.message.splitlines():
                lines.append(f"      {line}")
    return "\n".join(lines)


def check_question(exercise: str, question: str, namespace: dict[str, Any]) -> str:
    """Run ``question``'s tests of ``exercise`` on ``namespace``; the report as text."""
    test_file = EXERCISE_TESTS_DIR / f"test_{exercise}.py"
    if not test_file.exists():
        return f"{question}: no tests found for {exercise} ({test_file} is missing)"
    outcomes, errors = run_tests(
        [test_file],
        namespaces={exercise: NotebookNamespace(namespace)},
        question=question,
        extra_args=["--capture=sys"],
    )
    if errors and not outcomes:
        return f"{question}: the checks could not be loaded:\n{errors[0]}"
    return render_question(question, outcomes)


def checker(exercise: str) -> Callable[[str], None]:
    """A ``check(question)`` function bound to one exercise (first cell of each notebook)."""

    def check(question: str) -> None:
        """Run this question's checks on the code you ran so far and print what passed."""
        if grading_active():
            return
        namespace = sys._getframe(1).f_globals  # the notebook's globals
        print(check_question(exercise, question, namespace))

    return check
